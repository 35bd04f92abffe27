"""Why a row of a province's list cannot be imported, in words for the organizer.

An error is data (row, column, a stable reason code, the value found) so the bot, the command line
and the tests each say it their way; `describe` gives the Vietnamese or English sentence. The texts
live here rather than in the gettext catalogues because the command line has no catalogue loaded.
"""
from __future__ import annotations

from dataclasses import dataclass, field

FIELD_NAMES = {  # (Vietnamese, as inside a sentence; English)
    "full_name": ("họ và tên", "the full name"), "position": ("chức vụ", "the position"),
    "organization": ("cơ quan/đơn vị", "the organization"), "province": ("tỉnh", "the province"),
    "category": ("thành phần", "the category"), "phone": ("số điện thoại", "the phone number"),
}

COLUMNS_HINT = ("Họ và tên, Tỉnh, Thành phần (có thể thêm Chức vụ, Cơ quan/đơn vị, Điện thoại)",
                "Full name, Province, Category (optionally Position, Organization, Phone)")

MESSAGES = {  # reason → (Vietnamese, English)
    # the file as a whole (row 0)
    "file_type": ("Chỉ nhận tệp Excel (.xlsx) hoặc CSV. Xin vui lòng lưu danh sách dạng .xlsx hoặc .csv.",
                  "Only Excel (.xlsx) and CSV files can be imported. Please save the list as .xlsx or .csv."),
    "unreadable": ("Không đọc được tệp. Xin vui lòng kiểm tra tệp mở được bằng Excel, lưu lại rồi gửi lại.",
                   "The file could not be read. Please check that it opens in Excel, save it and send it again."),
    "no_header": ("Không tìm thấy dòng tiêu đề trong 5 dòng đầu. Danh sách cần có các cột: {columns}.",
                  "No header row in the first 5 rows. The list needs the columns: {columns}."),
    "no_rows": ("Tệp không có dòng đại biểu nào dưới dòng tiêu đề.",
                "The file has no delegates below the header row."),
    "too_many_rows": ("Danh sách có hơn {limit} người; mỗi tệp chỉ nhập được tối đa {limit} người, nên chưa nhập "
                      "gì. Xin vui lòng chia danh sách thành nhiều tệp.",
                      "The list has more than {limit} people; at most {limit} can be imported from one file, so "
                      "nothing was imported. Please split the list into several files."),
    "too_heavy": ("Tệp quá nặng, không đọc được trong giới hạn {seconds} giây, nên chưa nhập gì. Tệp có thể chứa "
                  "rất nhiều dòng trống đã định dạng: xin vui lòng chép danh sách sang một tệp Excel mới rồi gửi lại.",
                  "The file is too heavy to read within the limit of {seconds} seconds, so nothing was imported. It "
                  "may hold a great many formatted empty rows: please copy the list into a new workbook and send it "
                  "again."),
    # a value (the reasons of bot.services.fields, then those of a list)
    "empty": ("Thiếu {field}.", "{Field} is missing."),
    "too_short": ("{Field} quá ngắn (ít nhất {minimum} ký tự): “{value}”.",
                  "{Field} is too short (at least {minimum} characters): “{value}”."),
    "too_long": ("{Field} quá dài: {length} ký tự, tối đa {limit} ký tự.",
                 "{Field} is too long: {length} characters, at most {limit}."),
    "emoji": ("{Field} có biểu tượng hoặc ký hiệu không in được trên thẻ đại biểu: “{value}”.",
              "{Field} contains emoji or symbols that cannot be printed on a badge: “{value}”."),
    "digits": ("{Field} không được có chữ số: “{value}”.", "{Field} must not contain digits: “{value}”."),
    "no_letters": ("{Field} cần có chữ cái: “{value}”.", "{Field} needs letters: “{value}”."),
    "unknown_province": ("Không có tỉnh “{value}” trong danh sách các tỉnh dự hội nghị.",
                         "“{value}” is not one of the provinces of the conference."),
    "unknown_category": ("Không có thành phần “{value}” trong kế hoạch hội nghị.",
                         "“{value}” is not a category of the conference."),
    "category_not_allowed": ("Thành phần “{value}” không dành cho đại biểu {province}.",
                             "The category “{value}” is not offered to delegates of {province}."),
    "phone": ("Số điện thoại “{value}” không hợp lệ (ví dụ đúng: 0905 123 456).",
              "“{value}” is not a valid phone number (for example 0905 123 456)."),
    "duplicate_phone": ("Trùng số điện thoại với dòng {other}.", "Same phone number as row {other}."),
    "duplicate_name": ("Trùng họ tên và tỉnh với dòng {other}.", "Same name and province as row {other}."),
    "already_registered": ("Số điện thoại {value} đã được dùng để đăng ký dự hội nghị.",
                           "Someone with the phone number {value} has already registered."),
    "already_nominated": ("Đại biểu này đã có trong một danh sách đã nhập trước đây.",
                          "This person is already on a list imported before."),
}


@dataclass
class RowError:
    """A row that cannot be imported: `row` as the spreadsheet numbers it (0: the whole file)."""

    row: int
    field: str  # full_name | position | organization | province | category | phone | "" (the file)
    message_key: str  # a stable reason code, a key of MESSAGES
    value: str = ""
    extra: dict[str, object] = field(default_factory=dict)  # numbers and names the sentence needs

    @property
    def reason(self) -> str:
        return self.message_key

    @property
    def message(self) -> str:
        return describe(self, "en")


def describe(error: RowError, lang: str) -> str:
    """The error as one polite sentence, prefixed with its row ("Dòng 5: …" / "Row 5: …")."""
    en = lang == "en"
    vi_name, en_name = FIELD_NAMES.get(error.field, ("", ""))
    name = en_name if en else vi_name
    province = error.extra.get("province_en" if en else "province", "")
    limit = error.extra.get("limit")
    if isinstance(limit, int):  # 2,000 in English, 2.000 in Vietnamese
        limit = f"{limit:,}" if en else f"{limit:,}".replace(",", ".")
    values = {**error.extra, "limit": limit, "field": name, "Field": name[:1].upper() + name[1:],
              "value": error.value, "columns": COLUMNS_HINT[en], "province": province}
    text = MESSAGES[error.message_key][en].format(**values)
    return f"{'Row' if en else 'Dòng'} {error.row}: {text}" if error.row else text
