"""Venue questions: the FAQ file, cleaning of typed questions, matching, and the decision."""
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.event import EventFileError, Text
from bot.services import faq as faq_module
from bot.services.faq import (SOURCES, Answer, Choices, Entry, Faq, Match, Unknown, decide, faq_path,
                              load_faq)
from bot.services.faq_index import words
from bot.text import canonical, clean, expand, fold

ROOT = Path(__file__).resolve().parent.parent
EVENT = ROOT / "events" / "dalat-2023.yaml"


def _questions(name: str) -> list[dict]:
    """A set of labelled questions; `expected` as a tuple of the entries that carry the fact (empty: off-topic)."""
    questions = yaml.safe_load((ROOT / "tests" / "data" / name).read_text(encoding="utf-8"))["questions"]
    for q in questions:
        e = q["expected"]
        q["expected"] = () if e is None else (e,) if isinstance(e, str) else tuple(e)
    return questions


QUESTIONS = _questions("faq_questions.yaml")
LABELLED = [q for q in QUESTIONS if q["expected"]]
OFF_TOPIC = [q for q in QUESTIONS if not q["expected"]]


@pytest.fixture(scope="module")
def faq() -> Faq:
    return load_faq(faq_path(EVENT))


# --- the file ---------------------------------------------------------------------------------

def test_faq_path_sits_next_to_the_event_file():
    assert faq_path("events/dalat-2023.yaml") == Path("events/dalat-2023.faq.yaml")
    assert faq_path(EVENT).exists()


def test_faq_file_loads_and_every_entry_can_answer(faq):
    assert len(faq) >= 25
    for entry in faq.entries:
        assert entry.source in SOURCES or (entry.answer and entry.answer.vi and entry.answer.en), entry.id
        assert entry.title.vi and entry.title.en and len(entry.phrasings) >= 3, entry.id
        if entry.answer:
            assert "<" not in entry.answer.vi + entry.answer.en, f"{entry.id}: plain text, no HTML"


def test_faq_covers_the_issue(faq):
    ids = {e.id for e in faq.entries}
    assert {"venue", "schedule", "programme", "reception", "my_qr", "my_registration", "registration_count",
            "lodging", "meals", "getting_there", "transport", "weather", "dress_code", "documents",
            "six_month_report", "awards", "participants", "field_visit", "press", "wifi", "parking",
            "contacts", "emergency", "timezone"} <= ids
    assert {e.source for e in faq.entries} >= set(SOURCES)
    assert faq.entry("registration_count").restricted == "organizer"
    assert [e.id for e in faq.entries if e.restricted] == ["registration_count"]


def test_facts_from_the_plan(faq):
    def answer(entry_id):
        return faq.entry(entry_id).answer
    assert all(n in answer("emergency").vi for n in ("113", "114", "115"))
    assert "Bình Định" in answer("six_month_report").vi and "Thường trực" in answer("six_month_report").vi
    assert "Bình Định" in answer("documents").vi  # the cluster head prints them (plan III.1.a)
    assert "Lâm Đồng" in answer("lodging").vi  # the host arranges lodging (plan III.2.b)
    assert "Liên Khương" in answer("getting_there").vi and "30 km" in answer("getting_there").vi
    assert "trang trọng" in answer("dress_code").vi
    assert "UTC+7" in answer("timezone").en
    for entry_id in ("wifi", "parking", "contacts"):  # not in the plan: placeholders for the host
        assert "Ban Tổ chức sẽ cập nhật" in answer(entry_id).vi and "to be announced" in answer(entry_id).en


def test_missing_faq_file_is_an_empty_faq(tmp_path):
    faq = load_faq(tmp_path / "nothing.faq.yaml")
    assert len(faq) == 0
    assert faq.search("khách sạn ở đâu") == []
    assert decide(faq.search("khách sạn ở đâu")) == Unknown()


def test_broken_faq_names_the_entry_and_field(tmp_path):
    path = tmp_path / "x.faq.yaml"
    path.write_text("""
entries:
  - id: hotel
    title: {vi: Khách sạn, en: Hotel}
    phrasings: [khach san o dau]
    answer: {vi: Ở Đà Lạt}
  - id: wifi
    title: {vi: Wi-Fi, en: Wi-Fi}
    phrasings: [wifi]
""", encoding="utf-8")
    with pytest.raises(EventFileError) as error:
        load_faq(path)
    message = str(error.value)
    assert "entries.0 (id hotel).answer.en" in message
    assert "entries.1 (id wifi)" in message and "needs an answer" in message


@pytest.mark.parametrize("text,complaint", [
    ("entries: [{id: a, title: {vi: A, en: A}, phrasings: [x], source: weather}]", "entries.0 (id a).source"),
    ("entries: [{id: a, title: {vi: A, en: A}, phrasings: [x], answer: {vi: A, en: A}, restricted: staff}]",
     "entries.0 (id a).restricted"),
    ("entries: [{id: a, title: {vi: A, en: A}, phrasings: [x], answer: {vi: A, en: A}},"
     " {id: a, title: {vi: B, en: B}, phrasings: [y], answer: {vi: B, en: B}}]", "appears twice"),
    ("entries: [{id: a, title: {vi: A, en: A}, phrasings: [], answer: {vi: A, en: A}}]", "entries.0 (id a).phrasings"),
    ("entries: [{id: a, title: {vi: A, en: A}, phrasings: [x], answer: {vi: A, en: A}, answr: 1}]", "answr"),
    ("entries: [{id: a b}", "not valid YAML"),
])
def test_faq_errors(tmp_path, text, complaint):
    path = tmp_path / "x.faq.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(EventFileError, match="FAQ file") as error:
        load_faq(path)
    assert complaint in str(error.value)


# --- cleaning ---------------------------------------------------------------------------------

def test_pdf_fault_repaired():
    assert clean("Thƣờng trực Trung ƣơng") == "Thường trực Trung ương"
    assert canonical("THƢỜNG") == "THƯỜNG"


@pytest.mark.parametrize("new,old", [("hoà", "hòa"), ("thuỷ", "thủy"), ("khoẻ", "khỏe"), ("Khánh Hoà", "Khánh Hòa"),
                                     ("HOÀ", "HÒA"), ("hoa\u0300", "hòa")])
def test_tone_placement_normalised(new, old):
    assert canonical(new) == canonical(old) == old


@pytest.mark.parametrize("word", ["quý", "hoàn", "khuyến", "thuyền", "quả", "hoa", "Đà Lạt"])
def test_tone_placement_leaves_other_syllables(word):
    assert canonical(word) == word


def test_fold():
    assert fold("Đắk Lắk, ĐÀ LẠT!") == "dak lak da lat"
    assert fold("hoà") == fold("hòa") == "hoa"


@pytest.mark.parametrize("typed,expanded", [
    ("ks o dau", "khach san o dau"), ("sb lien khuong", "san bay lien khuong"), ("co ao am ko", "co ao am khong"),
    ("đc k", "duoc khong"), ("mac j", "mac gi"), ("bn nguoi dk", "bao nhieu nguoi dang ky"),
    ("tg hn", "thoi gian hoi nghi"), ("di ntn", "di nhu the nao"), ("khai mạc 8h", "khai mac 8 gio"),
    ("pass wi-fi", "pass wifi"), ("check-in", "checkin"), ("xe ô tô", "xe oto"), ("ở tổ chức", "o to chuc"),
])
def test_abbreviations_expanded(typed, expanded):
    assert " ".join(expand(fold(typed))) == expanded


def test_question_words():
    """Politeness goes, the ways of asking when/where meet across spellings and languages."""
    assert words("cho em hỏi hội nghị ở đâu ạ") == words("cho hoi hoi nghi o dau") == ["hoinghi", "?where"]
    assert words("cho hoi nghi o dau") == ["cho", "hoinghi", "?where"]  # chỗ hội nghị: kept
    assert words("mấy giờ khai mạc") == words("mấy h khai mạc") == ["?when", "khai", "mac"]
    assert words("khai mac luc nao") == ["khai", "mac", "?when"]
    assert words("what time does it open") == words("when is the opening") == ["?when", "open"]
    assert words("What's on the programme for the 28th?") == ["program", "28"]
    assert words("co can mang ao am ko") == ["co", "can", "mang", "ao", "am"]  # cần, ấm: not English here
    assert words("Can I bring a jacket?") == ["bring", "jacket"]


def test_a_word_typed_with_other_diacritics_is_another_word(faq):
    known = faq._spellings
    assert "pho" in words("thành phố", known)
    assert words("phở bò", known)[0] == "pho~"  # phở is not phố
    assert words("pho bo", known)[0] == "pho"  # typed without diacritics, it may be either


# --- matching ---------------------------------------------------------------------------------

def test_labelled_questions_are_not_copies_of_faq_phrasings(faq):
    phrasings = {fold(p) for e in faq.entries for p in (*e.phrasings, e.title.vi, e.title.en)}
    copies = [q["text"] for q in QUESTIONS if fold(q["text"]) in phrasings]
    assert copies == []


def test_labelled_set_shape(faq):
    ids = {e.id for e in faq.entries}
    per_entry = Counter(e for q in LABELLED for e in q["expected"])
    assert len(LABELLED) >= 130 and len(OFF_TOPIC) >= 15
    assert set(per_entry) == ids and min(per_entry.values()) >= 3
    groups = Counter(q["group"] for q in LABELLED)
    assert set(groups) == {"diacritics", "plain", "english", "abbrev"}
    assert groups["diacritics"] >= len(LABELLED) / 4 and groups["plain"] >= len(LABELLED) / 4
    assert groups["english"] >= len(LABELLED) / 8 and groups["abbrev"] >= len(LABELLED) / 8


def test_top1_accuracy_on_labelled_questions(faq):
    """By words alone (the meaning model, which does better, is measured in bench/faq.py): the
    tuning set grew with the kinds of question a fresh set missed, so the floor is 0.90."""
    right, total, wrong = Counter(), Counter(), []
    for q in LABELLED:
        matches = faq.search(q["text"], organizer=True)
        total[q["group"]] += 1
        if matches and matches[0].entry.id in q["expected"]:
            right[q["group"]] += 1
        else:
            wrong.append((q["text"], q["expected"], [m.entry.id for m in matches]))
    overall = sum(right.values()) / sum(total.values())
    per_group = {g: right[g] / total[g] for g in total}
    assert overall >= 0.90, (overall, wrong)
    assert min(per_group.values()) >= 0.87, (per_group, wrong)


def test_held_out_floor_by_words_alone(faq):
    """The third held-out set (never tuned on) by words alone, a floor under what bench.faq measured
    (top-1 0.926, every group at least 0.844, no wrong answer; with the meaning model 0.944): a
    change that loses questions never seen fails here, not only in the benchmark."""
    third = [q for q in _questions("faq_heldout_third.yaml") if q["expected"]]
    right, total, wrong = Counter(), Counter(), 0
    for q in third:
        matches = faq.search(q["text"], organizer=True)
        total[q["group"]] += 1
        right[q["group"]] += bool(matches) and matches[0].entry.id in q["expected"]
        decision = decide(matches)
        wrong += isinstance(decision, Answer) and decision.entry.id not in q["expected"]
    assert sum(right.values()) / len(third) >= 0.90
    assert min(right[g] / total[g] for g in total) >= 0.82
    assert wrong <= 0.02 * len(third)


def test_wrong_answers_are_rare(faq):
    """When unsure the bot offers choices: at most 2 % of the labelled questions get a wrong answer."""
    wrong = [q["text"] for q in LABELLED if isinstance(d := decide(faq.search(q["text"], organizer=True)), Answer)
             and d.entry.id not in q["expected"]]
    assert len(wrong) <= 0.02 * len(LABELLED), wrong


def test_held_out_sets_are_kept_apart(faq):
    """The held-out questions measure the matcher on questions it was not tuned on: none of them is
    a phrasing of the FAQ or a question of the tuning set."""
    ids = {e.id for e in faq.entries}
    phrasings = {fold(p) for e in faq.entries for p in (*e.phrasings, e.title.vi, e.title.en)}
    tuning = {fold(q["text"]) for q in QUESTIONS}
    heldout = _questions("faq_heldout.yaml")
    final = _questions("faq_heldout_final.yaml")
    fresh = _questions("faq_heldout_fresh.yaml")
    third = _questions("faq_heldout_third.yaml")
    english = _questions("faq_english.yaml")  # tuning data: second-language English
    for questions in (heldout, final, fresh, third, english):
        assert [q["text"] for q in questions if fold(q["text"]) in phrasings | tuning] == []
        assert all(set(q["expected"]) <= ids for q in questions)
    assert not {fold(q["text"]) for q in heldout} & {fold(q["text"]) for q in final}
    assert not {fold(q["text"]) for q in fresh} & {fold(q["text"]) for q in heldout + final}
    assert not {fold(q["text"]) for q in third} & {fold(q["text"]) for q in heldout + final + fresh + english}
    labelled = [q for q in third if q["expected"]]
    assert len(labelled) >= 150 and len(third) - len(labelled) >= 15
    assert all(Counter(q["group"] for q in labelled)[g] >= 30 for g in ("diacritics", "plain", "english", "abbrev"))
    labelled = [q for q in fresh if q["expected"]]
    assert len(labelled) >= 120 and len(fresh) - len(labelled) >= 15
    assert all(Counter(q["group"] for q in labelled)[g] >= 30 for g in ("diacritics", "plain", "english", "abbrev"))
    labelled = [q for q in heldout if q["expected"]]
    assert len(labelled) >= 150 and len(heldout) - len(labelled) >= 20
    assert all(Counter(q["group"] for q in labelled)[g] >= 35 for g in ("diacritics", "plain", "english", "abbrev"))


def test_off_topic_questions_are_unknown(faq):
    missed = [q["text"] for q in OFF_TOPIC if not isinstance(decide(faq.search(q["text"])), Unknown)]
    assert len(missed) <= len(OFF_TOPIC) / 10, missed


@pytest.mark.parametrize("text,entry_id", [
    ("khach san o dau", "lodging"), ("mấy giờ khai mạc", "schedule"), ("co can mang ao am ko", "weather"),
    ("where do I pick up my badge", "reception"), ("ks ở đâu", "lodging"), ("wifi", "wifi"),
])
def test_issue_examples_answered(faq, text, entry_id):
    assert decide(faq.search(text)) == Answer(faq.entry(entry_id))


@pytest.mark.parametrize("text,entry_id", [
    # short English ones used to fall under the threshold and go to a person
    ("I lose my QR", "my_qr"), ("should I bring a coat", "weather"), ("hospital near?", "emergency"),
    # words run together or mistyped
    ("khachsan o dau", "lodging"), ("wf pass", "wifi"),
    # the time zone, not the shuttle's or the hotel's times
    ("what time zone is Vietnam", "timezone"),
])
def test_ordinary_questions_answered(faq, text, entry_id):
    assert decide(faq.search(text)) == Answer(faq.entry(entry_id))


@pytest.mark.parametrize("text", ["giá vàng hôm nay", "bitcoin price", "who won the football", "lãi suất ngân hàng"])
def test_off_topic_goes_to_a_person(faq, text):
    assert decide(faq.search(text)) == Unknown()


def test_words_run_together_or_mistyped_are_repaired(faq):
    known, vocabulary = faq._spellings, faq._vocabulary
    assert words("khachsan o dau", known, vocabulary) == words("khach san o dau", known, vocabulary)
    assert words("hoitruong", known, vocabulary) == words("hoi truong", known, vocabulary)
    assert words("gui dinh vi hoi truog", known, vocabulary)[-2:] == ["hoi", "truong"]
    assert "vang" in words("gia vang", known, vocabulary)  # a real syllable the FAQ lacks stays itself
    assert words("Can I use this bot in English?", known, vocabulary) == ["use", "english"]  # not "thi"


def test_time_zone_is_not_a_question_of_time():
    assert words("what time zone is Vietnam in") == ["timezon", "vietnam"]
    assert words("what time does it open")[0] == "?when"


def test_restricted_entries_only_for_organizers(faq):
    question = "đã có bao nhiêu người đăng ký"
    assert faq.search(question, organizer=True)[0].entry.id == "registration_count"
    assert all(m.entry.id != "registration_count" for m in faq.search(question))


def test_search_returns_k_best_first(faq):
    matches = faq.search("khách sạn", k=2)
    assert len(matches) == 2 and matches[0].score >= matches[1].score
    assert all(0 < m.score <= 1 for m in matches)
    assert faq.search("ạ ok") == []  # nothing to look for


# --- the decision -----------------------------------------------------------------------------

def _entry(entry_id: str) -> Entry:
    return Entry(id=entry_id, title=Text(vi=entry_id, en=entry_id), phrasings=(entry_id,),
                 answer=Text(vi=entry_id, en=entry_id))


A, B, C, D = (_entry(x) for x in "abcd")
RULE = faq_module.LEXICAL
HIGH = RULE.answer + 0.3  # a clear match
NEAR = HIGH - RULE.margin / 2  # too close to it to tell them apart
WEAK = RULE.unknown + 0.02  # something fits, not well
NONE = RULE.unknown - 0.02  # nothing fits


def test_decide_clear():
    assert decide([Match(A, HIGH), Match(B, WEAK)]) == Answer(A)
    assert decide([Match(A, HIGH)]) == Answer(A)


def test_decide_ambiguous_offers_the_top_three():
    assert decide([Match(A, HIGH), Match(B, NEAR), Match(C, WEAK), Match(D, WEAK)]) == Choices((A, B, C))
    assert decide([Match(A, HIGH), Match(B, NEAR), Match(C, NONE)]) == Choices((A, B))  # C does not fit


def test_decide_clearly_ahead_is_answered():
    """Ahead by a margin, or far ahead of a second that scores little: answered, not offered."""
    assert decide([Match(A, RULE.answer + 0.1), Match(B, RULE.answer * RULE.second / 2)]) == Answer(A)
    best, lead = RULE.answer + 0.05, RULE.margin - 0.01  # less than the margin, far ahead in proportion
    assert best - lead <= RULE.second * best
    assert decide([Match(A, best), Match(B, best - lead)]) == Answer(A)
    assert isinstance(decide([Match(A, 0.9), Match(B, 0.9 - RULE.margin / 2)]), Choices)


def test_decide_witnessed_matches_use_their_own_rule():
    """A score moved by the meaning model is read with the thresholds set for it."""
    score = (faq_module.LEXICAL.unknown + faq_module.WITNESSED.unknown) / 2
    assert faq_module.LEXICAL.unknown != faq_module.WITNESSED.unknown
    lexical, witnessed = decide([Match(A, score)]), decide([Match(A, score, witnessed=True)])
    assert {type(lexical), type(witnessed)} == {Unknown, Choices} or {type(lexical), type(witnessed)} == {Unknown, Answer}


def test_decide_weak_best_is_offered_not_answered():
    assert decide([Match(A, WEAK), Match(B, NONE)]) == Choices((A,))


def test_decide_nothing_fits():
    assert decide([]) == Unknown()
    assert decide([Match(A, NONE), Match(B, NONE - 0.1)]) == Unknown()


def test_decide_the_meaning_alone_offers_only_a_close_phrasing():
    """An entry the words would not offer, lifted by the meaning model: answered only when the
    question is close to one of its phrasings, else to a person ("a hotel in Phú Quốc" is not ours)."""
    weak_words, lifted = faq_module.LEXICAL.unknown - 0.1, faq_module.WITNESSED.answer + 0.2
    near, far = faq_module.MEANING_ALONE + 0.01, faq_module.MEANING_ALONE - 0.01
    assert decide([Match(A, lifted, witnessed=True, words=weak_words, cosine=near, closest=True)]) == Answer(A)
    assert decide([Match(A, lifted, witnessed=True, words=weak_words, cosine=far, closest=True)]) == Unknown()
    # what the words offered already, the model may settle however near
    assert decide([Match(A, lifted, witnessed=True, words=HIGH, cosine=far, closest=True)]) == Answer(A)


def test_decide_answers_an_entry_both_witnesses_put_far_ahead():
    """Under WITNESSED.answer, an entry far ahead of the next that the model finds the closest too
    is answered ("which hotel will we stay"); not when the lead is short or the model prefers
    another; English questions (fewer English phrasings) have a lower bar than Vietnamese ones."""
    clear, english = faq_module.CLEAR, faq_module.CLEAR_ENGLISH
    assert english.lowest < clear.lowest and english.cosine < clear.cosine
    best = clear.lowest + 0.02
    assert best < faq_module.WITNESSED.answer
    ahead = [Match(A, best, witnessed=True, words=HIGH, cosine=clear.cosine, closest=True),
             Match(B, best - clear.lead - 0.01, witnessed=True, words=WEAK, cosine=0.85)]
    assert decide(ahead) == Answer(A)
    near = [ahead[0], Match(B, best - clear.lead + 0.02, witnessed=True, words=WEAK, cosine=0.85)]
    assert decide(near) == Unknown()
    assert decide([Match(A, best, witnessed=True, words=HIGH, cosine=clear.cosine, closest=False), ahead[1]]) != Answer(A)
    low = english.lowest + 0.02  # under the Vietnamese bar: answered in English only
    asked = [Match(A, low, witnessed=True, words=WEAK, cosine=english.cosine, closest=True, english=is_english)
             for is_english in (True, False)]
    assert decide([asked[0]]) == Answer(A)
    assert decide([asked[1]]) == Unknown()


def test_decide_witnesses_that_disagree_offer_choices():
    """Witnessed, the best is answered only when the model alone finds it the closest too: the
    words outvoting the meaning ("ăn sáng ở khách sạn hay ở đâu" is about meals, its words about
    the hotel) is not a sure answer."""
    best, other = faq_module.WITNESSED.answer + 0.5, faq_module.WITNESSED.answer
    agreed = [Match(A, best, witnessed=True, words=HIGH, cosine=0.9, closest=True),
              Match(B, other, witnessed=True, words=WEAK, cosine=0.89)]
    assert decide(agreed) == Answer(A)
    outvoted = [Match(A, best, witnessed=True, words=HIGH, cosine=0.9),
                Match(B, other, witnessed=True, words=WEAK, cosine=0.91, closest=True)]
    assert decide(outvoted) == Choices((A, B))


def test_an_answers_words_alone_do_not_answer(faq):
    """"buôn" and "qua" are in the answer of getting there (Buôn Ma Thuột, qua đèo) and nothing
    else of the question is: an answer's words add to a phrasing's, they do not stand for one."""
    assert decide(faq.search("em buon qua", meaning=False)) == Unknown()

