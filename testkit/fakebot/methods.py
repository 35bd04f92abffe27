"""Bot API methods whose answer depends on the fake's state.

Every other method in the spec is validated and answered with ``true`` or a
minimal object of its return type.  This is a mixin of FakeTelegram, split
out of server.py only to keep files small; it relies on the state that
FakeTelegram.__init__ sets up.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import ApiError, bad_request
from .messages import formatted, message_content, method_kind
from .models import CONTENT_KINDS, CallbackAnswer, FakeMessage, StoredFile, UploadedFile
from .user import FakeUser
from .webhook import WebhookDelivery

if TYPE_CHECKING:
    from .files import FileStore
    from .spec import Spec
    from .updates import UpdateQueue

_TEXT_KEYS = ("text", "entities", "caption", "caption_entities")
_media_group_ids = itertools.count(1)


class RequestInfo(NamedTuple):
    received_at: float
    uploads: dict[str, UploadedFile]


class BotApiMethods:
    spec: Spec
    updates: UpdateQueue
    files: FileStore
    bot_user: dict[str, Any]
    strict_html: bool
    webhook: dict[str, Any] | None
    delivery: WebhookDelivery | None
    past_deliveries: list[WebhookDelivery]
    webhook_timeout: float
    webhook_backoff: tuple[float, float]
    commands: list[dict[str, Any]]
    _command_menus: dict[tuple[str, str], list[dict[str, Any]]]
    menu_buttons: dict[int | None, dict[str, Any]]
    _callback_queries: dict[str, tuple[FakeUser, str]]
    chat: Callable[[Any], FakeUser]

    # -- updates and webhook -------------------------------------------------

    async def _api_getMe(self, params: dict, request: RequestInfo) -> Any:
        return self.bot_user | {
            "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False, "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _api_getUpdates(self, params: dict, request: RequestInfo) -> Any:
        if self.webhook:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        return await self.updates.get(
            params.get("offset"), params.get("limit", 100), params.get("timeout", 0),
            params.get("allowed_updates"),
        )

    async def _api_setWebhook(self, params: dict, request: RequestInfo) -> Any:
        """Accepted as Telegram does; from then on every update is POSTed to the URL (webhook.py)."""
        if not params.get("url"):
            return await self._api_deleteWebhook(params, request)
        if params.get("drop_pending_updates"):
            self.updates.clear()
        self.updates.set_allowed(params.get("allowed_updates"))
        self.webhook = {key: value for key, value in params.items() if key != "certificate"}
        max_connections = int(params.get("max_connections") or 40)
        if self.delivery is None:
            self.delivery = WebhookDelivery(
                self.updates, params["url"], params.get("secret_token"), max_connections=max_connections,
                timeout=self.webhook_timeout, backoff=self.webhook_backoff,
            )
            self.delivery.start()
        else:
            self.delivery.reconfigure(params["url"], params.get("secret_token"), max_connections)
        return True

    async def _api_deleteWebhook(self, params: dict, request: RequestInfo) -> Any:
        self.webhook = None
        if self.delivery is not None:
            delivery, self.delivery = self.delivery, None
            await delivery.stop()
            self.past_deliveries.append(delivery)
        if params.get("drop_pending_updates"):
            self.updates.clear()
        return True

    async def _api_getWebhookInfo(self, params: dict, request: RequestInfo) -> Any:
        info: dict[str, Any] = {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
        }
        if self.delivery is not None:
            info["max_connections"] = self.delivery.max_connections
            if self.delivery.last_error:
                info["last_error_date"] = int(self.delivery.last_error[0])
                info["last_error_message"] = self.delivery.last_error[1]
        return info

    # -- sending ---------------------------------------------------------------

    async def _send(self, method: str, params: dict, request: RequestInfo) -> Any:
        """Any send method that creates one message."""
        user = self.chat(params["chat_id"])
        file = self._input_file(method, params)
        content, html = message_content(self.spec, method, params, file, strict=self.strict_html)
        return self._store(user, method, params, content, html, file, request).raw

    async def _api_sendMediaGroup(self, params: dict, request: RequestInfo) -> Any:
        user = self.chat(params["chat_id"])
        group_id = str(next(_media_group_ids))
        sent = []
        for item in params["media"]:
            content, html, file = self._media_item(item, request)
            content["media_group_id"] = group_id
            sent.append(self._store(user, "sendMediaGroup", params, content, html, file, request))
        return [message.raw for message in sent]

    def _media_item(
        self, item: dict, request: RequestInfo
    ) -> tuple[dict, str | None, StoredFile | None]:
        """Content, text as sent and file of one InputMedia object."""
        media = item["media"]
        if media.startswith("attach://"):
            media = request.uploads.get(media.removeprefix("attach://"), media)
        kind = item["type"]
        method = f"send{kind.title().replace('_', '')}"  # live_photo -> sendLivePhoto
        fields = {**item, kind: media}
        file = self._input_file(method, fields)
        content, html = message_content(self.spec, method, fields, file, strict=self.strict_html)
        return content, html, file

    async def _api_copyMessage(self, params: dict, request: RequestInfo) -> Any:
        copy = self._duplicate(params, request, "copyMessage")
        return {"message_id": copy.message_id}

    async def _api_forwardMessage(self, params: dict, request: RequestInfo) -> Any:
        return self._duplicate(params, request, "forwardMessage").raw

    def _duplicate(self, params: dict, request: RequestInfo, method: str) -> FakeMessage:
        source = self.chat(params["from_chat_id"])
        original = source.history.get(params["message_id"])
        if original is None:
            raise bad_request(f"message to {method.removesuffix('Message')} not found")
        content = {k: v for k, v in original.items() if k in CONTENT_KINDS or k in _TEXT_KEYS}
        if method == "forwardMessage":
            content["forward_origin"] = {
                "type": "user", "date": original["date"], "sender_user": original["from"],
            }
        elif "caption" in params:
            content = {k: v for k, v in content.items() if k not in ("caption", "caption_entities")}
            content |= formatted(
                "caption", params["caption"], params.get("parse_mode"),
                params.get("caption_entities"), strict=self.strict_html,
            )
        html = content.get("text") or content.get("caption")
        file = self._file_of(content)
        target = self.chat(params["chat_id"])
        return self._store(target, method, params, content, html, file, request)

    def _input_file(self, method: str, params: dict) -> StoredFile | None:
        kind = method_kind(method)
        value = params.get(kind)
        if isinstance(value, UploadedFile):
            return self.files.store(value.data, f"{kind}s", value.filename, value.content_type)
        if not isinstance(value, str) or "InputFile" not in (
            self.spec.fields(method).get(kind, {}).get("types", ())
        ):
            return None
        if stored := self.files.get(value):
            return stored
        if value.startswith(("http://", "https://")):
            return self.files.store(None, f"{kind}s", value.rsplit("/", 1)[-1])
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _file_of(self, content: dict) -> StoredFile | None:
        for kind in CONTENT_KINDS:
            media = content.get(kind)
            if isinstance(media, list) and media:
                media = media[-1]
            if isinstance(media, dict) and "file_id" in media:
                return self.files.get(media["file_id"])
        return None

    def _store(
        self, user: FakeUser, method: str, params: dict, content: dict, html: str | None,
        file: StoredFile | None, request: RequestInfo,
    ) -> FakeMessage:
        raw = {
            "message_id": user.next_message_id(), "from": self.bot_user, "chat": user.chat,
            "date": int(time.time()), **content,
        }
        if reply_to := self._replied_message(user, params):
            raw["reply_to_message"] = {k: v for k, v in reply_to.items() if k != "reply_to_message"}
        markup = params.get("reply_markup")
        if markup and "inline_keyboard" in markup:
            raw["reply_markup"] = markup  # Telegram echoes only inline keyboards
        message = FakeMessage(
            chat_id=user.id, message_id=raw["message_id"], method=method, raw=raw, html=html,
            reply_markup=markup, file=file, received_at=request.received_at,
            reply_to_update=self.updates.last_delivered_by_chat.get(user.id),
        )
        user.add_bot_message(message)
        return message

    def _replied_message(self, user: FakeUser, params: dict) -> dict | None:
        reply = params.get("reply_parameters") or {}
        message_id = reply.get("message_id", params.get("reply_to_message_id"))
        if message_id is None:
            return None
        if message_id in user.history:
            return user.history[message_id]
        if reply.get("allow_sending_without_reply", params.get("allow_sending_without_reply")):
            return None
        raise bad_request("message to be replied not found")

    # -- editing and deleting ------------------------------------------------

    async def _api_editMessageText(self, params: dict, request: RequestInfo) -> Any:
        user, message = self._editable(params)
        if "text" not in message.raw:
            raise bad_request("there is no text in the message to edit")
        content = formatted(
            "text", params["text"], params.get("parse_mode"), params.get("entities"),
            strict=self.strict_html,
        )
        return self._edit(user, message, params, content, params["text"], request)

    async def _api_editMessageCaption(self, params: dict, request: RequestInfo) -> Any:
        user, message = self._editable(params)
        if "text" in message.raw:
            raise bad_request("there is no caption in the message to edit")
        content = formatted(
            "caption", params.get("caption", ""), params.get("parse_mode"),
            params.get("caption_entities"), strict=self.strict_html,
        )
        return self._edit(user, message, params, content, params.get("caption"), request)

    async def _api_editMessageReplyMarkup(self, params: dict, request: RequestInfo) -> Any:
        user, message = self._editable(params)
        content = {k: v for k, v in message.raw.items() if k in _TEXT_KEYS}
        return self._edit(user, message, params, content, message.html, request)

    async def _api_editMessageMedia(self, params: dict, request: RequestInfo) -> Any:
        user, message = self._editable(params)
        content, html, file = self._media_item(params["media"], request)
        return self._edit(
            user, message, params, content, html, request, replaces=CONTENT_KINDS + _TEXT_KEYS,
            file=file,
        )

    def _editable(self, params: dict) -> tuple[FakeUser, FakeMessage]:
        if "inline_message_id" in params:
            raise bad_request("MESSAGE_ID_INVALID")  # the fake has no inline messages
        if "chat_id" not in params or "message_id" not in params:
            raise bad_request("message identifier is not specified")
        user = self.chat(params["chat_id"])
        message = user.bot_message(params["message_id"])
        if message is None or message.deleted:
            if params["message_id"] in user.history:
                raise bad_request("message can't be edited")
            raise bad_request("message to edit not found")
        return user, message

    def _edit(
        self, user: FakeUser, message: FakeMessage, params: dict, content: dict,
        html: str | None, request: RequestInfo, *, replaces: tuple[str, ...] = _TEXT_KEYS,
        file: StoredFile | None = None,
    ) -> Any:
        markup = params.get("reply_markup")
        dropped = {*replaces, "reply_markup", "edit_date"}
        raw = {k: v for k, v in message.raw.items() if k not in dropped} | content
        if markup:
            raw["reply_markup"] = markup
        if raw == {k: v for k, v in message.raw.items() if k != "edit_date"}:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        raw["edit_date"] = int(time.time())
        if not markup and message.reply_markup and "inline_keyboard" not in message.reply_markup:
            markup = message.reply_markup  # a reply keyboard belongs to the chat, not the message
        edited = replace(
            message, raw=raw, html=html, reply_markup=markup, file=file or message.file,
            edited=True, received_at=request.received_at,
            reply_to_update=self.updates.last_delivered_by_chat.get(user.id),
        )
        user.update_bot_message(edited, announce=True)
        return raw

    async def _api_deleteMessage(self, params: dict, request: RequestInfo) -> Any:
        user = self.chat(params["chat_id"])
        if not self._delete(user, params["message_id"]):
            raise bad_request("message to delete not found")
        return True

    async def _api_deleteMessages(self, params: dict, request: RequestInfo) -> Any:
        user = self.chat(params["chat_id"])
        for message_id in params["message_ids"]:
            self._delete(user, message_id)
        return True

    def _delete(self, user: FakeUser, message_id: int) -> bool:
        message = user.bot_message(message_id)
        if message is not None:
            if message.deleted:
                return False
            user.update_bot_message(replace(message, deleted=True), announce=False)
        return user.history.pop(message_id, None) is not None

    # -- callbacks, commands, files ------------------------------------------

    async def _api_answerCallbackQuery(self, params: dict, request: RequestInfo) -> Any:
        query_id = params["callback_query_id"]
        if query_id not in self._callback_queries:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        user, data = self._callback_queries.pop(query_id)
        user.add_callback_answer(
            CallbackAnswer(
                query_id=query_id, data=data, text=params.get("text"),
                show_alert=params.get("show_alert", False), url=params.get("url"),
                at=request.received_at,
            )
        )
        return True

    async def _api_setMyCommands(self, params: dict, request: RequestInfo) -> Any:
        self.commands.append(params)
        self._command_menus[_command_key(params)] = params["commands"]
        return True

    async def _api_deleteMyCommands(self, params: dict, request: RequestInfo) -> Any:
        self._command_menus.pop(_command_key(params), None)
        return True

    async def _api_getMyCommands(self, params: dict, request: RequestInfo) -> Any:
        return self._command_menus.get(_command_key(params), [])

    async def _api_setChatMenuButton(self, params: dict, request: RequestInfo) -> Any:
        self.menu_buttons[params.get("chat_id")] = params.get("menu_button", {"type": "default"})
        return True

    async def _api_getChatMenuButton(self, params: dict, request: RequestInfo) -> Any:
        default = self.menu_buttons.get(None, {"type": "default"})
        return self.menu_buttons.get(params.get("chat_id"), default)

    async def _api_getFile(self, params: dict, request: RequestInfo) -> Any:
        stored = self.files.get(params["file_id"])
        if stored is None:
            raise bad_request("invalid file_id")
        return stored.as_file()

    async def _api_getChat(self, params: dict, request: RequestInfo) -> Any:
        return self.spec.minimal("ChatFullInfo") | self.chat(params["chat_id"]).chat


def _command_key(params: dict) -> tuple[str, str]:
    """("default", "vi"), ("chat:1001", ""), ...: which menu a *MyCommands call is about."""
    scope = params.get("scope") or {"type": "default"}
    ids = [str(scope[key]) for key in ("chat_id", "user_id") if key in scope]
    return ":".join([scope["type"], *ids]), params.get("language_code", "")
