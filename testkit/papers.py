"""Reading the printed papers back, as a person would: the PDF's text, and the QR codes a phone camera
reads off its printed pages (each page rendered at 200 dpi, the codes decoded with zxing-cpp)."""
from __future__ import annotations

import io

import pypdfium2
import zxingcpp
from pypdf import PdfReader


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page."""
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def pdf_codes(data: bytes, dpi: int = 200) -> list[list[str]]:
    """The QR codes' texts on each page, top to bottom, left to right."""
    document = pypdfium2.PdfDocument(data)
    found = []
    try:
        for page in document:
            image = page.render(scale=dpi / 72).to_pil().convert("L")
            codes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
            placed = sorted(codes, key=lambda c: (round(c.position.top_left.y / 50), c.position.top_left.x))
            found.append([c.text for c in placed if c.valid])
    finally:
        document.close()
    return found
