"""An aiogram session that speaks Zalo: handlers, the outbox and reminders call the usual Bot methods on the
Zalo bot, and each call becomes what Zalo can do.

- sendMessage / editMessageText → plain text (HTML dropped), the keyboard as numbered lines, pieces of at
  most 2,000 characters; an edit is a new message (Zalo cannot edit).
- sendPhoto with the check-in QR → a signed picture URL (qr.py), or without PUBLIC_BASE_URL the code as
  text with a check-in number staff can type.
- sendDocument → a polite text (an .ics calendar: the parts it holds); sendVenue/sendLocation → a map link.
- Zalo's refusals become aiogram's exceptions (429 → TelegramRetryAfter, 5xx → TelegramServerError,
  403 → TelegramForbiddenError, …), so ReliableSender, the outbox and the reminders treat them exactly as
  Telegram's.

Words this session adds ("Reply with a number:") go through gettext: a handler's language is active
while it sends; the outbox and the reminders send outside any language, so the account's own language is
looked up then.
"""
from __future__ import annotations

import asyncio
import hashlib
import itertools
import logging
import time
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.client.default import Default
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (TelegramAPIError, TelegramBadRequest, TelegramForbiddenError, TelegramNetworkError,
                                TelegramRetryAfter, TelegramServerError, TelegramUnauthorizedError)
from aiogram.methods import (AnswerCallbackQuery, Close, DeleteMessage, DeleteMessages, DeleteMyCommands,
                             DeleteWebhook, EditMessageCaption, EditMessageReplyMarkup, EditMessageText, GetFile,
                             GetMe, LogOut, PinChatMessage, SendChatAction, SendDocument, SendLocation, SendMessage,
                             SendPhoto, SendVenue, SetChatMenuButton, SetMyCommands, SetMyDescription, SetMyName,
                             SetMyShortDescription, TelegramMethod, UnpinChatMessage)
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, File, InputFile, Message, User
from aiogram.utils.i18n import I18n, gettext as _
from sqlalchemy import select

from bot.channels.zalo.client import ZaloClient, ZaloError, ZaloNetworkError
from bot.channels.zalo.ids import ZaloIds, is_zalo
from bot.channels.zalo.qr import CodeInPicture, QrLinks, read_code_in_picture
from bot.channels.zalo.text import LIMIT, calendar_lines, plain_text, split_text, with_menu, zalo_wording
from bot.config import Settings
from bot.event import Event
from bot.screens.ui import TYPED_PREFIX
from models import Account, Database

log = logging.getLogger(__name__)
# Telegram calls with no Zalo counterpart and nothing a person would miss: done, as far as handlers know
NOTHING_TO_DO = (AnswerCallbackQuery, Close, DeleteMessage, DeleteMessages, DeleteMyCommands, DeleteWebhook,
                 EditMessageReplyMarkup, LogOut, PinChatMessage, SendChatAction, SetChatMenuButton, SetMyCommands,
                 SetMyDescription, SetMyName, SetMyShortDescription, UnpinChatMessage)
PIECE_ATTEMPTS = 6


def map_link(latitude: float, longitude: float) -> str:
    return f"https://maps.google.com/?q={latitude},{longitude}"


class ZaloSession(BaseSession):
    channel = "zalo"  # the accounts' channel this session writes to
    def __init__(self, client: ZaloClient, ids: ZaloIds, *, db: Database, i18n: I18n, settings: Settings,
                 conference: Event, qr: QrLinks, link_bot: Bot | None = None) -> None:
        # file paths handed out by getFile are the image URLs themselves (see GetFile below)
        super().__init__(api=TelegramAPIServer(base="zalo:{token}/{method}", file="{path}"))
        self.client, self.ids, self.db, self.i18n = client, ids, db, i18n
        self.settings, self.conference, self.qr = settings, conference, qr
        self.link_bot = link_bot  # Telegram's bot: links in QR codes open it (staff scan with Telegram)
        self._message_ids = itertools.count(int(time.time()) % 1_000_000 * 1000)
        self._me: User | None = None
        self._waits = 0  # 429s in a row: the back-off grows until Zalo accepts again

    # -- aiogram's session interface ----------------------------------------------------------

    async def make_request(self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None) -> Any:
        if isinstance(method, NOTHING_TO_DO):
            return True
        if isinstance(method, GetMe):
            return await self._get_me(bot, method)
        if isinstance(method, GetFile):  # a Zalo image: its URL is both the file id and the path
            unique = hashlib.sha256(method.file_id.encode()).hexdigest()[:16]
            return File(file_id=method.file_id, file_unique_id=unique, file_path=method.file_id)
        chat_id = getattr(method, "chat_id", None)
        if chat_id is None or isinstance(method, (EditMessageText, EditMessageCaption)) and method.inline_message_id:
            raise TelegramBadRequest(method=method, message=f"{type(method).__name__} is not available on Zalo")
        try:
            internal = int(chat_id)
        except ValueError:
            raise TelegramBadRequest(method=method, message="chat not found") from None
        if not is_zalo(internal) and self.link_bot is not None:
            # a Telegram chat, written to by a handler serving a Zalo user (a question passed to the organizers)
            return await self.link_bot(method)
        zalo_chat = await self.ids.zalo(internal)
        if zalo_chat is None:
            raise TelegramBadRequest(method=method, message="chat not found")
        async with self._language(internal) as lang:
            return await self._send(bot, method, internal, zalo_chat, lang)

    async def stream_content(self, url: str, headers: dict[str, Any] | None = None, timeout: int = 30,
                             chunk_size: int = 65536, raise_for_status: bool = True) -> AsyncGenerator[bytes, None]:
        """An image a Zalo user sent (staff's photo of a QR code): a public URL on Zalo's servers."""
        if not url.startswith(("https://", "http://")):
            raise TelegramNetworkError(method=GetFile(file_id=url), message="not a URL")
        async with aiohttp.ClientSession() as http:
            async with http.get(url, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout),
                                raise_for_status=raise_for_status) as response:
                async for chunk in response.content.iter_chunked(chunk_size):
                    yield chunk

    async def close(self) -> None:
        await self.client.close()

    # -- what each call becomes --------------------------------------------------------------

    async def _send(self, bot: Bot, method: TelegramMethod, internal: int, chat: str, lang: str) -> Any:
        if isinstance(method, (SendMessage, EditMessageText)):
            text = zalo_wording(self._plain(bot, method.text, method.parse_mode))
            text = with_menu(text, method.reply_markup)
            await self._send_text(method, chat, text)
            return self._sent(bot, internal, text=text)
        if isinstance(method, EditMessageCaption):
            text = self._plain(bot, method.caption or "", method.parse_mode)
            await self._send_text(method, chat, text)
            return self._sent(bot, internal, text=text)
        if isinstance(method, SendPhoto):
            return await self._photo(bot, method, internal, chat, lang)
        if isinstance(method, SendDocument):
            return await self._document(bot, method, internal, chat)
        if isinstance(method, (SendVenue, SendLocation)):
            lines = [f"📍 {method.title}", method.address] if isinstance(method, SendVenue) else []
            text = "\n".join(filter(None, lines + [map_link(method.latitude, method.longitude)]))
            await self._send_text(method, chat, text)
            return self._sent(bot, internal, text=text)
        raise TelegramBadRequest(method=method, message=f"{type(method).__name__} is not available on Zalo")

    async def _photo(self, bot: Bot, method: SendPhoto, internal: int, chat: str, lang: str) -> Message:
        caption = self._plain(bot, method.caption or "", method.parse_mode)
        photo, url, code = method.photo, None, None
        if isinstance(photo, InputFile):
            data = b"".join([chunk async for chunk in photo.read(bot)])
            code = await read_code_in_picture(data, self.settings.secret_key, self.conference.id)
            url = self.qr.url(code.token, lang) if code else None
        elif isinstance(photo, str) and photo.startswith(("https://", "http://")):
            url = photo
        if url is None:  # no public URL, or a Telegram file id Zalo cannot fetch
            await self._send_text(method, chat, "\n\n".join(filter(None, [caption, code_as_text(code)])))
            return self._sent(bot, internal, text=caption)
        if code:
            caption = "\n".join(filter(None, [caption, _("Check-in number: {number}").format(number=code.number)]))
        params = {"chat_id": chat, "photo": url}
        if caption and len(caption) <= LIMIT:
            params["caption"] = caption
        await self._call(method, "sendPhoto", params)
        if caption and len(caption) > LIMIT:
            await self._send_text(method, chat, caption, retried=True)
        return self._sent(bot, internal, caption=caption or None)

    async def _document(self, bot: Bot, method: SendDocument, internal: int, chat: str) -> Message:
        name = getattr(method.document, "filename", None) or ""
        if name.endswith(".ics") and isinstance(method.document, InputFile):
            data = b"".join([chunk async for chunk in method.document.read(bot)])
            text = _("Zalo cannot carry calendar files; these are the parts you attend:") + "\n" + calendar_lines(
                data, self.conference)
        else:
            caption = self._plain(bot, method.caption or "", method.parse_mode)
            text = "\n\n".join(filter(None, [caption, _("(A file was attached here; Zalo cannot carry files. "
                                                        "Please ask the organizers if you need it.)")]))
        await self._send_text(method, chat, text)
        return self._sent(bot, internal, text=text)

    # -- sending, and Zalo's refusals as aiogram's --------------------------------------------

    async def _send_text(self, method: TelegramMethod, chat: str, text: str, *, retried: bool = False) -> None:
        """The text in pieces of ≤2,000 characters. A fault on the first piece goes back to ReliableSender,
        which sends the whole again; later pieces are retried here, so none is sent twice."""
        for n, piece in enumerate(split_text(text)):
            params = {"chat_id": chat, "text": piece}
            if n == 0 and not retried:
                await self._call(method, "sendMessage", params)
            else:
                await self._call_patiently(method, "sendMessage", params)

    async def _call_patiently(self, method: TelegramMethod, name: str, params: dict[str, Any]) -> Any:
        for attempt in range(1, PIECE_ATTEMPTS + 1):
            try:
                return await self._call(method, name, params)
            except TelegramRetryAfter as exc:
                delay = exc.retry_after
            except (TelegramServerError, TelegramNetworkError):
                delay = min(30.0, 0.5 * 2 ** (attempt - 1))
            if attempt == PIECE_ATTEMPTS:
                break
            await asyncio.sleep(delay)
        # part of the text is out: a retry of the whole call would repeat it
        raise TelegramBadRequest(method=method, message="Zalo took only part of a long message")

    async def _call(self, method: TelegramMethod, name: str, params: dict[str, Any]) -> Any:
        try:
            result = await self.client.call(name, params)
        except ZaloNetworkError as exc:
            raise TelegramNetworkError(method=method, message=str(exc)) from None
        except ZaloError as exc:
            raise self._refusal(method, exc) from None
        self._waits = 0
        return result

    def _refusal(self, method: TelegramMethod, exc: ZaloError) -> TelegramAPIError:
        status, message = exc.status, f"Zalo: {exc.description}"
        if status == 429:  # Zalo gives no retry_after: wait 1, 2, 4 … 30 s while it keeps refusing
            self._waits += 1
            return TelegramRetryAfter(method=method, message=message, retry_after=min(30, 2 ** (self._waits - 1)))
        if status >= 500 or status == 408:
            return TelegramServerError(method=method, message=message)
        if status == 403:
            return TelegramForbiddenError(method=method, message=message)
        if status == 401:
            return TelegramUnauthorizedError(method=method, message=message)
        return TelegramBadRequest(method=method, message=message)

    # -- helpers ------------------------------------------------------------------------------

    async def _get_me(self, bot: Bot, method: GetMe) -> User:
        """Zalo's bot, named for links as Telegram's: the QR's t.me link must open the bot staff scan with."""
        if self._me is None:
            info = await self._call(method, "getMe", {}) or {}
            name = str(info.get("account_name") or info.get("display_name") or "Zalo")
            username = (await self.link_bot.me()).username if self.link_bot is not None else None
            self._me = User(id=bot.id, is_bot=True, first_name=name[:64], username=username or name)
        return self._me

    def _plain(self, bot: Bot, text: str, parse_mode: Any) -> str:
        if isinstance(parse_mode, Default):
            parse_mode = bot.default[parse_mode.name]
        return plain_text(text) if str(getattr(parse_mode, "value", parse_mode)).lower() == "html" else text

    def _sent(self, bot: Bot, internal: int, **content: Any) -> Message:
        """What aiogram expects back; Zalo's own message id is a string, and nothing needs it later."""
        return Message(message_id=next(self._message_ids), date=datetime.now(timezone.utc),
                       chat=Chat(id=internal, type="private"),
                       from_user=User(id=bot.id, is_bot=True, first_name="Zalo"), **content).as_(bot)

    @asynccontextmanager
    async def _language(self, internal: int):
        current = I18n.get_current(no_error=True)
        if current is not None:  # inside a handler: its language
            yield current.current_locale
            return
        async with self.db.session() as session:
            lang = await session.scalar(select(Account.language).where(
                Account.channel == self.channel, Account.user_id == str(internal)))
        lang = lang or self.i18n.default_locale
        with self.i18n.context(), self.i18n.use_locale(lang):
            yield lang


def code_as_text(code: CodeInPicture | None) -> str:
    """The check-in code where its picture cannot be shown."""
    if code is None:
        return _("(A picture was attached here; Zalo cannot show it.)")
    return "\n".join([_("Check-in number: {number}").format(number=code.number),
                      _("Zalo cannot show the QR picture here. At reception, staff type the check-in number, or "
                        "this code:"), code.token])


async def callback_alerts(make_request, bot: Bot, method: TelegramMethod) -> Any:
    """Request middleware, before ReliableSender: an alert on a typed press (Zalo has no other kind) is
    sent as a short message, since it says why nothing happened; a passing notice is dropped."""
    if isinstance(method, AnswerCallbackQuery) and method.callback_query_id.startswith(TYPED_PREFIX):
        if method.show_alert and method.text:
            chat = int(method.callback_query_id[len(TYPED_PREFIX):].split(":")[0])
            await bot.send_message(chat, method.text, parse_mode=None)
        return True
    return await make_request(bot, method)
