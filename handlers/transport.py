"""/transport for organizers: the seats as planned, arrivals changed since, a new plan previewed and confirmed
(those whose seat changed are told through the outbox), a delegate moved to another vehicle, the manifest."""
from __future__ import annotations

from html import escape

from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.event import Event
from bot.infra.routing import Feature
from bot.middlewares import Here
from bot.screens.callbacks import Pick
from bot.screens.transport import plan_text, vehicle_label, when
from bot.screens.ui import CONFIRMATION_KEY, Button, column, confirmation_key, done, show
from bot.services import confirmations, outbox, transport
from bot.services.transport_plan import Placed, Plan
from bot.services.transport_sheets import manifest
from handlers.broadcast import start_progress
from handlers.filters import HasRole, organizers_only, organizers_only_button
from models import Delegate, Seat
from models.account import ORGANIZER
from models.base import utcnow
from models.outbox import TRANSPORT


class TransportPlan(StatesGroup):
    confirm = State()


def _as_plan(seats: list[Seat]) -> Plan:
    return Plan([Placed(s.delegate_id, s.trip, s.vehicle, s.departs_at, s.arrival_at) for s in seats])


async def _names(here: Here) -> dict[int, str]:
    return {d.id: d.full_name for d in await transport.confirmed(here.session, here.conference)}


def _how_to_move(conference: Event, lang: str) -> str:
    codes = ", ".join(f"<code>{v.code}</code> ({escape(v.label.get(lang))}, {v.seats})"
                      for v in conference.transport.vehicles)
    return _("To move a delegate: <code>/transport move 0905123456 van_2</code> (a phone or a record number "
             "such as #12, then the vehicle). Vehicles: {codes}").format(codes=codes)


async def overview(message: Message, command: CommandObject, here: Here, channel: str | None = None) -> None:
    conference, lang = here.conference, here.lang
    if conference.transport is None:
        await message.answer(_("The event file lists no vehicles, so there is no transport to plan."))
        return
    if command.args and command.args.strip().lower() == "plan":
        await show_plan(message, here)
        return
    if command.args:
        await moved(message, command.args, here)
        return
    await here.state.clear()
    seats = await transport.seats(here.session, conference, riding=True)
    lines = [plan_text(conference, _as_plan(seats), {}, lang) if seats else _("🚌 No transport is planned yet.")]
    for delegate, seat in await transport.changed_arrivals(here.session, conference):
        lines.append(_("⚠️ {name}'s arrival changed after planning (pick-up {when}): plan again.").format(
            name=escape(delegate.full_name), when=when(conference, seat.departs_at, lang)))
    lines += ["", _how_to_move(conference, lang)]
    buttons = [Button(_("🔄 Plan pick-ups and buses"), Pick(step="tr", key="plan").pack())]
    if channel != "zalo":  # Zalo carries no file: the dashboard has it
        buttons.append(Button(_("📥 Manifest (Excel)"), Pick(step="tr", key="file").pack()))
    await show(message, here.state, "\n".join(lines), column(buttons))


async def preview(callback: CallbackQuery, here: Here) -> None:
    await callback.answer()
    await show_plan(callback, here)


async def show_plan(target: Message | CallbackQuery, here: Here) -> None:
    """The plan made now from the registrations, with how many would be told, and ✅ to confirm it."""
    conference, session = here.conference, here.session
    plan = await transport.propose(session, conference)
    told = transport.to_tell(await transport.seats(session, conference), plan)
    chats = await transport.recipients(session, told)
    await confirmation_key(here.state)
    await here.state.set_state(TransportPlan.confirm)
    text = "\n\n".join([plan_text(conference, plan, await _names(here), here.lang), _(
        "Only those whose seat is new or changed are told: {chats} chats ({delegates} delegates). The plan is "
        "made again from the registrations when confirmed; a move made by hand is kept while its run leaves at the "
        "same time and the vehicle has a seat left.").format(
        chats=len(chats), delegates=len(told))])
    await show(target, here.state, text, column([
        Button(_("✅ Confirm and notify"), Pick(step="tr_go", key="yes").pack()),
        Button(_("Cancel"), Pick(step="tr_go", key="no").pack())]))


async def _notify(callback_or_message: Message, here: Here, delegate_ids: set[int], postman) -> int:
    """A notice to every chat standing for `delegate_ids`, through the outbox (committed with the seats)."""
    await transport.mark_told(here.session, delegate_ids)
    people = await transport.recipients(here.session, delegate_ids)
    if not people:
        await here.session.commit()
        return 0
    notice = await outbox.create(here.session, here.conference, people, audience=TRANSPORT, kind=TRANSPORT,
                                 text_vi="", by=here.account, progress_language=here.lang)
    await start_progress(callback_or_message, here.session, notice, len(people))
    if postman is not None:
        postman.wake()
    return len(people)


async def decided(callback: CallbackQuery, callback_data: Pick, here: Here, postman=None) -> None:
    await callback.answer()
    state, session = here.state, here.session
    data = await state.get_data()
    await state.clear()
    if callback_data.key != "yes":
        await callback.message.answer(_("The transport plan was not changed."))
        return
    already = _("This transport plan is already confirmed.")
    if not await confirmations.take(session, data.get(CONFIRMATION_KEY) or confirmations.new_key(),
                                    confirmations.TRANSPORT):
        await callback.message.answer(already)
        return
    told = await transport.apply(session, here.conference, await transport.propose(session, here.conference))
    await callback.message.answer(_("✅ The transport plan is saved; /transport shows it."))
    if not await _notify(callback.message, here, told, postman):
        await callback.message.answer(_("Nobody's seat changed; nobody is told."))
    await done(callback, state, already)


MOVE_REFUSALS = {
    "no_delegate": lambda r: _("No confirmed registration has that phone or record number."),
    "several": lambda r: _("Several registrations have this phone; use the record number (#12) from the manifest."),
    "unknown_vehicle": lambda r: _("There is no such vehicle. Vehicles: {codes}.").format(codes=", ".join(r.known)),
    "no_seat": lambda r: _("This delegate has no seat on a trip this vehicle serves; plan first."),
    "full": lambda r: _("That vehicle is full at that time ({seats} seats).").format(seats=r.seats),
}


async def moved(message: Message, args: str, here: Here, postman=None) -> None:
    words = args.split()
    if len(words) < 3 or words[0].lower() != "move":
        await message.answer(_how_to_move(here.conference, here.lang))
        return
    result = await transport.move(here.session, here.conference, " ".join(words[1:-1]), words[-1].lower())
    if isinstance(result, transport.MoveRefusal):
        await message.answer(MOVE_REFUSALS[result.reason](result))
        return
    delegate = await here.session.get(Delegate, result.delegate_id)
    text = _("{name}: {vehicle}, leaves {when}.").format(
        name=escape(delegate.full_name), vehicle=escape(vehicle_label(here.conference, result.vehicle, here.lang)),
        when=when(here.conference, result.departs_at, here.lang))
    if result.told == result.fingerprint:
        await message.answer(_("Nothing changed: {seat}").format(seat=text))
        return
    await message.answer(_("✅ Moved. {seat} The delegate is told.").format(seat=text))
    await _notify(message, here, {delegate.id}, postman)


async def manifest_file(callback: CallbackQuery, here: Here) -> None:
    await callback.answer(_("Preparing the file…"))
    body = await manifest(here.session, here.conference, lang=here.lang)
    stamp = utcnow().astimezone(here.conference.tz).strftime("%Y%m%d-%H%M")
    await callback.message.answer_document(BufferedInputFile(body, filename=f"{here.conference.id}-{stamp}-transport.xlsx"))


async def typed_move(message: Message, command: CommandObject, here: Here, postman=None) -> None:
    await moved(message, command.args or "", here, postman)


def create_router() -> Feature:
    router = Feature(name="transport")
    router.message.filter(F.chat.type == "private")
    organizer = HasRole(ORGANIZER)
    router.message.register(typed_move, Command("transport", magic=F.args.startswith("move")), organizer)
    router.message.register(overview, Command("transport"), organizer)
    router.message.register(organizers_only, Command("transport"))
    router.callback_query.register(preview, Pick.filter((F.step == "tr") & (F.key == "plan")), organizer)
    router.callback_query.register(manifest_file, Pick.filter((F.step == "tr") & (F.key == "file")), organizer)
    router.callback_query.register(decided, Pick.filter(F.step == "tr_go"), TransportPlan.confirm, organizer)
    router.callback_query.register(organizers_only_button, Pick.filter(F.step.in_({"tr", "tr_go"})))
    return router
