"""The QR code of a permalink, for the printed record: a reader's phone finds the page again.

segno writes the SVG itself; it is inlined in the page (no image file, no request), with
a title for screen readers and no XML declaration (it sits inside HTML).
"""

from __future__ import annotations

import segno
from markupsafe import Markup


def svg(url: str, title: str) -> Markup:
    """``url`` as an inline SVG QR code (error correction M), titled ``title``."""
    code = segno.make(url, error="m", micro=False)
    return Markup(code.svg_inline(scale=3, title=title, svgclass="qr", lineclass=None,
                                  omitsize=False))
