"""The provinces' reports and the final report, without a chat: a file's type read from its content, the
versions kept, the event file's rules checked, and the final report's numbers (registered for each part
against present) read back from the DOCX and the XLSX."""
from __future__ import annotations

import io
import zipfile

import docx
import openpyxl
import pytest

from bot.services import checkin, final_report, province_reports
from bot.services import registration as reg
from bot.services.accounts import get_or_create_account
from bot.services.province_reports import kind_of
from testkit import documents
from testkit.event_file import broken_event_file
from testkit.records import draft


def test_a_file_is_judged_by_its_content():
    assert kind_of(documents.pdf()) == "pdf"
    assert kind_of(documents.doc()) == "doc"
    assert kind_of(documents.docx_file()) == "docx"
    assert kind_of(documents.png()) is None
    assert kind_of(documents.xlsx_file()) is None  # a ZIP, but no Word document inside
    assert kind_of(b"PK\x03\x04 broken") is None
    assert kind_of(b"") is None


@pytest.mark.parametrize("change, named", [
    (lambda d: d["province_reports"].update(provinces=["gia_lai", "atlantis"]),
     "province_reports.provinces.1: unknown province 'atlantis'"),
    (lambda d: d["province_reports"].update(reminders=[{"days_before": 1, "hours_before": 2}]),
     "give exactly one of days_before or hours_before"),
    (lambda d: d["province_reports"].update(due="2023-07-21T17:00:00"), "needs a UTC offset"),
    (lambda d: d["province_reports"].update(max_size_mb=50), "province_reports.max_size_mb"),
])
def test_the_event_files_report_rules_are_checked(tmp_path, change, named):
    assert named in broken_event_file(tmp_path, change)


async def _account(session, user_id: int):
    return await get_or_create_account(session, channel="telegram", user_id=str(user_id), chat_id=str(user_id),
                                       display_name=f"#{user_id}")


async def test_versions_are_kept_and_the_archive_holds_the_newest(db, conference):
    async with db.session() as session:
        by, word = await _account(session, 1), documents.docx_file()
        first = await province_reports.store(session, conference, "gia_lai", word, "a.docx", by, "web")
        again = await province_reports.store(session, conference, "gia_lai", word, "a.docx", by, "web")
        newer = await province_reports.store(session, conference, "gia_lai", documents.pdf(), "b.pdf", by, "telegram")
        assert (first.new, again.new, newer.new) == (True, False, True)
        assert (again.report.version, newer.report.version) == (1, 2)
        standings = await province_reports.standing(session, conference)
        assert [s.province for s in standings] == list(conference.province_reports.provinces)
        gia_lai = next(s for s in standings if s.province == "gia_lai")
        assert (gia_lai.versions, gia_lai.report.kind) == (2, "pdf")
        newest = await province_reports.newest_reports(session, conference)
    zipped = zipfile.ZipFile(io.BytesIO(province_reports.archive(
        conference, newest, province_reports.index_text(conference, standings, "vi"), "vi")))
    assert zipped.namelist() == ["05-gia-lai-v2.pdf", "00-danh-sach.txt"]
    assert zipped.read("05-gia-lai-v2.pdf") == documents.pdf()
    index = zipped.read("00-danh-sach.txt").decode()
    assert "5. Gia Lai: đã nhận" in index and "1. Bình Định: chưa nhận" in index


async def test_the_final_report_counts_registered_against_present(db, conference):
    async with db.session() as session:
        staff = await _account(session, 2)
        registrant = await _account(session, 3)
        people = [("gia_lai", "ubnd_office", ["reception", "conference"]),
                  ("gia_lai", "ubnd_leader", ["conference"]),
                  ("kon_tum", "ubnd_office", ["conference"])]
        seated = [await reg.register(session, conference, draft(full_name=f"Người {n}", province=province,
                                                                category=category, parts=parts, phone=f"+8490500000{n}"),
                                     registrant=registrant, for_self=False)
                  for n, (province, category, parts) in enumerate(people)]
        await checkin.check_in(session, seated[0], "conference", staff, "search")
        await checkin.check_in(session, seated[2], "conference", staff, "search")
        await province_reports.store(session, conference, "kon_tum", documents.pdf(), "kt.pdf", staff, "web")
        word = docx.Document(io.BytesIO(await final_report.final_docx(session, conference, "vi")))
        book = openpyxl.load_workbook(io.BytesIO(await final_report.final_xlsx(session, conference, "en")))

    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == "I. Thành phần tham dự" and "II. Báo cáo 6 tháng của các tỉnh" in headings
    conference_heading = next(h for h in headings if h.startswith("3. Hội nghị sơ kết"))
    assert "28/07/2023" in conference_heading
    # the tables: per part, by province then by category; the last one, the reports
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in word.tables]
    by_province = tables[4]  # the third part (the conference), by province
    assert by_province[0] == ["STT", "Tỉnh", "Đăng ký", "Có mặt", "Tỷ lệ"]
    assert ["1", "Gia Lai", "2", "1", "50%"] in by_province and ["2", "Kon Tum", "1", "1", "100%"] in by_province
    assert by_province[-1] == ["", "Tổng cộng", "3", "2", "67%"]
    reception = tables[0]
    assert reception[1:] == [["1", "Gia Lai", "1", "0", "0%"], ["", "Tổng cộng", "1", "0", "0%"]]
    reports = {row[1]: row[2] for row in tables[-1][1:]}
    assert reports["Kon Tum"] == "Đã nhận" and reports["Gia Lai"] == "Chưa nhận" and len(reports) == 10

    rows = list(book["Attendance"].iter_rows(min_row=2, values_only=True))
    title = conference.part("conference").title.en
    assert (title, "By category", "Provincial People's Committee leader", 1, 0, "0%") in rows
    assert (title, "By category", "Provincial PC Office (emulation)", 2, 2, "100%") in rows
    assert (title, "Total", None, 3, 2, "67%") in rows
