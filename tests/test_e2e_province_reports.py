"""End to end through the fake Bot API: a province's secretariat sends its six-month report (a good file; a
wrong type, by its content; an oversized one; another province's; someone without the role), organizers get
every report in one ZIP (/reports) and the final report as DOCX and XLSX (/final_report)."""
import io
import zipfile

import docx
import openpyxl
from sqlalchemy import select

from models import ProvinceReport
from testkit import documents
from testkit.flows import appoint_secretariat, organizer_in_english, until_text


async def _reports(db, province: str) -> list[ProvinceReport]:
    async with db.session() as session:
        return list(await session.scalars(select(ProvinceReport).where(ProvinceReport.province == province)
                                          .order_by(ProvinceReport.version)))


async def test_a_secretariat_sends_its_report_and_bad_files_are_refused_with_the_reason(running, fake, db):
    org = await organizer_in_english(fake)
    sec = await appoint_secretariat(fake, org, "Gia Lai", 33001)
    await sec.send("/report")
    assert "tối đa 10 MB" in (await until_text(sec, "PDF, DOC hoặc DOCX")).text

    await sec.send_document(documents.png(), "bao-cao.pdf")  # a picture named .pdf: read, then refused
    refused = await until_text(sec, "không phải PDF hoặc Word")
    assert "bao-cao.pdf" in refused.text and "chưa được nhận" in refused.text
    await sec.send_document(documents.xlsx_file(), "bao-cao.docx")  # a ZIP, but not a Word document
    await until_text(sec, "không phải PDF hoặc Word")
    downloads = len(fake.calls_to("getFile"))
    await sec.send_document(b"plain text", "bao-cao.txt")  # refused by its name, not downloaded
    await until_text(sec, "không phải PDF hoặc Word")
    await sec.send_document(b"%PDF-" + b"\0" * (10 * 1024 ** 2), "bao-cao-lon.pdf")
    assert "lớn hơn 10 MB" in (await until_text(sec, "lớn hơn")).text
    assert len(fake.calls_to("getFile")) == downloads  # neither was downloaded
    assert await _reports(db, "gia_lai") == []

    good = documents.docx_file()
    await sec.send_document(good, "Bao cao 6 thang <Gia Lai>.docx")
    received = await until_text(sec, "Đã nhận báo cáo của tỉnh Gia Lai")
    assert "phiên bản 1" in received.text and "&lt;Gia Lai&gt;" not in received.text  # shown, not parsed
    await sec.send_document(good, "Bao cao 6 thang <Gia Lai>.docx")  # sent twice: nothing doubled
    assert "đã được nhận" in (await until_text(sec, "đã được nhận")).text
    await sec.send_document(documents.pdf("bản sửa"), "bao-cao-sua.pdf")  # a new version, no /report needed
    assert "phiên bản 2" in (await until_text(sec, "Đã nhận báo cáo")).text
    versions = await _reports(db, "gia_lai")
    assert [(r.version, r.kind, r.via) for r in versions] == [(1, "docx", "telegram"), (2, "pdf", "telegram")]
    assert versions[0].content == good  # the first version is kept

    await sec.send("/report Kon Tum")
    other = await until_text(sec, "Xin lỗi")
    assert "thư ký của tỉnh Gia Lai" in other.text and "Kon Tum" in other.text
    assert await _reports(db, "kon_tum") == []

    delegate = fake.user(33002, first_name="Lan", language_code="vi")
    await delegate.send("/report")
    assert "dành cho thư ký các tỉnh" in (await until_text(delegate, "/report")).text
    await delegate.send("/reports")
    assert "dành cho Ban Tổ chức" in (await until_text(delegate, "Ban Tổ chức")).text


async def test_organizers_get_every_report_in_one_zip_and_the_final_report(running, fake, db, monkeypatch):
    org = await organizer_in_english(fake)
    await org.send("/reports")
    assert "0 of 10 received" in (await until_text(org, "Province reports")).text
    sec = await appoint_secretariat(fake, org, "Kon Tum", 33003)
    await sec.send_document(documents.doc(), "bao-cao-kon-tum.doc")
    await until_text(sec, "Đã nhận báo cáo")

    await org.send("/reports")
    summary = await until_text(org, "Province reports")
    assert "1 of 10 received" in summary.text and "Kon Tum: received" in summary.text
    assert "Gia Lai: not received" in summary.text
    archive = (await org.messages_until(lambda m: m.kind == "document", timeout=10))[-1]
    assert archive.file_name.endswith("-reports.zip")
    members = zipfile.ZipFile(io.BytesIO(archive.document_bytes))
    assert sorted(members.namelist()) == ["00-index.txt", "06-kon-tum-v1.doc"]
    assert members.read("06-kon-tum-v1.doc") == documents.doc()
    index = members.read("00-index.txt").decode()
    assert "Kon Tum: received" in index and "Gia Lai: not received" in index

    monkeypatch.setattr("handlers.province_reports.BOT_UPLOAD_LIMIT", len(documents.doc()) - 1)
    await org.send("/reports")  # more than a bot may send: the dashboard instead, nothing built
    assert "/dashboard" in (await until_text(org, "larger than Telegram")).text

    await org.send("/final_report")
    files = [m for m in await org.messages_until(
        lambda m: m.kind == "document" and (m.file_name or "").endswith(".xlsx"), timeout=20) if m.kind == "document"]
    word = docx.Document(io.BytesIO(files[0].document_bytes))
    assert word.paragraphs[0].text == "REPORT ON THE CONFERENCE"  # the organizer reads English
    reports_table = word.tables[-1]
    row = next(r for r in reports_table.rows if r.cells[1].text == "Kon Tum")
    assert [c.text for c in row.cells][2:] == ["Received", row.cells[3].text, "bao-cao-kon-tum.doc", "1"]
    book = openpyxl.load_workbook(io.BytesIO(files[1].document_bytes))
    assert book.sheetnames == ["Attendance", "Province reports"]
    statuses = {r[1]: r[2] for r in book["Province reports"].iter_rows(min_row=2, values_only=True)}
    assert statuses["Kon Tum"] == "Received" and statuses["Gia Lai"] == "Not received"
