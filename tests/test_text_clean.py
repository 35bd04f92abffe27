"""Every free text we store is cleaned by one function (bot.text.clean): compatibility forms folded,
no control or format characters, single spaces, Vietnamese kept exactly as it is written."""
from __future__ import annotations

import re
import unicodedata

from hypothesis import example, given, strategies as st
from sqlalchemy import select

from bot.event import Text
from bot.services import agenda, fields, nominees, outbox, questions
from bot.services.accounts import get_or_create_account
from bot.text import clean, clean_html
from models import AgendaChange, Broadcast, Question
from models.question import UNKNOWN

# every Vietnamese letter with every tone mark, composed (NFC), lower and upper case
_BASES = "aăâeêioôơuưy"
_TONES = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]
_VIETNAMESE = sorted({unicodedata.normalize("NFC", b + t) for b in _BASES for t in _TONES}
                     | set("bcdđghklmnpqrstvx"))
_VIETNAMESE += [ch.upper() for ch in _VIETNAMESE]
words = st.text(st.sampled_from(_VIETNAMESE), min_size=1, max_size=8)
vietnamese_line = st.lists(words, min_size=1, max_size=8).map(" ".join)
vietnamese_lines = st.lists(vietnamese_line, min_size=1, max_size=4).map("\n".join)
anything = st.text(st.characters(exclude_categories=()), max_size=60)  # surrogates and controls included


def invisible(text: str, *, lines: bool) -> list[str]:
    """Control and format characters left in a cleaned text, other than those the rules keep."""
    left = []
    for i, ch in enumerate(text):
        kind = unicodedata.category(ch)
        if ch == "\n" and lines:
            continue
        if ch == "\u200d" and 0 < i < len(text) - 1 and unicodedata.category(text[i + 1]) == "So":
            continue  # a joiner inside an emoji sequence
        if kind in ("Cc", "Cf", "Cs"):
            left.append(ch)
    return left


@given(vietnamese_line)
@example("Nguyễn Thị Hồng Nhung")
@example("Đắk Lắk")
@example("Ủy ban nhân dân tỉnh Khánh Hòa")
def test_vietnamese_is_kept_exactly(text):
    assert clean(text) == text
    assert clean(text, lines=True) == text
    assert clean(unicodedata.normalize("NFD", text)) == text  # typed decomposed (macOS, some keyboards): composed


@given(vietnamese_lines)
def test_vietnamese_lines_are_kept_where_the_field_has_lines(text):
    assert clean(text, lines=True) == text
    assert clean(text) == text.replace("\n", " ")


@given(anything, st.booleans())
@example("Nguy\u200bễn\u202eThị\u2066 \ufeff\u00ad", False)
@example("a\u200db\u200d", True)
@example("\ud800x\x00\r\n\x85\u2028", True)
def test_no_control_or_format_character_is_stored(text, lines):
    cleaned = clean(text, lines=lines)
    assert invisible(cleaned, lines=lines) == [], ascii(cleaned)
    assert cleaned == cleaned.strip() and "  " not in cleaned
    assert clean(cleaned, lines=lines) == cleaned  # cleaning twice changes nothing
    assert unicodedata.is_normalized("NFC", cleaned)


def test_compatibility_forms_spoofs_and_invisible_characters():
    assert clean("Ａｄｍｉｎ Nguyễn") == "Admin Nguyễn"
    assert clean("𝐓𝐫𝐚̂̀𝐧 Văn A") == "Trần Văn A"  # mathematical bold, with combining marks: composed
    assert clean("Nguy\u200bễn\u00a0Văn\u3000An\u202e") == "Nguyễn Văn An"
    assert clean("\u202eGiám đốc\u202c Sở") == "Giám đốc Sở"
    assert clean("ﬁle  …") == "file ..."
    # kept as typed: they mean something in a place or a notice
    assert clean("Hội trường 500 m², tầng ½, ① ™") == "Hội trường 500 m², tầng ½, ① ™"


def test_emoji_are_kept_and_joined_emoji_stay_one():
    for emoji in ("👍", "❤️", "ℹ️ Lưu ý", "👨\u200d👩\u200d👧", "🏳️\u200d🌈", "👩🏽\u200d💻", "❤️\u200d🔥"):
        assert clean(emoji) == emoji
    assert clean("a\u200db 👍\u200d") == "ab 👍"  # a joiner elsewhere is dropped
    assert clean("🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f") == "🏴"  # tag characters: a plain flag


def test_a_broadcast_keeps_its_formatting_and_its_lines():
    typed = ("<b>Ｔhông báo</b> &lt;khẩn&gt; &amp; ＜b＞\u200b\n\n  Xe đón lúc <i>7:15</i>\u202e "
             '<a href="https://example.org/a?b=1&amp;c=2">bản đồ</a> 👨\u200d👩\u200d👧')
    assert clean_html(typed) == ("<b>Thông báo</b> &lt;khẩn&gt; &amp; &lt;b&gt;\n\n  Xe đón lúc <i>7:15</i> "
                                 '<a href="https://example.org/a?b=1&amp;c=2">bản đồ</a> 👨\u200d👩\u200d👧')


@given(st.lists(st.tuples(st.sampled_from(["b", "i", "u", "code"]), anything), max_size=4))
def test_a_broadcast_keeps_every_tag_and_escapes_what_it_cleaned(parts):
    from html import escape

    html = "".join(f"<{tag}>{escape(text, quote=False)}</{tag}>" for tag, text in parts)
    cleaned = clean_html(html)
    assert re.findall(r"<[^>]*>", cleaned) == re.findall(r"<[^>]*>", html)
    text = re.sub(r"<[^>]*>", "", cleaned)
    assert invisible(text, lines=True) == [] and "<" not in text and ">" not in text


# --- where free text is stored --------------------------------------------------------------------

def test_registration_fields_are_cleaned():
    assert fields.text_field("full_name", "Ａｄｍｉｎ\u200b Nguyễn\u202e") == "Admin Nguyễn"
    assert fields.text_field("organization", "UBND  tỉnh\u00a0Đắk Lắk") == "UBND tỉnh Đắk Lắk"
    assert fields.text_field("note", "ăn chay\u200b\x00, dị ứng") == "ăn chay , dị ứng"
    assert isinstance(fields.text_field("full_name", "\u200b\u202e\ufeff"), fields.Refusal)  # nothing visible


async def test_nominee_rows_are_cleaned(db, conference):
    row = {"row": 2, "full_name": "Ｎguyễn\u200b Văn\u00a0An", "position": "Phó\u202e Chủ tịch",
           "organization": "UBND tỉnh Gia Lai\u2066", "province": "Gia Lai", "category": "ubnd_leader", "phone": ""}
    async with db.session() as session:
        result = await nominees.import_rows(session, conference, [row], None, "ds.csv", only_valid=False)
    [nominee] = result.created
    assert (nominee.full_name, nominee.position, nominee.organization) == (
        "Nguyễn Văn An", "Phó Chủ tịch", "UBND tỉnh Gia Lai")


async def test_questions_replies_broadcasts_places_and_names_are_cleaned(db, conference):
    async with db.session() as session:
        account = await get_or_create_account(session, channel="telegram", user_id="42", chat_id="42",
                                              display_name="Ａｄｍｉｎ\u202e Lan\x00")
        assert account.display_name == "Admin Lan"
        asked = await questions.record(session, conference, account, "Phòng\u200b họp\r\nở  đâu?\x00", UNKNOWN)
        await questions.reply(session, asked, "Tầng\u00a02\u202e,\nphòng 201", account)
        people = await outbox.recipients(session, conference, outbox.ALL)
        await outbox.create(session, conference, people, audience=outbox.ALL, text_vi="<b>Ｘe</b>\u200b lúc 7:15",
                            text_en="<b>Bus</b>\u202e at 7:15", by=account)
        await agenda.change(session, conference, "conference", account, place=Text(vi="Hội trường\u200b A\u00a0",
                                                                                  en="Ｈall A"))
        await agenda.add(session, conference, account, title=Text(vi="Họp\u202e báo", en="Press"),
                         starts_at=conference.parts[0].starts_at)
        question = await session.scalar(select(Question))
        assert (question.text, question.reply) == ("Phòng họp\nở đâu?", "Tầng 2,\nphòng 201")
        broadcast = await session.scalar(select(Broadcast))
        assert (broadcast.text_vi, broadcast.text_en) == ("<b>Xe</b> lúc 7:15", "<b>Bus</b> at 7:15")
        changes = (await session.scalars(select(AgendaChange).order_by(AgendaChange.id))).all()
        assert (changes[0].place_vi, changes[0].place_en) == ("Hội trường A", "Hall A")
        assert changes[1].title_vi == "Họp báo"
