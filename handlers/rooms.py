"""Organizers' rooms: /rooms (who is lodged where, and what is left), /rooms auto (rooms filled by delegation and
wish), /room NO. HOTEL ROOM (one delegate placed by hand)."""
from __future__ import annotations

from html import escape

from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.infra.routing import Feature
from bot.middlewares import Here
from bot.screens import listing
from bot.services import lodging
from handlers.filters import HasRole, organizers_only
from models.account import ORGANIZER


def _refusal(reason: str, details: dict) -> str:
    return {
        "no_such_hotel": _("No hotel has that code. The hotels: {hotels}."),
        "no_such_delegate": _("No delegate has that number. Their numbers are in the rooms list (/export)."),
        "no_lodging": _("This delegate does not need lodging (or stays no night): nothing changed."),
        "no_such_room": _("That hotel has no such room. Write the room type and number, e.g. twin-3 (types: "
                          "{rooms})."),
        "nights_not_held": _("The hotel holds no rooms on the night of {night}: nothing changed."),
        "other_delegation": _("{name}, of another delegation, is in that room: a room is shared within a delegation "
                              "only. Nothing changed."),
        "room_full": _("That room is full on the night of {night} ({beds} beds). Nothing changed."),
    }[reason].format(**{k: escape(str(v)) for k, v in details.items()})


async def rooms_overview(message: Message, command: CommandObject, here: Here) -> None:
    if (command.args or "").strip().lower() in ("auto", "tu dong", "tự động"):
        placed, left = await lodging.fill(here.session, here.conference)
        text = _("🛏 Rooms filled by delegation and wish: {placed} delegates placed.").format(placed=placed)
        if left:
            text += "\n" + _("No room left for their nights: {names}. Add rooms to the event file, or place them "
                             "with /room.").format(names=listing.names([escape(d.full_name) for d in left]))
        await message.answer(text)
        return
    state = await lodging.load(here.session, here.conference)
    waiting = [d for i, d in state.lodgers.items() if i not in state.assigned]
    changed = await lodging.flagged(here.session, here.conference)
    text = _("🛏 Lodged: {lodged}; with a room: {placed}; waiting: {waiting}; stay changed since: {changed}.").format(
        lodged=len(state.lodgers), placed=len(state.assigned), waiting=len(waiting), changed=len(changed))
    if changed:
        text += "\n" + _("Stay changed: {names}.").format(
            names=listing.names([f"{escape(d.full_name)} (#{d.id}, {escape(a.change)})" for d, a in changed]))
    text += "\n\n" + _("/rooms auto fills the rooms; /room NO. HOTEL ROOM places one delegate, e.g. "
                       "/room 12 {hotel} {room}.").format(hotel=_example_hotel(here), room=_example_room(here))
    await message.answer(text)


def _example_hotel(here: Here) -> str:
    return here.conference.hotels[0].code if here.conference.hotels else "hotel"


def _example_room(here: Here) -> str:
    hotels = here.conference.hotels
    return f"{hotels[0].room_types[0].code}-1" if hotels else "twin-1"


async def place_one(message: Message, command: CommandObject, here: Here) -> None:
    args = (command.args or "").split()
    if len(args) != 3 or not args[0].lstrip("#").isdigit():
        await message.answer(_("Please write: /room NO. HOTEL ROOM, e.g. /room 12 {hotel} {room}.")
                             .format(hotel=_example_hotel(here), room=_example_room(here)))
        return
    number, hotel, room = int(args[0].lstrip("#")), args[1].lower(), args[2].lower()
    placed = await lodging.assign(here.session, here.conference, number, hotel, room, here.account.id)
    if placed.assignment is None:
        await message.answer(_refusal(placed.reason, placed.details))
        return
    await message.answer(_("✅ Delegate #{number} placed: {hotel}, room {room}.").format(
        number=number, hotel=escape(here.conference.hotel(hotel).name.get(here.lang)), room=escape(room)))


def create_router() -> Feature:
    router = Feature(name="rooms")
    router.message.filter(F.chat.type == "private")
    organizer = HasRole(ORGANIZER)
    router.message.register(rooms_overview, Command("rooms"), organizer)
    router.message.register(place_one, Command("room"), organizer)
    router.message.register(organizers_only, Command("rooms", "room"))
    return router
