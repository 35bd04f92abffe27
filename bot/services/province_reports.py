"""The provinces' six-month reports (plan III.3): what is accepted, who may send whose, the versions kept,
which provinces are missing, the reminders to them, and the one archive organizers download.

A file is judged by its content (the first bytes: %PDF, the Word 97 container, a ZIP holding
word/document.xml), not by its name: a picture renamed .pdf is refused. Files are kept in the database
(models/province_report.py says why); every upload is a version, the newest counts.
"""
from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from bot.event import Event, ProvinceReports, ReportReminder
from bot.text import fold
from models import Account, AccountRole, ProvinceReport, ReportReminderDelivery
from models.account import SECRETARIAT
from models.base import utcnow
from models.db import add_once
from models.reminder import SENDING

KINDS = ("pdf", "doc", "docx")
NAME_ENDINGS = tuple(f".{kind}" for kind in KINDS)
CONTENT_TYPES = {"pdf": "application/pdf", "doc": "application/msword",
                 "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97–2003 (and other Office 97 files)


def kind_of(data: bytes) -> str | None:
    """pdf, doc or docx by the content's own bytes; None for anything else."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(_OLE2):
        return "doc"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return "docx" if "word/document.xml" in archive.namelist() else None
        except (zipfile.BadZipFile, ValueError):
            return None
    return None


def limit_bytes(rules: ProvinceReports) -> int:
    return rules.max_size_mb * 1024 * 1024


def expected(conference: Event) -> list[str]:
    """The provinces that must send a report, in the event file's order."""
    return list(conference.province_reports.provinces) if conference.province_reports else []


def named_province(conference: Event, typed: str) -> str | None:
    """A province typed after /report: its code, its name, or one of its words."""
    wanted = fold(typed)
    for province in conference.provinces:
        if wanted in {fold(province.code.replace("_", " ")), fold(province.name.vi), fold(province.name.en),
                      *(fold(w) for w in province.words)}:
            return province.code
    return None


@dataclass(frozen=True)
class Stored:
    report: ProvinceReport
    new: bool  # False: the same file as the current version (a double send); nothing was added


async def current(session: AsyncSession, conference: Event, province: str) -> ProvinceReport | None:
    return await session.scalar(select(ProvinceReport).where(
        ProvinceReport.event_id == conference.id, ProvinceReport.province == province)
        .order_by(ProvinceReport.version.desc()).limit(1))


async def store(session: AsyncSession, conference: Event, province: str, data: bytes, file_name: str,
                by: Account, via: str) -> Stored:
    """A new version of the province's report (the content already judged by `kind_of`); two uploads at
    once each get their own version number (the unique key decides, the loser takes the next)."""
    digest = hashlib.sha256(data).hexdigest()
    for _attempt in range(3):
        latest = await current(session, conference, province)
        if latest is not None and latest.sha256 == digest:
            return Stored(latest, new=False)
        report = ProvinceReport(event_id=conference.id, province=province, version=(latest.version if latest else 0) + 1,
                                file_name=file_name[:255], kind=kind_of(data), size=len(data), sha256=digest,
                                content=data, uploaded_by_id=by.id, via=via, uploaded_at=utcnow())
        session.add(report)
        try:
            await session.commit()
            return Stored(report, new=True)
        except IntegrityError:
            await session.rollback()
    raise RuntimeError("could not number the report's version")


@dataclass(frozen=True)
class Standing:
    province: str
    report: ProvinceReport | None  # the newest version, without its content loaded
    versions: int


async def standing(session: AsyncSession, conference: Event) -> list[Standing]:
    """Every expected province: its newest report (or none) and how many versions it sent (contents not read)."""
    newest: dict[str, ProvinceReport] = {}
    for report in await session.scalars(select(ProvinceReport).options(defer(ProvinceReport.content))
                                         .where(ProvinceReport.event_id == conference.id)
                                         .order_by(ProvinceReport.version)):
        newest[report.province] = report
    return [Standing(code, newest.get(code), newest[code].version if code in newest else 0)
            for code in expected(conference)]


def archive_name(conference: Event, number: int, report: ProvinceReport) -> str:
    province = conference.province(report.province)
    name = fold(province.name.vi).replace(" ", "-") if province else report.province
    return f"{number:02d}-{name}-v{report.version}.{report.kind}"


INDEX_WORDS = {"received": ("đã nhận", "received"), "missing": ("chưa nhận", "not received"),
               "version": ("phiên bản", "version")}


def index_text(conference: Event, standings: list[Standing], lang: str) -> str:
    """The archive's list of received and missing reports, with the time and the file's name in the archive."""
    w = lambda key: INDEX_WORDS[key][1 if lang == "en" else 0]  # noqa: E731
    lines = [conference.name.get(lang), ""]
    for n, state in enumerate(standings, start=1):
        province = conference.province(state.province)
        name = province.name.get(lang) if province else state.province
        report = state.report
        lines.append(f"{n}. {name}: " + (w("missing") if report is None else
                                         f"{w('received')} {report.uploaded_at.astimezone(conference.tz):%d/%m/%Y %H:%M}"
                                         f", {w('version')} {report.version}: {archive_name(conference, n, report)}"))
    return "\r\n".join(lines) + "\r\n"


def archive(conference: Event, reports: list[ProvinceReport], index: str, lang: str) -> bytes:
    """The newest report of each province in one ZIP (CPU work: run it beside the event loop), with the
    index of received and missing as a text file."""
    out = io.BytesIO()
    numbers = {code: n for n, code in enumerate(expected(conference), start=1)}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for report in reports:
            # PDF and DOCX are compressed already: stored as they are (deflating 100 MB of them took 13 s for nothing)
            zipped.writestr(archive_name(conference, numbers.get(report.province, 99), report), report.content,
                            compress_type=zipfile.ZIP_DEFLATED if report.kind == "doc" else zipfile.ZIP_STORED)
        zipped.writestr("00-index.txt" if lang == "en" else "00-danh-sach.txt", index)
    return out.getvalue()


async def newest_reports(session: AsyncSession, conference: Event) -> list[ProvinceReport]:
    ids = [s.report.id for s in await standing(session, conference) if s.report]
    return list(await session.scalars(select(ProvinceReport).where(ProvinceReport.id.in_(ids))
                                      .execution_options(populate_existing=True)))


# --- reminders to the provinces still missing ---------------------------------------------------------

@dataclass(frozen=True)
class DueReminder:
    province: str
    reminder: ReportReminder
    account_id: int


def too_late(conference: Event, now: datetime) -> bool:
    """Once the conference has begun a reminder is pointless: it is dropped."""
    return now >= min(p.starts_at for p in conference.parts)


async def secretariats(session: AsyncSession, province: str) -> list[Account]:
    holders = select(AccountRole.account_id).where(AccountRole.role == SECRETARIAT + province)
    return list((await session.scalars(select(Account).where(Account.id.in_(holders), Account.reachable.is_(True))
                                       .order_by(Account.id))).unique())


async def due_reminders(session: AsyncSession, conference: Event) -> list[DueReminder]:
    """Reminders due now, not yet taken, to the secretariats of provinces whose report is missing."""
    rules, now = conference.province_reports, utcnow()
    if rules is None or not rules.reminders or too_late(conference, now):
        return []
    taken = set((await session.execute(select(
        ReportReminderDelivery.province, ReportReminderDelivery.offset_key, ReportReminderDelivery.account_id)
        .where(ReportReminderDelivery.event_id == conference.id))).all())
    due = []
    for state in await standing(session, conference):
        if state.report is not None:
            continue
        reminders = [r for r in rules.reminders if r.due_at(rules.due) <= now]
        for account in await secretariats(session, state.province) if reminders else ():
            due += [DueReminder(state.province, r, account.id) for r in reminders
                    if (state.province, r.key, account.id) not in taken]
    return due


def _row(conference: Event, due: DueReminder) -> tuple:
    return (ReportReminderDelivery.event_id == conference.id, ReportReminderDelivery.province == due.province,
            ReportReminderDelivery.offset_key == due.reminder.key, ReportReminderDelivery.account_id == due.account_id)


async def take(session: AsyncSession, conference: Event, due: DueReminder) -> bool:
    """Claim a reminder before sending it; False if another run has it."""
    return await add_once(session, ReportReminderDelivery(
        event_id=conference.id, province=due.province, offset_key=due.reminder.key, account_id=due.account_id,
        status=SENDING))


async def settle(session: AsyncSession, conference: Event, due: DueReminder, status: str | None) -> None:
    """Record the outcome; None gives the reminder back, to be tried again."""
    row = await session.scalar(select(ReportReminderDelivery).where(*_row(conference, due)))
    if status is None:
        await session.delete(row)
    else:
        row.status, row.at = status, utcnow()
    await session.commit()


async def reclaim(session: AsyncSession, conference: Event) -> int:
    """Rows a stopped process left `sending` (taken, maybe sent, never settled): given back, sent again."""
    rows = list(await session.scalars(select(ReportReminderDelivery).where(
        ReportReminderDelivery.event_id == conference.id, ReportReminderDelivery.status == SENDING)))
    for row in rows:
        await session.delete(row)
    await session.commit()
    return len(rows)
