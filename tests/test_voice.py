"""One voice in Vietnamese: the bot speaks impersonally and respectfully ("Quý đại biểu" to a delegate, "Quý vị" to
staff, organizers or several), never "bạn", "anh/chị", "tôi", "mình" or "em"; "Ban Tổ chức" is spelled one way;
and the conference plan's words name checking in ("điểm danh") and reception ("đón tiếp") alike in the chat, on
the desk page and dashboard, and in the exported lists. Read from every Vietnamese text the bot shows: the
catalogue, the event file, the FAQ's titles and answers (not its phrasings: those are how delegates type), the
pages' texts and the exports' words."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.event import load_event
from bot.services.export_sheets import WORDS
from bot.services.final_report import WORDS as FINAL_REPORT_WORDS
from bot.services.faq import load_faq
from bot.web.texts import TEXTS

ROOT = Path(__file__).resolve().parent.parent
EVENT = ROOT / "events" / "dalat-2023.yaml"
FAQ = ROOT / "events" / "dalat-2023.faq.yaml"

FORBIDDEN = re.compile(r"(?<![\w/])(bạn|tôi|mình|em|anh/chị|anh chị|anh/ chị)(?!\w)", re.IGNORECASE)
ORGANIZERS = re.compile(r"ban tổ chức|(?<!\w)btc(?!\w)", re.IGNORECASE)
OTHER_WORDS = re.compile(r"(?<![\w/])(check[- ]?in|lễ tân)(?![\w])", re.IGNORECASE)


def catalogue() -> list[str]:
    with open(ROOT / "locales" / "vi" / "LC_MESSAGES" / "messages.po", "rb") as f:
        messages = list(read_po(f))
    texts = []
    for message in messages:
        if message.id:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            texts += [s for s in strings if s]
    return texts


def vietnamese_values(node) -> list[str]:
    """Every `vi` text in a parsed file (the event file's Text fields)."""
    if isinstance(node, dict):
        found = [node["vi"]] if isinstance(node.get("vi"), str) else []
        return found + [t for key, value in node.items() if key != "vi" for t in vietnamese_values(value)]
    if isinstance(node, (list, tuple)):
        return [t for item in node for t in vietnamese_values(item)]
    return []


def faq_texts() -> list[str]:
    entries = load_faq(FAQ).entries
    return [t for e in entries for t in (e.title.vi, *((e.answer.vi,) if e.answer else ()))]


SOURCES = {
    "catalogue": catalogue,
    "event file": lambda: vietnamese_values(load_event(EVENT).model_dump()),
    "FAQ": faq_texts,
    "desk page and dashboard": lambda: list(TEXTS["vi"].values()),
    "exports": lambda: [vi for vi, _en in WORDS.values()],
    "final report": lambda: [vi for vi, _en in FINAL_REPORT_WORDS.values()],
}


@pytest.mark.parametrize("source", SOURCES)
def test_the_bot_speaks_impersonally_and_respectfully(source):
    texts = SOURCES[source]()
    assert len(texts) > 10
    assert [t for t in texts if FORBIDDEN.search(t)] == []


@pytest.mark.parametrize("source", SOURCES)
def test_ban_to_chuc_is_spelled_one_way(source):
    assert [t for t in SOURCES[source]() for found in ORGANIZERS.findall(t) if found != "Ban Tổ chức"] == []


@pytest.mark.parametrize("source", SOURCES)
def test_checking_in_and_reception_have_the_plans_words(source):
    assert [t for t in SOURCES[source]() if OTHER_WORDS.search(t)] == []


def test_the_same_word_for_checking_in_in_the_chat_the_pages_and_the_exports():
    for source in ("catalogue", "desk page and dashboard", "exports"):
        assert any("điểm danh" in t.lower() for t in SOURCES[source]()), source
    assert any("đón tiếp" in t.lower() for t in SOURCES["catalogue"]())


def test_the_checks_catch_what_they_are_for():
    """The patterns find the old texts (so a passing test means something) and leave what is fine alone."""
    assert FORBIDDEN.search("Chưa đúng điều bạn hỏi?") and FORBIDDEN.search("Tôi chưa có câu trả lời")
    assert FORBIDDEN.search("Gõ /me để xem đăng ký của anh/chị") and FORBIDDEN.search("tỉnh mình")
    assert not FORBIDDEN.search("Ngôn ngữ: Tiếng Anh") and not FORBIDDEN.search("Kính mời Quý vị chọn:")
    assert ORGANIZERS.findall("Liên hệ Ban tổ chức hoặc BTC") == ["Ban tổ chức", "BTC"]
    assert OTHER_WORDS.search("Mã check-in") and OTHER_WORDS.search("Quầy lễ tân")
    assert not OTHER_WORDS.search("Gửi /checkin để mở quầy đón tiếp")
