"""The final report (plan III.1.d): what the cluster head reports to the Central Council after the conference:
attendance by province and category for each part (registered for it against present), and the provinces'
reports received. A DOCX the secretariat edits (headings, paragraphs and real tables, no text boxes) and the
same numbers in an XLSX. The numbers are read on the event loop (a few queries); the files are built beside
it (`asyncio.to_thread`), so a slow build holds no one up.
"""
from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from datetime import datetime

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from sqlalchemy.ext.asyncio import AsyncSession

from bot.event import Event
from bot.services import checkin, province_reports
from bot.services.agenda import parts
from bot.services.export_sheets import add_table, columns, new_workbook, workbook_bytes
from bot.services.province_reports import Standing
from models.base import utcnow

# the report's own words, in the bot's two languages
WORDS = {
    "title": ("BÁO CÁO KẾT QUẢ TỔ CHỨC HỘI NGHỊ", "REPORT ON THE CONFERENCE"),
    "to": ("Kính gửi: Hội đồng Thi đua - Khen thưởng Trung ương", "To: the Central Emulation and Commendation Council"),
    "by": ("Đơn vị báo cáo: {organizer}", "Reported by: {organizer}"),
    "made": ("Số liệu tính đến {time}.", "Figures as of {time}."),
    "attendance": ("I. Thành phần tham dự", "I. Attendance"),
    "reports": ("II. Báo cáo 6 tháng của các tỉnh", "II. The provinces' six-month reports"),
    "remarks": ("III. Nhận xét, đánh giá", "III. Remarks"),
    "remarks_hint": ("(Ban Tổ chức bổ sung nhận xét, đánh giá.)", "(The secretariat adds its remarks here.)"),
    "by_province": ("Theo tỉnh", "By province"), "by_category": ("Theo thành phần", "By category"),
    "no_": ("STT", "No."), "province": ("Tỉnh", "Province"), "category": ("Thành phần", "Category"),
    "registered": ("Đăng ký", "Registered"), "present": ("Có mặt", "Present"), "rate": ("Tỷ lệ", "Rate"),
    "total": ("Tổng cộng", "Total"), "status": ("Tình trạng", "Status"), "received_at": ("Thời gian nhận", "Received at"),
    "file": ("Tệp", "File"), "version": ("Phiên bản", "Version"), "received": ("Đã nhận", "Received"),
    "missing": ("Chưa nhận", "Not received"), "cancelled": ("đã hủy", "cancelled"),
    "reports_count": ("Đã nhận {received}/{total} báo cáo.", "{received} of {total} reports received."),
    "attendance_sheet": ("Tham dự", "Attendance"), "part": ("Phần", "Part"),
    "breakdown": ("Phân loại", "Breakdown"), "name": ("Tỉnh / thành phần", "Province / category"),
    "reports_sheet": ("Báo cáo các tỉnh", "Province reports"),
}


def word(key: str, lang: str) -> str:
    vi, en = WORDS[key]
    return en if lang == "en" else vi


@dataclass(frozen=True)
class Line:
    label: str
    registered: int  # registered for the part
    present: int  # checked in on its list


@dataclass(frozen=True)
class PartAttendance:
    title: str
    when: datetime
    by_province: list[Line]
    by_category: list[Line]
    total: Line


@dataclass(frozen=True)
class Facts:
    conference: Event
    lang: str
    made_at: datetime
    parts: list[PartAttendance]
    reports: list[Standing]


def _lines(counts: dict[str, checkin.Count], order, label) -> list[Line]:
    return [Line(label(item), c.expected, c.arrived) for item in order
            if (c := counts.get(item.code)) and (c.expected or c.arrived)]


async def gather(session: AsyncSession, conference: Event, lang: str) -> Facts:
    found = await checkin.arrivals(session, conference)
    attendance = []
    for part in await parts(session, conference):
        counted = found.get(part.code)
        if counted is None:
            continue
        title = part.title.get(lang) + (f" ({word('cancelled', lang)})" if part.cancelled else "")
        attendance.append(PartAttendance(
            title, part.starts_at.astimezone(conference.tz),
            _lines(counted.by_province, conference.provinces, lambda p: p.name.get(lang)),
            _lines(counted.by_category, conference.categories, lambda c: c.label.get(lang)),
            Line(word("total", lang), counted.total.expected, counted.total.arrived)))
    return Facts(conference, lang, utcnow().astimezone(conference.tz), attendance,
                 await province_reports.standing(session, conference))


def rate(line: Line) -> str:
    return f"{round(100 * line.present / line.registered)}%" if line.registered else "–"


def report_rows(facts: Facts) -> list[list]:
    conference, lang = facts.conference, facts.lang
    rows = []
    for n, state in enumerate(facts.reports, start=1):
        province = conference.province(state.province)
        report = state.report
        rows.append([n, province.name.get(lang) if province else state.province,
                     word("received" if report else "missing", lang),
                     report.uploaded_at.astimezone(conference.tz).strftime("%d/%m/%Y %H:%M") if report else "",
                     report.file_name if report else "", report.version if report else ""])
    return rows


def _table(document, header: list[str], rows: list[list], bold_last: bool = False) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for i, row in enumerate(rows):
        cells = table.add_row().cells
        for cell, value in zip(cells, row):
            cell.text = ""
            cell.paragraphs[0].add_run(str(value)).bold = bold_last and i == len(rows) - 1


def _attendance_rows(lines: list[Line], total: Line) -> list[list]:
    return [[n, line.label, line.registered, line.present, rate(line)] for n, line in enumerate(lines, start=1)] + [
        ["", total.label, total.registered, total.present, rate(total)]]


def _docx_part(document, facts: Facts, n: int, part: PartAttendance) -> None:
    w = lambda key: word(key, facts.lang)  # noqa: E731
    document.add_heading(f"{n}. {part.title} ({part.when:%d/%m/%Y %H:%M})", level=2)
    for key, lines in (("by_province", part.by_province), ("by_category", part.by_category)):
        document.add_paragraph(w(key)).runs[0].italic = True
        _table(document, [w("no_"), w("province" if key == "by_province" else "category"), w("registered"),
                          w("present"), w("rate")], _attendance_rows(lines, part.total), bold_last=True)


def docx_bytes(facts: Facts) -> bytes:
    """The report as Word (CPU work: run beside the event loop)."""
    conference, lang = facts.conference, facts.lang
    w = lambda key: word(key, lang)  # noqa: E731
    document = Document()
    document.styles["Normal"].font.name = "Times New Roman"
    document.styles["Normal"].font.size = Pt(13)
    title = document.add_heading(w("title"), level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(conference.name.get(lang)).alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(w("to"))
    document.add_paragraph(w("by").format(organizer=conference.organizer.get(lang)))
    document.add_paragraph(w("made").format(time=f"{facts.made_at:%H:%M %d/%m/%Y}"))
    document.add_heading(w("attendance"), level=1)
    for n, part in enumerate(facts.parts, start=1):
        _docx_part(document, facts, n, part)
    document.add_heading(w("reports"), level=1)
    received = sum(1 for s in facts.reports if s.report)
    document.add_paragraph(w("reports_count").format(received=received, total=len(facts.reports)))
    _table(document, [w("no_"), w("province"), w("status"), w("received_at"), w("file"), w("version")],
           report_rows(facts))
    document.add_heading(w("remarks"), level=1)
    document.add_paragraph(w("remarks_hint"))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_bytes(facts: Facts) -> bytes:
    """The same numbers as a workbook: one sheet of attendance (a row per part and province or category),
    one of the reports received."""
    w = lambda key: word(key, facts.lang)  # noqa: E731
    workbook = new_workbook()
    rows = []
    for part in facts.parts:
        for key, lines in (("by_province", part.by_province), ("by_category", part.by_category)):
            rows += [[part.title, w(key), line.label, line.registered, line.present, rate(line)] for line in lines]
        rows.append([part.title, w("total"), None, part.total.registered, part.total.present, rate(part.total)])
    add_table(workbook, w("attendance_sheet"), columns(w("part"), w("breakdown"), w("name"), w("registered"),
                                                       w("present"), w("rate")), rows)
    add_table(workbook, w("reports_sheet"), columns(w("no_"), w("province"), w("status"), w("received_at"), w("file"),
                                                  w("version")), report_rows(facts))
    return workbook_bytes(workbook)


async def final_docx(session: AsyncSession, conference: Event, lang: str = "vi") -> bytes:
    return await asyncio.to_thread(docx_bytes, await gather(session, conference, lang))


async def final_xlsx(session: AsyncSession, conference: Event, lang: str = "vi") -> bytes:
    return await asyncio.to_thread(xlsx_bytes, await gather(session, conference, lang))
