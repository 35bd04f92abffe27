"""Spreadsheet building blocks shared by every export and by the nominee links table.

Every report is a set of tables; one function writes a table the way the secretariat expects it in
Excel (bold, frozen, filterable header; real date and time cells in Vietnamese day-month order;
columns wide enough to read), and one writes the same rows as CSV. The reports only decide rows.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

DATE_FORMAT, TIME_FORMAT, DATETIME_FORMAT = "dd/mm/yyyy", "hh:mm", "dd/mm/yyyy hh:mm"
_CSV_FORMATS = {datetime: "%d/%m/%Y %H:%M", date: "%d/%m/%Y", time: "%H:%M"}
_NOT_IN_SHEET_TITLES = re.compile(r"[\[\]:*?/\\]")
_BOLD = Font(bold=True)
_FORMULA = re.compile(r"^(?:[=@\t\r]|[+-]\D)")
_MAX_WIDTH, _DATE_WIDTH = 45, 12

# Words every report uses, in the bot's two languages.
WORDS = {
    "yes": ("Có", "Yes"), "no": ("Không", "No"), "total": ("Tổng cộng", "Total"),
    "summary": ("Tổng hợp", "Summary"), "no_": ("STT", "No."), "full_name": ("Họ và tên", "Full name"),
    "position": ("Chức vụ", "Position"), "organization": ("Cơ quan/đơn vị", "Organization"),
    "province": ("Tỉnh", "Province"), "category": ("Thành phần", "Category"), "phone": ("Điện thoại", "Phone"),
    "note": ("Ghi chú", "Note"), "sheet_cancelled": ("Đã hủy", "Cancelled"), "other": ("Khác", "Other"),
    "arrival_date": ("Ngày đến", "Arrival date"), "arrival_time": ("Giờ đến", "Arrival time"),
    "travel_mode": ("Phương tiện", "Travel"), "lodging": ("Cần phòng nghỉ", "Needs lodging"),
    "registered_at": ("Đăng ký lúc", "Registered at"), "id": ("Mã", "ID"), "cancelled_at": ("Hủy lúc", "Cancelled at"),
    "registered": ("Đăng ký", "Registered"), "part": ("Phần", "Part"), "cancelled_part": ("đã hủy", "cancelled"),
    "checked_in": ("Đã điểm danh", "Checked in"), "checkin_time": ("Giờ điểm danh", "Check-in time"),
    "checkin_by": ("Người điểm danh", "Checked in by"), "checkin_via": ("Cách điểm danh", "How"),
    "remark": ("Lưu ý", "Remark"), "not_expected": ("Không đăng ký phần này", "Not registered for this part"),
    "day": ("Ngày", "Day"), "night": ("Đêm", "Night"), "rooms_list": ("Danh sách", "List"),
    "guests": ("Số người", "People"), "local_time": ("Giờ địa phương", "Local time"),
    "via_link": ("Quét mã bằng camera", "Code scanned (camera)"), "via_photo": ("Ảnh mã QR", "Photo of the code"),
    "via_token": ("Nhập mã", "Code typed"), "via_search": ("Tìm theo tên/SĐT", "Name or phone search"),
    "via_desk": ("Quầy đón tiếp", "Reception desk"), "personal_link": ("Link đăng ký cá nhân", "Personal link"),
    "sign_in_title": ("DANH SÁCH ĐẠI BIỂU KÝ TÊN", "SIGN-IN SHEET"), "signature": ("Ký tên", "Signature"),
    "page_of": ("Trang {page}/{pages}", "Page {page} of {pages}"),
    "nobody_registered": ("Không có đại biểu nào đăng ký.", "No delegate registered."),
    "badges_title": ("Thẻ đại biểu", "Delegate badges"), "all_provinces": ("Các tỉnh", "All provinces"),
    "via_sheet": ("Danh sách ký", "Signed sheet"),
    "hotel": ("Khách sạn", "Hotel"), "room": ("Phòng", "Room"), "room_type": ("Loại phòng", "Room type"),
    "rooms_held": ("Số phòng giữ", "Rooms held"), "rooms_used": ("Số phòng đã xếp", "Rooms assigned"),
    "hotels": ("Theo khách sạn", "By hotel"), "unassigned": ("Chưa xếp phòng", "No room yet"),
    "companions": ("Người đi cùng", "Companions"), "salutation": ("Xưng hô", "Address as"),
    "departure_date": ("Ngày về", "Departure date"), "departure_time": ("Giờ về", "Departure time"),
    "meal": ("Bữa ăn", "Meal"), "meals": ("Bữa ăn", "Meals"), "at": ("Thời gian", "Time"),
    "delegates": ("Đại biểu", "Delegates"), "stay_changed": ("Đổi lịch lưu trú", "Stay changed"),
    "room_wish": ("Nguyện vọng phòng", "Room wish"), "single": ("Phòng đơn", "Single"),
    "shared": ("Ở ghép", "Shared"),
}


def word(key: str, lang: str) -> str:
    vi, en = WORDS[key]
    return en if lang == "en" else vi


def words(lang: str) -> Callable[[str], str]:
    """`word` with the language fixed, for building a header: w("full_name"), w("province")…"""
    return lambda key: word(key, lang)


def yes_no(flag: bool, lang: str) -> str:
    return word("yes" if flag else "no", lang)


@dataclass(frozen=True)
class Column:
    header: str
    note: str = ""  # shown as a comment on the header cell


Row = Sequence[object]


def columns(*headers: str | Column) -> list[Column]:
    return [h if isinstance(h, Column) else Column(h) for h in headers]


def sheet_title(name: str, taken: Iterable[str]) -> str:
    """A name Excel accepts: at most 31 characters, none of []:*?/\\, not used yet (case-blind)."""
    taken = {t.lower() for t in taken}
    base = _NOT_IN_SHEET_TITLES.sub("-", name).strip().strip("'")[:31] or "Sheet"
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title, n = base[:31 - len(suffix)] + suffix, n + 1
    return title


def new_workbook() -> Workbook:
    workbook = Workbook()
    workbook.remove(workbook.active)
    return workbook


def cell_format(value: object) -> str | None:
    """The number format of a date, time or date-and-time cell (datetime is a date, so first)."""
    if isinstance(value, datetime):
        return DATETIME_FORMAT
    if isinstance(value, date):
        return DATE_FORMAT
    if isinstance(value, time):
        return TIME_FORMAT
    return None


def _append(sheet: Worksheet, values: Row, *, bold: bool = False) -> None:
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f":  # typed by a delegate ("=HYPERLINK(…)"): text, never a formula
            cell.data_type = "s"
        number_format = cell_format(cell.value)
        if number_format:
            cell.number_format = number_format
        if bold:
            cell.font = _BOLD


def _width(value: object) -> int:
    if cell_format(value):
        return _DATE_WIDTH + (5 if isinstance(value, datetime) else 0)
    return len(str(value)) if value is not None else 0


def add_table(workbook: Workbook, name: str, header: Sequence[Column], rows: Iterable[Row],
              totals: Row | None = None) -> Worksheet:
    """A sheet with a bold, frozen header, a filter over the data and a bold totals row below it
    (outside the filter, so sorting the data never moves the totals)."""
    sheet = workbook.create_sheet(sheet_title(name, workbook.sheetnames))
    _append(sheet, [c.header for c in header], bold=True)
    for cell, column in zip(sheet[1], header):
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        if column.note:
            cell.comment = Comment(column.note, "delegate-bot")
    rows = list(rows)
    for row in rows:
        _append(sheet, row)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{sheet.max_row}"
    if totals is not None:
        _append(sheet, totals, bold=True)
    for i, column in enumerate(header, start=1):
        widest = max([_width(r[i - 1]) for r in rows + ([totals] if totals else []) if i <= len(r)] or [0])
        sheet.column_dimensions[get_column_letter(i)].width = min(_MAX_WIDTH, max(6, widest + 2,
                                                                                   min(len(column.header), 24)))
    return sheet


def workbook_bytes(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _csv_text(value: object) -> str:
    for kind, pattern in _CSV_FORMATS.items():
        if isinstance(value, kind):
            return value.strftime(pattern)
    text = "" if value is None else str(value)
    # what a delegate typed must not become a formula when Excel opens the file (CSV injection)
    return "'" + text if _FORMULA.match(text) else text


def csv_bytes(header: Sequence[Column], rows: Iterable[Row]) -> bytes:
    """CSV in UTF-8 with a byte order mark: without it Excel on Windows reads Vietnamese as mojibake."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in header])
    writer.writerows([_csv_text(v) for v in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def with_totals(items: Iterable[tuple[object, Sequence[int]]], lang: str, width: int) -> tuple[list[list], list]:
    """Summary rows (a label and `width` counts) and the totals row under them (zeros if no rows)."""
    rows = [[label, *counts] for label, counts in items]
    sums = [sum(column) for column in zip(*(row[1:] for row in rows))] or [0] * width
    return rows, [word("total", lang), *sums]
