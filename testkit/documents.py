"""Sample report files for the province reports' tests: real PDF, DOC and DOCX bytes, and files that only
pretend to be one (a picture renamed .pdf, a workbook renamed .docx)."""
from __future__ import annotations

import io

import docx
import openpyxl

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def pdf(text: str = "Báo cáo 6 tháng") -> bytes:
    body = text.encode("utf-8")
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% " + body + b"\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def doc(text: str = "Báo cáo") -> bytes:
    """The start of a Word 97 file (the compound file header), enough for a check that reads the content."""
    return OLE2 + b"\x00" * 504 + text.encode("utf-16-le")


def docx_file(text: str = "Báo cáo 6 tháng đầu năm 2023") -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def png() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def xlsx_file() -> bytes:
    out = io.BytesIO()
    openpyxl.Workbook().save(out)
    return out.getvalue()
