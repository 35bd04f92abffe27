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
from bot.services.faq_index import Bm25, spellings, terms

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
    score: float  # 0–1: how much of the question (weighted by rarity) the entry covers


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
MAX_QUESTION = 500  # characters looked at: a question, not a pasted document

# Thresholds of `decide`, on the 0–1 score of `Match`, set on tests/data/faq_questions.yaml
# (bench/faq.py prints what each outcome gets).
# ANSWER: a clear match covers at least half of the question's weight. Real questions carry words
#   no phrasing has ("đoàn mình", "năm nay"), so a question need not be covered whole.
# MARGIN: and leads the second entry by this much; two entries close together ("mấy giờ đón
#   tiếp" is reception or schedule) are offered as choices, and the delegate picks.
# UNKNOWN: below this the bot does not guess. Off-topic questions share a word or two with the
#   FAQ by chance ("Việt Nam", "tiếng", "phố"), which covers up to 0.40 of them; real questions
#   this weakly covered (8 % of the labelled set: short English ones, words the FAQ lacks) go to a
#   person too, which is the safe side. Organizers improve it by adding those phrasings.
ANSWER, MARGIN, UNKNOWN = 0.5, 0.1, 0.41


def decide(matches: list[Match]) -> Answer | Choices | Unknown:
    """Answer when the best match is clear, offer the top three when it is not, else Unknown."""
    if not matches or matches[0].score < UNKNOWN:
        return Unknown()
    best = matches[0]
    second = matches[1].score if len(matches) > 1 else 0.0
    if best.score >= ANSWER and best.score - second >= MARGIN:
        return Answer(best.entry)
    return Choices(tuple(m.entry for m in matches[:3] if m.score >= UNKNOWN))


class Faq:
    """The entries of one event and their index, built once at start."""

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
        self._answered = [e for e in entries if e.answer]
        self._answers = Bm25([terms(e.answer.vi + " " + e.answer.en) for e in self._answered])
        written = [t for e in entries for t in (e.title.vi, *e.phrasings, *((e.answer.vi,) if e.answer else ()))]
        self._spellings = spellings(written)

    def __len__(self) -> int:
        return len(self.entries)

    def entry(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def search(self, text: str, k: int = 3, *, organizer: bool = False) -> list[Match]:
        """The k best entries for a question, best first; restricted ones only for organizers.

        An entry scores as its best phrasing, plus ANSWER_WEIGHT times how well its answer covers
        the question: the answer's words ("áo khoác", "Sở Nội vụ") are a second, weaker witness.
        """
        query = terms(text[:MAX_QUESTION], self._spellings)
        ceiling = self._phrasings.ceiling(query)
        if not ceiling:
            return []
        score: dict[str, float] = {}
        for document, value in self._phrasings.scores(query).items():
            entry_id = self._owner[document].id
            score[entry_id] = max(score.get(entry_id, 0.0), value / ceiling)
        answer_ceiling = self._answers.ceiling(query) or 1.0
        for document, value in self._answers.scores(query).items():
            entry_id = self._answered[document].id
            score[entry_id] = score.get(entry_id, 0.0) + ANSWER_WEIGHT * value / answer_ceiling
        ranked = sorted(((s, i) for i, s in score.items()
                         if organizer or self._by_id[i].restricted != "organizer"), reverse=True)
        return [Match(self._by_id[i], min(s, 1.0)) for s, i in ranked[:k]]


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
