"""Venue questions: how often the FAQ matcher picks the right entry, and how long it takes.

    .venv/bin/python -m bench.faq [--repeat 20] [--tuning-only] [--misses]

Three sets of labelled questions (see their headers):
- tuning: tests/data/faq_questions.yaml, the questions the matcher was tuned on;
- heldout: tests/data/faq_heldout.yaml, written before tuning and never used for it: the goals
  below are checked on it, and the command exits 1 when one is missed;
- final: tests/data/faq_heldout_final.yaml, a second small held-out split, measured once when
  tuning was over.

For each: top-1 and top-3 per group (diacritics, plain, english, abbrev) and overall, searched
as an organizer (so every entry can be found); what `decide` does (answer right or WRONG,
choices with or without the right entry, unknown); how many off-topic questions go to a person.
A question labelled with several entries (each carries the asked fact) is right with any of them.
Latency per question of cleaning + search + decide over every question, `--repeat` times; index
build time. `--tuning-only` leaves the held-out sets out (while tuning: they stay unseen);
`--misses` lists the tuning set's misses (never the held-out ones').
Prints JSON lines, then a markdown block for bench/RESULTS.md; writes bench/out/faq.json.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml

from bot.services import faq_meaning
from bot.services.faq import Answer, Choices, Faq, FaqFile, Unknown, decide, faq_path, load_faq

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SETS = {"tuning": DATA / "faq_questions.yaml", "heldout": DATA / "faq_heldout.yaml",
        "final": DATA / "faq_heldout_final.yaml"}
GROUPS = ("diacritics", "plain", "english", "abbrev")
# Goals, checked on the held-out set.
TOP1, TOP1_GROUP, WRONG_AT_MOST, OFF_TOPIC_UNKNOWN, P95_MS = 0.92, 0.90, 0.02, 0.90, 20.0


def load_questions(path: Path) -> list[dict]:
    """The questions of a set; `expected` always a tuple of entry ids (empty: off-topic)."""
    questions = yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
    for q in questions:
        expected = q["expected"]
        q["expected"] = () if expected is None else (expected,) if isinstance(expected, str) else tuple(expected)
    return questions


def _outcome(decision, expected: tuple[str, ...]) -> str:
    if isinstance(decision, Answer):
        return "answer, right" if decision.entry.id in expected else "answer, WRONG"
    if isinstance(decision, Choices):
        return ("choices with the right one" if set(expected) & {e.id for e in decision.entries}
                else "choices without it")
    return "unknown (to a person)"


def accuracy(faq: Faq, questions: list[dict], misses: list | None = None, meaning: bool = True) -> dict:
    top1, top3, total, outcome = Counter(), Counter(), Counter(), Counter()
    for q in questions:
        matches = faq.search(q["text"], organizer=True, meaning=meaning)
        ids = [m.entry.id for m in matches]
        group, expected = q["group"], q["expected"]
        if not expected:
            decision = decide(faq.search(q["text"], meaning=meaning))
            outcome["off-topic: unknown" if isinstance(decision, Unknown) else "off-topic: not unknown"] += 1
            continue
        decision = decide(matches)
        total[group] += 1
        top1[group] += bool(ids) and ids[0] in expected
        top3[group] += bool(set(ids) & set(expected))
        outcome[_outcome(decision, expected)] += 1
        if misses is not None and not (ids and ids[0] in expected and isinstance(decision, Answer)):
            misses.append((q["text"], expected, [(m.entry.id, round(m.score, 2)) for m in matches],
                           type(decision).__name__))
    n = sum(total.values())
    rows = {g: {"questions": total[g], "top1": round(top1[g] / total[g], 3), "top3": round(top3[g] / total[g], 3)}
            for g in GROUPS if total[g]}
    rows["overall"] = {"questions": n, "top1": round(sum(top1.values()) / n, 3),
                       "top3": round(sum(top3.values()) / n, 3)}
    off = outcome["off-topic: unknown"] + outcome["off-topic: not unknown"]
    return {"accuracy": rows, "decisions": dict(outcome), "off_topic": off,
            "wrong_answer_rate": round(outcome["answer, WRONG"] / n, 3),
            "answer_rate": round((outcome["answer, right"] + outcome["answer, WRONG"]) / n, 3),
            "answered_right": round(outcome["answer, right"] / n, 3),
            "unknown_detection": round(outcome["off-topic: unknown"] / off, 3) if off else None}


def latency(faq: Faq, questions: list[dict], repeat: int, meaning: bool = True, again: bool = False) -> dict:
    """Wall time, and CPU time of this thread (what the question costs on an idle machine).

    Each pass asks every question for the first time (the model's readings of recent questions
    are forgotten before it), unless `again`: then as asked again, the readings kept."""
    times, cpu = [], []
    for _ in range(repeat):
        if not again:
            faq.meaning.forget()
        for q in questions:
            started, started_cpu = time.perf_counter(), time.thread_time()
            decide(faq.search(q["text"], meaning=meaning))
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
    times.sort()
    cpu.sort()

    def pct(values: list[float], p: float) -> float:
        return round(values[min(len(values) - 1, int(len(values) * p))], 3)
    return {"queries": len(times), "p50_ms": pct(times, 0.50), "p95_ms": pct(times, 0.95),
            "p99_ms": pct(times, 0.99), "max_ms": round(times[-1], 3), "mean_ms": round(statistics.fmean(times), 3),
            "cpu_p50_ms": pct(cpu, 0.50), "cpu_p95_ms": pct(cpu, 0.95)}


def rss_mb() -> float:
    """Resident memory of this process now, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def build_time(path: Path, runs: int = 5) -> float:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = FaqFile.model_validate(raw).entries
    started = time.perf_counter()
    for _ in range(runs):
        Faq(entries)
    return round((time.perf_counter() - started) * 1000 / runs, 2)


def missed_goals(heldout: dict, lat: dict) -> list[str]:
    """The goals the held-out set misses, in words."""
    acc, missed = heldout["accuracy"], []
    if acc["overall"]["top1"] < TOP1:
        missed.append(f"top-1 {acc['overall']['top1']} < {TOP1}")
    missed += [f"top-1 {g} {acc[g]['top1']} < {TOP1_GROUP}" for g in GROUPS if acc[g]["top1"] < TOP1_GROUP]
    if heldout["wrong_answer_rate"] > WRONG_AT_MOST:
        missed.append(f"wrong answers {heldout['wrong_answer_rate']} > {WRONG_AT_MOST}")
    if (heldout["unknown_detection"] or 0) < OFF_TOPIC_UNKNOWN:
        missed.append(f"off-topic to a person {heldout['unknown_detection']} < {OFF_TOPIC_UNKNOWN}")
    if lat["p95_ms"] >= P95_MS:
        missed.append(f"p95 {lat['p95_ms']} ms >= {P95_MS} ms")
    return missed


def markdown(result: dict) -> str:
    sets = [s for s in SETS if s in result["sets"]]
    lines = ["| group | " + " | ".join(f"{s}: n, top-1, top-3" for s in sets) + " |",
             "|---|" + "---|" * len(sets)]
    for g in (*GROUPS, "overall"):
        cells = []
        for s in sets:
            row = result["sets"][s]["accuracy"].get(g)
            cells.append(f"{row['questions']}, {row['top1']:.3f}, {row['top3']:.3f}" if row else "")
        lines.append(f"| {g} | " + " | ".join(cells) + " |")
    lines += ["", "| what `decide` does | " + " | ".join(sets) + " |", "|---|" + "---|" * len(sets)]
    kinds = ("answer, right", "choices with the right one", "unknown (to a person)", "choices without it",
             "answer, WRONG", "off-topic: unknown", "off-topic: not unknown")
    lines += [f"| {k} | " + " | ".join(str(result["sets"][s]["decisions"].get(k, 0)) for s in sets) + " |"
              for k in kinds]
    lines.append("| answered with the right entry | " + " | ".join(f"{result['sets'][s]['answered_right']:.3f}"
                                                                 for s in sets) + " |")
    lines.append("| wrong-answer rate | " + " | ".join(f"{result['sets'][s]['wrong_answer_rate']:.3f}"
                                                      for s in sets) + " |")
    lat = result["latency"]
    lines += ["", f"{'Words and meaning' if result['meaning'] else 'Words alone (BM25)'}. FAQ: {result['entries']} "
              f"entries, {result['phrasings']} phrasings; index built in {result['build_ms']} ms"
              + (f"; meaning model loaded and phrasings embedded in {result['meaning_load_s']} s at a first start, "
                 f"{result['meaning_reload_s']} s at a restart (vectors kept), in the background; resident memory "
                 f"{result['rss_mb_lexical']} → {result['rss_mb_with_meaning']} MB" if result["meaning"] else "")
              + f". Latency per question (cleaning + search + decide), {lat['queries']} queries: p50 "
              f"{lat['p50_ms']} ms, p95 {lat['p95_ms']} ms, p99 {lat['p99_ms']} ms, max {lat['max_ms']} ms "
              f"(CPU time: p50 {lat['cpu_p50_ms']} ms, p95 {lat['cpu_p95_ms']} ms), each question asked for the "
              f"first time; the model read {result['model_asked']} of them"
              + (f"; asked again: p95 {result['latency_again']['p95_ms']} ms" if result.get("latency_again") else "")
              + f"; load average {' '.join(result['load_average'])}."]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--event", default=str(ROOT / "events" / "dalat-2023.yaml"))
    parser.add_argument("--tuning-only", action="store_true", help="leave the held-out sets out")
    parser.add_argument("--misses", action="store_true", help="list the tuning set's misses")
    parser.add_argument("--lexical", action="store_true", help="BM25 alone, without the meaning model")
    args = parser.parse_args()
    path = faq_path(args.event)
    faq = load_faq(path)
    meaning = not args.lexical
    memory = {"rss_mb_lexical": rss_mb()}
    if meaning:  # first as at a first start (nothing kept), then as at a restart (the vectors kept)
        with tempfile.TemporaryDirectory() as empty:
            faq_meaning.CACHE = Path(empty)
            faq.meaning.load()
            cold, memory["rss_mb_with_meaning"] = faq.meaning.load_seconds or 0, rss_mb()
            again = load_faq(path)
            again.meaning.load()
        memory |= {"meaning_load_s": round(cold, 2),
                   "meaning_reload_s": round(again.meaning.load_seconds or 0, 2), "meaning_failed": faq.meaning.failed}
        meaning = faq.meaning.ready
    print(json.dumps({"meaning": meaning, **memory}))
    names = ["tuning"] if args.tuning_only else list(SETS)
    questions = {name: load_questions(SETS[name]) for name in names}
    misses: list = []
    result = {"entries": len(faq), "phrasings": sum(len(e.phrasings) for e in faq.entries),
              "build_ms": build_time(path), "meaning": meaning, **memory,
              "sets": {name: accuracy(faq, qs, misses if name == "tuning" else None, meaning)
                       for name, qs in questions.items()}}
    for name, res in result["sets"].items():
        print(json.dumps({"set": name, **res["accuracy"]["overall"], "groups": {
            g: res["accuracy"][g]["top1"] for g in GROUPS if g in res["accuracy"]},
            "answered_right": res["answered_right"], "wrong": res["wrong_answer_rate"],
            "off_topic_unknown": res["unknown_detection"]}))
    if args.misses:
        for miss in misses:
            print("MISS", json.dumps(miss, ensure_ascii=False))
    everything = [q for qs in questions.values() for q in qs]
    faq.meaning.forget()
    reads = faq.meaning.reads
    for q in everything:  # how many questions the model reads
        faq.search(q["text"], meaning=meaning)
    result["model_asked"] = faq.meaning.reads - reads
    result["latency"] = latency(faq, everything, args.repeat, meaning)
    result["latency_again"] = latency(faq, everything, 1, meaning, again=True) if meaning else None
    result["load_average"] = Path("/proc/loadavg").read_text().split()[:3]
    print(json.dumps(result["latency"] | {"build_ms": result["build_ms"], "model_asked": result["model_asked"],
                                          "questions": len(everything), "again": result["latency_again"],
                                          "load_average": result["load_average"]}))
    print()
    print(markdown(result))
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "faq.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    if "heldout" not in result["sets"]:
        return 0
    missed = missed_goals(result["sets"]["heldout"], result["latency"])
    print("\nGoals on the held-out set: " + ("all met" if not missed else "MISSED: " + "; ".join(missed)))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
