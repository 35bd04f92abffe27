"""The QR image a delegate shows at reception, and reading one back from a photo.

High error correction and 12-pixel modules: a phone camera reads it off another phone's screen
from 30 cm, and a photo of a creased printout still decodes. Name, province and category are
printed under the code so reception can see whose code it is before scanning.
"""
from __future__ import annotations

import io
import logging
from functools import lru_cache
from pathlib import Path

import fontpkg_be_vietnam_pro
import qrcode
import zxingcpp
from PIL import Image, ImageDraw, ImageFont, ImageOps
from qrcode.constants import ERROR_CORRECT_H

from bot.infra import worker_process

log = logging.getLogger(__name__)
# Be Vietnam Pro, installed with the bot (a package): every Vietnamese letter on every machine, the printed
# papers' own type (bot/screens/papers.py), and no system font to be missing from a slim server
FONTS = Path(fontpkg_be_vietnam_pro.ROOT) / "files"
MODULE_PX = 12
# a fixed mask: choosing the best of the eight is pure Python, 6.6 of the 7.6 ms a code took to make here; every
# reader takes any mask, and high error correction covers what a better mask would spare
MASK = 4
# zlib's quickest level: the picture is half again as large (12 KB rather than 8) and made in 2.3 ms rather than
# 4.1 here; Telegram and Zalo send on their own copy anyway
PNG_LEVEL = 1


@lru_cache(maxsize=4)
def _font(size: int, weight: str = "Regular") -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / f"BeVietnamPro-{weight}.ttf"), size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=font) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    return lines + ([line] if line else [])


def qr_code(link: str, **options) -> qrcode.QRCode:
    """The QR code of a link, as the check-in picture and the printed badges draw it."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_H, mask_pattern=MASK, **options)
    code.add_data(link)
    code.make(fit=True)
    return code


def _modules(matrix: list[list[bool]]) -> Image.Image:
    """The code's modules as a greyscale picture, MODULE_PX pixels each: one pixel per module enlarged in
    Pillow's C code (drawing a rectangle per module in Python took a quarter of the picture's time)."""
    side = len(matrix)
    pixels = bytes(0 if dark else 255 for row in matrix for dark in row)
    return Image.frombytes("L", (side, side), pixels).resize((side * MODULE_PX,) * 2, Image.Resampling.NEAREST)


def render(url: str, lines: list[str]) -> bytes:
    """A PNG: the QR code of `url`, and under it the given lines (the first one bold and larger)."""
    qr = _modules(qr_code(url, border=4).get_matrix())
    width = qr.width
    draw = ImageDraw.Draw(qr)
    texts = []
    for n, line in enumerate(lines):
        font = _font(34, "SemiBold") if n == 0 else _font(24)
        texts += [(part, font) for part in _wrap(draw, line, font, width - 48)]
    height = qr.height + sum(int(font.size * 1.4) for _, font in texts) + 24
    image = Image.new("L", (width, height), 255)
    image.paste(qr, (0, 0))
    draw = ImageDraw.Draw(image)
    y = qr.height - 8
    for text, font in texts:
        draw.text(((width - draw.textlength(text, font=font)) / 2, y), text, font=font, fill=0)
        y += int(font.size * 1.4)
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=PNG_LEVEL)
    return out.getvalue()


_drawer = worker_process.Helper("check-in pictures")


async def render_elsewhere(url: str, lines: list[str]) -> bytes:
    """Draw the badge in a worker process: the QR code and the PNG take milliseconds of CPU, which would hold the
    event loop and delay every other delegate's reply. The process ends with the bot."""
    try:
        return await _drawer.call(render, url, lines)
    except worker_process.WorkerLost:  # the worker was killed (out of memory, an operator): a new one, once
        log.warning("the badge drawing process ended; starting a new one")
        return await _drawer.call(render, url, lines)


def drawer_pid() -> int | None:
    """The drawing process's id while it runs (for the tests that end it)."""
    process = _drawer.process
    return process.pid if process is not None and process.returncode is None else None


async def stop_drawing() -> None:
    await _drawer.stop()


def read_codes(photo: bytes) -> list[str]:
    """The texts of the QR codes in a photo (tilted, off-centre, a screen or a printout); none in a file
    that is not a picture or is cut short."""
    try:
        with Image.open(io.BytesIO(photo)) as image:
            image = ImageOps.exif_transpose(image).convert("L")
            if max(image.size) > 2000:  # zxing is quicker on a smaller picture, and 1000 px is plenty
                image.thumbnail((1600, 1600))
            results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):  # PIL's ways to refuse a file
        return []
    return [r.text for r in results if r.valid] if results else []
