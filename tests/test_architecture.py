"""The dependency rule of ARCHITECTURE.md, enforced on the source tree.

``catalogue.records`` and ``catalogue.formats`` import nothing else of ours;
``harvesters``, ``indexes`` and ``oai`` may import those two but not Flask (except the
OAI blueprint module) and not each other. The web app, CLI and scheduler compose.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
OURS = ("catalogue", "harvesters", "indexes", "oai")


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def modules(package: str) -> list[Path]:
    return sorted((REPO / package.replace(".", "/")).rglob("*.py"))


def ours(names: set[str]) -> set[str]:
    return {n for n in names if n.split(".")[0] in OURS}


def allowed_core(name: str) -> bool:
    return name in {"catalogue.records", "catalogue"} or name.startswith(
        ("catalogue.records.", "catalogue.formats")
    )


@pytest.mark.parametrize("path", modules("catalogue/formats") + [REPO / "catalogue/records.py"],
                         ids=lambda p: str(p.relative_to(REPO)))
def test_model_and_formats_import_nothing_else_of_ours(path: Path) -> None:
    bad = {n for n in ours(imports(path)) if not allowed_core(n)}
    assert not bad, f"{path.relative_to(REPO)} imports {sorted(bad)}"


@pytest.mark.parametrize("package", ["harvesters", "indexes", "oai"])
def test_outer_packages_import_only_the_model_and_formats(package: str) -> None:
    for path in modules(package):
        names = imports(path)
        bad = {n for n in ours(names) if not allowed_core(n) and not n.startswith(package)}
        assert not bad, f"{path.relative_to(REPO)} imports {sorted(bad)}"
        if path.name != "blueprint.py":
            assert not {n for n in names if n.split(".")[0] == "flask"}, path


def test_no_module_outside_indexes_imports_an_engine() -> None:
    """The engines live behind :mod:`indexes.engine`: nothing outside ``indexes/`` (tests
    of what is genuinely engine-specific apart) imports ``indexes.whoosh`` or
    ``indexes.tantivy``, nor the engine libraries themselves."""
    engines = ("indexes.whoosh", "indexes.tantivy", "whoosh", "tantivy")
    for package in ("catalogue", "harvesters", "oai"):
        for path in modules(package):
            bad = {n for n in imports(path) if n.startswith(engines)
                   and n.split(".")[0] in ("indexes", "whoosh", "tantivy")}
            assert not bad, f"{path.relative_to(REPO)} imports {sorted(bad)}"


def test_each_engine_imports_only_its_own_library_and_the_neutral_top() -> None:
    for own, other in (("whoosh", "tantivy"), ("tantivy", "whoosh")):
        for path in modules(f"indexes/{own}"):
            names = imports(path)
            bad = {n for n in names if n.split(".")[0] == other
                   or n.startswith(f"indexes.{other}")}
            assert not bad, f"{path.relative_to(REPO)} imports {sorted(bad)}"
    for path in modules("indexes"):
        if path.parent.name in ("whoosh", "tantivy"):
            continue
        bad = {n for n in imports(path) if n.split(".")[0] == "tantivy"}
        assert not bad, f"{path.relative_to(REPO)} imports {sorted(bad)}"


def test_only_the_composers_import_the_web_app() -> None:
    """The web app composes the services; a service importing ``catalogue.web`` runs the
    app's ``__init__`` (which imports the services back): ``catalogue.opac.params``
    reading numbers from ``catalogue.web.integers`` made every console command die of a
    circular import in a fresh process, while the test suite, importing the app first,
    stayed green."""
    composers = {REPO / "catalogue" / name for name in ("cli.py", "scheduler.py")}
    for path in modules("catalogue"):
        if path in composers or "web" in path.relative_to(REPO / "catalogue").parts[:1] \
                or "commands" in path.relative_to(REPO / "catalogue").parts[:1]:
            continue
        bad = {n for n in imports(path) if n == "catalogue.web" or n.startswith("catalogue.web.")}
        assert not bad, f"{path.relative_to(REPO)} imports {sorted(bad)}"
