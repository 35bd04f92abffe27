"""The provinces' six-month reports (plan III.3) and the final report (III.1.d).

A province's secretariat sends /report and then the file (PDF, DOC, DOCX), or just sends the file; on Zalo,
which carries no files, /report gives a one-time link to the upload page (bot/web/report_upload.py).
Organizers: /reports (who sent theirs, and every report in one ZIP) and /final_report (DOCX and XLSX)."""
from __future__ import annotations

import asyncio
from html import escape

from aiogram import Bot, F
from aiogram.filters import Command, CommandObject, Filter, StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, Message, TelegramObject
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.routing import Feature
from bot.middlewares import Here
from bot.screens import province_reports as screens
from bot.services import final_report, province_reports, sign_in
from bot.services.province_reports import NAME_ENDINGS, kind_of, limit_bytes
from handlers.filters import HasRole, OnZalo, organizers_only
from models.account import ORGANIZER, SECRETARIAT, secretariat_of
from models.base import utcnow


BOT_UPLOAD_LIMIT = 49 * 1024 * 1024  # a bot sends documents of up to 50 MB; the ZIP adds a little


class Reporting(StatesGroup):
    file = State()


class IsSecretariat(Filter):
    async def __call__(self, event: TelegramObject, roles: set[str] | None = None) -> bool:
        return bool(secretariat_of(roles or set()))


async def _province(message: Message, here: Here, typed: str | None) -> str | None:
    """Whose report this is: the one typed after /report, or the sender's only province; refused (with the
    reason) when it is another province's, unknown, or not asked for."""
    conference, mine = here.conference, secretariat_of(here.roles)
    if conference.province_reports is None:
        await message.answer(_("This conference collects no province reports."))
        return None
    if typed:
        code = province_reports.named_province(conference, typed)
        if code is None:
            await message.answer(_("No province is called “{name}”. Send /report alone for your own province's "
                                   "report.").format(name=escape(typed[:60])))
            return None
    elif len(mine) == 1:
        code = next(iter(mine))
    else:
        names = ", ".join(screens.province_name(conference, c, here.lang) for c in sorted(mine))
        await message.answer(_("You hold the secretariat of several provinces ({names}): send /report followed "
                               "by the province's name.").format(names=escape(names)))
        return None
    if code not in mine:
        await message.answer(screens.another_province(conference, mine, code, here.lang))
        return None
    if code not in province_reports.expected(conference):
        await message.answer(_("No report is asked of {province}.").format(
            province=escape(screens.province_name(conference, code, here.lang))))
        return None
    return code


async def report_begin(message: Message, command: CommandObject, here: Here) -> None:
    code = await _province(message, here, command.args)
    if code is None:
        return
    await here.state.clear()
    await here.state.set_state(Reporting.file)
    await here.state.update_data(province=code)
    rules = here.conference.province_reports
    await message.answer(_("Send the six-month report of {province} as a file: PDF, DOC or DOCX, at most {limit} "
                           "MB, due {due}. A file sent again later replaces it (every version is kept). /cancel "
                           "to stop.").format(province=escape(screens.province_name(here.conference, code, here.lang)),
                                              limit=rules.max_size_mb,
                                              due=rules.due.astimezone(here.conference.tz).strftime("%d/%m/%Y %H:%M")))


async def report_link(message: Message, command: CommandObject, here: Here) -> None:
    """Zalo passes no files: a one-time link to the upload page, for this province."""
    code = await _province(message, here, command.args)
    if code is None:
        return
    token = await sign_in.create_login(here.session, here.account, SECRETARIAT + code)
    minutes = int(sign_in.LOGIN_LIFETIME.total_seconds() // 60)
    await message.answer(_("Zalo does not pass files to the bot. Open this link on a computer within {minutes} "
                           "minutes to upload the report of {province} (PDF, DOC or DOCX); it works once. Do not "
                           "forward it.").format(minutes=minutes, province=escape(
                               screens.province_name(here.conference, code, here.lang)))
                         + f"\n{escape(sign_in.login_url(here.settings, token))}")


async def report_file(message: Message, here: Here, bot: Bot) -> None:
    data = await here.state.get_data()
    code = data.get("province") or await _province(message, here, None)
    if code is None:
        return
    if code not in secretariat_of(here.roles):  # the role was taken away since /report
        await message.answer(screens.another_province(here.conference, secretariat_of(here.roles), code, here.lang))
        return
    document, rules = message.document, here.conference.province_reports
    if document is None:
        await message.answer(_("Please send the report as a file (PDF, DOC or DOCX), as a document, not a photo."))
        return
    name = document.file_name or "report"
    if not name.lower().endswith(NAME_ENDINGS):
        await message.answer(screens.wrong_type(name))
        return
    if (document.file_size or 0) > limit_bytes(rules):  # refused before it is downloaded
        await message.answer(screens.too_large(rules.max_size_mb))
        return
    content = (await bot.download(document.file_id)).read()
    if len(content) > limit_bytes(rules):
        await message.answer(screens.too_large(rules.max_size_mb))
        return
    if kind_of(content) is None:
        await message.answer(screens.wrong_type(name))
        return
    stored = await province_reports.store(here.session, here.conference, code, content, name, here.account,
                                          "telegram")
    await here.state.clear()
    await message.answer(screens.received(here.conference, stored, here.lang))


async def not_secretariat(message: Message) -> None:
    await message.answer(_("/report is for a province's secretariat, to send its six-month report. Ask the "
                           "organizers for a secretariat invitation."))


async def reports(message: Message, here: Here, channel: str | None = None) -> None:
    conference = here.conference
    if conference.province_reports is None:
        await message.answer(_("This conference collects no province reports."))
        return
    standings = await province_reports.standing(here.session, conference)
    await message.answer(screens.summary(conference, standings, here.lang))
    if channel == "zalo":
        await message.answer(_("Zalo cannot carry files: the reports in one ZIP file are downloaded from "
                               "/dashboard on a computer."))
        return
    if not any(s.report for s in standings):
        return
    if sum(s.report.size for s in standings if s.report) > BOT_UPLOAD_LIMIT:
        await message.answer(_("The reports together are larger than Telegram lets a bot send (50 MB): download "
                               "them in one ZIP file from /dashboard on a computer."))
        return
    index = province_reports.index_text(conference, standings, here.lang)
    newest = await province_reports.newest_reports(here.session, conference)
    zipped = await _beside(province_reports.archive, conference, newest, index, here.lang)
    await message.answer_document(BufferedInputFile(zipped, filename=f"{conference.id}-{_stamp(here)}-reports.zip"))


async def _beside(function, *args):
    return await asyncio.to_thread(function, *args)


def _stamp(here: Here) -> str:
    return utcnow().astimezone(here.conference.tz).strftime("%Y%m%d-%H%M")


async def final(message: Message, here: Here, session: AsyncSession, channel: str | None = None) -> None:
    if channel == "zalo":
        await message.answer(_("Zalo cannot carry files: the final report (Word and Excel) is downloaded from "
                               "/dashboard on a computer."))
        return
    await message.answer(_("Preparing the final report…"))
    name = f"{here.conference.id}-{_stamp(here)}-final-report"
    await message.answer_document(BufferedInputFile(
        await final_report.final_docx(session, here.conference, here.lang), filename=f"{name}.docx"),
        caption=_("The final report in Word, for the secretariat to complete."))
    await message.answer_document(BufferedInputFile(
        await final_report.final_xlsx(session, here.conference, here.lang), filename=f"{name}.xlsx"))


def create_router() -> Feature:
    router = Feature(name="province_reports")
    router.message.filter(F.chat.type == "private")
    secretariat, organizer = IsSecretariat(), HasRole(ORGANIZER)
    router.message.register(report_link, Command("report"), secretariat, OnZalo())
    router.message.register(report_begin, Command("report"), secretariat)
    router.message.register(not_secretariat, Command("report"))
    router.message.register(report_file, Reporting.file, ~F.text.startswith("/"), secretariat)
    router.message.register(report_file, StateFilter(None), F.document, secretariat)
    router.message.register(reports, Command("reports"), organizer)
    router.message.register(final, Command("final_report"), organizer)
    router.message.register(organizers_only, Command("reports", "final_report"))
    return router
