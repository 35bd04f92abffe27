"""Reading an imported nominee list: how long a list takes to read, beside the bot, and what it costs.

    .venv/bin/python -m bench.imports [--rows 300000]

Lists written as Excel writes them (testkit/big_lists.py): one at the row cap, and a very long one, which
is refused at the cap. Each is read as the bot reads it (`read_elsewhere`: a new worker process, its
start-up included) and, for comparison, in this process (`read_table`). Peak memory is the largest
resident size of the worker processes. Prints a markdown table for bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import asyncio
import resource
import time

from bot.services import nominee_files
from testkit.big_lists import big_xlsx


def outcome(rows: list[dict] | nominee_files.TableError) -> str:
    return f"refused: {rows.error.reason}" if isinstance(rows, nominee_files.TableError) else f"{len(rows)} people"


async def read_beside(data: bytes) -> tuple[float, str]:
    start = time.perf_counter()
    try:
        rows = await nominee_files.read_elsewhere(data, "list.xlsx")
    except nominee_files.TableError as exc:
        rows = exc
    return time.perf_counter() - start, outcome(rows)


def read_here(data: bytes) -> tuple[float, str]:
    start = time.perf_counter()
    try:
        rows = nominee_files.read_table(data, "list.xlsx")
    except nominee_files.TableError as exc:
        rows = exc
    return time.perf_counter() - start, outcome(rows)


async def main(rows: int) -> None:
    print("| list | file kB | in a worker s | in the process s | outcome |\n|---|---|---|---|---|")
    for people in (nominee_files.MAX_ROWS, rows):
        data = big_xlsx(people)
        (beside, result), (here, _) = await read_beside(data), read_here(data)
        print(f"| {people:,} rows | {len(data) // 1024} | {beside:.2f} | {here:.2f} | {result} |")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    print(f"\nlargest worker: {peak} MB resident")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=300_000)
    asyncio.run(main(parser.parse_args().rows))
