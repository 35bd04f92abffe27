"""Venue questions: how often the FAQ matcher picks the right entry, and how long it takes.

    .venv/bin/python -m bench.faq [--repeat 20]

Over the labelled questions of tests/data/faq_questions.yaml (as an organizer, so every entry can
be found): top-1 and top-3 accuracy per group (diacritics, plain, english, abbrev) and overall;
what `decide` does with them (answer right or wrong, choices with or without the right entry,
unknown); how many off-topic questions get Unknown. Latency per question of cleaning + search +
decide, over the labelled and off-topic questions repeated `--repeat` times; index build time.
Prints JSON lines, then a markdown block for bench/RESULTS.md; writes bench/out/faq.json.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter
from pathlib import Path

import yaml

from bot.services.faq import Answer, Choices, Faq, FaqFile, Unknown, decide, faq_path, load_faq

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "data" / "faq_questions.yaml"
GROUPS = ("diacritics", "plain", "english", "abbrev")


def accuracy(faq: Faq, questions: list[dict]) -> dict:
    top1, top3, total, outcome = Counter(), Counter(), Counter(), Counter()
    for q in questions:
        matches = faq.search(q["text"], organizer=True)
        ids = [m.entry.id for m in matches]
        group, expected = q["group"], q["expected"]
        decision = decide(matches if expected is not None else faq.search(q["text"]))
        if expected is None:
            outcome["off-topic: unknown" if isinstance(decision, Unknown) else "off-topic: not unknown"] += 1
            continue
        total[group] += 1
        top1[group] += ids[:1] == [expected]
        top3[group] += expected in ids
        if isinstance(decision, Answer):
            outcome["answer, right" if decision.entry.id == expected else "answer, WRONG"] += 1
        elif isinstance(decision, Choices):
            outcome["choices with the right one" if expected in [e.id for e in decision.entries]
                    else "choices without it"] += 1
        else:
            outcome["unknown (to a person)"] += 1
    n = sum(total.values())
    rows = {g: {"questions": total[g], "top1": round(top1[g] / total[g], 3), "top3": round(top3[g] / total[g], 3)}
            for g in GROUPS}
    rows["overall"] = {"questions": n, "top1": round(sum(top1.values()) / n, 3),
                       "top3": round(sum(top3.values()) / n, 3)}
    off = outcome["off-topic: unknown"] + outcome["off-topic: not unknown"]
    return {"accuracy": rows, "decisions": dict(outcome),
            "unknown_detection": round(outcome["off-topic: unknown"] / off, 3) if off else None}


def latency(faq: Faq, questions: list[dict], repeat: int) -> dict:
    times = []
    for _ in range(repeat):
        for q in questions:
            started = time.perf_counter()
            decide(faq.search(q["text"]))
            times.append((time.perf_counter() - started) * 1000)
    times.sort()

    def pct(p: float) -> float:
        return round(times[min(len(times) - 1, int(len(times) * p))], 3)
    return {"queries": len(times), "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
            "max_ms": round(times[-1], 3), "mean_ms": round(statistics.fmean(times), 3)}


def build_time(path: Path, runs: int = 20) -> float:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = FaqFile.model_validate(raw).entries
    started = time.perf_counter()
    for _ in range(runs):
        Faq(entries)
    return round((time.perf_counter() - started) * 1000 / runs, 2)


def markdown(result: dict) -> str:
    acc = result["accuracy"]
    lines = ["| group | questions | top-1 | top-3 |", "|---|---|---|---|"]
    lines += [f"| {g} | {acc[g]['questions']} | {acc[g]['top1']:.3f} | {acc[g]['top3']:.3f} |"
              for g in (*GROUPS, "overall")]
    lat = result["latency"]
    lines += ["", "| what `decide` does with the labelled questions | count |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in sorted(result["decisions"].items()) if not k.startswith("off-topic")]
    off = result["decisions"].get("off-topic: unknown", 0)
    lines += ["", f"Off-topic questions answered Unknown: {off} of {result['off_topic']} "
              f"({result['unknown_detection']:.3f}). "
              f"FAQ: {result['entries']} entries, {result['phrasings']} phrasings; index built in "
              f"{result['build_ms']} ms. Latency per question (cleaning + search + decide), "
              f"{lat['queries']} queries: p50 {lat['p50_ms']} ms, p95 {lat['p95_ms']} ms, "
              f"p99 {lat['p99_ms']} ms, max {lat['max_ms']} ms."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--event", default=str(ROOT / "events" / "dalat-2023.yaml"))
    args = parser.parse_args()
    path = faq_path(args.event)
    faq = load_faq(path)
    questions = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))["questions"]
    result = {"entries": len(faq), "phrasings": sum(len(e.phrasings) for e in faq.entries),
              "labelled": sum(q["expected"] is not None for q in questions),
              "off_topic": sum(q["expected"] is None for q in questions),
              "build_ms": build_time(path)}
    result |= accuracy(faq, questions)
    print(json.dumps(result["accuracy"]))
    print(json.dumps(result["decisions"]))
    result["latency"] = latency(faq, questions, args.repeat)
    print(json.dumps(result["latency"] | {"build_ms": result["build_ms"]}))
    print()
    print(markdown(result))
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "faq.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
