"""The Zalo session on the OA's API: what the Bot Platform's session does (plain text, pieces of ≤2,000
characters, refusals as aiogram's exceptions), plus what only the OA can do:

- a menu of at most MAX_BUTTONS options → the text with oa.query.show buttons: a press sends the button's label
  back as the person's message, which bot.screens.ui reads as the press (typed numbers work too); a longer
  menu stays the numbered list;
- the phone question → the text, then Zalo's request_user_info template (the number comes back by webhook);
- the check-in QR picture → uploaded (upload/image) and sent as an image: no public URL needed;
- the messaging window (window.py): outside it a message goes as the organizer's ZNS template to the person's
  phone number, or is refused as "not reached" (TelegramForbiddenError, as a blocked Telegram user) with the
  phone number in its words.
"""
from __future__ import annotations

import json
import logging
import secrets
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.methods import EditMessageText, SendMessage, SendPhoto, TelegramMethod
from aiogram.types import InlineKeyboardMarkup, InputFile, Message, ReplyKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.channels.zalo.qr import read_code_in_picture
from bot.channels.zalo.session import ZaloSession
from bot.channels.zalo.text import LIMIT, plain_text, with_menu, zalo_wording
from bot.channels.zalo_oa.window import Window

log = logging.getLogger(__name__)
MAX_BUTTONS = 5  # buttons in one OA template (developers.zalo.me, "Gửi tin Tư vấn › đính kèm nút bấm")
TITLE_LIMIT = 100  # a button's title
OA_PREFIX = "oa:"
SENDS = (SendMessage, EditMessageText, SendPhoto)


class OaSession(ZaloSession):
    channel = "zalo_oa"
    def __init__(self, *args: Any, window: Window, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.window = window

    async def _send(self, bot: Bot, method: TelegramMethod, internal: int, chat: str, lang: str) -> Any:
        if not chat.startswith(OA_PREFIX):
            raise TelegramBadRequest(method=method, message="chat not found")  # a Bot Platform user
        chat = chat[len(OA_PREFIX):]
        if not await self.window.is_open(chat):
            return await self._outside(bot, method, internal, chat)
        if isinstance(method, (SendMessage, EditMessageText)):
            return await self._message(bot, method, internal, chat)
        if isinstance(method, SendPhoto) and isinstance(method.photo, InputFile):
            return await self._upload(bot, method, internal, chat)
        return await super()._send(bot, method, internal, chat, lang)

    async def _message(self, bot: Bot, method: SendMessage | EditMessageText, internal: int, chat: str) -> Message:
        text = zalo_wording(self._plain(bot, method.text, method.parse_mode))
        markup, buttons = method.reply_markup, None
        if isinstance(markup, InlineKeyboardMarkup):
            buttons = _buttons(markup)
        if buttons and text and len(text) <= LIMIT:
            links = "\n".join(f"{b.text}: {b.url}" for row in markup.inline_keyboard for b in row if b.url)
            text = "\n\n".join(filter(None, [text, links]))
            await self._call(method, "sendButtons", {"chat_id": chat, "text": text, "buttons": buttons})
            return self._sent(bot, internal, text=text)
        text = with_menu(text, markup)
        await self._send_text(method, chat, text)
        if isinstance(markup, ReplyKeyboardMarkup) and any(getattr(b, "request_contact", False)
                                                            for row in markup.keyboard for b in row):
            await self._call_patiently(method, "requestPhone", {
                "chat_id": chat, "title": _("Share your phone number")[:TITLE_LIMIT],
                "subtitle": _("The number of this Zalo account goes to the organizers in one step."),
                "image_url": self.settings.zalo_oa_phone_image_url})
        return self._sent(bot, internal, text=text)

    async def _upload(self, bot: Bot, method: SendPhoto, internal: int, chat: str) -> Message:
        data = b"".join([chunk async for chunk in method.photo.read(bot)])
        caption = self._plain(bot, method.caption or "", method.parse_mode)
        code = await read_code_in_picture(data, self.settings.secret_key, self.conference.id)
        if code:
            caption = "\n".join(filter(None, [caption, _("Check-in number: {number}").format(number=code.number)]))
        uploaded = await self._call(method, "uploadImage", {"data": data}) or {}
        params = {"chat_id": chat, "attachment_id": str(uploaded.get("attachment_id") or "")}
        if caption and len(caption) <= LIMIT:
            params["caption"] = caption
        await self._call(method, "sendImage", params)
        if caption and len(caption) > LIMIT:
            await self._send_text(method, chat, caption, retried=True)
        return self._sent(bot, internal, caption=caption or None)

    async def _outside(self, bot: Bot, method: TelegramMethod, internal: int, chat: str) -> Any:
        """Outside the window: a notice by ZNS to the phone number, or "not reached"."""
        phone = await self.window.phone(chat, internal)
        template = self.settings.zalo_oa_zns_template_id
        if not isinstance(method, SENDS) or not template or not phone:
            where = f"; phone {phone}" if phone else "; no phone number"
            raise TelegramForbiddenError(method=method, message=f"Zalo OA: outside the messaging window, not "
                                                               f"reached{where}")
        text = plain_text(getattr(method, "text", None) or getattr(method, "caption", None) or "")
        event = self.conference.short_name.get(self.conference.language)
        data = zns_data(self.settings.zalo_oa_zns_params, name=await self.window.name(internal), text=text,
                        event=event, limit=self.settings.zalo_oa_zns_text_limit)
        await self._call(method, "sendZns", {"phone": phone.lstrip("+"), "template_id": template,
                                             "template_data": data, "tracking_id": secrets.token_hex(8)})
        log.info("Zalo OA: a notice went by ZNS (outside the messaging window)")
        return self._sent(bot, internal, text=text)


def _buttons(markup: InlineKeyboardMarkup) -> list[tuple[str, str]] | None:
    """(title, payload) of each option, when the OA can show them all as buttons: the label as payload (what
    the press sends back), or the option's number where labels repeat or are too long."""
    labels = [b.text for row in markup.inline_keyboard for b in row if b.callback_data]
    if not labels or len(labels) > MAX_BUTTONS:
        return None
    unique = len(set(labels)) == len(labels) and all(len(label) <= TITLE_LIMIT for label in labels)
    return [(label[:TITLE_LIMIT], label if unique else str(n)) for n, label in enumerate(labels, 1)]


def zns_data(params: str, *, name: str, text: str, event: str, limit: int) -> dict[str, str]:
    """The template's parameters (ZALO_OA_ZNS_PARAMS) filled in; each value cut to the template's limit."""
    try:
        mapping = json.loads(params) if params else {"content": "{text}"}
    except ValueError:
        mapping = {"content": "{text}"}
    values = {"name": name, "text": " ".join(text.split()), "event": event}
    filled = {}
    for key, pattern in mapping.items():
        value = str(pattern)
        for field, content in values.items():
            value = value.replace("{" + field + "}", content)
        filled[str(key)] = value if len(value) <= limit else value[:limit - 1].rstrip() + "…"
    return filled
