"""Typed input: folding, choices by number or label, phone numbers, times, free-text limits."""
import pytest

from bot.services.choices import Choice, match_choice, match_many
from bot.services.fields import Refusal, arrival_time, text_field
from bot.services.phone import display_phone, normalize_phone
from bot.text import clean, fold

PROVINCES = [Choice("binh_dinh", "Bình Định"), Choice("lam_dong", "Lâm Đồng"), Choice("gia_lai", "Gia Lai"),
             Choice("khanh_hoa", "Khánh Hòa"), Choice("central", "Trung ương")]


def test_clean_repairs_pdf_fault_and_normalises():
    assert clean("Trung \u01b0\u01a1ng") == "Trung ương"
    assert clean("  Hoa\u0300  \x00 Binh ") == "Hoà Binh"  # NFC composed, control char gone, spaces collapsed


def test_fold_meets_tone_placement_and_case():
    assert fold("Khánh Hòa") == fold("KHÁNH HOÀ") == fold("khanh hoa") == "khanh hoa"
    assert fold("Đắk Lắk") == "dak lak"


@pytest.mark.parametrize("typed,key", [
    ("gia lai", "gia_lai"), ("Gia Lai", "gia_lai"), ("GIA LAI", "gia_lai"), ("3", "gia_lai"), ("3.", "gia_lai"),
    ("số 3", "gia_lai"), ("khanh hoà", "khanh_hoa"), ("trung uong", "central"), ("Lâm Đồng", "lam_dong"),
    ("binh", "binh_dinh"),
])
def test_match_choice_by_number_or_label(typed, key):
    assert match_choice(typed, PROVINCES).key == key


@pytest.mark.parametrize("typed", ["0", "6", "99", "ha noi", "", "a"])
def test_match_choice_refuses_unknown(typed):
    assert match_choice(typed, PROVINCES) is None


def test_strict_match_needs_whole_label():
    assert match_choice("binh", PROVINCES, loose=False) is None
    assert match_choice("binh dinh", PROVINCES, loose=False).key == "binh_dinh"


def test_match_many():
    assert [c.key for c in match_many("1, 3", PROVINCES)] == ["binh_dinh", "gia_lai"]
    assert [c.key for c in match_many("1 3 3", PROVINCES)] == ["binh_dinh", "gia_lai"]
    assert len(match_many("tất cả", PROVINCES)) == 5
    assert len(match_many("all", PROVINCES)) == 5
    assert [c.key for c in match_many("gia lai, lam dong", PROVINCES)] == ["gia_lai", "lam_dong"]
    assert match_many("1, 9", PROVINCES) is None
    assert match_many("hello", PROVINCES) is None


@pytest.mark.parametrize("typed,e164", [
    ("0905 123 456", "+84905123456"), ("0905.123.456", "+84905123456"), ("+84 905 123 456", "+84905123456"),
    ("84905123456", "+84905123456"), ("905123456", "+84905123456"), ("(+84) 91-234-5678", "+84912345678"),
    ("0084905123456", "+84905123456"), ("+84 0905123456", "+84905123456"), ("+14155552671", "+14155552671"),
])
def test_phone_normalised(typed, e164):
    assert normalize_phone(typed) == e164


@pytest.mark.parametrize("typed", ["0123456", "0205123456", "090512345", "09051234567", "abc", "", "+84 12"])
def test_wrong_phone_refused(typed):
    assert normalize_phone(typed) is None


def test_display_phone():
    assert display_phone("+84905123456") == "0905 123 456"


@pytest.mark.parametrize("typed,hhmm", [
    ("14:30", "14:30"), ("14h30", "14:30"), ("14h", "14:00"), ("1430", "14:30"), ("2pm", "14:00"),
    ("9 sáng", "09:00"), ("7 tối", "19:00"), ("14 giờ 30", "14:30"), ("08.15", "08:15"),
])
def test_arrival_time(typed, hhmm):
    assert arrival_time(typed).strftime("%H:%M") == hhmm


@pytest.mark.parametrize("typed", ["25:00", "14:75", "abc", "", "tomorrow"])
def test_bad_arrival_time(typed):
    assert isinstance(arrival_time(typed), Refusal)


def test_text_fields():
    assert text_field("full_name", "  Lê <Văn> & Co ") == "Lê <Văn> & Co"
    assert text_field("full_name", "Nguyễn 😀").reason == "emoji"
    assert text_field("full_name", "Nguyen Van 2").reason == "digits"
    assert text_field("full_name", "x").reason == "too_short"
    too_long = text_field("full_name", "a" * 81)
    assert too_long.reason == "too_long" and too_long.numbers == {"limit": 80, "length": 81}
    assert text_field("position", "!!!").reason == "no_letters"
    assert text_field("note", "😀 ăn chay") == "😀 ăn chay"
    assert text_field("note", "x" * 501).reason == "too_long"
