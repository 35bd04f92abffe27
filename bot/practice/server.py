"""A Bot API–compatible server inside the process, for practice mode: the bot's aiogram session calls
it as it would call api.telegram.org, and the chat page (page.py) plays the people on the other side.
It answers the methods the bot uses as Telegram does (HTML kept for the page, plain text in the
Message); tests use the stricter testkit/fakebot, which shares its update queue (updates.py)."""
from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from bot.practice.store import Person, Store, StoredFile, plain
from bot.practice.updates import UpdateQueue

log = logging.getLogger(__name__)
TOKEN = "1000000001:practice-mode"
BOT_USER = {"id": 1000000001, "is_bot": True, "first_name": "Practice bot", "username": "practice_delegate_bot"}
_INTEGERS = {"chat_id", "message_id", "offset", "limit", "timeout", "cache_time"}
_OBJECTS = {"reply_markup", "entities", "caption_entities", "allowed_updates", "commands", "scope", "menu_button",
            "link_preview_options", "reply_parameters", "media", "message_ids"}
_SENDS = {"sendMessage": "text", "sendPhoto": "photo", "sendDocument": "document", "sendVenue": "venue"}


class ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


def decode(params: dict[str, Any]) -> dict[str, Any]:
    """aiogram sends every value as form text: JSON for objects and lists, digits for numbers (a text that
    looks like JSON stays text)."""
    decoded = {}
    for key, value in params.items():
        if key in _OBJECTS and isinstance(value, str) and value[:1] in "[{":
            value = json.loads(value)
        elif key in _INTEGERS and isinstance(value, str):
            value = int(value)
        decoded[key] = value
    return decoded


async def read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, StoredFile]]:
    params: dict[str, Any] = dict(request.query)
    uploads: dict[str, StoredFile] = {}
    if request.content_type == "multipart/form-data":
        async for part in await request.multipart():
            if part.filename is not None:
                mime = part.headers.get("Content-Type", "application/octet-stream")
                uploads[part.name] = StoredFile(bytes(await part.read()), part.filename, mime)
            else:
                params[part.name] = await part.text()
    elif request.content_type == "application/json" and request.can_read_body:
        params.update(await request.json())
    elif request.can_read_body:
        params.update(await request.post())
    return decode(params), uploads


class PracticeTelegram:
    """The Bot API methods the bot calls; every other method is answered `true`, as a harmless setting."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.updates = UpdateQueue()
        self.callback_answers: dict[str, str] = {}  # query id -> the chat id it came from, as text

    def add_routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/bot{token}/{method}", self.handle)
        app.router.add_get("/file/bot{token}/{path}", self.download)

    async def download(self, request: web.Request) -> web.Response:
        """A file the person sent, as the bot downloads it after getFile."""
        stored = self.store.files.get(request.match_info["path"])
        if request.match_info["token"] != TOKEN or stored is None or stored.data is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        return web.Response(body=stored.data, content_type=stored.mime)

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            if request.match_info["token"] != TOKEN:
                raise ApiError(401, "Unauthorized")
            params, uploads = await read_params(request)
            result = await self.call(method, params, uploads)
        except ApiError as error:
            body = {"ok": False, "error_code": error.status, "description": error.description}
            return web.json_response(body, status=error.status)
        return web.json_response({"ok": True, "result": result})

    async def call(self, method: str, params: dict[str, Any], uploads: dict[str, StoredFile]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "getUpdates":
            return await self.updates.get(params.get("offset"), params.get("limit", 100),
                                          min(params.get("timeout", 0), 25), params.get("allowed_updates"))
        if method in _SENDS:
            return self.send(method, params, uploads)
        if method.startswith("editMessage"):
            return self.edit(method, params)
        if method == "deleteMessage":
            return self.delete(params)
        if method == "answerCallbackQuery":
            return self.answer(params)
        if method == "getFile":
            return self.file_info(params)
        return True

    def person(self, chat_id: Any) -> Person:
        person = self.store.people.get(chat_id) if isinstance(chat_id, int) else None
        if person is None:
            raise ApiError(400, "Bad Request: chat not found")
        return person

    def send(self, method: str, params: dict[str, Any], uploads: dict[str, StoredFile]) -> dict[str, Any]:
        person = self.person(params["chat_id"])
        kind = _SENDS[method]
        markup = params.get("reply_markup") or {}
        entry: dict[str, Any] = {"from": "bot", "kind": kind, "html": params.get("text", params.get("caption")),
                                 "buttons": markup.get("inline_keyboard")}
        if kind in ("photo", "document"):
            entry["file"] = self.file_of(params[kind], uploads)
            entry["file_name"] = self.store.files[entry["file"]].name
        if kind == "venue":
            entry["html"] = f"📍 <b>{params.get('title', '')}</b>\n{params.get('address', '')}"
        self.keyboard(person, markup)
        return self.message(person, self.store.record(person, entry))

    def file_of(self, value: Any, uploads: dict[str, StoredFile]) -> str:
        """An upload (attach:// or a part of its own), a file id sent again, or a photo's address."""
        if isinstance(value, str) and value.startswith("attach://"):
            value = uploads.get(value.removeprefix("attach://"))
        if isinstance(value, StoredFile):
            return self.store.keep_file(value)
        if value in self.store.files:
            return value
        if not uploads and isinstance(value, str):
            return self.store.keep_file(StoredFile(None, "photo", "image/*", url=value))
        return self.store.keep_file(next(iter(uploads.values())))

    def keyboard(self, person: Person, markup: dict[str, Any]) -> None:
        if "keyboard" in markup:
            person.keyboard = markup["keyboard"]
        elif markup.get("remove_keyboard"):
            person.keyboard = None

    def message(self, person: Person, entry: dict[str, Any]) -> dict[str, Any]:
        """The Message object the bot gets back."""
        message: dict[str, Any] = {"message_id": entry["message_id"], "date": entry["date"], "chat": person.chat}
        message["from"] = BOT_USER if entry["from"] == "bot" else person.as_user
        text = plain(entry["html"]) if entry.get("html") else None
        if entry["kind"] in ("photo", "document"):
            stored = self.store.files[entry["file"]]
            file = {"file_id": entry["file"], "file_unique_id": entry["file"], "file_size": len(stored.data or b"")}
            if entry["kind"] == "document":
                file |= {"file_name": stored.name, "mime_type": stored.mime}
            message["photo" if entry["kind"] == "photo" else "document"] = (
                [file | {"width": 512, "height": 512}] if entry["kind"] == "photo" else file)
            if text:
                message["caption"] = text
        elif text:
            message["text"] = text
        if entry.get("buttons"):
            message["reply_markup"] = {"inline_keyboard": entry["buttons"]}
        if entry.get("contact"):
            message["contact"] = entry["contact"]
        if entry.get("edited"):
            message["edit_date"] = entry["date"]
        return message

    def edit(self, method: str, params: dict[str, Any]) -> Any:
        person = self.person(params.get("chat_id"))
        entry = person.messages.get(params.get("message_id"))
        if entry is None or entry.get("deleted") or entry["from"] != "bot":
            raise ApiError(400, "Bad Request: message to edit not found")
        before = (entry.get("html"), entry.get("buttons"))
        if "text" in params or "caption" in params:
            entry["html"] = params.get("text", params.get("caption"))
        entry["buttons"] = (params.get("reply_markup") or {}).get("inline_keyboard")
        if (entry.get("html"), entry.get("buttons")) == before:
            raise ApiError(400, "Bad Request: message is not modified: specified new message content and reply "
                                "markup are exactly the same as a current content and reply markup of the message")
        entry["edited"] = True
        self.store.touch(person)
        return self.message(person, entry)

    def delete(self, params: dict[str, Any]) -> bool:
        person = self.person(params.get("chat_id"))
        entry = person.messages.get(params.get("message_id"))
        if entry is None or entry.get("deleted"):
            raise ApiError(400, "Bad Request: message to delete not found")
        entry["deleted"] = True
        self.store.touch(person)
        return True

    def file_info(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self.store.files.get(params.get("file_id"))
        if stored is None or stored.data is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {"file_id": params["file_id"], "file_unique_id": params["file_id"], "file_size": len(stored.data),
                "file_path": params["file_id"]}

    def answer(self, params: dict[str, Any]) -> bool:
        chat = self.callback_answers.pop(str(params.get("callback_query_id")), None)
        person = self.store.people.get(int(chat)) if chat else None
        if person is not None and params.get("text"):
            person.notices.append(params["text"])
            self.store.touch(person)
        return True
