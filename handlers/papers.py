"""The organizers' printed papers in the chat: /badges (a PDF of badge cards: everyone, a province, a category
or one delegate, named after the command or chosen from its menu) and /mc (the MC's list of those checked in
for the opening, in protocol order). Zalo carries no files: there /badges gives a one-time link to the
dashboard, whose Printing section builds the same PDF."""
from __future__ import annotations

from html import escape

from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.infra.routing import Feature
from bot.middlewares import Here
from bot.screens.callbacks import Pick
from bot.screens.ui import Button, column, show
from bot.screens.paper_content import badge_cards, introduction_lines
from bot.screens.papers import badges_pdf, build_elsewhere
from bot.services import papers, sign_in
from bot.services.papers import Scope
from bot.services.export_sheets import word
from handlers.filters import HasRole, organizers_only, organizers_only_button
from models.account import ORGANIZER
from models.base import utcnow


def _usage() -> str:
    return _("Badges to print (PDF, A4 sheets with cut lines). Choose whose, or send:\n/badges all: every "
             "delegate\n/badges <i>province</i>, e.g. /badges Gia Lai\n/badges <i>category</i>, e.g. /badges "
             "press\n/badges <i>check-in number</i>, e.g. /badges 427-3: one delegate (a reprint carries the "
             "current code)")


def _pick(key: str, label: str) -> Button:
    return Button(label, Pick(step="badges", key=key).pack())


async def badges(message: Message, command: CommandObject, here: Here) -> None:
    if not (command.args or "").strip():
        buttons = [_pick("all", _("🪪 All delegates")), _pick("categories", _("🗂 One category…"))]
        buttons += [_pick(f"p-{p.code}", p.name.get(here.lang)) for p in here.conference.provinces]
        await show(message, here.state, _usage(), column(buttons[:2]) + column(buttons[2:], 2))
        return
    scope = papers.scope_from(here.conference, command.args)
    if scope is None:
        await message.answer(_("“{typed}” names no province, category or check-in number.").format(
            typed=escape(command.args.strip()[:60])) + "\n\n" + _usage())
        return
    await _deliver(message, here, scope)


async def badges_chosen(callback: CallbackQuery, callback_data: Pick, here: Here) -> None:
    await callback.answer()
    key, conference = callback_data.key, here.conference
    if key == "categories":
        buttons = [_pick(f"c-{c.code}", c.label.get(here.lang)) for c in conference.categories]
        await show(callback, here.state, _("Badges of which category?"), column(buttons), edit=True)
        return
    kind, _dash, code = key.partition("-")
    scope = {"all": Scope(papers.ALL), "p": Scope(papers.PROVINCE, code), "c": Scope(papers.CATEGORY, code)}.get(kind)
    if scope is None or (kind == "p" and not conference.province(code)) or (
            kind == "c" and not conference.category(code)):
        return
    await _deliver(callback.message, here, scope)


async def _deliver(message: Message, here: Here, scope: Scope) -> None:
    """The badges of `scope` as a PDF, or on Zalo, which carries no files, a link to the dashboard that makes it."""
    delegates = await papers.badge_holders(here.session, here.conference, scope)
    if not delegates:
        await message.answer(_("No confirmed delegate there, so there is no badge to print."))
        return
    if here.account.channel == "zalo":
        await badges_on_zalo(message, here)
        return
    await message.answer(_("Preparing {count} badges…").format(count=len(delegates)))
    me = await message.bot.me()
    cards = badge_cards(delegates, here.conference, here.lang, me.username, here.settings.secret_key)
    size = here.conference.badge
    pdf = await build_elsewhere(badges_pdf, cards, size.width_mm, size.height_mm, word("badges_title", here.lang))
    stamp = utcnow().astimezone(here.conference.tz).strftime("%Y%m%d-%H%M")
    await message.answer_document(
        BufferedInputFile(pdf, filename=f"{here.conference.id}-{stamp}-badges-{scope.kind}.pdf"),
        caption=_("🪪 {count} badges, {size} mm, to print on A4 and cut along the lines.").format(
            count=len(delegates), size=f"{size.width_mm:g} × {size.height_mm:g}"))


async def badges_on_zalo(message: Message, here: Here) -> None:
    token = await sign_in.create_login(here.session, here.account, ORGANIZER)
    link = escape(sign_in.login_url(here.settings, token))
    minutes = int(sign_in.LOGIN_LIFETIME.total_seconds() // 60)
    await message.answer(_("Zalo cannot carry files. Open this link on a computer within {minutes} minutes (it "
                           "works once): the dashboard's Printing section builds the badges, the sign-in sheets "
                           "and the MC's list.").format(minutes=minutes) + f"\n{link}")


async def mc_list(message: Message, here: Here) -> None:
    conference = here.conference
    if conference.introduction is None:
        await message.answer(_("The event file has no introduction order, so there is no MC's list."))
        return
    delegations = await papers.introduced(here.session, conference)
    now = utcnow().astimezone(conference.tz).strftime("%H:%M")
    part = conference.part(conference.introduction.part)
    lines = [_("🎤 <b>Introduction of delegates</b> — {part}\nChecked in by {time}; send /mc again for the latest.")
             .format(part=escape(part.title.get(here.lang)), time=now)]
    if not delegations:
        lines.append(_("Nobody has checked in for this part yet."))
    for heading, people in introduction_lines(delegations, conference, here.lang):
        lines += ["", f"<b>{escape(heading)}</b>", *map(escape, people)]
    await message.answer("\n".join(lines))


def create_router() -> Feature:
    router = Feature(name="papers")
    router.message.filter(F.chat.type == "private")
    organizer = HasRole(ORGANIZER)
    router.message.register(badges, Command("badges"), organizer)
    router.message.register(mc_list, Command("mc"), organizer)
    router.message.register(organizers_only, Command("badges", "mc"))
    router.callback_query.register(badges_chosen, Pick.filter(F.step == "badges"), organizer)
    router.callback_query.register(organizers_only_button, Pick.filter(F.step == "badges"), ~organizer)
    return router
