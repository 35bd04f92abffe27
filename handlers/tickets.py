"""Delegates' check-in codes: sent after registration, again with /myqr, and what opening one shows."""
from __future__ import annotations

from html import escape

from aiogram import F
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, Message
from aiogram.utils.i18n import gettext as _

from bot.config import Settings
from bot.event import Event
from bot.infra.routing import Feature
from bot.middlewares import Here
from bot.screens.render import part_label
from bot.screens.tickets import badge_lines, code_link
from bot.services import badge, registration as reg, tickets
from models import Account, Delegate


async def send_code(message: Message, settings: Settings, conference: Event, lang: str, account: Account,
                    delegate: Delegate) -> None:
    """The QR image of one delegate, with a caption saying what to do with it."""
    url = await code_link(message.bot, settings, delegate)
    png = await badge.render_elsewhere(url, badge_lines(delegate, conference, lang))
    name = escape(delegate.full_name)
    if delegate.account_id == account.id:
        caption = _("Your check-in code, {name}. Show it at reception (on the phone or printed).").format(name=name)
    else:
        caption = _("Check-in code of {name}. Forward this picture to them; they show it at reception.").format(
            name=name)
    await message.answer_photo(BufferedInputFile(png, filename=f"checkin-{delegate.id}.png"), caption=caption)


async def myqr(message: Message, here: Here) -> None:
    delegates = [d for d in await reg.delegates_of(here.session, here.conference, here.account) if d.active]
    if not delegates:
        await message.answer(_("You have no registration yet, so there is no check-in code. Register with /start."))
        return
    for delegate in delegates:
        await send_code(message, here.settings, here.conference, here.lang, here.account, delegate)


async def show_badge(message: Message, conference: Event, lang: str, delegate: Delegate, *, replaced: bool) -> None:
    """A delegate opened their own code: their badge, and whether the code is still the valid one."""
    province, category = conference.province(delegate.province), conference.category(delegate.category)
    parts = "\n".join(f"• {part_label(s, conference, lang)}" for s in conference.parts
                         if s.code in delegate.part_codes)
    lines = [
        _("🎫 <b>Your check-in code</b>"), "",
        f"<b>{escape(delegate.full_name)}</b>",
        escape(province.name.get(lang)) if province else "",
        escape(category.name.get(lang)) if category else "", "", parts,
    ]
    if replaced:
        lines += ["", _("⚠️ This code has been replaced by a newer one; use /myqr to get the current code.")]
    elif not delegate.active:
        lines += ["", _("⚠️ This registration is cancelled; the code is no longer valid.")]
    await message.answer("\n".join(lines))


async def opened_code(message: Message, here: Here, token: str) -> None:
    """Somebody without the staff role opened a check-in link: their own badge, or nothing personal."""
    ticket = tickets.read(here.settings.secret_key, here.conference.id, token)
    delegate = await here.session.get(Delegate, ticket.delegate_id) if isinstance(ticket, tickets.Ticket) else None
    if delegate is not None and delegate.event_id == here.conference.id and here.account.id in (
            delegate.account_id, delegate.registered_by_id):
        await show_badge(message, here.conference, here.lang, delegate,
                         replaced=ticket.version != delegate.ticket_version)
        return
    await message.answer(_("This is a delegate's check-in code for the {event}. It is scanned by the reception "
                           "staff when the delegate arrives.").format(
        event=escape(here.conference.short_name.get(here.lang))))


def create_router() -> Feature:
    router = Feature(name="tickets")
    router.message.filter(F.chat.type == "private")
    router.message.register(myqr, Command("myqr"))
    return router
