"""Importing a province's list of nominees: reading the spreadsheet, row errors, all or nothing,
personal links that pre-fill the registration."""
import csv
import io
import re
import unicodedata

import openpyxl
import pytest
from sqlalchemy import func, select

from bot.services import nominee_files, nominees
from bot.services import registration as reg
from bot.services.accounts import get_or_create_account
from models import Nominee
from testkit.big_lists import big_xlsx
from testkit.records import draft

HEADER = ["STT", "Họ và tên", "Chức vụ", "Cơ quan/đơn vị", "Tỉnh", "Thành phần", "Điện thoại"]


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD = [
    ["DANH SÁCH ĐẠI BIỂU DỰ HỘI NGHỊ SƠ KẾT CỤM THI ĐUA"],  # a title row above the header
    [],
    HEADER,
    [1, "Nguyễn Văn An", "Phó Chủ tịch", "UBND tỉnh Gia Lai", "Gia Lai", "Lãnh đạo UBND tỉnh", 905123456],
    [2, "Trần Thị Bích", "Chuyên viên", None, "gia lai", "emulation_board", "0912 345 678"],
    [3, "Lê Văn Cường", None, None, "Trung ương", "Phóng viên báo, đài", None],
]

BAD = [
    HEADER,
    [1, "Nguyễn Văn An", "Phó Chủ tịch", "UBND tỉnh Gia Lai", "Gia Lai", "Lãnh đạo UBND tỉnh", "0905123456"],  # 2 ok
    [2, "Trần Văn Bảo", "Chuyên viên", "", "Hà Nội", "ubnd_leader", ""],  # 3 unknown province
    [3, "Lê Thị Cúc", "Phóng viên", "", "Bình Định", "Phóng viên báo, đài", ""],  # 4 not for Bình Định
    [4, "Phạm Văn Dũng", "Chuyên viên", "", "Kon Tum", "ubnd_office", "12345"],  # 5 bad phone
    [5, None, "Chuyên viên", "", "Kon Tum", "ubnd_office", ""],  # 6 no name
    [6, "Võ Thị Em", "Chuyên viên", "", "Phú Yên", "ubnd_office", "0905 123 456"],  # 7 same phone as 2
    [None, None, None, None, None, None, None],  # 8 empty: skipped
    [7, "nguyen van an", "Chuyên viên", "", "Gia Lai", "ubnd_office", ""],  # 9 same name and province as 2
    [8, "Đỗ Văn Phúc", "Giám đốc", "", "Khánh Hòa", "home_affairs_leader", "0987654321"],  # 10 ok
    [9, "Ngô Văn 2", "Chuyên viên", "", "Khánh Hòa", "ubnd_office", ""],  # 11 digits in the name
]


async def count(db) -> int:
    async with db.session() as session:
        return await session.scalar(select(func.count()).select_from(Nominee))


async def import_table(db, conference, data: bytes, filename: str, only_valid=False):
    rows = nominees.read_table(data, filename)
    async with db.session() as session:
        return await nominees.import_rows(session, conference, rows, None, filename, only_valid=only_valid)


async def test_good_xlsx_with_a_title_row_and_a_numeric_phone(db, conference):
    rows = nominees.read_table(xlsx(GOOD), "gia_lai.xlsx")
    assert [r["row"] for r in rows] == [4, 5, 6]
    assert rows[0]["phone"] == "905123456"  # Excel made it a number and dropped the 0
    result = await import_table(db, conference, xlsx(GOOD), "gia_lai.xlsx")
    assert result.errors == [] and not result.refused
    an, bich, cuong = result.created
    assert (an.full_name, an.province, an.category, an.phone) == ("Nguyễn Văn An", "gia_lai", "ubnd_leader",
                                                                  "+84905123456")
    assert (bich.category, bich.phone, bich.organization) == ("emulation_board", "+84912345678", "")
    assert (cuong.province, cuong.category, cuong.phone) == ("central", "press", "")
    assert an.source == "gia_lai.xlsx:4" and await count(db) == 3
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", nominees.payload(an)) and nominees.payload(an).startswith("n")
    async with db.session() as session:
        found = await nominees.find(session, conference, an.code)
        assert found.id == an.id and await nominees.find(session, conference, "nope") is None
    prefilled = nominees.draft_from(found)
    assert (prefilled.province, prefilled.category, prefilled.full_name, prefilled.position,
            prefilled.organization, prefilled.phone) == ("gia_lai", "ubnd_leader", "Nguyễn Văn An", "Phó Chủ tịch",
                                                         "UBND tỉnh Gia Lai", "+84905123456")
    assert nominees.draft_from(cuong).missing() == ["position", "organization", "phone", "sessions"]


TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # the five tones, combining in Windows-1258


def cp1258(text: str) -> bytes:
    """Text as Excel saves CSV on a Vietnamese Windows: base letters precomposed, tone marks combining."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", ch)
            tones = [m for m in marks if m in TONE_MARKS]
            letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m not in TONE_MARKS))
            out += (letter + "".join(tones)).encode("cp1258")
    return out


async def test_good_csv_in_utf8_and_in_the_windows_code_page(db, conference):
    utf8 = ("Full name,Position,Organization,Province,Category,Phone\r\n"
            "Huỳnh Thị Gấm,Chuyên viên,\"Sở Nội vụ, Đắk Lắk\",dak_lak,Ban (Phòng) Thi đua - Khen thưởng,0905111222\r\n"
            ",,,,,\r\n").encode("utf-8-sig")
    windows = cp1258("Họ tên;Chức vụ;Đơn vị;Tỉnh;Thành phần;SĐT\r\n"
                     "Trương Văn Hùng;Trưởng ban;Ban TĐKT tỉnh;Bình Định;Lãnh đạo Sở Nội vụ;0912 000 111\r\n")
    assert nominees.read_table(windows, "binh_dinh.csv")[0]["full_name"] == "Trương Văn Hùng"
    first = await import_table(db, conference, utf8, "dak_lak.csv")
    second = await import_table(db, conference, windows, "binh_dinh.csv")
    assert [(n.full_name, n.organization, n.category) for n in first.created] == [
        ("Huỳnh Thị Gấm", "Sở Nội vụ, Đắk Lắk", "emulation_board")]
    assert [(n.full_name, n.province, n.category, n.phone) for n in second.created] == [
        ("Trương Văn Hùng", "binh_dinh", "home_affairs_leader", "+84912000111")]


async def test_bad_rows_are_reported_by_row_and_nothing_is_imported(db, conference):
    result = await import_table(db, conference, xlsx(BAD), "ds.xlsx")
    assert result.refused and result.created == [] and await count(db) == 0
    assert [(e.row, e.field, e.reason) for e in result.errors] == [
        (3, "province", "unknown_province"), (4, "category", "category_not_allowed"), (5, "phone", "phone"),
        (6, "full_name", "empty"), (7, "phone", "duplicate_phone"), (9, "full_name", "duplicate_name"),
        (11, "full_name", "digits")]
    by_row = {e.row: e for e in result.errors}
    assert nominees.describe(by_row[3], "vi") == \
        "Dòng 3: Không có tỉnh “Hà Nội” trong danh sách các tỉnh dự hội nghị."
    assert nominees.describe(by_row[4], "vi") == \
        "Dòng 4: Thành phần “Phóng viên báo, đài” không dành cho đại biểu Bình Định."
    assert nominees.describe(by_row[6], "vi") == "Dòng 6: Thiếu họ và tên."
    assert nominees.describe(by_row[7], "vi") == "Dòng 7: Trùng số điện thoại với dòng 2."
    assert nominees.describe(by_row[6], "en") == "Row 6: The full name is missing."
    assert by_row[5].message == "Row 5: “12345” is not a valid phone number (for example 0905 123 456)."

    valid_only = await import_table(db, conference, xlsx(BAD), "ds.xlsx", only_valid=True)
    assert not valid_only.refused and [e.row for e in valid_only.errors] == [3, 4, 5, 6, 7, 9, 11]
    assert [n.full_name for n in valid_only.created] == ["Nguyễn Văn An", "Đỗ Văn Phúc"] and await count(db) == 2


async def test_people_already_registered_or_listed(db, conference):
    async with db.session() as session:
        lan = await get_or_create_account(session, channel="telegram", user_id="1", chat_id="1", display_name="Lan")
        await reg.register(session, conference, draft(phone="+84912345678"), registrant=lan, for_self=True)
    first = await import_table(db, conference, xlsx(GOOD), "gia_lai.xlsx", only_valid=True)
    assert [(e.row, e.reason, e.value) for e in first.errors] == [(5, "already_registered", "0912 345 678")]
    assert len(first.created) == 2
    again = await import_table(db, conference, xlsx(GOOD), "gia_lai.xlsx")
    assert again.refused and [(e.row, e.reason) for e in again.errors] == [
        (4, "already_nominated"), (5, "already_registered"), (6, "already_nominated")]
    assert nominees.describe(again.errors[0], "vi") == "Dòng 4: Đại biểu này đã có trong một danh sách đã nhập trước đây."


def test_headers_without_diacritics_and_a_row_of_column_numbers(conference):
    data = xlsx([["ho ten", "CHUC VU", "don vi cong tac", "tinh/thanh pho", "thanh phan", "so dien thoai"],
                 ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"],
                 ["Nguyễn Văn An", "Phó Chủ tịch", "UBND", "Tỉnh Bình Định", "Lãnh đạo UBND tỉnh", 84905123456]])
    rows = nominees.read_table(data, "x.xlsx")
    assert rows == [{"row": 3, "full_name": "Nguyễn Văn An", "position": "Phó Chủ tịch", "organization": "UBND",
                     "province": "Tỉnh Bình Định", "category": "Lãnh đạo UBND tỉnh", "phone": "84905123456"}]
    entries, errors = nominees.validate(conference, rows)
    assert errors == [] and (entries[0].province, entries[0].phone) == ("binh_dinh", "+84905123456")


@pytest.mark.parametrize("data,filename,reason", [
    (xlsx([["Danh sách"], ["a", "b"], [], [], [], ["Họ và tên", "Tỉnh", "Thành phần"]]), "late.xlsx", "no_header"),
    (b"not a zip", "broken.xlsx", "unreadable"),
    (b"\xd0\xcf\x11\xe0", "old.xls", "file_type"),
])
def test_files_that_cannot_be_read(data, filename, reason):
    with pytest.raises(nominees.TableError) as caught:
        nominees.read_table(data, filename)
    assert caught.value.error.reason == reason and caught.value.error.row == 0
    assert not nominees.describe(caught.value.error, "vi").startswith("Dòng")


def test_a_list_past_the_cap_is_refused_naming_the_limit():
    cap = nominee_files.MAX_ROWS
    assert len(nominees.read_table(big_xlsx(cap), "ds.xlsx")) == cap
    people = "".join(f"Nguyễn Văn {n},Gia Lai,ubnd_office\n" for n in range(cap + 1))
    for data, filename in ((big_xlsx(cap + 1), "ds.xlsx"), (f"Họ và tên,Tỉnh,Thành phần\n{people}".encode(), "ds.csv")):
        with pytest.raises(nominees.TableError) as caught:
            nominees.read_table(data, filename)
        assert (caught.value.error.reason, caught.value.error.row) == ("too_many_rows", 0)
    assert "hơn 2.000 người" in nominees.describe(caught.value.error, "vi")
    assert "more than 2,000 people" in nominees.describe(caught.value.error, "en")


async def test_a_list_is_read_in_a_worker_within_a_time_limit(monkeypatch):
    assert await nominees.read_elsewhere(xlsx(GOOD), "gia_lai.xlsx") == nominees.read_table(xlsx(GOOD), "gia_lai.xlsx")
    monkeypatch.setattr(nominee_files, "READ_SECONDS", 0.001)  # less than a process takes to start
    with pytest.raises(nominees.TableError) as caught:
        await nominees.read_elsewhere(xlsx(GOOD), "gia_lai.xlsx")
    assert caught.value.error.reason == "too_heavy"
    assert "0.001 seconds" in nominees.describe(caught.value.error, "en")


async def test_a_list_without_rows_imports_nothing(db, conference):
    result = await import_table(db, conference, xlsx([HEADER]), "empty.xlsx")
    assert result.refused and [e.reason for e in result.errors] == ["no_rows"]


async def test_links_table(db, conference):
    result = await import_table(db, conference, xlsx(GOOD), "gia_lai.xlsx")
    data = await nominees.links_table(result.created, "@dalat_bot", conference=conference)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [(r["Họ và tên"], r["Tỉnh"], r["Điện thoại"]) for r in rows] == [
        ("Nguyễn Văn An", "Gia Lai", "0905 123 456"), ("Trần Thị Bích", "Gia Lai", "0912 345 678"),
        ("Lê Văn Cường", "Trung ương", "")]
    assert rows[0]["Thành phần"] == "Lãnh đạo UBND tỉnh"
    assert rows[0]["Link đăng ký cá nhân"] == f"https://t.me/dalat_bot?start=n{result.created[0].code}"
    book = openpyxl.load_workbook(io.BytesIO(await nominees.links_table(result.created, "dalat_bot",
                                                                        format="xlsx", lang="en")))
    assert [c.value for c in book.active[1]][-1] == "Personal link" and book.active.max_row == 4


def test_a_pasted_list_is_read_one_person_a_line_and_checked_like_a_file(conference):
    lines = ["Lê Văn Ba, Chuyên viên, 0905 000 003", "Phạm Thị Bốn; Phó Trưởng phòng, Ban Thi đua; 0905000004",
             "Hoàng Văn Năm\tChuyên viên\t0905 000 005"]
    entries, errors = nominees.pasted(conference, lines, "gia_lai", "emulation_board")
    assert errors == []
    assert [(e.full_name, e.position, e.phone, e.province) for e in entries] == [
        ("Lê Văn Ba", "Chuyên viên", "+84905000003", "gia_lai"),
        ("Phạm Thị Bốn", "Phó Trưởng phòng, Ban Thi đua", "+84905000004", "gia_lai"),
        ("Hoàng Văn Năm", "Chuyên viên", "+84905000005", "gia_lai")]
    _, errors = nominees.pasted(conference, ["Lê Văn Ba, Chuyên viên, 0905 000 003", "Phạm Thị Bốn, Chuyên viên",
                                             "Lê Văn Ba, Trưởng ban, 0905 000 009", "Trần An, Chuyên viên, 12345"],
                                "gia_lai", "emulation_board")
    assert [(e.row, e.field, e.message_key) for e in errors] == [
        (2, "phone", "empty"), (3, "full_name", "duplicate_name"), (4, "phone", "phone")]


def test_a_secretariat_may_import_its_own_province_only(conference):
    rows = [{"row": 2, "province": "Gia Lai"}, {"row": 3, "province": "kon tum"}, {"row": 4, "province": ""}]
    assert nominees.outside(conference, rows, {"gia_lai"}) == [3, 4]
    assert nominees.outside(conference, rows, {"gia_lai", "kon_tum"}) == [4]
