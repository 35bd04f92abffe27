"""Reading a province's list of nominees from the spreadsheet it sent (.xlsx or .csv).

Government spreadsheets vary: a title row or two above the header ("DANH SÁCH ĐẠI BIỂU…"), headers
with or without diacritics, in Vietnamese or English, a row of column numbers "(1) (2) (3)" under
the header, CSV saved by Excel in the Windows Vietnamese code page with ";" between fields, phone
numbers that Excel turned into numbers and so lost their leading 0. All of that is accepted; what
comes out is one dict per non-empty row, keyed by field, with the row number Excel shows.

A list is read in a worker process (`read_elsewhere`), rows streamed and counted: a file of 300,000 rows
is refused after its first MAX_ROWS people, without reading the rest, and one that takes too long to read
(a sheet of a million formatted empty rows) is stopped; the bot answers everyone else meanwhile.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from itertools import chain, islice
from pathlib import PurePath
from xml.etree.ElementTree import ParseError

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from bot.infra import worker_process
from bot.services.nominee_errors import RowError
from bot.text import clean, fold

FIELDS = ("full_name", "position", "organization", "province", "category", "phone")
REQUIRED_COLUMNS = ("full_name", "province", "category")
HEADER_ROWS = 5  # the header is looked for in the first rows
# One province sends a few dozen people and the whole conference is a few hundred: 2,000 leaves room for a
# merged list of every province several times over, and reads in well under a second.
MAX_ROWS = 2_000
READ_SECONDS = 20  # a list of MAX_ROWS reads in about 0.5 s; past this the file is not a plain list
READ_MEMORY = 1024 ** 3  # the reading process's address space: a compressed-XML bomb stops there

# folded header texts (see bot.text.fold); a header also matches when it starts with a longer alias
ALIASES = {
    "full_name": ("ho va ten", "ho ten", "ten", "ho va ten dai bieu", "ho ten dai bieu", "dai bieu", "name",
                  "full name", "fullname"),
    "position": ("chuc vu", "chuc danh", "position", "title", "job title"),
    "organization": ("co quan", "don vi", "co quan don vi", "don vi cong tac", "noi cong tac", "ten co quan",
                     "ten don vi", "organization", "organisation", "agency"),
    "province": ("tinh", "tinh thanh", "tinh thanh pho", "dia phuong", "province"),
    "category": ("thanh phan", "thanh phan tham du", "doi tuong", "category"),
    "phone": ("dien thoai", "so dien thoai", "sdt", "so dt", "dt", "dtdd", "di dong", "phone", "phone number",
              "mobile", "telephone", "tel"),
}
_COLUMN_NUMBER = re.compile(r"^\(?\d{1,2}\)?$")


class TableError(Exception):
    """The file as a whole cannot be read; `error` says why (row 0), with the limit it went past."""

    def __init__(self, reason: str, **extra: object) -> None:
        super().__init__(reason)
        self.error = RowError(0, "", reason, extra=extra)


def field_of(header: object) -> str | None:
    text = fold(str(header or ""))
    for name, aliases in ALIASES.items():
        if text in aliases or any(len(a) >= 4 and text.startswith(a + " ") for a in aliases):
            return name
    return None


def cell_text(value: object) -> str:
    """A cell as text; a whole number stays whole (905123456.0 → "905123456")."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean(str(value))


def _xlsx_rows(data: bytes) -> Iterator[tuple]:
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError, ParseError):
        raise TableError("unreadable") from None
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # some programs write a wrong size; read what is there
        yield from sheet.iter_rows(min_row=1, values_only=True)  # one row at a time, as the XML is read
    except (zipfile.BadZipFile, KeyError, ValueError, ParseError, IndexError):
        raise TableError("unreadable") from None
    finally:
        book.close()


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "cp1258"):  # UTF-8 with or without BOM, else Windows Vietnamese
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError("unreadable")


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    text = _decode(data)
    sample = "\n".join(text.splitlines()[:20])
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = max(",;\t", key=sample.count)
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error:  # a NUL byte, an unclosed quote at the end of the file
        raise TableError("unreadable") from None


def _header(rows: list[list[object]]) -> tuple[int, dict[int, str]]:
    """The header's index and which column holds which field (the first column wins)."""
    for index, row in enumerate(rows[:HEADER_ROWS]):
        found: dict[int, str] = {}
        for column, value in enumerate(row):
            name = field_of(value)
            if name and name not in found.values():
                found[column] = name
        if set(REQUIRED_COLUMNS) <= set(found.values()):
            return index, found
    raise TableError("no_header")


def _is_column_numbers(values: list[str]) -> bool:
    filled = [v for v in values if v]
    return len(filled) >= 3 and all(_COLUMN_NUMBER.match(v) for v in filled)


def _rows(data: bytes, filename: str) -> Iterator:
    suffix = PurePath(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(data)
    if suffix in (".csv", ".txt"):
        return _csv_rows(data)
    raise TableError("file_type")


def read_table(data: bytes, filename: str, *, limit: int = MAX_ROWS) -> list[dict]:
    """The nominees of a list: {"row": n, "full_name": …, …} per non-empty row, values as text; TableError
    ("too_many_rows") as soon as a row past `limit` people is met."""
    rows = _rows(data, filename)
    try:
        top = list(islice(rows, HEADER_ROWS))
        header, columns = _header(top)
        table = []
        for index, row in enumerate(chain(top[header + 1:], rows), start=header + 1):
            values = {name: cell_text(row[column]) if column < len(row) else ""
                      for column, name in columns.items()}
            if not any(values.values()):
                continue  # an empty row, or a numbered row of an empty form
            if index == header + 1 and _is_column_numbers(list(values.values())):
                continue  # "(1) (2) (3)…" under the header
            if len(table) == limit:
                raise TableError("too_many_rows", limit=limit)
            table.append({"row": index + 1, **{name: values.get(name, "") for name in FIELDS}})
        return table
    finally:
        rows.close()  # the workbook, if it was opened


async def read_elsewhere(data: bytes, filename: str) -> list[dict]:
    """`read_table` in a worker process, within READ_SECONDS and READ_MEMORY."""
    try:
        return await worker_process.run_once(read_table, data, filename, timeout=READ_SECONDS,
                                             memory=READ_MEMORY)
    except (worker_process.TooSlow, worker_process.WorkerLost, MemoryError):
        raise TableError("too_heavy", seconds=READ_SECONDS) from None
