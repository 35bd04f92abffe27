"""/broadcast: an organizer writes a message (Vietnamese, optionally English; text, photo or document),
picks the audience, sees it exactly as delegates will and how many it reaches, and confirms. The
outbox (bot/workers/outbox.py) sends it and keeps the organizer's progress message up to date."""
from __future__ import annotations

from html import escape

from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n, gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.event import Event
from bot.infra.routing import Feature
from bot.middlewares import Here
from bot.screens.broadcasts import delegate_text, progress_title, stop_button
from bot.screens.callbacks import Outbox, OutboxAction, Pick
from bot.screens.render import audience_label, day
from bot.services import confirmations, outbox
from bot.services.oa_routes import oa_routes
from bot.screens.ui import CONFIRMATION_KEY, Button, column, confirmation_key, done, show
from handlers.filters import HasRole, organizers_only, organizers_only_button
from models import Broadcast
from models.account import ORGANIZER

TEXT_LIMIT = 3900  # Telegram's 4096, less the heading the delegates see
CAPTION_LIMIT = 980  # a photo's or document's caption: 1024, less the heading


class Broadcasting(StatesGroup):
    text_vi = State()
    text_en = State()
    audience = State()
    confirm = State()


async def begin(message: Message, state: FSMContext) -> None:
    await state.clear()
    await state.set_state(Broadcasting.text_vi)
    await message.answer(_("📣 <b>New broadcast</b>\nSend the message in <b>Vietnamese</b>: text, or a photo or a "
                           "document with a caption. Bold and italics are kept. /cancel to stop."))


def _content(message: Message) -> tuple[str, str | None, str | None] | None:
    """(HTML text, media kind, file id) of what the organizer sent, or None if it cannot be broadcast."""
    if message.photo:
        return message.html_text if message.caption else "", "photo", message.photo[-1].file_id
    if message.document:
        return message.html_text if message.caption else "", "document", message.document.file_id
    if message.text:
        return message.html_text, None, None
    return None


async def got_vietnamese(message: Message, state: FSMContext) -> None:
    content = _content(message)
    if content is None:
        await message.answer(_("Please send text, a photo or a document (stickers, voice and the like cannot be "
                               "broadcast)."))
        return
    text, media_kind, file_id = content
    plain = message.caption or message.text or ""
    if not await _fits(message, plain, media_kind):
        return
    if not plain.strip() and media_kind is None:
        await message.answer(_("The message is empty; please write something."))
        return
    await state.update_data(text_vi=text, media_kind=media_kind, media_file_id=file_id)
    await state.set_state(Broadcasting.text_en)
    await show(message, state, _("Now the same message in <b>English</b>, for delegates who use the bot in English "
                                 "(text only; the photo or document is shared). Or skip: they get the Vietnamese."),
               [[Button(_("Skip: Vietnamese for everyone"), Pick(step="bc_en", key="skip").pack())]], strict=True)


async def _fits(message: Message, plain: str, media_kind: str | None) -> bool:
    limit = CAPTION_LIMIT if media_kind else TEXT_LIMIT
    if len(plain) <= limit:
        return True
    await message.answer(_("The message has {length} characters; at most {limit} fit ({where}). Please shorten it "
                           "and send it again.").format(length=len(plain), limit=limit,
                                                        where=_("a caption") if media_kind else _("a message")))
    return False


async def got_english(message: Message, state: FSMContext, conference: Event, session: AsyncSession,
                      settings: Settings) -> None:
    if not message.text:
        await message.answer(_("Please send the English text, or skip."))
        return
    media_kind = (await state.get_data()).get("media_kind")
    if not await _fits(message, message.text, media_kind):
        return
    await state.update_data(text_en=message.html_text)
    await ask_audience(message, state)


async def skipped_english(callback: CallbackQuery, state: FSMContext) -> None:
    await callback.answer()
    await state.update_data(text_en="")
    await ask_audience(callback, state)


async def ask_audience(target: Message | CallbackQuery, state: FSMContext) -> None:
    await state.set_state(Broadcasting.audience)
    options = [("all", _("Everyone registered")), ("province", _("The delegates of one province")),
               ("category", _("One category of delegates")), ("part", _("Those attending one part")),
               (outbox.ABSENT_TODAY, _("Not yet checked in today")), (outbox.STAFF, _("Staff and organizers"))]
    await show(target, state, _("Who should receive it?"),
               column([Button(label, Pick(step="bc_to", key=key).pack()) for key, label in options]))


async def picked_audience(callback: CallbackQuery, callback_data: Pick, here: Here, i18n: I18n) -> None:
    await callback.answer()
    state, conference = here.state, here.conference
    lang, key = here.lang, callback_data.key.replace(".", ":", 1)  # ":" separates callback fields
    narrower = {
        "province": [(p.code, p.name.get(lang)) for p in conference.provinces],
        "category": [(c.code, c.label.get(lang)) for c in conference.categories],
        "part": [(s.code, f"{day(s.starts_at.astimezone(conference.tz).date(), lang)} — {s.title.get(lang)}")
                 for s in conference.parts],
    }
    if key in narrower:
        buttons = [Button(label, Pick(step="bc_to", key=f"{key}.{code}").pack()) for code, label in narrower[key]]
        await show(callback, state, _("Which one?"), column(buttons))
        return
    if key not in (outbox.ALL, outbox.ABSENT_TODAY, outbox.STAFF) and not _known(conference, key):
        await ask_audience(callback, state)
        return
    await preview(callback, here, i18n, key)


def _known(conference: Event, audience: str) -> bool:
    kind, _sep, code = audience.partition(":")
    lookup = {"province": conference.province, "category": conference.category, "part": conference.part}
    return kind in lookup and lookup[kind](code) is not None


async def preview(callback: CallbackQuery, here: Here, i18n: I18n, audience: str) -> None:
    state, conference, session, settings = here.state, here.conference, here.session, here.settings
    data = await state.get_data()
    draft = Broadcast(kind="message", text_vi=data["text_vi"], text_en=data.get("text_en", ""),
                      media_kind=data.get("media_kind"), media_file_id=data.get("media_file_id"))
    people = await outbox.recipients(session, conference, audience, settings.admin_ids)
    await state.update_data(audience=audience)
    await confirmation_key(state)
    await state.set_state(Broadcasting.confirm)
    message = callback.message
    for lang in ("vi", "en") if draft.text_en else ("vi",):
        with i18n.use_locale(lang):
            text = delegate_text(draft, lang)
        if draft.media_kind == "photo":
            await message.answer_photo(draft.media_file_id, caption=text)
        elif draft.media_kind == "document":
            await message.answer_document(draft.media_file_id, caption=text)
        else:
            await message.answer(text)
    above = (_("☝️ Above: the message as delegates will see it, in Vietnamese and in English.") if draft.text_en
             else _("☝️ Above: the message as delegates will see it."))
    summary = [above, _("<b>To:</b> {audience}").format(audience=escape(audience_label(conference, audience,
                                                                                here.lang))),
               _("<b>Recipients:</b> {chats} chats").format(chats=len(people))]
    if audience != outbox.STAFF:
        summary.append(_("(for {delegates} delegates: a colleague who registered several receives it once)").format(
            delegates=sum(p.delegates for p in people)))
    if unreachable := sum(1 for p in people if not p.reachable):
        summary.append(_("{count} of them have blocked the bot; they will be named in the report.").format(
            count=unreachable))
    summary += await oa_lines(session, settings, people)
    if not people:
        summary.append(_("Nobody is in this audience yet."))
        buttons = [Button(_("Choose another audience"), Pick(step="bc_go", key="again").pack()),
                   Button(_("Cancel"), Pick(step="bc_go", key="no").pack())]
    else:
        buttons = [Button(_("✅ Send now"), Pick(step="bc_go", key="send").pack()),
                   Button(_("Choose another audience"), Pick(step="bc_go", key="again").pack()),
                   Button(_("Cancel"), Pick(step="bc_go", key="no").pack())]
    await show(message, state, "\n".join(summary), column(buttons))


async def oa_lines(session, settings, people: list) -> list[str]:
    """How the people on the host's Zalo OA will be reached, and what the ZNS part costs."""
    if not settings.zalo_oa_app_id:
        return []
    routes = await oa_routes(session, [p.account_id for p in people], window_hours=settings.zalo_oa_window_hours,
                             zns=bool(settings.zalo_oa_zns_template_id))
    if not routes.total:
        return []
    return [_("<b>Zalo OA:</b> {chat} in the chat (free), {zns} by ZNS template to their phone ({zns} ZNS "
              "messages, paid per message), {unreached} not reached (outside the messaging window, named in the "
              "report)").format(chat=routes.chat, zns=routes.zns, unreached=routes.unreached)]


async def decided(callback: CallbackQuery, callback_data: Pick, here: Here, postman=None) -> None:
    state, conference, session, settings, account = (here.state, here.conference, here.session, here.settings,
                                                     here.account)
    await callback.answer()
    if callback_data.key == "again":
        await ask_audience(callback, state)
        return
    data = await state.get_data()
    await state.clear()
    if callback_data.key != "send" or "text_vi" not in data:
        await callback.message.answer(_("The broadcast was not sent."))
        return
    already = _("This broadcast is already being sent.")
    if not await confirmations.take(session, data.get(CONFIRMATION_KEY) or confirmations.new_key(),
                                    confirmations.BROADCAST):  # the same update handled again
        await callback.message.answer(already)
        return
    people = await outbox.recipients(session, conference, data["audience"], settings.admin_ids)
    broadcast = await outbox.create(
        session, conference, people, audience=data["audience"], text_vi=data["text_vi"],
        text_en=data.get("text_en", ""), media_kind=data.get("media_kind"), media_file_id=data.get("media_file_id"),
        by=account, progress_language=here.lang)
    await start_progress(callback.message, session, broadcast, len(people))
    if postman is not None:
        postman.wake()
    await done(callback, state, already)


async def start_progress(message: Message, session: AsyncSession, broadcast: Broadcast, total: int) -> None:
    """The message the outbox keeps editing; its id is stored, so it goes on after a restart."""
    title = progress_title(broadcast)
    shown = await message.answer(f"<b>{title}</b>: " + _("sending to {total} chats…").format(total=total),
                                 reply_markup=stop_button(broadcast.id))
    broadcast.progress_message_id = shown.message_id
    await session.commit()


async def stop(callback: CallbackQuery, callback_data: Outbox, session: AsyncSession, postman=None) -> None:
    stopped = await outbox.cancel(session, callback_data.id)
    await callback.answer(_("Stopping the broadcast.") if stopped else _("This broadcast has already ended."))
    if stopped and postman is not None:
        postman.wake()


def create_router() -> Feature:
    router = Feature(name="broadcast")
    router.message.filter(F.chat.type == "private")
    organizer = HasRole(ORGANIZER)
    router.message.register(begin, Command("broadcast"), organizer)
    router.message.register(organizers_only, Command("broadcast"))
    router.message.register(got_vietnamese, Broadcasting.text_vi, ~F.text.startswith("/"), organizer)
    router.message.register(got_english, Broadcasting.text_en, ~F.text.startswith("/"), organizer)
    router.callback_query.register(skipped_english, Pick.filter(F.step == "bc_en"), Broadcasting.text_en, organizer)
    router.callback_query.register(picked_audience, Pick.filter(F.step == "bc_to"), Broadcasting.audience, organizer)
    router.callback_query.register(decided, Pick.filter(F.step == "bc_go"), Broadcasting.confirm, organizer)
    router.callback_query.register(stop, Outbox.filter(F.action == OutboxAction.cancel), organizer)
    router.callback_query.register(organizers_only_button, Outbox.filter())
    return router
