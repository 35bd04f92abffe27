"""Lexical retrieval for the FAQ: the words of a question, and BM25 over syllables and syllable pairs.

Vietnamese words are mostly two syllables ("khách sạn", "sân bay"), so a question is indexed as
its folded syllables plus each pair of neighbouring ones: "khach san" matches the pair as well as
both syllables, "san" alone (sân bay) much less.

BM25 is written out here (a few dozen lines) rather than taken from bm25s (which brings numpy and
scipy) or rank-bm25 (unmaintained): the corpus is a few hundred short phrasings, and an inverted
index over dicts scores a question in well under a millisecond.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from bot.text import canonical, expand, fold

# Words that say nothing about the topic, folded. Left out on purpose, because a Vietnamese word
# folds to them: "an" (ăn), "to" (tổ), "in" (in ấn), "be" (bế mạc), "do" (đồ, đỗ), "cho" (chỗ),
# "toi" (tối), "ban" (ban tổ chức), "chi" (chỉ đường), "thi" (thi đua), "da" (Đà Lạt), "am" (ấm).
STOP_WORDS = frozenset("""
    a ah ak ha nhe nha nhi oi vay v z u uh ok oke okie alo xin chao cam on em anh minh cac nhung la
    khong ad admin bot giup voi
    i me my we our us you your the is are was were does did been it its of for on at this that
    there any please pls plz hi hello just about tell know could would will should get s what
""".split())
# The same with diacritics: typed so, they cannot be the other word ("tôi" is not "tối").
STOP_TYPED = frozenset("""
    tôi tui chị mình ạ à ơi nhé nhá nhỉ vậy thì là của những các với giúp hả dạ vâng đó này ấy hỏi
""".split())
# A question without diacritics that has one of these is English; then these words say nothing
# either, though in Vietnamese they would (cần, đỗ, bế, tổ, in, ăn, thế).
_ENGLISH = frozenset("is are was were what where when which who how you your we our i does will there please and or of for any".split())
STOP_ENGLISH = frozenset("can do be to in an the have has from with get some".split())
# Pairs in which a word of STOP_WORDS means something after all: English (not "anh", you), a card
# (thẻ, not "the").
_KEEP = {("tieng", "anh"), ("the", "dai"), ("the", "deo"), ("the", "ten")}
# "cho em hỏi", "xin hỏi", "mình hỏi": the asking, not the topic; not "chỗ hội nghị"
_PRONOUN = "em|anh|chị|chi|tôi|toi|mình|minh|con|cháu|chau|bác|bac"
_ASKING = re.compile(rf"\b(?:(?:cho|xin)(?: (?:{_PRONOUN}))?|{_PRONOUN}) (?:hỏi|hoi)\b"
                     r"(?! (?:nghị|nghi|trường|truong|đồng|dong))")
# Words of several syllables taken as one, longest first: so that a syllable of "hội nghị" does
# not meet "nghỉ" (rest), and so that the ways of asking when, where, how meet each other across
# the two languages ("mấy giờ", "lúc nào", "when").
_PHRASES = {
    ("hoi", "nghi"): "hoinghi", ("ban", "to", "chuc"): "bantochuc",
    **dict.fromkeys([("luc", "may", "gio"), ("luc", "may", "h"), ("may", "gio"), ("may", "h"), ("luc", "nao"),
                     ("khi", "nao"), ("bao", "gio"), ("what", "time"), ("when",)], "?when"),
    **dict.fromkeys([("o", "dau"), ("cho", "nao"), ("noi", "nao"), ("where",)], "?where"),
    **dict.fromkeys([("bao", "nhieu"), ("how", "many"), ("how", "much")], "?howmany"),
    **dict.fromkeys([("bao", "xa"), ("how", "far")], "?howfar"),
    **dict.fromkeys([("nhu", "the", "nao"), ("the", "nao"), ("lam", "sao"), ("ra", "sao"), ("bang", "cach", "nao"),
                     ("cach", "nao"), ("how",)], "?how"),
    **dict.fromkeys([("ai",), ("who",)], "?who"),
}
_LONGEST = max(len(k) for k in _PHRASES)
_ORDINAL = re.compile(r"^(\d+)(st|nd|rd|th)$")


def _stem(word: str) -> str:
    """English endings, so "provided" meets "provide" and "28th" meets "28": no Vietnamese syllable
    ends in s, ed, ing or ion, or in e or a doubled consonant with six letters or more."""
    if _ORDINAL.match(word):
        return _ORDINAL.sub(r"\1", word)
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    for ending, shortest in (("ation", 8), ("ion", 7), ("ing", 6), ("ed", 5), ("s", 4)):
        if len(word) >= shortest and word.endswith(ending) and not word.endswith("ss"):
            word = word[: -len(ending)]
            break
    if word.endswith("e") and (len(word) > 5 or (len(word) > 3 and not _SYLLABLE.match(word)
                                                 and not _SYLLABLE.match(word[:-1]))):
        word = word[:-1]  # "share" meets "shared", "arrive" "arrived"; not "name" "nam" (a syllable)
    if len(word) > 5 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]  # programm(e) → program
    return word


_WORD = re.compile(r"[^\W_]+")


def _typed(text: str) -> list[tuple[str, str]]:
    """Each word as typed (lower case, one tone placement) and folded."""
    text = _ASKING.sub(" ", " ".join(_WORD.findall(canonical(text).lower())))
    return [(w, fold(w).replace(" ", "")) for w in text.split()]


def spellings(texts: Iterable[str]) -> dict[str, set[str]]:
    """Folded word → the ways the texts written with diacritics spell it: "pho" → {"phố"}."""
    known: dict[str, set[str]] = defaultdict(set)
    for text in texts:
        pairs = _typed(text)
        if any(w != f for w, f in pairs):
            for w, f in pairs:
                known[f].add(w)
    return known


def _folded_words(text: str) -> list[str]:
    return expand(" ".join(f for _, f in _typed(text) if f))


@dataclass(frozen=True)
class Vocabulary:
    """The folded words of the FAQ's texts, how often each occurs, and which follow each other."""
    counts: Counter
    pairs: frozenset

    @classmethod
    def of(cls, texts: Iterable[str]) -> Vocabulary:
        counts: Counter = Counter()
        pairs: set[tuple[str, str]] = set()
        for text in texts:
            folded = _folded_words(text)
            counts.update(folded)
            pairs.update(zip(folded, folded[1:]))
        return cls(counts, frozenset(pairs))


# A folded Vietnamese syllable: onset, one to three vowels, coda. A word that cannot be one is
# English or a typo ("truog", "wher", "chek").
_SYLLABLE = re.compile(r"^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}(ng|nh|ch|[cmnpt])?$")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _edits(word: str) -> set[str]:
    """Every word one deletion, swap, change or insertion away."""
    cuts = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in cuts if b} | {a + b[1] + b[0] + b[2:] for a, b in cuts if len(b) > 1}
            | {a + c + b[1:] for a, b in cuts if b for c in _LETTERS} | {a + c + b for a, b in cuts for c in _LETTERS})


def _slips(word: str) -> set[str]:
    """Every word one left-out letter or one swap of neighbours away."""
    cuts = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return {a + b[1] + b[0] + b[2:] for a, b in cuts if len(b) > 1} | {a + c + b for a, b in cuts for c in _LETTERS}


def _repair(word: str, vocabulary: Vocabulary, syllables: bool = True) -> list[str]:
    """A word the FAQ never uses, as the FAQ's words it was probably meant to be.

    Run together ("khachsan", "hoitruong", "lichlamviec"): split where the parts are FAQ words that
    follow each other in some FAQ text (see `_split`). A mistyped English word: the most frequent
    FAQ word of four letters or more one letter left out or two swapped away ("whre", "hotle"), that
    is no Vietnamese syllable ("bank" is not "bang"); a changed letter is another word ("near"). A mistyped syllable ("truog", "nhữg"): when it cannot be a Vietnamese
    syllable, the most frequent FAQ syllable one keystroke away; not in an English question
    (`syllables` false: "this" is not "thi"), and never a real syllable the FAQ lacks ("vàng"), so a
    question about something else stays unknown.
    """
    counts = vocabulary.counts
    if word in counts or len(word) < 4 or not word.isalpha():
        return [word]
    split = _split(word, vocabulary)
    if split:
        return split
    if not syllables:  # English: a word of the FAQ's one keystroke away ("hotle", "whre")
        near = [w for w in _slips(word) if len(w) >= 4 and w in counts and not _SYLLABLE.match(w)]
        return [max(near, key=lambda w: (counts[w], w))] if near else [word]
    if _SYLLABLE.match(word):
        return [word]
    near = [w for w in _edits(word) if len(w) >= 3 and w in counts and _SYLLABLE.match(w)]
    return [max(near, key=lambda w: (counts[w], w))] if near else [word]


def _split(word: str, vocabulary: Vocabulary) -> list[str]:
    """Two or three FAQ words run together that follow each other in some FAQ text ("khachsan",
    "lichlamviec"); the split whose rarest word is commonest; none: []."""
    counts, pairs = vocabulary.counts, vocabulary.pairs
    two = [[word[:i], word[i:]] for i in range(2, len(word) - 1) if (word[:i], word[i:]) in pairs]
    three = [[word[:i], word[i:j], word[j:]] for i in range(2, len(word) - 3) for j in range(i + 2, len(word) - 1)
             if (word[:i], word[i:j]) in pairs and (word[i:j], word[j:]) in pairs] if not two else []
    return max(two or three, key=lambda parts: min(counts[p] for p in parts), default=[])


# Said to be polite or to fill a chat message; the meaning model does without them.
_FILLERS = frozenset("a ah ak ha nhe nha nhi oi vay v z u uh alo ad admin".split())


def written_words(text: str, fillers: bool = False) -> list[tuple[str, str]]:
    """Each word as written and folded, abbreviations kept as written: an FAQ text's own spellings
    ("TĐKT" written out would be "thi dua khen thuong", without diacritics); fillers left out
    unless `fillers`."""
    return [(w, f) for w, f in _typed(text) if f and (fillers or (w not in STOP_TYPED and f not in _FILLERS))]


def repaired_words(text: str, vocabulary: Vocabulary | None = None) -> list[tuple[str, str]]:
    """Each word of a question as typed and folded, abbreviations written out and, with
    `vocabulary`, run-together and mistyped words repaired (see `_repair`); fillers left out."""
    result: list[tuple[str, str]] = []
    for w, f in _typed(text):
        if not f or w in STOP_TYPED or f in _FILLERS:
            continue
        parts = expand(f)
        if parts == [f] and vocabulary is not None and f not in STOP_WORDS:
            parts = _repair(f, vocabulary, syllables=w == f)
        result += [(w, f)] if parts == [f] else [(x, x) for x in parts]
    return result


def _english(raw: list[str], typed: bool) -> bool:
    """Typed without diacritics, with an English question word, or mostly words that cannot be
    Vietnamese syllables ("hospital near", "wifi pass")."""
    if typed:
        return False
    foreign = sum(not _SYLLABLE.match(w) for w in raw if w.isalpha())
    return not _ENGLISH.isdisjoint(raw) or 2 * foreign > len(raw)


@dataclass(frozen=True)
class Question:
    words: list[str]  # the meaningful words (see `words`)
    english: bool

    @property
    def terms(self) -> list[str]:
        """Syllables and neighbouring pairs: the terms BM25 counts."""
        return self.words + [f"{a}_{b}" for a, b in zip(self.words, self.words[1:])]


def read(text: str, known: dict[str, set[str]] | None = None, vocabulary: Vocabulary | None = None) -> Question:
    """The meaningful words of a question, folded, abbreviations written out, and its language.

    With `known` (see `spellings`), a word typed with diacritics that folds like a known word but
    is spelt otherwise is another word: "phở" is not "phố", "giá" is not "gia". It is kept apart
    (marked with "~"), so it matches nothing and counts as unknown. Words typed without
    diacritics may be any of their spellings. With `vocabulary`, words the FAQ never uses are
    repaired when they are FAQ words run together or mistyped (see `_repair`).
    """
    pairs = _typed(text)
    typed = any(w != f for w, f in pairs)
    pairs = [(w, f) for w, f in pairs if f and w not in STOP_TYPED]
    if known is not None:
        pairs = [(w, f + "~" if w != f and f in known and w not in known[f] else f) for w, f in pairs]
    raw = expand(" ".join(f for _, f in pairs))
    english = _english(raw, typed)
    if vocabulary is not None:
        raw = [part for word in raw for part in
               ([word] if word in STOP_WORDS else _repair(word, vocabulary, syllables=not english))]
        english = _english(raw, typed)
    kept: list[str] = []
    i = 0
    while i < len(raw):
        for size in range(min(_LONGEST, len(raw) - i), 0, -1):
            phrase = _PHRASES.get(tuple(raw[i:i + size]))
            if phrase:
                kept.append(phrase)
                i += size
                break
        else:
            word, before, after = raw[i], raw[i - 1] if i else "", raw[i + 1] if i + 1 < len(raw) else ""
            stop = word in STOP_WORDS or (english and word in STOP_ENGLISH)
            if not stop or (before, word) in _KEEP or (word, after) in _KEEP:
                kept.append(_stem(word))
            i += 1
    return Question(kept, english)


def words(text: str, known: dict[str, set[str]] | None = None, vocabulary: Vocabulary | None = None) -> list[str]:
    """The meaningful words of a question (see `read`)."""
    return read(text, known, vocabulary).words


def terms(text: str, known: dict[str, set[str]] | None = None, vocabulary: Vocabulary | None = None) -> list[str]:
    """Syllables and neighbouring pairs: the terms BM25 counts."""
    return read(text, known, vocabulary).terms


# A word no phrasing has counts in `Bm25.ceiling` as twice the rarest word: a question with words
# the FAQ never uses is probably about something else ("giá vàng", "bitcoin"). In English
# questions once: the FAQ has few English phrasings, so an English word it lacks ("resend",
# "coat") says less.
UNSEEN, UNSEEN_ENGLISH = 2.0, 1.0


class Bm25:
    """Okapi BM25 over short documents (lists of terms)."""

    def __init__(self, documents: list[list[str]], k1: float = 1.2, b: float = 0.5) -> None:
        self.k1, self.b = k1, b
        self.lengths = [len(d) for d in documents]
        self.average = sum(self.lengths) / len(documents) if documents else 1.0
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for index, document in enumerate(documents):
            for term, count in Counter(document).items():
                self.postings[term].append((index, count))
        n = len(documents)
        self.idf = {t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()}
        self.rarest_idf = math.log(1 + (n + 0.5) / 0.5)

    def _weight(self, count: int, length: int) -> float:
        return count * (self.k1 + 1) / (count + self.k1 * (1 - self.b + self.b * length / self.average))

    def scores(self, query: list[str]) -> dict[int, float]:
        """Score of every document sharing a term with the query."""
        result: dict[int, float] = defaultdict(float)
        for term, _ in Counter(query).items():
            for index, count in self.postings.get(term, ()):
                result[index] += self.idf[term] * self._weight(count, self.lengths[index])
        return result

    def ceiling(self, query: list[str], unseen: float = UNSEEN) -> float:
        """The score a document equal to the query would get.

        A word no document has counts `unseen` times the rarest; a pair no document has counts
        nothing (its words already count). Dividing by it puts scores
        on a 0–1 scale that does not depend on the question's length or on the size of the FAQ,
        so the thresholds of `decide` keep their meaning.
        """
        total = 0.0
        for term, count in Counter(query).items():
            idf = self.idf.get(term, 0.0 if "_" in term else unseen * self.rarest_idf)
            total += idf * self._weight(count, len(query))
        return total
