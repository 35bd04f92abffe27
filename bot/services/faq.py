"""Venue questions: the FAQ file of an event, and which entry answers a typed question.

`events/X.faq.yaml` sits next to `events/X.yaml`; organizers edit it without code. Each entry has
phrasings (how delegates ask), a short title (for "did you mean" buttons) and an answer in both
languages, or a `source`: the name of live data the handler shows instead (the agenda, the
delegate's own record, ...), with the answer as a fallback.

Matching is lexical (see faq_index): every phrasing is a BM25 document, and an entry scores as
its best phrasing, divided by what a phrasing identical to the question would get, so it reads as
"how much of the question this entry covers" (0–1) whatever the FAQ's size; its answer's words
add a little. `decide` turns the ranked matches into an answer, a choice of up to three, or
"unknown" (the handler then offers to pass the question to the organizers).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.event import EventFileError, Text, describe
from bot.services.faq_index import UNSEEN, UNSEEN_ENGLISH, Bm25, Vocabulary, read, spellings, terms
from bot.services.faq_meaning import Diacritics, Meaning

# Live data an entry can name instead of a static answer; the handler renders them.
Source = Literal["venue", "schedule", "programme", "my_registration", "registration_count", "my_qr"]
SOURCES: tuple[str, ...] = get_args(Source)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Entry(_Model):
    id: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    title: Text
    phrasings: tuple[str, ...] = Field(min_length=1)
    answer: Text | None = None
    source: Source | None = None
    restricted: Literal["organizer"] | None = None

    @model_validator(mode="after")
    def _answerable(self) -> Entry:
        if self.answer is None and self.source is None:
            raise ValueError("needs an answer (vi and en) or a source")
        if any(not p.strip() for p in self.phrasings):
            raise ValueError("phrasings: an empty phrasing")
        return self


class FaqFile(_Model):
    entries: tuple[Entry, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> FaqFile:
        seen: set[str] = set()
        for entry in self.entries:
            if entry.id in seen:
                raise ValueError(f"entry id {entry.id!r} appears twice")
            seen.add(entry.id)
        return self


@dataclass(frozen=True)
class Match:
    entry: Entry
    # BM25 alone: 0–1, how much of the question (weighted by rarity) the entry covers. Witnessed:
    # that plus MEANING_WEIGHT times how far the meaning model's cosine is above MEANING_FLOOR.
    score: float
    witnessed: bool = False
    # Witnessed: the entry's score by its words alone, and the model's cosine for it.
    words: float | None = None
    cosine: float | None = None
    # Witnessed: the model, alone, finds this entry the closest too.
    closest: bool = False
    # The question is English (see faq_index.read): the FAQ has fewer English words, so its
    # English questions score lower by their words (see CLEAR).
    english: bool = False


@dataclass(frozen=True)
class Answer:
    entry: Entry


@dataclass(frozen=True)
class Choices:
    entries: tuple[Entry, ...]  # one to three, best first


@dataclass(frozen=True)
class Unknown:
    pass


# How much an entry's answer adds to its best phrasing (see Faq.search).
ANSWER_WEIGHT = 0.4
PHRASING_SHARE_FLOOR = 0.5
MAX_QUESTION = 500  # characters looked at: a question, not a pasted document
# The meaning model's cosine (see faq_meaning) for the closest phrasing of an unrelated entry is
# about MEANING_FLOOR (e5's cosines crowd between 0.8 and 1); each point above it weighs
# MEANING_WEIGHT times a point of BM25 coverage, and each point below takes away as much.
MEANING_WEIGHT, MEANING_FLOOR = 5.0, 0.87
# Below this BM25 score nothing in the FAQ is near: the meaning model is not asked (it would find
# the closest entry of any question, however unrelated). On the tuning questions the model never
# rescued one whose words scored below 0.27; below, it only cost time (10–60 ms of CPU).
MEANING_FROM = 0.15
# e5 reads English better than Vietnamese typed any way, and the FAQ has fewer English phrasings
# for BM25 to meet: in an English question the model's word weighs more (set on the tuning data,
# tests/data/faq_english.yaml among it: answered right 0.90 → 0.91, wrong answers and off-topic
# unchanged; 7 gave a wrong answer). Asking the model under MEANING_FROM too lets an off-topic one
# through, so English keeps the same floor.
MEANING_WEIGHT_ENGLISH, MEANING_FROM_ENGLISH = 6.0, 0.15
# An entry the words alone would not offer (below LEXICAL.unknown) is offered on the model's word
# only when its cosine says the question is close to one of its phrasings: "đặt phòng khách sạn ở
# Phú Quốc" is about hotels in general (0.91), "Which hotel are we staying at?" about ours (0.93).
MEANING_ALONE = 0.92
# The words alone answer a question they cover this little only if the model agrees: "em buon qua"
# shares "buon" with "Buôn Ma Thuột" and nothing else, which is half a question at most.
MEANING_CHECK = 0.5


@dataclass(frozen=True)
class Rule:
    """Thresholds of `decide`, set on tests/data/faq_questions.yaml (bench/faq.py prints what each
    outcome gets, on it and on the held-out questions).

    unknown: below this the bot does not guess. Off-topic questions share a word or two with the
      FAQ by chance ("Việt Nam", "tiếng", "phố"); they go to a person.
    answer, margin, second: the best entry is answered when it scores at least `answer` and is
      clearly ahead: it leads the second by `margin`, or the second scores at most `second` times
      as much. Two entries close together ("mấy giờ đón tiếp" is reception or schedule) are
      offered as choices, and the delegate picks: never a guess between neighbours. Witnessed,
      the best is answered only if the model alone finds it the closest too: when the words
      outvote the meaning, the two witnesses disagree, and the delegate picks.
    """
    unknown: float
    answer: float
    margin: float
    second: float

    def ahead(self, best: float, second: float) -> bool:
        return best >= self.answer and (best - second >= self.margin or second <= self.second * best)


# Words alone: real questions carry words no phrasing has ("đoàn mình", "năm nay"), so a question
# need not be covered whole; off-topic ones share a word or two with the FAQ by chance.
LEXICAL = Rule(unknown=0.4, answer=0.4, margin=0.25, second=0.6)
# Words and meaning: the meaning model pulls an off-topic question down and a real one up.
WITNESSED = Rule(unknown=0.65, answer=0.65, margin=0.2, second=0.6)


@dataclass(frozen=True)
class Clear:
    """When both witnesses agree on an entry far ahead of the next, it is answered under
    WITNESSED.answer: "which hotel will we stay" (lodging 0.63, the next 0.09), "shuttel bus time".
    The best scores at least `lowest`, leads the second by `lead`, is the model's closest too, and
    the model's cosine for it is at least `cosine`. English questions score lower by their words
    (the FAQ's English phrasings are fewer), so they have their own, lower bar. Set on
    tests/data/faq_questions.yaml and the older held-out sets (bench.faq): off-topic questions
    close to an entry ("Đà Lạt có đặc sản gì", getting there) reach 0.6 with leads of 0.2 and
    cosines of 0.90–0.92, hence the Vietnamese bar. A Vietnamese question the words alone would not
    offer still needs the model to be sure (MEANING_ALONE) first."""
    lowest: float
    lead: float
    cosine: float

    def met(self, best: Match, second: float) -> bool:
        return (best.witnessed and best.closest and best.score >= self.lowest
                and best.score - second >= self.lead and (best.cosine or 0.0) >= self.cosine)


CLEAR, CLEAR_ENGLISH = Clear(lowest=0.5, lead=0.3, cosine=0.91), Clear(lowest=0.2, lead=0.2, cosine=0.85)


def decide(matches: list[Match]) -> Answer | Choices | Unknown:
    """Answer when the best match is clear, offer the top three when it is not, else Unknown."""
    if not matches:
        return Unknown()
    rule = WITNESSED if matches[0].witnessed else LEXICAL
    best = matches[0]
    second = matches[1].score if len(matches) > 1 else 0.0
    if _meaning_alone(best) and not best.english:
        return Unknown()
    if (CLEAR_ENGLISH if best.english else CLEAR).met(best, second):
        return Answer(best.entry)
    if best.score < rule.unknown or _meaning_alone(best):
        return Unknown()
    if rule.ahead(best.score, second) and (not best.witnessed or best.closest):
        return Answer(best.entry)
    return Choices(tuple(m.entry for m in matches[:3] if m.score >= rule.unknown))


def _meaning_alone(match: Match) -> bool:
    """The words alone would hand this question to a person, and the model is not sure enough."""
    return (match.words is not None and match.cosine is not None
            and match.words < LEXICAL.unknown and match.cosine < MEANING_ALONE)


class Faq:
    """The entries of one event and their index, built once at start; `meaning` (the second
    witness) starts loading only when asked to (`meaning.start()`, at the bot's start)."""

    def __init__(self, entries: tuple[Entry, ...] = ()) -> None:
        self.entries = entries
        self._by_id = {e.id: e for e in entries}
        self._owner: list[Entry] = []  # the entry of each phrasing
        phrasings = []
        for entry in entries:
            for text in (entry.title.vi, entry.title.en, *entry.phrasings):
                phrasings.append(terms(text))
                self._owner.append(entry)
        self._phrasings = Bm25(phrasings)
        # what each phrasing scores for itself: a match that covers little of it counts less
        self._own = [self._phrasings.scores(p).get(i) or 1.0 for i, p in enumerate(phrasings)]
        self._answered = [e for e in entries if e.answer]
        self._answers = Bm25([terms(e.answer.vi + " " + e.answer.en) for e in self._answered])
        written = [t for e in entries for t in (e.title.vi, *e.phrasings, *((e.answer.vi,) if e.answer else ()))]
        english = [t for e in entries for t in (e.title.en, *((e.answer.en,) if e.answer else ()))]
        self._spellings = spellings(written)
        self._vocabulary = Vocabulary.of([*written, *english])
        self.meaning = Meaning([(e.id, t) for e in entries for t in (e.title.vi, e.title.en, *e.phrasings)],
                               Diacritics(written), self._vocabulary, self._spellings,
                               [(e.id, t) for e in self._answered for t in (e.answer.vi, e.answer.en)])

    def __len__(self) -> int:
        return len(self.entries)

    def entry(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def _lexical(self, text: str) -> tuple[dict[str, float], bool]:
        """Whether the question is English, and entry id → its best phrasing's share of the question, plus ANSWER_WEIGHT times its
        answer's: the answer's words ("áo khoác", "Sở Nội vụ") are a weaker witness."""
        question = read(text, self._spellings, self._vocabulary)
        query = question.terms
        ceiling = self._phrasings.ceiling(query, UNSEEN_ENGLISH if question.english else UNSEEN)
        score: dict[str, float] = {}
        if not ceiling:
            return score, question.english
        for document, value in self._phrasings.scores(query).items():
            entry_id = self._owner[document].id
            covered = value / ceiling * (PHRASING_SHARE_FLOOR + (1 - PHRASING_SHARE_FLOOR) * min(1.0, value / self._own[document]))
            score[entry_id] = max(score.get(entry_id, 0.0), covered)
        answer_ceiling = self._answers.ceiling(query) or 1.0
        for document, value in self._answers.scores(query).items():
            entry_id = self._answered[document].id
            phrased = score.get(entry_id, 0.0)
            score[entry_id] = phrased + min(2 * phrased, ANSWER_WEIGHT * value / answer_ceiling)
        return score, question.english

    def search(self, text: str, k: int = 3, *, organizer: bool = False, meaning: bool = True) -> list[Match]:
        """The k best entries for a question, best first; restricted ones only for organizers.

        By their words (`_lexical`). When the words leave it open (something matches, nothing
        is clearly ahead, or the one ahead covers under MEANING_CHECK of the question) and the
        meaning model is ready (and `meaning`), also by what the question means: each entry's
        cosine moves its score up or down (see MEANING_WEIGHT), and its answer's adds (see
        faq_meaning.ANSWER_SHARE). The model costs 10–60 ms of CPU,
        so it is asked only then (about two questions in five), and a question asked again
        (the same words, cleaned) is not read twice (see Meaning.similarities).
        """
        text = text[:MAX_QUESTION]
        lexical, english = self._lexical(text)
        score = {i: s for i, s in lexical.items()
                 if organizer or self._by_id[i].restricted != "organizer"}
        ranked = sorted(((min(s, 1.0), i) for i, s in score.items()), reverse=True)
        best, second = (ranked[0][0] if ranked else 0.0), (ranked[1][0] if len(ranked) > 1 else 0.0)
        floor = MEANING_FROM_ENGLISH if english else MEANING_FROM
        open_question = best >= floor and (not LEXICAL.ahead(best, second) or best < MEANING_CHECK)
        reading = self.meaning.reading(text) if meaning and open_question and ranked else None
        if reading is None:
            return [Match(self._by_id[i], s) for s, i in ranked[:k]]
        similar, answered = reading
        weight = MEANING_WEIGHT_ENGLISH if english else MEANING_WEIGHT
        fused = sorted(((score.get(i, 0.0) + weight * (cosine - MEANING_FLOOR + answered.get(i, 0.0)), i)
                        for i, cosine in similar.items() if organizer or self._by_id[i].restricted != "organizer"),
                       reverse=True)
        closest = max((i for _, i in fused), key=similar.__getitem__, default=None)
        return [Match(self._by_id[i], s, witnessed=True, words=min(score.get(i, 0.0), 1.0), cosine=similar[i],
                      closest=i == closest, english=english) for s, i in fused[:k]]


def faq_path(event_path: str | Path) -> Path:
    """events/dalat-2023.yaml → events/dalat-2023.faq.yaml"""
    path = Path(event_path)
    return path.with_name(path.name.removesuffix(path.suffix) + ".faq" + path.suffix)


def _describe(error: ValidationError, raw: dict) -> str:
    entries = raw.get("entries") if isinstance(raw.get("entries"), list) else []

    def named(loc: list) -> list:  # entries.3 → entries.3 (id wifi)
        if len(loc) >= 2 and loc[0] == "entries" and isinstance(loc[1], int) and loc[1] < len(entries):
            entry = entries[loc[1]]
            name = entry.get("id") if isinstance(entry, dict) else None
            loc[1] = f"{loc[1]} (id {name})" if name else loc[1]
        return loc

    return describe(error, named)


def load_faq(path: str | Path) -> Faq:
    """The FAQ file, validated; a missing file is an empty FAQ (every question goes to a person)."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Faq()
    except yaml.YAMLError as exc:
        raise EventFileError(f"FAQ file {path} is not valid YAML: {exc}") from None
    if raw is None:
        return Faq()
    if not isinstance(raw, dict):
        raise EventFileError(f"FAQ file {path} must be a mapping with a list of entries.")
    try:
        return Faq(FaqFile.model_validate(raw).entries)
    except ValidationError as exc:
        raise EventFileError(f"FAQ file {path} has errors:\n{_describe(exc, raw)}") from None
