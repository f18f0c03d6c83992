"""Whatever a source sends, a reader's browser gets a small, re-encoded image or nothing.

A cover comes from a partner's server or a third-party service: it may be an HTML error
page served as ``image/jpeg``, a truncated file, an SVG carrying a script, or a
20,000 x 20,000 pixel PNG of a few kilobytes that would stall a phone. So every image is
decoded by Pillow (raster formats only), refused beyond :data:`MAX_PIXELS`, scaled down
to :data:`SIZE` and encoded again (JPEG, or PNG when it has transparency): what we serve
is always an image we made, small and without metadata.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError

#: Raster formats accepted from a source.
FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
#: The largest picture decoded (width x height): beyond, the source is refused unread.
MAX_PIXELS = 40_000_000
#: The box a cover is scaled into (a results page shows it smaller, a record page at most).
SIZE = (320, 480)


def thumbnail(data: bytes) -> tuple[bytes, str] | None:
    """``data`` as a cover (bytes, media type), or None when it is not a usable image."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=FORMATS) as picture:
                width, height = picture.size
                if width < 1 or height < 1 or width * height > MAX_PIXELS:
                    return None
                picture.draft("RGB", SIZE)  # JPEG: decode at a reduced scale, much faster
                picture.load()
                alpha = picture.mode in ("RGBA", "LA", "PA") or (
                    picture.mode == "P" and "transparency" in picture.info)
                image = picture.convert("RGBA" if alpha else "RGB")
        image.thumbnail(SIZE)
        out = io.BytesIO()
        if alpha:
            image.save(out, "PNG", optimize=True)
            return out.getvalue(), "image/png"
        image.save(out, "JPEG", quality=85, optimize=True)
        return out.getvalue(), "image/jpeg"
    except (OSError, ValueError, SyntaxError, UnidentifiedImageError,
            Image.DecompressionBombError, Image.DecompressionBombWarning, EOFError):
        return None
