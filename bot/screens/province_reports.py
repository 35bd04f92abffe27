"""How the provinces' reports read: the received / missing list (chat, archive index) and the answers to
an upload, the same on Telegram and on the upload page's server side."""
from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

from bot.event import Event
from bot.services import province_reports
from bot.services.province_reports import Standing
from models import ProvinceReport


def when(conference: Event, report: ProvinceReport) -> str:
    return report.uploaded_at.astimezone(conference.tz).strftime("%d/%m/%Y %H:%M")


def size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 100 * 1024 else f"{max(1, round(n / 1024))} kB"


def province_name(conference: Event, code: str, lang: str) -> str:
    province = conference.province(code)
    return province.name.get(lang) if province else code


def status_lines(conference: Event, standings: list[Standing], lang: str) -> list[str]:
    """One plain line per expected province (the caller escapes for HTML): received with the time, or missing."""
    lines = []
    for n, state in enumerate(standings, start=1):
        name = province_name(conference, state.province, lang)
        if state.report is None:
            lines.append(_("{n}. {province}: not received").format(n=n, province=name))
        else:
            lines.append(_("{n}. {province}: received {time} (version {version}, {kind}, {size})").format(
                n=n, province=name, time=when(conference, state.report), version=state.report.version,
                kind=state.report.kind.upper(), size=size(state.report.size)))
    return lines


def summary(conference: Event, standings: list[Standing], lang: str) -> str:
    received = sum(1 for s in standings if s.report)
    rules = conference.province_reports
    head = _("<b>Province reports</b>: {received} of {total} received; due {due}.").format(
        received=received, total=len(standings), due=rules.due.astimezone(conference.tz).strftime("%d/%m/%Y %H:%M"))
    return "\n".join([head, *(escape(line) for line in status_lines(conference, standings, lang))])


def wrong_type(file_name: str) -> str:
    return _("Sorry, {file} is not a PDF or Word file (DOC, DOCX): its content was read, not only its name. The "
             "report was not received; please send it as PDF, DOC or DOCX.").format(file=escape(file_name))


def too_large(limit_mb: int) -> str:
    return _("Sorry, this file is larger than {limit} MB, the limit for a report. The report was not received; "
             "please send a smaller file (for example a PDF saved for the screen).").format(limit=limit_mb)


def another_province(conference: Event, mine: set[str], other: str, lang: str) -> str:
    return _("Sorry, you are the secretariat of {mine}: the report of {other} is sent by its own secretariat. "
             "Nothing was received.").format(
        mine=escape(", ".join(province_name(conference, code, lang) for code in sorted(mine))),
        other=escape(province_name(conference, other, lang)))


def received(conference: Event, stored: province_reports.Stored, lang: str) -> str:
    report = stored.report
    values = dict(province=escape(province_name(conference, report.province, lang)), version=report.version,
                  time=when(conference, report), file=escape(report.file_name), size=size(report.size))
    if not stored.new:
        return _("This file was already received: the report of {province}, version {version}, at {time}. "
                 "Nothing was added.").format(**values)
    return _("✅ Received: the report of {province} ({file}, {size}), version {version}, at {time}. A newer file "
             "sent later replaces it; the organizers keep every version.").format(**values)
