"""The sender's rules without a chat: long texts split into valid parts, per-chat buckets that do not pile up."""
import asyncio
import random

import pytest
from aiogram.methods import AnswerCallbackQuery

from bot.infra import sender as sender_module
from bot.i18n import build_i18n
from bot.screens.listing import names, within
from bot.infra.long_text import CAPTION_LIMIT, TEXT_LIMIT, fit, shorten, split
from bot.infra.sender import ChatPacing
from testkit.fakebot.html import parse_html, utf16_len
from testkit.fakebot.ratelimit import RateLimiter as FakeLimiter

PIECES = ["Nguyễn", "Văn", "An", "&amp;", "&lt;x&gt;", "😀", "<b>đậm</b>", "<i>nghiêng <b>cả hai</b></i>",
          '<a href="https://example.org/?a=1&amp;b=2">liên kết</a>', "\n", "\n\n", "<pre>mã\ndòng</pre>",
          "<blockquote>trích\ndẫn</blockquote>", "<tg-spoiler>ẩn</tg-spoiler>", "&#128512;"]


def shown(html: str) -> str:
    """The text Telegram shows; raises (as Telegram answers 400) if the HTML does not parse on its own."""
    return parse_html(html)[0]


@pytest.mark.parametrize("seed", range(20))
def test_every_part_is_valid_html_within_the_limit_and_nothing_is_lost(seed):
    rng = random.Random(seed)
    text = " ".join(rng.choice(PIECES) for _ in range(rng.randint(200, 1500)))
    if seed % 3 == 0:
        text = f"<b>{text}</b>"  # a cut always falls inside a tag that spans everything
    limit = rng.choice([TEXT_LIMIT, CAPTION_LIMIT, 200])
    parts = split(text, limit)
    for part in parts:
        assert 0 < utf16_len(shown(part).strip()) <= limit
    assert "".join("".join(shown(p) for p in parts).split()) == "".join(shown(text).split())
    if utf16_len(shown(text)) > limit:
        assert len(parts) > 1


def test_a_long_list_is_split_at_line_breaks_and_a_short_text_is_left_alone():
    lines = [f"• <b>Đại biểu số {n}</b> — Sở Nội vụ &amp; Ban Thi đua" for n in range(300)]
    parts = split("\n".join(lines))
    assert len(parts) > 1
    for part in parts:  # every part holds whole lines
        assert all(line in lines for line in part.strip().split("\n"))
    assert split("ngắn <b>gọn</b>") == ["ngắn <b>gọn</b>"]


def test_plain_text_is_split_as_text():
    text = "<không phải thẻ> " * 600
    parts = split(text, html=False)
    assert len(parts) > 1 and all(len(p) <= TEXT_LIMIT for p in parts)
    assert "".join(parts) == text


def test_an_edit_is_shortened_with_an_ellipsis_and_stays_valid():
    text = "<b>Tiến độ</b>\n" + "\n".join(f"<i>dòng {n}</i> &amp; thêm" for n in range(800))
    short = shorten(text)
    assert utf16_len(shown(short)) <= TEXT_LIMIT
    assert shown(short).endswith("…")
    assert shorten("vừa đủ") == "vừa đủ"


def test_a_list_of_names_shows_the_first_few_and_counts_the_rest():
    i18n = build_i18n("vi")
    with i18n.context(), i18n.use_locale("vi"):
        assert names(["A", "B"]) == "A, B"
        assert names([f"N{n}" for n in range(40)]) == "N0, N1, N2, N3, N4 và 35 người khác"
        kept = within([f"dòng {n} " + "x" * 90 for n in range(100)], budget=1000)
    assert len(kept) < 100 and kept[-1] == f"… và {100 - len(kept) + 1} mục khác không hiển thị ở đây."


def test_idle_chat_buckets_are_dropped(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(sender_module.time, "monotonic", lambda: now[0])
    pacing = ChatPacing()
    for chat in range(1, 5001):  # a reminder to 5,000 delegates: one message each
        pacing.bucket(chat).tokens -= 1
    assert len(pacing.buckets) == 5000  # nothing idle yet: each took a token a moment ago
    now[0] += 10  # their buckets are full again
    pacing.bucket(5001)
    assert list(pacing.buckets) == [5001]


def test_chat_buckets_have_a_ceiling_even_when_busy(monkeypatch):
    monkeypatch.setattr(sender_module.time, "monotonic", lambda: 1000.0)
    pacing = ChatPacing(kept=100)
    for chat in range(1, 501):
        pacing.bucket(chat).tokens -= 1
    assert len(pacing.buckets) <= 100
    assert pacing.bucket(-100123).rate == pytest.approx(20 / 60)  # a group: 20 a minute


def test_the_fake_telegram_limits_a_group_to_20_a_minute():
    limiter = FakeLimiter(global_per_s=1000, per_chat_per_s=1, per_chat_burst=3)
    assert [limiter.acquire(-100500, 0.0) for _ in range(21)][-2:] == [None, 3]  # the 21st waits for the next
    assert [limiter.acquire(7, 0.0) for _ in range(4)] == [None, None, None, 1]  # a private chat: a burst of 3


def test_an_alert_too_long_for_a_button_answer_is_shortened():
    [answer] = fit(None, AnswerCallbackQuery(callback_query_id="7", text="Đại biểu đã check-in " * 20, show_alert=True))
    assert 150 < len(answer.text) <= 200 and answer.text.endswith("…") and answer.show_alert


@pytest.mark.parametrize("seed", range(5))
def test_messages_paced_at_the_overall_limit_still_arrive_within_it_when_the_network_jitters(monkeypatch, seed):
    """Telegram counts a message when it is taken in. A burst queues there (taken in one after another, a few
    milliseconds each) and every message is a little late on the way, each by its own delay; the overall bucket
    keeps room for that, so messages paced at 30 a second are not refused (no 429)."""
    clock = [1000.0]

    async def sleep(seconds: float) -> None:
        clock[0] += max(seconds, 0.001)  # a real sleep takes at least the loop's tick

    monkeypatch.setattr(sender_module.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(sender_module.asyncio, "sleep", sleep)
    ours = sender_module.RateLimiter(30, 30 * sender_module.OVERALL_BURST)
    jitter = random.Random(seed)

    async def a_broadcast() -> list[float]:
        sent = []
        for _ in range(150):  # five seconds at the limit, one message to each of 150 delegates
            await ours.acquire()
            sent.append(clock[0] + jitter.uniform(0.0, 0.03))
        return sent

    taken_in, free_at = [], 0.0
    for at in sorted(asyncio.run(a_broadcast())):
        free_at = max(at, free_at) + 0.004
        taken_in.append(free_at)
    telegram = FakeLimiter(global_per_s=30, per_chat_per_s=1, per_chat_burst=3)
    refused = [telegram.acquire(chat, at) for chat, at in enumerate(taken_in, start=1)]
    assert refused == [None] * 150
    assert taken_in[-1] - taken_in[0] < 150 / 30  # and the pace is still 30 a second
