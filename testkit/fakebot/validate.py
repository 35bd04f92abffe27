"""Request validation against the Bot API spec plus Telegram's own limits."""

from __future__ import annotations

import json
import re
from typing import Any

from .errors import InvalidRequest
from .html import HtmlError, parse_html, utf16_len
from .models import UploadedFile
from .spec import BASIC_TYPES, Spec

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_ANSWER_LIMIT = 200
CALLBACK_DATA_LIMIT = 64
# Deprecated parameters that Telegram still honours and aiogram still sends
# (DefaultBotProperties(link_preview_is_disabled=True) emits the first one),
# keyed to the modern parameter a method must have for them to apply.
LEGACY_FIELDS = {
    "disable_web_page_preview": ("link_preview_options", ["Boolean"]),
    "reply_to_message_id": ("reply_parameters", ["Integer"]),
    "allow_sending_without_reply": ("reply_parameters", ["Boolean"]),
}
_BUTTON_LABEL_FIELDS = {"text", "style", "icon_custom_emoji_id"}
_BUTTON_URL = re.compile(r"(https?|tg)://\S+")
_INTEGER = re.compile(r"-?\d+")
_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}


def decode_params(
    spec: Spec, method: str, raw: dict[str, Any], uploads: dict[str, UploadedFile]
) -> dict[str, Any]:
    """Turn form strings / JSON values into typed values; reject unknown or missing ones."""
    fields = spec.fields(method)
    params: dict[str, Any] = {}
    for name, value in raw.items():
        if value is None:
            continue
        types = _field_types(fields, name)
        if types is None:
            raise InvalidRequest(
                f'unknown parameter "{name}" for method {method} (not in Bot API {spec.version})'
            )
        params[name] = _from_form(name, value, types, uploads) if isinstance(value, str) else value
    for name, upload in uploads.items():
        # A file part named after the parameter itself, the classic way to upload.
        if name in fields and name not in params:
            params[name] = upload
    for name, field in fields.items():
        if field["required"] and name not in params:
            raise InvalidRequest("message text is empty" if name == "text" else f"{name} is empty")
    return params


def check_params(spec: Spec, method: str, params: dict[str, Any], *, strict_html: bool) -> None:
    fields = spec.fields(method)
    for name, value in params.items():
        problem = _problem(spec, value, _field_types(fields, name) or [], name)
        if problem:
            raise InvalidRequest(problem)
    _check_content(spec, method, params, strict_html)


def render(
    text: str, parse_mode: str | None, entities: list[dict] | None, *, strict: bool
) -> tuple[str, list[dict]]:
    """Visible text and entities of a message, the way Telegram stores it."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        try:
            text, entities = parse_html(text, strict=strict)
        except HtmlError as error:
            raise InvalidRequest(f"can't parse entities: {error}") from None
    elif mode:
        _check_parse_mode(mode)
        # Markdown is not parsed: the markup stays in the text and counts towards limits.
        entities = []
    return _strip(text, entities or [])


def _check_parse_mode(mode: str | None) -> None:
    if mode is not None and mode.lower() not in ("html", "markdown", "markdownv2"):
        raise InvalidRequest("unsupported parse_mode")


def _field_types(fields: dict[str, dict], name: str) -> list[str] | None:
    if name in fields:
        return fields[name]["types"]
    modern, types = LEGACY_FIELDS.get(name, (None, None))
    return types if modern in fields else None


def _from_form(name: str, value: str, types: list[str], uploads: dict[str, UploadedFile]) -> Any:
    """Form fields are all strings; read them as the first declared type they fit."""
    for type_name in types:
        if type_name == "InputFile" and value.startswith("attach://"):
            if value[9:] not in uploads:
                raise InvalidRequest(f'parameter "{name}" refers to a file part that was not sent')
            return uploads[value[9:]]
        if type_name == "Integer" and _INTEGER.fullmatch(value):
            return int(value)
        if type_name == "Float":
            try:
                return float(value)
            except ValueError:
                continue
        if type_name in ("Boolean", "True") and value.lower() in _BOOLEANS:
            return _BOOLEANS[value.lower()]
        if type_name == "String":
            return value
        if type_name not in BASIC_TYPES:
            try:
                return json.loads(value)
            except ValueError:
                raise InvalidRequest(f"can't parse {name} JSON object") from None
    return value  # does not fit: left for the type check to report


def _problem(spec: Spec, value: Any, types: list[str], path: str) -> str | None:
    candidates = _union_candidates(spec, value, types)
    problems = []
    for type_name in candidates:
        problem = _type_problem(spec, value, type_name, path)
        if problem is None:
            return None
        problems.append(problem)
    if len(candidates) > 1 and all(t in BASIC_TYPES for t in candidates):
        return f'parameter "{path}" must be of type {" or ".join(candidates)}'
    return problems[0] if problems else None


def _union_candidates(spec: Spec, value: Any, types: list[str]) -> list[str]:
    """For unions of objects (reply_markup), the members whose required keys are present."""
    objects = [t for t in types if "fields" in spec.types.get(t, {})]
    if len(objects) < 2 or not isinstance(value, dict):
        return types
    fitting = [
        t for t in objects
        if all(f["name"] in value for f in spec.types[t]["fields"] if f["required"])
    ]
    return fitting or types


def _type_problem(spec: Spec, value: Any, type_name: str, path: str) -> str | None:
    if type_name.startswith("Array of "):
        if not isinstance(value, list):
            return f'parameter "{path}" must be an Array'
        item_type = type_name.removeprefix("Array of ")
        for index, item in enumerate(value):
            if problem := _problem(spec, item, [item_type], f"{path}[{index}]"):
                return problem
        return None
    if type_name in BASIC_TYPES:
        if _is_basic(value, type_name):
            return None
        return f'parameter "{path}" must be of type {type_name}'
    entry = spec.types.get(type_name)
    if entry is None:
        return None  # a name the spec does not describe: nothing to check against
    if "subtypes" in entry:
        return _subtype_problem(spec, value, type_name, entry["subtypes"], path)
    if not isinstance(value, dict):
        return f'parameter "{path}" must be a JSON object ({type_name})'
    fields = {field["name"]: field for field in entry.get("fields", ())}
    for key, item in value.items():
        if key not in fields:
            return f'can\'t parse {path}: unknown field "{key}" in {type_name}'
        if problem := _problem(spec, item, fields[key]["types"], f"{path}.{key}"):
            return problem
    for key, field in fields.items():
        if field["required"] and key not in value:
            return f'can\'t parse {path}: field "{key}" is required in {type_name}'
    return None


def _subtype_problem(
    spec: Spec, value: Any, type_name: str, members: list[str], path: str
) -> str | None:
    if isinstance(value, dict):
        for member in members:
            tag = spec.discriminator(member)
            if tag and value.get(tag[0]) == tag[1]:
                return _type_problem(spec, value, member, path)
        tags = {tag[0] for member in members if (tag := spec.discriminator(member))}
        if tags:
            shown = ", ".join(f'{key}="{value.get(key)}"' for key in sorted(tags))
            return f"can't parse {path}: unsupported {type_name} ({shown})"
    problems = [_type_problem(spec, value, member, path) for member in members]
    return None if None in problems else problems[0]


def _is_basic(value: Any, type_name: str) -> bool:
    if type_name == "Integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "Float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if type_name == "String":
        return isinstance(value, str)
    if type_name == "Boolean":
        return isinstance(value, bool)
    if type_name == "True":
        return value is True
    return isinstance(value, UploadedFile)  # InputFile


def _check_content(spec: Spec, method: str, params: dict[str, Any], strict: bool) -> None:
    fields = spec.fields(method)
    _check_parse_mode(params.get("parse_mode"))
    if "text" in fields and "parse_mode" in fields:
        _check_text(params, "text", "entities", strict)
    if "caption" in params:
        _check_text(params, "caption", "caption_entities", strict)
    media = params.get("media")
    for item in media if isinstance(media, list) else [media]:
        if isinstance(item, dict) and "caption" in item:
            _check_text(item, "caption", "caption_entities", strict)
    answer = params.get("text", "") if method == "answerCallbackQuery" else ""
    if utf16_len(answer) > CALLBACK_ANSWER_LIMIT:
        raise InvalidRequest("MESSAGE_TOO_LONG")
    markup = params.get("reply_markup")
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        for row in markup["inline_keyboard"]:
            for button in row:
                _check_inline_button(button)


def _check_text(params: dict[str, Any], key: str, entities_key: str, strict: bool) -> None:
    if key not in params:
        return
    text, _ = render(params[key], params.get("parse_mode"), params.get(entities_key), strict=strict)
    if key == "text" and not text:
        raise InvalidRequest("message text is empty")
    if key == "text" and utf16_len(text) > TEXT_LIMIT:
        raise InvalidRequest("message is too long")
    if key == "caption" and utf16_len(text) > CAPTION_LIMIT:
        raise InvalidRequest("message caption is too long")


def _check_inline_button(button: dict) -> None:
    actions = sorted(set(button) - _BUTTON_LABEL_FIELDS)
    if not actions:
        raise InvalidRequest(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise InvalidRequest(
            "can't parse inline keyboard button: exactly one action field must be used, "
            f"got {', '.join(actions)}"
        )
    data = button.get("callback_data")
    if data is not None and not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
        raise InvalidRequest("BUTTON_DATA_INVALID")
    url = button.get("url")
    if url is not None and not _BUTTON_URL.fullmatch(url):
        raise InvalidRequest("BUTTON_URL_INVALID")


def _strip(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Telegram trims surrounding whitespace; entities shift and clip with it."""
    stripped = text.strip()
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept
