"""Helpers for benchmark output: an aligned table and a JSON-lines record of each figure."""

from __future__ import annotations

import json
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def record(bench: str, metric: str, value: float, unit: str, **extra: object) -> None:
    """Append one measured figure to ``bench/results/latest.jsonl``."""
    RESULTS.mkdir(exist_ok=True)
    row = {"time": time.time(), "bench": bench, "metric": metric, "value": value, "unit": unit}
    row.update(extra)
    with (RESULTS / "latest.jsonl").open("a") as fh:
        fh.write(json.dumps(row) + "\n")


def table(title: str, header: list[str], rows: list[list[object]]) -> None:
    """Print an aligned plain-text table."""
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print(title)
    for i, row in enumerate(cells):
        print(
            "  "
            + "  ".join(c.rjust(w) if i else c.ljust(w) for c, w in zip(row, widths, strict=True))
        )
        if i == 0:
            print("  " + "  ".join("-" * w for w in widths))
