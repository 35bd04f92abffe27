"""The words people type for a choice: the shared vocabulary (yes, no, done, skip…), the event file's own
words, days, fillers around a choice, what reads as a question, and what a text typed at a step is taken as."""
from datetime import date
from types import SimpleNamespace

import pytest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.services.choices import Choice, match_choice
from bot.services.fields import Refusal
from bot.services.vocabulary import (CANCEL, CHANGE, DONE, NO, NOT_KNOWN, SKIP, YES, day_words, is_question,
                                     without_fillers)
from bot.text import fold
from bot.screens.ui import TYPED_KEY, double_send
from handlers import steps
from testkit.event_file import broken_event_file

LODGING = [Choice("yes", "Có, đề nghị bố trí", YES), Choice("no", "Không, cảm ơn", NO)]
REVIEW = [Choice("confirm", "✅ Xác nhận", YES), Choice("change", "✏️ Sửa thông tin", CHANGE),
          Choice("cancel", "✖️ Hủy", CANCEL)]


@pytest.mark.parametrize("typed", ["ok", "OK", "đúng", "dung", "vâng", "vang", "dạ", "da", "ừ", "u", "yes", "có",
                                   "co", "đồng ý", "dong y", "xác nhận", "xac nhan", "dạ có ạ", "ok nhé", "Yes please"])
def test_yes_words_confirm(typed):
    assert match_choice(typed, REVIEW).key == "confirm"
    assert match_choice(typed, LODGING).key == "yes"


@pytest.mark.parametrize("typed", ["không", "khong", "ko", "k", "no", "Không ạ", "no thanks"])
def test_no_words(typed):
    assert match_choice(typed, LODGING).key == "no"


def test_review_words_for_change_and_cancel():
    assert match_choice("sửa", REVIEW).key == match_choice("sai", REVIEW).key == "change"
    assert match_choice("huy", REVIEW).key == match_choice("cancel", REVIEW).key == "cancel"
    assert match_choice("2", REVIEW).key == "change"  # the number still wins


def test_no_word_means_two_things_in_one_menu():
    """Each vocabulary is used alone in a menu, or with others it shares no word with."""
    for menu in ((YES, NO), (YES, CHANGE, CANCEL), (DONE,), (SKIP,), (NOT_KNOWN,)):
        folded = [{fold(w) for w in words} for words in menu]
        assert all(not (a & b) for i, a in enumerate(folded) for b in folded[i + 1:])


def test_every_word_has_a_form_without_diacritics_that_still_matches():
    for words in (YES, NO, DONE, SKIP, NOT_KNOWN, CHANGE, CANCEL):
        for word in words:
            plain = fold(word)
            assert match_choice(plain, [Choice("x", "label", words)]) is not None, word


def test_event_choices_declare_their_words(conference):
    modes = [Choice(m.code, m.label.vi, m.words) for m in conference.travel_modes]
    for typed in ("ô tô", "oto", "xe", "xe khách", "Xe khach", "đi ô tô", "bằng xe khách", "by road"):
        assert match_choice(typed, modes).key == "road", typed
    for typed in ("máy bay", "may bay", "bay", "đi máy bay", "by air", "plane"):
        assert match_choice(typed, modes).key == "air", typed
    central = conference.province("central")
    assert "TW" in central.words


def test_event_words_are_checked(tmp_path):
    shared = broken_event_file(tmp_path, lambda d: d["travel_modes"][2].update(words=["Xe khách"]))
    assert "travel_modes.2.words" in shared and "also names 'road'" in shared
    assert "numbers are the menu's" in broken_event_file(tmp_path, lambda d: d["travel_modes"][0].update(words=["2"]))
    assert "travel_modes.0.words" in broken_event_file(tmp_path, lambda d: d["travel_modes"][0].update(words=["  !! "]))


@pytest.mark.parametrize("typed,day", [
    ("25/7", 25), ("25-7", 25), ("ngày 25", 25), ("ngay 25", 25), ("25", 25), ("thứ ba", 25), ("thu 3", 25),
    ("T3", 25), ("tuesday", 25), ("chiều 26", 26), ("chieu 26", 26), ("sáng thứ năm", 27), ("26/7 buổi tối", 26),
    ("28/07", 28), ("3", 27),  # a number in the menu's range is the menu's number
])
def test_arrival_days_as_people_write_them(conference, typed, day):
    days = conference.arrival_days()
    menu = [Choice(d.isoformat(), d.isoformat(), day_words(d)) for d in days]
    assert date.fromisoformat(match_choice(typed, menu).key).day == day


def test_fillers_are_dropped_only_when_the_whole_text_names_nothing():
    assert without_fillers("da co a") == "co"
    assert without_fillers("chieu 26") == "26"
    assert without_fillers("da") == ""
    menu = [Choice("da", "Đà Lạt"), Choice("other", "Khác")]
    assert match_choice("đà lạt", menu).key == "da"


@pytest.mark.parametrize("text", ["hội nghị ở đâu?", "hoi nghi o dau", "mấy giờ khai mạc", "khi nao bat dau",
                                  "bao giờ đón", "where is the hall", "What time is dinner", "wifi?",
                                  "có cần mang áo ấm không"])
def test_questions(text):
    assert is_question(text)


@pytest.mark.parametrize("text", ["Phó Chủ tịch UBND tỉnh", "Hội Nông dân tỉnh", "Nguyễn Văn An", "Chánh Văn phòng",
                                  "Văn phòng UBND tỉnh Gia Lai", "Ăn chay", "0905 123 456", "Phóng viên"])
def test_answers_are_not_questions(text):
    assert not is_question(text)


def _taken(step, text, clear=False):
    value = steps.fields.text_field(step, text) if step in steps.TEXT_STEPS else Refusal("choose")
    return steps.taken_as(step, text, value, lambda _: clear)


def test_what_a_text_typed_at_a_step_is_taken_as():
    assert _taken("position", "hội nghị ở đâu?") == steps.QUESTION
    assert _taken("organization", "khach san o dau") == steps.QUESTION
    assert _taken("position", "Phó Chủ tịch") == steps.ANSWER
    assert _taken("position", "Phóng viên", clear=True) == steps.DOUBT  # a position, and an FAQ topic
    assert _taken("full_name", "Khách Sạn Ở Đâu") == steps.DOUBT  # a question word, no question mark
    assert _taken("full_name", "khách sạn ở đâu?") == steps.QUESTION
    assert _taken("full_name", "Lãnh đạo", clear=True) == steps.ANSWER  # the FAQ does not judge names
    assert _taken("note", "có cần mang áo ấm không?") == steps.DOUBT  # a question may be the note
    assert _taken("note", "Ăn chay", clear=True) == steps.ANSWER
    assert _taken("travel_mode", "mấy giờ khai mạc") == steps.QUESTION  # no choice, and a question
    assert _taken("travel_mode", "khách sạn", clear=True) == steps.QUESTION
    assert _taken("travel_mode", "tau thuy") == steps.ANSWER  # no choice, no question: refused, asked again
    assert steps.taken_as("phone", "0905123456?", "+84905123456", lambda _: True) == steps.ANSWER  # it reads


def test_zalo_menus_number_one_list():
    from bot.i18n import build_i18n

    i18n = build_i18n("en")
    with i18n.context(), i18n.use_locale("en"):
        _zalo_menus_number_one_list()


def _zalo_menus_number_one_list():
    from bot.channels.zalo.text import menu_text, with_menu


    parts = InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text="☑️ Wed 26/7, 14:00 — Reception", callback_data="p:sessions:reception")],
        [InlineKeyboardButton(text="⬜ Fri 28/7, 08:00 — Conference", callback_data="p:sessions:conference")],
        [InlineKeyboardButton(text="✅ Done", callback_data="p:sessions:done")]])
    text = "Which parts?\n1. ☑️ Wed 26/7, 14:00 — Reception\n2. Fri 28/7, 08:00 — Conference"
    assert menu_text(parts, text) == "3. ✅ Done"  # numbered on, not the whole list again
    assert with_menu(text, parts) == text + "\n3. ✅ Done"  # right under the list it continues
    assert menu_text(parts, "Which parts?") == ("Reply with a number:\n1. ☑️ Wed 26/7, 14:00 — Reception\n"
                                                "2. ⬜ Fri 28/7, 08:00 — Conference\n3. ✅ Done")
    # a numbered text that is not the menu's options (the programme of a day) gets the whole menu
    assert menu_text(parts, "1. Opening\n2. Report").startswith("Reply with a number:\n1. ☑️")


def _message(text, at):
    return SimpleNamespace(text=text, date=__import__("datetime").datetime.fromtimestamp(at))


def test_a_double_send_is_told_from_an_answer_by_when_it_was_sent():
    began = 1_000_000.5
    stored = {TYPED_KEY: ["1", 10, began], "_menu": {"mid": 11, "buttons": []}}
    assert double_send(_message("1", began - 0.2), stored)  # sent before the first was answered
    assert not double_send(_message("1", began + 0.4), stored)  # after: an answer to the new menu
    assert not double_send(_message("2", began - 0.2), stored)  # another text
    assert not double_send(_message("1", began - 0.2), {**stored, "_menu": {"mid": 10}})  # same menu still there
    assert not double_send(_message("1", 1_000_000), stored)  # whole seconds (Telegram): the end of the second
    assert double_send(_message("1", 999_999), stored)
