"""Run every benchmark module (``bench/bench_*.py``) in name order, or those named on argv.

Each module exposes ``main() -> None`` that measures its subject and a baseline in the same
run and prints a table with the ratio. Results are also appended as JSON lines to
``bench/results/latest.jsonl`` by :func:`bench._report.record`.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path


def main() -> int:
    """Run the selected benchmark modules and report failures at the end."""
    here = Path(__file__).parent
    wanted = sys.argv[1:]
    names = sorted(p.stem for p in here.glob("bench_*.py"))
    if wanted:
        names = [n for n in names if any(w in n for w in wanted)]
    failed = []
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        try:
            importlib.import_module(f"bench.{name}").main()
        except Exception as exc:  # report and go on with the other benchmarks
            failed.append(name)
            print(f"{name} FAILED: {exc!r}")
        print(f"({time.perf_counter() - started:.1f} s)")
    if failed:
        print("\nfailed:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
