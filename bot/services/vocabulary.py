"""The words people type for the answers every conversation shares: yes, no, done, skip, not known yet,
change, cancel; the words that make a text a question; the words around a choice that mean nothing
for it ("dạ … ạ", "đi …", "chiều …"); the ways of naming a day.

Vietnamese with and without diacritics and in chat spelling ("ko", "dc", "oke"), and English. Words
are compared folded (bot.text.fold: lower case, no diacritics, letters and digits), so "Đúng" and
"dung" are one word here. Event-specific choices (provinces, travel modes, …) declare their own words
in the event file (`words:`, see bot/event.py).
"""
from __future__ import annotations

import re
from datetime import date

from bot.text import fold

YES = ("có", "co", "ok", "oke", "okay", "okie", "được", "dc", "đc", "đúng", "đúng rồi", "vâng", "dạ", "ừ", "ừm",
       "uh", "um", "đồng ý", "xác nhận", "chắc chắn", "yes", "y", "yeah", "yep", "sure", "right", "correct",
       "agree", "confirm", "confirmed")
NO = ("không", "khong", "ko", "k", "kg", "khg", "hông", "hong", "hok", "không cần", "không, cảm ơn", "no", "n",
      "nope", "no thanks", "no thank you", "not needed")
DONE = ("xong", "rồi", "xong rồi", "đủ rồi", "đủ", "hết", "done", "finish", "finished", "that's all", "ok")
SKIP = ("bỏ qua", "không có", "không có gì", "không có gì thêm", "ko co", "ko co gi", "không", "ko", "k",
        "skip", "none", "nothing", "no", "nothing to add")
NOT_KNOWN = ("chưa biết", "chưa rõ", "chưa xác định", "không biết", "ko biet", "k biet", "chua bt", "chưa có",
             "not known", "not known yet", "unknown", "not yet", "don't know", "dont know", "no idea", "tbd")
CHANGE = ("sửa", "sửa lại", "chỉnh", "chỉnh sửa", "thay đổi", "đổi", "chưa đúng", "sai", "không đúng",
          "change", "edit", "fix", "wrong", "not right", "không", "ko", "k", "no")
CANCEL = ("hủy", "huỷ", "hủy bỏ", "thôi", "dừng lại", "cancel", "stop", "abort")  # not "dừng": folded, it is "đúng"
REGISTER_SELF = ("đăng ký", "đăng kí", "dk", "đk", "dky", "đăng ký mới", "đăng ký cho tôi", "đăng ký cho mình",
                 "register", "registration", "sign up", "register me")
REGISTER_OTHER = ("đăng ký hộ", "đăng ký cho đồng nghiệp", "đăng ký đại biểu", "đăng ký đại biểu khác",
                  "đăng ký cho người khác", "register a colleague", "register someone else", "register another")
MY_REGISTRATION = ("đăng ký của tôi", "xem đăng ký", "thông tin của tôi", "my registration", "my details")
AGENDA = ("lịch", "lịch trình", "lịch hội nghị", "chương trình", "agenda", "schedule", "programme", "program")
LANGUAGE = ("ngôn ngữ", "tiếng việt", "tiếng anh", "english", "vietnamese", "language")
HELP = ("hướng dẫn", "trợ giúp", "giúp", "help")
ANY_COLLEAGUE = ("ai cũng được", "ai cũng dc", "ai cũng đc", "ai cũng ok", "bất kỳ ai", "bất kì ai", "đoàn",
                 "cùng đoàn", "trong đoàn", "người cùng đoàn", "đồng nghiệp", "anyone", "anybody", "any colleague",
                 "a colleague", "colleague", "my delegation", "the delegation", "delegation")
ANSWER_WORDS = ("trả lời", "câu trả lời", "đây là câu trả lời", "là câu trả lời", "answer", "my answer")
QUESTION_WORDS = ("câu hỏi", "hỏi", "đây là câu hỏi", "là câu hỏi", "question", "a question")

# Words that change nothing about which choice is meant, dropped when the whole text names none:
# politeness ("dạ … ạ", "nhé"), "đi/về/đến/bằng/vào/lúc/ngày" before a choice ("về ngày 28"), and the part of a
# day ("chiều 26").
FILLERS = frozenset(fold(w) for w in (
    "dạ", "ạ", "à", "nhé", "nhe", "nha", "nhá", "ơi", "vậy", "thì", "là", "em", "tôi", "mình",
    "chọn", "số", "đi", "về", "đến", "tới", "bằng", "vào", "lúc", "ngày", "hôm", "buổi", "sáng", "trưa", "chiều",
    "tối", "đêm",
    "please", "pls", "thanks", "thank", "you", "the", "on", "by", "in", "at", "i", "choose", "pick", "option",
    "morning", "noon", "afternoon", "evening", "night", "day", "leave", "leaving", "arrive", "arriving",
))
PARTS_OF_DAY = frozenset(fold(w) for w in ("sáng", "trưa", "chiều", "tối", "đêm", "morning", "noon", "afternoon",
                                           "evening", "night"))

# What makes a typed text plainly a question rather than an answer: a question mark, or one of these
# words or phrases (folded, whole words): "ở đâu", "mấy giờ", "khi nào", "bao giờ", "where", "what time"…
_ASKING = tuple(fold(w) for w in (
    "ở đâu", "chỗ nào", "nơi nào", "đâu vậy", "mấy giờ", "khi nào", "lúc nào", "bao giờ", "bao lâu", "bao nhiêu",
    "thế nào", "như thế nào", "ra sao", "làm sao", "làm thế nào", "là gì", "cái gì", "gì không", "có không",
    "được không", "phải không", "không ạ", "hay không", "có cần", "có phải", "ai là", "cho hỏi", "xin hỏi", "muốn hỏi",
    "where", "when", "what time", "what", "how", "why", "which", "who is", "is there", "are there", "do i", "can i",
    "should i", "is it", "does",
))
_QUESTION_RE = re.compile(r"(?:^| )(?:" + "|".join(re.escape(w) for w in sorted(_ASKING, key=len,
                                                                                       reverse=True)) + r")(?: |$)")

_WEEKDAYS_VI = (("thứ hai", "thứ 2", "t2"), ("thứ ba", "thứ 3", "t3"), ("thứ tư", "thứ 4", "t4"),
                ("thứ năm", "thứ 5", "t5"), ("thứ sáu", "thứ 6", "t6"), ("thứ bảy", "thứ 7", "t7"),
                ("chủ nhật", "cn"))
_WEEKDAYS_EN = (("monday", "mon"), ("tuesday", "tue"), ("wednesday", "wed"), ("thursday", "thu"),
                ("friday", "fri"), ("saturday", "sat"), ("sunday", "sun"))


def is_question(text: str) -> bool:
    """A question mark, or a question word ("ở đâu", "mấy giờ", "khi nào", "where", "what time"…)."""
    return "?" in text or "？" in text or bool(_QUESTION_RE.search(fold(text)))


def day_words(d: date) -> tuple[str, ...]:
    """What people type for a day: "25/7", "25-7", "ngày 25" (and "25": ngày is a filler), "25th", "thứ ba", "t3",
    "tuesday"; with "chiều", "sáng"… around them understood too (FILLERS)."""
    ordinal = "th" if d.day in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(d.day % 10, "th")
    return (f"{d.day}/{d.month}", f"{d.day:02d}/{d.month:02d}", f"{d:%d/%m/%Y}", str(d.day), f"{d.day}{ordinal}",
            *_WEEKDAYS_VI[d.weekday()], *_WEEKDAYS_EN[d.weekday()])


def without_fillers(folded: str) -> str:
    """A folded text without the words that say nothing about the choice; '' if nothing else is left."""
    return " ".join(w for w in folded.split() if w not in FILLERS)
