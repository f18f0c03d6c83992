"""The OAI cache's writers version names modules by their path inside the tree, not by
the folder the tree is installed in (it used to take the checkout's folder name in for
``catalogue/records.py`` and ``oai/formats.py``), yet changes with their code."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PRINT = "from oai.formats import writers_version; print(writers_version())"


def _version(tree: Path) -> str:
    out = subprocess.run([sys.executable, "-c", PRINT], cwd=tree, check=True,
                         capture_output=True, text=True, env={"PYTHONPATH": str(tree)})
    return out.stdout.strip()


def _copy(target: Path) -> Path:
    for package in ("catalogue", "oai", "harvesters", "indexes"):
        shutil.copytree(REPO / package, target / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_the_version_does_not_depend_on_where_the_code_is(tmp_path: Path) -> None:
    one = _copy(tmp_path / "main")
    other = _copy(tmp_path / "elsewhere" / "wt-store")
    assert _version(one) == _version(other)


def test_the_version_follows_the_writers_code(tmp_path: Path) -> None:
    tree = _copy(tmp_path / "main")
    before = _version(tree)
    records = tree / "catalogue" / "records.py"
    records.write_text(records.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert _version(tree) != before
