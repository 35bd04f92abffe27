"""`python -m bot check` lists, as warnings, what the host still has to fill in: the FAQ's
"(Ban tổ chức sẽ cập nhật)" answers and the event file's provisional venue or times."""
from __future__ import annotations

import shutil

from bot.ops.check import WARN, check
from bot.ops.placeholders import to_fill
from testkit.paths import EVENT_FILE


async def test_check_warns_of_the_placeholders_still_in_the_event_and_faq_files(settings):
    found = [f.what for f in await check(settings) if f.level == WARN]
    event = [w for w in found if w.startswith("dalat-2023.yaml:")]
    faq = [w for w in found if w.startswith("dalat-2023.faq.yaml:")]
    assert len(event) == 1 and "4 fact(s) marked provisional" in event[0], found
    assert ": venue, transport, hotels.0 (ngoc_lan), hotels.1 (tttc)." in event[0], found
    assert len(faq) == 1 and "15 answer(s)" in faq[0] and "lodging, meals" in faq[0] and "and 7 more" in faq[0], faq


def test_filled_in_files_give_no_warning_and_a_provisional_time_is_named(tmp_path):
    event, faq = tmp_path / "e.yaml", tmp_path / "e.faq.yaml"
    text = EVENT_FILE.read_text(encoding="utf-8")
    filled = (text.replace("provisional: true", "provisional: false").replace(" (tạm — Ban Tổ chức sẽ xác nhận)", "")
              .replace(" (provisional — to be confirmed by the host)", "").replace('"(tạm) ', '"')
              .replace('"(provisional) ', '"').replace(" (tạm)", "").replace(" (provisional)", ""))
    event.write_text(filled, encoding="utf-8")
    shutil.copy(EVENT_FILE.with_name("dalat-2023.faq.yaml"), faq)
    faq.write_text(faq.read_text(encoding="utf-8").replace("(Ban Tổ chức sẽ cập nhật)", "Hội trường A")
                   .replace("Ban Tổ chức sẽ cập nhật", "0263 3822 111")
                   .replace("(to be announced by the host)", "hall A").replace("to be announced by the host", "x"),
                   encoding="utf-8")
    assert to_fill(event, faq) == []
    event.write_text(filled.replace("    ends_at: 2023-07-27T17:30:00+07:00",
                                    "    ends_at: 2023-07-27T17:30:00+07:00\n    place: {vi: '(tạm) Nhà văn hóa', en: x}"),
                     encoding="utf-8")
    [(name, warning)] = to_fill(event, faq)
    assert name == "e.yaml" and "sessions.1 (exchange).place" in warning
