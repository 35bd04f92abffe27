"""The practice chat page and what it does: a person's chat as JSON, and what the person does (types,
presses a button, shares the phone number) turned into updates for the bot."""
from __future__ import annotations

import html
import itertools
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.practice.server import PracticeTelegram
from bot.practice.store import Person, StoredFile

STATIC = Path(__file__).resolve().parent / "static"
_queries = itertools.count(1)


def view(person: Person) -> dict[str, Any]:
    """What the page draws: the chat's messages, the reply keyboard, the notices."""
    shown = [entry for entry in person.messages.values() if not entry.get("deleted")]
    return {"version": person.version, "messages": shown, "keyboard": person.keyboard,
            "notices": person.notices[-3:]}


class ChatPage:
    def __init__(self, telegram: PracticeTelegram) -> None:
        self.telegram = telegram
        self.store = telegram.store

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/", self.redirect)
        app.router.add_get("/practice", self.page)
        app.router.add_static("/practice/static", STATIC)
        app.router.add_get("/practice/api/people", self.people)
        app.router.add_get("/practice/api/chat/{id}", self.chat)
        app.router.add_post("/practice/api/chat/{id}/attach", self.attach)
        app.router.add_post("/practice/api/chat/{id}/{action}", self.act)
        app.router.add_get("/practice/file/{file_id}", self.file)

    async def redirect(self, _request: web.Request) -> web.Response:
        raise web.HTTPFound("/practice")

    async def page(self, _request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "chat.html", headers={"Cache-Control": "no-store"})

    async def people(self, _request: web.Request) -> web.Response:
        return web.json_response([{"id": p.id, "name": p.first_name, "role": p.role, "phone": p.phone}
                                  for p in self.store.people.values()])

    def person(self, request: web.Request) -> Person:
        person = self.store.people.get(int(request.match_info["id"]))
        if person is None:
            raise web.HTTPNotFound()
        return person

    async def chat(self, request: web.Request) -> web.Response:
        person = self.person(request)
        since = int(request.query.get("since", -1))
        await self.store.changed.wait_for(lambda: person.version != since, 20)
        return web.json_response(view(person))

    async def act(self, request: web.Request) -> web.Response:
        person = self.person(request)
        body = await request.json()
        person.language_code = body.get("lang") or person.language_code
        action = request.match_info["action"]
        if action == "text" and str(body.get("text", "")).strip():
            self.text(person, str(body["text"]))
        elif action == "press":
            self.press(person, int(body["message_id"]), str(body["data"]))
        elif action == "contact":
            self.contact(person)
        else:
            raise web.HTTPBadRequest()
        return web.json_response({"ok": True})

    async def attach(self, request: web.Request) -> web.Response:
        """A photo or a file the person sends (a QR code's photo to reception, a nominee list to /import)."""
        person = self.person(request)
        form = await request.post()
        upload, caption = form.get("file"), str(form.get("caption") or "")
        if not isinstance(upload, web.FileField):
            raise web.HTTPBadRequest()
        mime = upload.content_type or "application/octet-stream"
        file_id = self.store.keep_file(StoredFile(upload.file.read(), upload.filename or "file", mime))
        kind = "photo" if mime.startswith("image/") else "document"
        entry = self.store.record(person, {"from": "me", "kind": kind, "file": file_id, "file_name": upload.filename,
                                           "html": html.escape(caption) or None})
        self.telegram.updates.push("message", self.telegram.message(person, entry), person.id)
        return web.json_response({"ok": True})

    def text(self, person: Person, text: str) -> None:
        entry = self.store.record(person, {"from": "me", "kind": "text", "html": html.escape(text)})
        message = self.telegram.message(person, entry) | {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command.encode("utf-16-le")) // 2}]
        self.telegram.updates.push("message", message, person.id)

    def press(self, person: Person, message_id: int, data: str) -> None:
        entry = person.messages.get(message_id)
        if entry is None or entry.get("deleted"):
            raise web.HTTPGone()
        query_id = str(next(_queries))
        self.telegram.callback_answers[query_id] = str(person.id)
        query = {"id": query_id, "from": person.as_user, "message": self.telegram.message(person, entry),
                 "chat_instance": f"{person.id}0", "data": data}
        self.telegram.updates.push("callback_query", query, person.id)

    def contact(self, person: Person) -> None:
        contact = {"phone_number": person.phone, "first_name": person.first_name, "user_id": person.id}
        entry = self.store.record(person, {"from": "me", "kind": "contact", "html": html.escape(f"📞 {person.phone}"),
                                           "contact": contact})
        message = self.telegram.message(person, entry)
        message.pop("text", None)
        self.telegram.updates.push("message", message, person.id)

    async def file(self, request: web.Request) -> web.StreamResponse:
        stored = self.store.files.get(request.match_info["file_id"])
        if stored is None:
            raise web.HTTPNotFound()
        if stored.data is None:
            raise web.HTTPFound(stored.url or "/practice")
        disposition = "inline" if stored.mime.startswith("image/") else "attachment"
        filename = stored.name.replace('"', "")
        return web.Response(body=stored.data, content_type=stored.mime, headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{_quote(filename)}"})


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)
