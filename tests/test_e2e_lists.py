"""End to end: organizers export lists, import a province's list (row errors, then only the valid rows),
a nominee registers from their personal link, and organizers appoint and remove roles."""
import asyncio
import csv
import io
from datetime import date, datetime

import openpyxl
from sqlalchemy import func, select

from bot.services.nominee_files import MAX_ROWS
from models import Nominee
from testkit.big_lists import big_xlsx
from testkit.crowd import seat
from testkit.flows import delegates, lodging_wishes, until_button, until_text
from testkit.flows import organizer_in_english
from tests.test_nominees import BAD, xlsx


async def test_export_workbook_has_real_cells_and_is_for_organizers_only(running, fake, db, conference):
    await seat(db, fake, conference, 5)
    org = await organizer_in_english(fake)
    await org.send("/export")
    await until_button(org, "👥 Delegates (Excel)")
    await org.press("👥 Delegates (Excel)")
    sent = await org.messages_until(lambda m: m.kind == "document", timeout=10)
    book = openpyxl.load_workbook(io.BytesIO(sent[-1].document_bytes))
    assert sent[-1].file_name.endswith("-delegates.xlsx")
    assert len(book.sheetnames) == 1 + len(conference.provinces) + 0 or len(book.sheetnames) > 4
    sheet = next(book[name] for name in book.sheetnames[1:] if book[name].max_row > 1)
    header = [c.value for c in sheet[1]]
    arrival = header.index("Arrival date") if "Arrival date" in header else header.index("Ngày đến")
    assert isinstance(sheet.cell(row=2, column=arrival + 1).value, (date, datetime))
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref

    await org.send("/export")
    await until_button(org, "👥 Delegates (CSV)")
    await org.press("👥 Delegates (CSV)")
    sent = await org.messages_until(lambda m: m.kind == "document", timeout=10)
    data = sent[-1].document_bytes
    assert data.startswith(b"\xef\xbb\xbf")
    assert any("Đại biểu số 1" in row for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))))

    delegate = fake.user(32000, first_name="Lan", language_code="vi")
    for command in ("/export", "/import", "/roles", "/invite_organizer"):
        await delegate.send(command)
        assert "dành cho Ban Tổ chức" in (await delegate.next_message()).text, command


async def test_import_with_bad_rows_imports_nothing_then_only_the_valid_rows_and_a_nominee_registers(
        running, fake, db, conference):
    org = await organizer_in_english(fake)
    await org.send("/import")
    await until_text(org, ".xlsx")
    await org.send_document(xlsx(BAD), "danh-sach-kon-tum.xlsx")
    report = await until_button(org, "Import only the 2 valid rows", timeout=10)
    for row in (3, 4, 5, 6, 7, 9, 11):
        assert f"Row {row}:" in report.text, row
    assert "Row 2:" not in report.text and "Row 10:" not in report.text
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Nominee)) == 0  # nothing half-imported

    await org.press("Import only the 2 valid rows")
    links = (await org.messages_until(lambda m: m.kind == "document", timeout=10))[-1]
    assert "Imported 2 people" in links.text
    table = list(csv.reader(io.StringIO(links.document_bytes.decode("utf-8-sig"))))
    row = next(r for r in table if "Đỗ Văn Phúc" in r)
    link = next(cell for cell in row if cell.startswith("https://t.me/"))
    payload = link.split("start=", 1)[1]

    nominee = fake.user(32001, first_name="Phúc", language_code="vi")
    await nominee.send(f"/start {payload}")
    welcome = await until_text(nominee, "Đỗ Văn Phúc")
    assert "Khánh Hòa" in welcome.text
    # name, position, province, category and phone came from the list; the organization was left empty
    await nominee.press((await until_button(nominee, "Sở Nội vụ tỉnh Khánh Hòa")).buttons[0])
    await until_button(nominee, "✅ Xong")
    await nominee.press(lambda b: b["text"].startswith("⬜ Thứ Sáu 28/7"))
    await until_button(nominee, "✅ Xong")
    await nominee.press("✅ Xong")
    await until_button(nominee, "Thứ Năm 27/7")
    await nominee.press("Thứ Năm 27/7")
    await until_text(nominee, "mấy giờ")
    await nominee.send("16h")
    await until_button(nominee, "Đường bộ (ô tô)")
    await nominee.press("Đường bộ (ô tô)")
    await until_button(nominee, "Có, đề nghị bố trí")
    await nominee.press("Có, đề nghị bố trí")
    await lodging_wishes(nominee)
    await until_button(nominee, "✅ Xác nhận")  # the note is offered on the review
    await nominee.press("✅ Xác nhận")
    await until_text(nominee, "Đã đăng ký")
    [registered] = await delegates(db)
    assert (registered.full_name, registered.province, registered.category, registered.phone) == (
        "Đỗ Văn Phúc", "khanh_hoa", "home_affairs_leader", "+84987654321")
    async with db.session() as session:
        used = await session.scalar(select(Nominee).where(Nominee.full_name == "Đỗ Văn Phúc"))
        assert used.delegate_id == registered.id
    await nominee.send(f"/start {payload}")  # the link is used up
    assert "đã được dùng" in (await until_text(nominee, "đã được dùng")).text


async def test_a_very_long_list_is_read_beside_the_bot_and_refused_naming_the_limit(running, fake, db):
    """300,000 rows in a 100 kB file: once took 45 s of the event loop to read, during which nobody got an
    answer. Now another user is answered while the file is read, and the file is refused past the cap."""
    org = await organizer_in_english(fake)
    delegate = fake.user(32003, first_name="Lan", language_code="en")
    await org.send("/import")
    await until_text(org, ".xlsx")
    served = asyncio.Event()
    by_path = fake.files.by_path

    def serve(path):  # the bot downloads the file: from then on it is reading it
        served.set()
        return by_path(path)

    fake.files.by_path = serve
    await org.send_document(big_xlsx(300_000), "danh-sach-toan-quoc.xlsx")
    await asyncio.wait_for(served.wait(), 10)
    await delegate.send("/help")
    answered = await until_text(delegate, "/me", timeout=120)
    refused = await until_text(org, "more than 2,000 people", timeout=120)
    assert answered.received_at < refused.received_at  # the reading held no one up
    assert f"at most {MAX_ROWS:,}" in refused.text and "nothing was imported" in refused.text
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Nominee)) == 0


async def test_a_file_too_large_is_refused_before_it_is_downloaded(running, fake):
    org = await organizer_in_english(fake)
    await org.send("/import")
    await until_text(org, ".xlsx")
    await org.send_document(b"\0" * (5 * 1024 ** 2 + 1), "danh-sach.xlsx")
    assert "at most 5 MB" in (await until_text(org, "too large")).text
    assert fake.calls_to("getFile") == []


async def test_an_organizer_appoints_another_and_removes_them(running, fake, db):
    org = await organizer_in_english(fake)
    await org.send("/invite_organizer")
    link = (await until_text(org, "https://t.me/")).text.split()[-1]
    other = fake.user(32002, first_name="Hùng", language_code="vi")
    await other.send(f"/start {link.split('start=', 1)[1]}")
    await until_text(other, "Ban Tổ chức")
    await other.send("/broadcast")
    assert "tiếng Việt" in (await other.next_message()).text  # they may broadcast now
    await other.send("/cancel")

    await org.send("/roles")
    listing = await until_button(org, "Remove Hùng: organizer")
    assert "Hùng" in listing.text and "organizer (ADMIN_IDS)" in listing.text
    await org.press("Remove Hùng: organizer")
    await until_text(org, "no longer organizer")
    await other.send("/broadcast")
    assert "dành cho Ban Tổ chức" in (await until_text(other, "dành cho")).text
