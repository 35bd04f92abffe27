"""A QR code as reception staff photograph it from a delegate's phone, for check-in tests and benchmarks."""
from __future__ import annotations

import io

from PIL import Image


def phone_photo(png: bytes, angle: float, width: int, height: int) -> bytes:
    """The code as a phone camera sees a screen: turned, smaller, off centre, on a grey desk, as JPEG."""
    code = Image.open(io.BytesIO(png)).convert("RGB")
    turned = code.rotate(angle, expand=True, fillcolor=(128, 120, 110))
    scale = (height * 0.55) / turned.height
    turned = turned.resize((int(turned.width * scale), int(turned.height * scale)))
    desk = Image.new("RGB", (width, height), (128, 120, 110))
    desk.paste(turned, (int(width * 0.12), int(height * 0.3)))
    out = io.BytesIO()
    desk.save(out, "JPEG", quality=82)
    return out.getvalue()
