"""Exports on the configured database: the delegate workbook and CSV, the check-in report per day,
the rooms per night (numbers worked out by hand below)."""
import csv
import io
from datetime import date, datetime, time, timezone

import openpyxl
import pytest

from bot.services import agenda, checkin, exports
from bot.services import registration as reg
from bot.services.accounts import get_or_create_account
from models import CheckIn, Delegate
from testkit.records import draft

PROVINCE_SHEETS = ["Bình Định", "Lâm Đồng", "Đắk Lắk", "Đắk Nông", "Gia Lai", "Kon Tum", "Quảng Nam", "Quảng Ngãi",
                   "Phú Yên", "Khánh Hòa", "Trung ương"]


async def seed(db, conference) -> dict[str, int]:
    """Parts: reception 26/7, exchange 27/7, conference 28/7.

    Hạnh (Gia Lai): reception + conference, arrives 26/7, needs a room   → nights 26, 27
    Bình (Bình Định): conference only, no arrival date, needs a room      → night 27
    Lan (Lâm Đồng, host): all parts, no room                               → none
    Tùng (Kon Tum): exchange + conference, arrives 25/7, needs a room    → nights 25, 26, 27
    Quân (Quảng Nam): cancelled, needed a room                           → none
    """
    people = {
        "hanh": draft(full_name="Nguyễn Thị Hồng Hạnh", province="gia_lai", phone="+84905111222",
                      parts=["reception", "conference"], arrival_date="2023-07-26", arrival_time="10:30",
                      needs_lodging=True, note="ăn chay"),
        "binh": draft(full_name="Trần Văn Bình", province="binh_dinh", category="ubnd_leader", phone="+84912333444",
                      parts=["conference"], arrival_date=None, arrival_time=None, needs_lodging=True, note=""),
        "lan": draft(full_name="Phạm Thị Lan", province="lam_dong", category="press", phone="+84933555666",
                     parts=["reception", "exchange", "conference"], needs_lodging=False),
        "tung": draft(full_name="Y Tùng Ksor", province="kon_tum", phone="+84977888999",
                      parts=["exchange", "conference"], arrival_date="2023-07-25", needs_lodging=True),
        "quan": draft(full_name="Lê Quân", province="quang_nam", phone="+84988000111", needs_lodging=True),
    }
    async with db.session() as session:
        staff = await get_or_create_account(session, channel="telegram", user_id="500", chat_id="500",
                                            display_name="Bàn 1")
        ids = {key: (await reg.register(session, conference, d, registrant=staff, for_self=False)).id
               for key, d in people.items()}
        await reg.cancel(session, await session.get(Delegate, ids["quan"]))
        ids["staff"] = staff.id
    return ids


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def table(sheet) -> list[dict]:
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def assert_table_form(sheet):
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:")
    assert all(cell.font.b for cell in sheet[1])


async def test_workbook_has_summary_and_a_sheet_per_province(db, conference):
    await seed(db, conference)
    async with db.session() as session:
        book = load(await exports.delegates_workbook(session, conference, personal=True))
    assert book.sheetnames == ["Tổng hợp", *PROVINCE_SHEETS, "Đã hủy"]
    for sheet in book.worksheets:
        assert_table_form(sheet)
    gia_lai = book["Gia Lai"]
    header = [c.value for c in gia_lai[1]]
    assert header[:6] == ["STT", "Họ và tên", "Chức vụ", "Cơ quan/đơn vị", "Tỉnh", "Thành phần"]
    assert header[6].startswith("Đón tiếp đại biểu") and header[6].endswith("(26/07)")
    assert header[9:] == ["Ngày đến", "Giờ đến", "Phương tiện", "Cần phòng nghỉ", "Điện thoại", "Ghi chú",
                          "Đăng ký lúc", "Mã"]
    (hanh,) = table(gia_lai)
    assert hanh["Họ và tên"] == "Nguyễn Thị Hồng Hạnh" and hanh["Thành phần"] == "Văn phòng UBND tỉnh (thi đua)"
    assert [hanh[h] for h in header[6:9]] == ["x", None, "x"]
    assert hanh["Điện thoại"] == "0905 111 222" and hanh["Ghi chú"] == "ăn chay"
    assert hanh["Cần phòng nghỉ"] == "Có" and hanh["Phương tiện"] == "Máy bay (sân bay Liên Khương)"
    # real date, time and date-time cells, in day-month order
    row = {c.column: c for c in gia_lai[2]}
    arrival, at, registered = (row[header.index(h) + 1] for h in ("Ngày đến", "Giờ đến", "Đăng ký lúc"))
    assert arrival.value == datetime(2023, 7, 26) and arrival.number_format == "dd/mm/yyyy"
    assert at.value == time(10, 30) and at.number_format == "hh:mm"
    assert isinstance(registered.value, datetime) and registered.number_format == "dd/mm/yyyy hh:mm"
    assert gia_lai.cell(1, header.index("Đăng ký lúc") + 1).comment is not None  # says: local time
    assert [r["Họ và tên"] for r in table(book["Đã hủy"])] == ["Lê Quân"]
    assert table(book["Quảng Nam"]) == []


async def test_summary_counts_per_province_category_part_and_lodging(db, conference):
    await seed(db, conference)
    async with db.session() as session:
        book = load(await exports.delegates_workbook(session, conference, personal=False))
    rows = list(book["Tổng hợp"].iter_rows(values_only=True))
    header, by_province = rows[0], {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert header[:2] == ("Tỉnh", "Đăng ký") and header[-1] == "Cần phòng nghỉ"
    assert list(by_province)[:-1] == PROVINCE_SHEETS
    assert by_province["Gia Lai"]["Đăng ký"] == 1 and by_province["Gia Lai"]["Văn phòng UBND tỉnh (thi đua)"] == 1
    assert by_province["Quảng Nam"]["Đăng ký"] == 0  # cancelled
    total = by_province["Tổng cộng"]
    assert total["Đăng ký"] == 4 and total["Cần phòng nghỉ"] == 3
    parts = [h for h in header if h and h.endswith(("(26/07)", "(27/07)", "(28/07)"))]
    assert [total[p] for p in parts] == [2, 2, 4]
    assert book["Tổng hợp"].cell(len(rows), 1).font.b  # the totals row


async def test_no_personal_columns_without_personal(db, conference):
    await seed(db, conference)
    async with db.session() as session:
        book = load(await exports.delegates_workbook(session, conference, personal=False))
        data = await exports.delegates_csv(session, conference, personal=False)
    for sheet in book.worksheets[1:]:
        header = [c.value for c in sheet[1]]
        assert "Điện thoại" not in header and "Ghi chú" not in header
    assert "Điện thoại" not in data.decode("utf-8-sig") and "0905" not in data.decode("utf-8-sig")
    assert "ăn chay" not in data.decode("utf-8-sig")


async def test_csv_has_bom_and_round_trips_vietnamese(db, conference):
    await seed(db, conference)
    async with db.session() as session:
        data = await exports.delegates_csv(session, conference, personal=True)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["Họ và tên"] for r in rows] == ["Trần Văn Bình", "Phạm Thị Lan", "Nguyễn Thị Hồng Hạnh", "Y Tùng Ksor"]
    hanh = rows[2]
    assert (hanh["Tỉnh"], hanh["Ngày đến"], hanh["Giờ đến"], hanh["Điện thoại"]) == (
        "Gia Lai", "26/07/2023", "10:30", "0905 111 222")
    assert rows[0]["Ngày đến"] == "" and hanh["STT"] == "3"


async def check_in_at(db, delegate_id, staff_id, part_code, moment):
    async with db.session() as session:
        staff = await session.get(checkin.Account, staff_id)
        decision = await checkin.check_in(session, await session.get(Delegate, delegate_id), part_code, staff, "link")
        row = await session.get(CheckIn, decision.checkin.id)
        row.at = moment
        await session.commit()


async def test_checkin_report_per_day(db, conference):
    ids = await seed(db, conference)
    await check_in_at(db, ids["hanh"], ids["staff"], "reception", datetime(2023, 7, 26, 7, 35, tzinfo=timezone.utc))
    await check_in_at(db, ids["binh"], ids["staff"], "reception", datetime(2023, 7, 26, 8, 0, tzinfo=timezone.utc))
    async with db.session() as session:
        book = load(await exports.checkin_report(session, conference))
    assert book.sheetnames == ["Tổng hợp", "Ngày 26-07", "Ngày 27-07", "Ngày 28-07"]
    for sheet in book.worksheets:
        assert_table_form(sheet)
    day = {r["Họ và tên"]: r for r in table(book["Ngày 26-07"])}
    assert list(day) == ["Trần Văn Bình", "Phạm Thị Lan", "Nguyễn Thị Hồng Hạnh"]
    hanh = day["Nguyễn Thị Hồng Hạnh"]
    assert (hanh["Đã điểm danh"], hanh["Giờ điểm danh"], hanh["Người điểm danh"]) == ("Có", time(14, 35), "Bàn 1")
    assert hanh["Cách điểm danh"] == "Quét mã bằng camera" and hanh["Lưu ý"] is None
    assert day["Phạm Thị Lan"]["Đã điểm danh"] == "Không" and day["Phạm Thị Lan"]["Giờ điểm danh"] is None
    assert day["Trần Văn Bình"]["Lưu ý"] == "Không đăng ký phần này"  # came without registering for it
    cell = book["Ngày 26-07"].cell(4, 8)
    assert cell.value == time(14, 35) and cell.number_format == "hh:mm"
    summary = {r[0]: r for r in book["Tổng hợp"].iter_rows(values_only=True)}
    assert summary["Tỉnh"][1:3] == ("26/07 — Đăng ký", "26/07 — Đã điểm danh")
    assert summary["Gia Lai"][1:] == (1, 1, 0, 0, 1, 0)
    assert summary["Bình Định"][1:] == (0, 1, 0, 0, 1, 0)
    assert summary["Tổng cộng"][1:] == (2, 2, 2, 0, 4, 0)


async def test_checkin_report_of_one_day(db, conference):
    await seed(db, conference)
    async with db.session() as session:
        book = load(await exports.checkin_report(session, conference, date(2023, 7, 27)))
        assert book.sheetnames == ["Tổng hợp", "Ngày 27-07"]
        assert [r["Họ và tên"] for r in table(book["Ngày 27-07"])] == ["Phạm Thị Lan", "Y Tùng Ksor"]
        with pytest.raises(exports.NoSuchDay, match="26/07/2023, 27/07/2023, 28/07/2023"):
            await exports.checkin_report(session, conference, date(2023, 7, 30))


def nights_summary(book) -> dict:
    rows = list(book["Tổng hợp"].iter_rows(values_only=True))
    header = rows[0]
    return {r[0]: {h: v for h, v in zip(header[1:], r[1:]) if v} for r in rows[1:]}


async def test_rooms_per_night(db, conference):
    await seed(db, conference)
    async with db.session() as session:
        book = load(await exports.rooms_report(session, conference, personal=True))
    assert book.sheetnames == ["Tổng hợp", "Theo khách sạn", "Danh sách"]
    assert nights_summary(book) == {
        datetime(2023, 7, 25): {"Kon Tum": 1, "Tổng cộng": 1},
        datetime(2023, 7, 26): {"Gia Lai": 1, "Kon Tum": 1, "Tổng cộng": 2},
        datetime(2023, 7, 27): {"Bình Định": 1, "Gia Lai": 1, "Kon Tum": 1, "Tổng cộng": 3},
        "Tổng cộng": {"Bình Định": 1, "Gia Lai": 2, "Kon Tum": 3, "Tổng cộng": 6},
    }
    assert book["Tổng hợp"]["A2"].number_format == "dd/mm/yyyy"
    listed = [(r["Đêm"].day, r["Họ và tên"], r["Điện thoại"]) for r in table(book["Danh sách"])]
    assert listed == [(25, "Y Tùng Ksor", "0977 888 999"), (26, "Nguyễn Thị Hồng Hạnh", "0905 111 222"),
                      (26, "Y Tùng Ksor", "0977 888 999"), (27, "Trần Văn Bình", "0912 333 444"),
                      (27, "Nguyễn Thị Hồng Hạnh", "0905 111 222"), (27, "Y Tùng Ksor", "0977 888 999")]
    async with db.session() as session:
        staff_level = load(await exports.rooms_report(session, conference))
    assert "Điện thoại" not in [c.value for c in staff_level["Danh sách"][1]]


async def test_rooms_follow_the_agenda_as_changed(db, conference):
    """The conference moved to 29/7: everyone staying for it stays one night more."""
    await seed(db, conference)
    async with db.session() as session:
        await agenda.change(session, conference, "conference", None,
                            starts_at=datetime(2023, 7, 29, 1, 0, tzinfo=timezone.utc))
        book = load(await exports.rooms_report(session, conference, personal=False))
        workbook = load(await exports.delegates_workbook(session, conference, personal=False))
    assert nights_summary(book)["Tổng cộng"] == {"Bình Định": 1, "Gia Lai": 3, "Kon Tum": 4, "Tổng cộng": 8}
    assert nights_summary(book)[datetime(2023, 7, 28)] == {"Bình Định": 1, "Gia Lai": 1, "Kon Tum": 1,
                                                           "Tổng cộng": 3}
    assert [c.value for c in workbook["Gia Lai"][1]][8].startswith("Hội nghị sơ kết")
    assert [c.value for c in workbook["Gia Lai"][1]][8].endswith("(29/07)")


def test_sheet_titles_are_excel_safe():
    from bot.services.export_sheets import sheet_title

    assert sheet_title("Ngày 26/07: [đón]*?", []) == "Ngày 26-07- -đón---"
    assert len(sheet_title("x" * 40, [])) == 31
    assert sheet_title("Gia Lai", ["gia lai"]) == "Gia Lai (2)"


async def test_what_delegates_typed_never_becomes_a_formula(db, conference):
    async with db.session() as session:
        staff = await get_or_create_account(session, channel="telegram", user_id="7", chat_id="7", display_name="A")
        await reg.register(session, conference, draft(position='=HYPERLINK("http://x.example","Bấm")',
                                                      note="@SUM(1)"), registrant=staff, for_self=False)
        book = load(await exports.delegates_workbook(session, conference, personal=True))
        data = await exports.delegates_csv(session, conference, personal=True)
    cell = book["Gia Lai"]["C2"]
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"
    (row,) = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
    assert row["Chức vụ"].startswith("'=HYPERLINK") and row["Ghi chú"] == "'@SUM(1)"


async def test_a_part_added_by_the_organizers_is_attended_by_everyone(db, conference):
    await seed(db, conference)
    async with db.session() as session:
        await agenda.add(session, conference, None, title=agenda.Text(vi="Gặp mặt thân mật", en="Dinner"),
                         starts_at=datetime(2023, 7, 27, 12, 0, tzinfo=timezone.utc))
        book = load(await exports.delegates_workbook(session, conference, personal=False))
        report = load(await exports.checkin_report(session, conference, date(2023, 7, 27)))
    header = [c.value for c in book["Bình Định"][1]]
    assert header[6:10] == ["Đón tiếp đại biểu các tỉnh (26/07)", "Giới thiệu, trao đổi kinh… (27/07)",
                            "Gặp mặt thân mật (27/07)", "Hội nghị sơ kết giao ước thi… (28/07)"]
    assert [c.value for c in book["Bình Định"][2]][6:10] == [None, None, "x", "x"]
    assert len(table(report["Ngày 27-07"])) == 2 + 4  # the exchange's two, then all four at the dinner
