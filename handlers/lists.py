"""Organizers' lists: /export (delegates in Excel or CSV, check-ins per day, rooms per night) and /import
(a province's nominee list: checked row by row, then one personal registration link per person)."""
from __future__ import annotations

from html import escape

from aiogram import Bot, F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.routing import Feature
from bot.screens import listing
from bot.event import Event
from bot.middlewares import Here
from bot.screens.callbacks import Pick
from bot.services import confirmations, exports, nominees, transport_sheets
from bot.screens.ui import CONFIRMATION_KEY, Button, column, confirmation_key, done, show
from handlers.filters import CanImport, HasRole, OnZalo, organizers_only, organizers_only_button
from models.account import ORGANIZER, secretariat_of
from models.base import utcnow

MAX_FILE = 5 * 1024 * 1024  # a list of 2,000 people is about 100 kB; Telegram lets a bot download 20 MB
SHOWN_ERRORS = 40  # row errors listed in the chat; the rest are counted


class Importing(StatesGroup):
    file = State()
    decide = State()


async def export_menu(message: Message, state: FSMContext) -> None:
    options = [("delegates_xlsx", _("👥 Delegates (Excel)")), ("delegates_csv", _("👥 Delegates (CSV)")),
               ("checkins", _("✅ Check-ins per day (Excel)")), ("rooms", _("🛏 Rooms per night (Excel)")),
               ("transport", _("🚌 Pick-ups and buses (Excel)")),
               ("meals", _("🍽 Meals (Excel)"))]
    await show(message, state, _("Which list? The files hold phone numbers and notes: keep them within the "
                                 "secretariat."),
               column([Button(label, Pick(step="export", key=key).pack()) for key, label in options]))


async def export_chosen(callback: CallbackQuery, callback_data: Pick, conference: Event, lang: str,
                        session: AsyncSession) -> None:
    await callback.answer(_("Preparing the file…"))
    kind = callback_data.key
    builders = {
        "delegates_xlsx": ("delegates.xlsx", lambda: exports.delegates_workbook(session, conference, personal=True,
                                                                                 lang=lang)),
        "delegates_csv": ("delegates.csv", lambda: exports.delegates_csv(session, conference, personal=True,
                                                                          lang=lang)),
        "checkins": ("checkins.xlsx", lambda: exports.checkin_report(session, conference, lang=lang)),
        "rooms": ("rooms.xlsx", lambda: exports.rooms_report(session, conference, personal=True, lang=lang)),
        "transport": ("transport.xlsx", lambda: transport_sheets.manifest(session, conference, lang=lang)),
        "meals": ("meals.xlsx", lambda: exports.meals_report(session, conference, lang=lang)),
    }
    if kind not in builders:
        return
    name, build = builders[kind]
    stamp = utcnow().astimezone(conference.tz).strftime("%Y%m%d-%H%M")
    await callback.message.answer_document(BufferedInputFile(await build(), filename=f"{conference.id}-{stamp}-{name}"))


async def no_files_on_zalo(message: Message) -> None:
    """Zalo carries no file either way: the lists are downloaded from the dashboard, a nominee list is sent
    in Telegram (or imported on the secretariat's computer)."""
    if message.text.startswith("/export"):
        await message.answer(_("Zalo cannot carry files. Send /dashboard and open its link on a computer: its "
                               "buttons download the delegate list (Excel or CSV), the check-ins per day and the "
                               "rooms per night."))
    else:
        await message.answer(_("Zalo does not pass files to the bot. Send /import and the list's file to the bot "
                               "in Telegram."))


async def import_begin(message: Message, state: FSMContext) -> None:
    await state.clear()
    await state.set_state(Importing.file)
    await message.answer(_("Send the province's list as an <b>.xlsx</b> or <b>.csv</b> file, with the columns: "
                           "full name, position, organization, province, category, phone. Nothing is imported "
                           "until every row is right (or you choose to import only the valid rows). /cancel to "
                           "stop."))


async def _rows(bot: Bot, file_id: str, file_name: str) -> list[dict]:
    downloaded = await bot.download(file_id)
    return await nominees.read_elsewhere(downloaded.read(), file_name)


async def import_file(message: Message, here: Here, bot: Bot) -> None:
    state, conference, lang = here.state, here.conference, here.lang
    document = message.document
    name = (document.file_name or "") if document else ""
    if document is None or not name.lower().endswith((".xlsx", ".csv")):
        await message.answer(_("Please send the list as an .xlsx or .csv file (as a document, not a photo)."))
        return
    if (document.file_size or 0) > MAX_FILE:
        await message.answer(_("This file is too large for a list of delegates (at most {limit} MB); nothing was "
                               "imported.").format(limit=MAX_FILE // 1024 ** 2))
        return
    try:
        rows = await _rows(bot, document.file_id, name)
    except nominees.TableError as exc:
        await message.answer(escape(nominees.describe(exc.error, lang)))
        return
    if await _not_their_province(message, here, rows):
        return
    _entries, errors = nominees.validate(conference, rows)
    if not errors:
        await _import(message, here, bot, rows, name, only_valid=False)
        return
    valid = len({r["row"] for r in rows}) - len({e.row for e in errors})
    lines = [_("❌ The list has {count} problems; nothing is imported yet:").format(count=len(errors))]
    lines += [f"• {escape(nominees.describe(e, lang))}" for e in errors[:SHOWN_ERRORS]]
    if len(errors) > SHOWN_ERRORS:
        lines.append(_("… and {count} more.").format(count=len(errors) - SHOWN_ERRORS))
    await state.set_state(Importing.decide)
    await state.update_data(file_id=document.file_id, file_name=name)
    await confirmation_key(state)
    buttons = [Button(_("Import only the {count} valid rows").format(count=valid),
                      Pick(step="import", key="valid").pack())] if valid > 0 else []
    buttons.append(Button(_("Import nothing; I will fix the file"), Pick(step="import", key="no").pack()))
    await show(message, state, "\n".join(lines), column(buttons))


async def import_decided(callback: CallbackQuery, callback_data: Pick, here: Here, bot: Bot) -> None:
    state = here.state
    await callback.answer()
    data = await state.get_data()
    if callback_data.key != "valid" or "file_id" not in data:
        await state.clear()
        await callback.message.answer(_("Nothing was imported. Send /import again with the corrected file."))
        return
    try:  # read again: the file was not kept; a refusal now (a slow read) must still be answered
        rows = await _rows(bot, data["file_id"], data["file_name"])
    except nominees.TableError as exc:
        await state.clear()
        await callback.message.answer(escape(nominees.describe(exc.error, here.lang)))
        return
    already = _("This list is already imported.")
    if not await confirmations.take(here.session, data.get(CONFIRMATION_KEY) or confirmations.new_key(),
                                    confirmations.IMPORT):  # the same update handled again
        await state.clear()
        await callback.message.answer(already)
        return
    if await _import(callback.message, here, bot, rows, data["file_name"], only_valid=True):
        await done(callback, state, already)


async def _import(message: Message, here: Here, bot: Bot, rows: list[dict], name: str, *, only_valid: bool) -> bool:
    """Whether anyone was imported."""
    conference = here.conference
    await here.state.clear()
    result = await nominees.import_rows(here.session, conference, rows, here.account.id, name, only_valid=only_valid)
    if result.refused or not result.created:
        await message.answer(_("Nothing was imported: no valid row."))
        return False
    me = await bot.me()
    table = await nominees.links_table(result.created, me.username, conference=conference,
                                       lang=here.lang)
    text = _("✅ Imported {created} people from {file}. Each has a personal link that opens their registration "
             "already filled in; send the links in the file to them (Zalo, SMS, e-mail).").format(
        created=len(result.created), file=escape(name))
    await message.answer_document(BufferedInputFile(table, filename=f"{name.rsplit('.', 1)[0]}-links.csv"),
                                  caption=text)
    return True


async def _not_their_province(message: Message, here: Here, rows: list[dict]) -> bool:
    """A province's secretariat imports its own province's list only: other rows are refused, politely."""
    if ORGANIZER in here.roles:
        return False
    provinces = secretariat_of(here.roles)
    wrong = nominees.outside(here.conference, rows, provinces)
    if not wrong:
        return False
    names = ", ".join(p.name.get(here.lang) for p in here.conference.provinces if p.code in provinces)
    await message.answer(_("You may import the list of {provinces} only; rows {rows} name another province (or "
                           "none). Nothing was imported: please send the list of {provinces} alone, or ask the "
                           "organizers.").format(provinces=escape(names), rows=listing.names([str(n) for n in wrong])))
    return True


def create_router() -> Feature:
    router = Feature(name="lists")
    router.message.filter(F.chat.type == "private")
    organizer, importer = HasRole(ORGANIZER), CanImport()  # a province's secretariat imports its own list
    router.message.register(no_files_on_zalo, Command("export"), organizer, OnZalo())
    router.message.register(no_files_on_zalo, Command("import"), importer, OnZalo())
    router.message.register(export_menu, Command("export"), organizer)
    router.message.register(import_begin, Command("import"), importer)
    router.message.register(organizers_only, Command("export", "import"))
    router.callback_query.register(export_chosen, Pick.filter(F.step == "export"), organizer)
    router.message.register(import_file, Importing.file, ~F.text.startswith("/"), importer)
    router.callback_query.register(import_decided, Pick.filter(F.step == "import"), Importing.decide, importer)
    router.callback_query.register(organizers_only_button, Pick.filter(F.step == "export"), ~organizer)
    router.callback_query.register(organizers_only_button, Pick.filter(F.step == "import"), ~importer)
    return router
