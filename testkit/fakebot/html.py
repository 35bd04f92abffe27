"""Telegram's HTML parse mode, modelled on tdlib's ``parse_html``.

The fake must reject what Telegram rejects, so the grammar, error wording and
byte offsets follow tdlib.  One deliberate difference, on by default: in
strict mode a ``&`` that does not start ``&lt;``/``&gt;``/``&amp;``/``&quot;``
or a numeric reference is an error.  Telegram keeps such a ``&`` as text, but
in a bot it nearly always means user data was interpolated without
``html.escape`` - and the next user with a ``<`` in their name breaks it.
"""

from __future__ import annotations

import re

ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPECIAL = re.compile(r"[<&]")
_REFERENCE = re.compile(r"&(?:#x([0-9a-fA-F]+)|#([0-9]+)|([a-zA-Z]+))(;?)")
_SPACE = " \t\r\n\f\v"


class HtmlError(ValueError):
    """Text that Telegram answers with "can't parse entities: <message>"."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(text: str, *, strict: bool = True) -> tuple[str, list[dict]]:
    """Return the visible text and its MessageEntity dicts (UTF-16 offsets)."""
    return _Parser(text, strict).run()


class _Parser:
    def __init__(self, text: str, strict: bool) -> None:
        self.text = text
        self.strict = strict
        self.pos = 0
        self.out: list[str] = []
        self.offset = 0  # UTF-16 length of the output so far
        self.open: list[tuple[str, str, int]] = []  # tag, argument, start offset
        self.entities: list[dict] = []

    def run(self) -> tuple[str, list[dict]]:
        text = self.text
        while (match := _SPECIAL.search(text, self.pos)) is not None:
            self._emit(text[self.pos : match.start()])
            self.pos = match.start()
            if text[self.pos] == "&":
                self._reference()
            elif text.startswith("</", self.pos):
                self._end_tag()
            else:
                self._start_tag()
        self._emit(text[self.pos :])
        if self.open:
            raise HtmlError(f'Can\'t find end tag corresponding to start tag "{self.open[-1][0]}"')
        for entity in self.entities:
            # Only kept on code to hand it to an enclosing <pre>.
            if entity["type"] == "code":
                entity.pop("language", None)
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def _emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.offset += utf16_len(chunk)

    def _byte_offset(self, pos: int) -> int:
        return len(self.text[:pos].encode())

    def _error(self, message: str, pos: int) -> HtmlError:
        return HtmlError(f"{message} at byte offset {self._byte_offset(pos)}")

    def _decode_reference(self, pos: int) -> tuple[str, int] | None:
        """Decoded character and end position of the reference at pos, if valid."""
        match = _REFERENCE.match(self.text, pos)
        if match is None or (self.strict and not match.group(4)):
            return None
        hex_digits, digits, name = match.group(1, 2, 3)
        if name is not None:
            char = _NAMED.get(name)
            return (char, match.end()) if char else None
        code = int(hex_digits, 16) if hex_digits else int(digits)
        if code == 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        return chr(code), match.end()

    def _reference(self) -> None:
        decoded = self._decode_reference(self.pos)
        if decoded is None:
            if self.strict:
                raise self._error(
                    "Character '&' must be escaped as \"&amp;\" (the fake is stricter than "
                    "Telegram, which keeps it as text)",
                    self.pos,
                )
            decoded = ("&", self.pos + 1)
        self._emit(decoded[0])
        self.pos = decoded[1]

    def _skip_spaces(self, pos: int) -> int:
        while pos < len(self.text) and self.text[pos] in _SPACE:
            pos += 1
        return pos

    def _start_tag(self) -> None:
        text, begin = self.text, self.pos
        end = begin + 1
        while end < len(text) and text[end] not in _SPACE and text[end] != ">":
            end += 1
        if end >= len(text):
            raise self._error("Unclosed start tag", begin)
        tag = text[begin + 1 : end].lower()
        if tag not in ENTITY_TYPES:
            raise self._error(f'Unsupported start tag "{tag}"', begin)
        attributes, self.pos = self._attributes(tag, begin, end)
        self.open.append((tag, self._argument(tag, attributes, begin), self.offset))

    def _attributes(self, tag: str, begin: int, pos: int) -> tuple[dict[str, str], int]:
        text, attributes = self.text, {}
        while True:
            pos = self._skip_spaces(pos)
            if pos >= len(text):
                raise self._error(f'Unclosed start tag "{tag}"', begin)
            if text[pos] == ">":
                return attributes, pos + 1
            name_begin = pos
            while pos < len(text) and text[pos] not in _SPACE and text[pos] not in "=>":
                pos += 1
            name = text[name_begin:pos]
            if not name:
                raise self._error(f'Empty attribute name in the tag "{tag}"', begin)
            pos = self._skip_spaces(pos)
            if tag == "blockquote" and name == "expandable" and text[pos : pos + 1] != "=":
                attributes[name] = ""  # the one attribute Telegram allows without a value
                continue
            if pos >= len(text) or text[pos] != "=":
                raise self._error(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag}"', begin
                )
            pos = self._skip_spaces(pos + 1)
            if pos >= len(text):
                raise self._error(f'Unclosed start tag "{tag}"', begin)
            attributes[name], pos = self._attribute_value(pos)

    def _attribute_value(self, pos: int) -> tuple[str, int]:
        text = self.text
        quote = text[pos]
        if quote not in "'\"":
            # An unquoted HTML name token: letters, digits, '.' and '-' only.
            begin = pos
            while pos < len(text) and (text[pos].isalnum() or text[pos] in ".-"):
                pos += 1
            if pos >= len(text) or (text[pos] not in _SPACE and text[pos] != ">"):
                raise self._error("Unexpected end of name token", begin)
            return text[begin:pos].lower(), pos
        begin, pos, value = pos, pos + 1, []
        while pos < len(text) and text[pos] != quote:
            decoded = self._decode_reference(pos) if text[pos] == "&" else None
            if decoded is None:
                value.append(text[pos])
                pos += 1
            else:
                value.append(decoded[0])
                pos = decoded[1]
        if pos >= len(text):
            raise self._error("Unclosed start tag", begin)
        return "".join(value), pos + 1

    def _argument(self, tag: str, attributes: dict[str, str], begin: int) -> str:
        if tag == "a":
            return attributes.get("href", "")
        if tag == "code":
            language = attributes.get("class", "")
            return language.removeprefix("language-") if language.startswith("language-") else ""
        if tag == "span":
            if attributes.get("class") != "tg-spoiler":
                raise self._error('Tag "span" must have class "tg-spoiler"', begin)
        elif tag == "tg-emoji":
            if not attributes.get("emoji-id", "").isdigit():
                raise self._error("Invalid custom emoji identifier specified", begin)
            return attributes["emoji-id"]
        elif tag == "tg-time":
            if not attributes.get("unix", "").isdigit():
                raise self._error("Invalid Unix time specified", begin)
            return attributes["unix"]
        elif tag == "blockquote" and "expandable" in attributes:
            return "expandable"
        return ""

    def _end_tag(self) -> None:
        text, begin = self.text, self.pos
        if not self.open:
            raise self._error("Unexpected end tag", begin)
        end = begin + 2
        while end < len(text) and text[end] not in _SPACE and text[end] != ">":
            end += 1
        name = text[begin + 2 : end].lower()
        end = self._skip_spaces(end)
        if end >= len(text) or text[end] != ">":
            raise self._error("Unclosed end tag", begin)
        tag, argument, start = self.open[-1]
        if name and name != tag:
            raise HtmlError(
                f"Unmatched end tag at byte offset {self._byte_offset(begin)}, "
                f'expected "</{tag}>", found "</{name}>"'
            )
        self.open.pop()
        self.pos = end + 1
        if self.offset > start:
            self._add_entity(tag, argument, start)

    def _add_entity(self, tag: str, argument: str, start: int) -> None:
        entity = {"type": ENTITY_TYPES[tag], "offset": start, "length": self.offset - start}
        if tag == "pre":
            inner = self.entities[-1] if self.entities else None
            # <pre><code class="language-x"> is one pre entity with a language.
            if inner and inner["type"] == "code" and (inner["offset"], inner["length"]) == (
                start,
                entity["length"],
            ):
                self.entities.pop()
                if "language" in inner:
                    entity["language"] = inner["language"]
        elif tag == "code" and argument:
            entity["language"] = argument
        elif tag == "a":
            entity["url"] = argument
        elif tag == "blockquote" and argument:
            entity["type"] = "expandable_blockquote"
        elif tag == "tg-emoji":
            entity["custom_emoji_id"] = argument
        elif tag == "tg-time":
            entity["unix_time"] = int(argument)
        self.entities.append(entity)
