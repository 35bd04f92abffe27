"""A very long nominee list, written as Excel writes it (a <dimension>, shared strings) straight as XML:
openpyxl would take half a minute to write 300,000 rows."""
from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
HEADER = ["Họ và tên", "Chức vụ", "Tỉnh", "Thành phần"]
PERSON = ["Nguyễn Văn An", "Chuyên viên", "Gia Lai", "Chuyên viên Văn phòng UBND tỉnh"]
XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _row(first: int) -> str:
    """Shared strings first, first+1, … in columns A, B, …; no cell references (they are optional), so
    every row is the same text and 300,000 of them compress to a few hundred kB, as in Excel's files."""
    return "<row>" + "".join(f'<c t="s"><v>{first + i}</v></c>' for i in range(len(HEADER))) + "</row>"


def big_xlsx(people: int) -> bytes:
    """A header and `people` identical rows: a list far longer than any province's."""
    strings = HEADER + PERSON
    shared = (f'{XML}<sst xmlns="{MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">'
              + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings) + "</sst>")
    header, rows = _row(0), _row(len(HEADER)) * people
    sheet = (f'{XML}<worksheet xmlns="{MAIN}"><dimension ref="A1:D{people + 1}"/><sheetData>'
             f'{header}{rows}</sheetData></worksheet>')
    parts = {
        "[Content_Types].xml": (
            f'{XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{SHEET_TYPE}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SHEET_TYPE}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHEET_TYPE}.sharedStrings+xml"/></Types>'),
        "_rels/.rels": (
            f'{XML}<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1" Target="xl/workbook.xml" '
            f'Type="{RELS}/officeDocument"/></Relationships>'),
        "xl/workbook.xml": (
            f'{XML}<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>'
            '<sheet name="Danh sách" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'{XML}<Relationships xmlns="{PACKAGE_RELS}">'
            f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'),
        "xl/sharedStrings.xml": shared,
        "xl/worksheets/sheet1.xml": sheet,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()
