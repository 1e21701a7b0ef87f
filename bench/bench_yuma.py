"""Yuma epoch time: the integer, vectorised epoch vs a plain float64 one, in the same run.

Targets (issue): 256 UIDs x 64 validators ≤ 2 ms, 4096 UIDs x 256 validators ≤ 60 ms. The
baseline is a straightforward float64 numpy epoch whose consensus is a per-column Python
weighted median (sort, cumulative stake, search), as a first implementation would write it.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
from numpy.typing import NDArray

from bench._report import record, table
from noosphere.consensus import EpochInputs, Hyperparameters, run_epoch

SIZES = ((256, 64, 2.0, 10), (4096, 256, 60.0, 1))
"""UIDs, validators, target ms, and runs per unit of ``RUNS`` (the small epoch runs more)."""
RUNS = int(os.environ.get("NOOS_BENCH_YUMA_RUNS", "21"))
BLOCK = 10_000
TEMPO = 360


def subnet(uids: int, validators: int, seed: int) -> EpochInputs:
    """A realistic subnet: validators (the first UIDs, log-normal stake) score miners around a
    shared quality with their own noise; bonds from earlier epochs; a few fresh registrations.
    Only the validators' rows of weights and bonds are passed (``rows``)."""
    rng = np.random.default_rng(seed)
    stake = np.zeros(uids, dtype=np.uint64)
    stake[:validators] = (rng.lognormal(30, 1.5, validators)).astype(np.uint64)
    quality = rng.gamma(2.0, 1.0, uids)
    scores = quality[None, :] * rng.lognormal(0, 0.3, (validators, uids))
    scores[:, :validators] = 0  # validators are not miners
    scores *= rng.random((validators, uids)) < 0.9  # each validator misses a few miners
    weights = np.floor(scores / scores.max(axis=1, keepdims=True) * 65535).astype(np.uint16)
    # Yuma 3 bonds are an EMA of each validator's (clipped) weight proportions: about 1/n a cell.
    shares = weights / np.maximum(weights.sum(axis=1, keepdims=True), 1)
    drift = rng.uniform(0.3, 1.2, (validators, uids))
    bonds = np.floor(np.minimum(shares * drift, 1) * 65535).astype(np.uint16)
    registered = rng.integers(0, BLOCK - 2 * TEMPO, uids)
    registered[rng.choice(uids, uids // 100, replace=False)] = BLOCK - TEMPO // 2
    last_update = np.full(uids, BLOCK - 5, dtype=np.uint64)
    last_update[:validators] -= rng.integers(0, TEMPO, validators).astype(np.uint64)
    return EpochInputs(
        stake=stake,
        weights=weights,
        bonds=bonds,
        last_update=last_update,
        block_at_registration=registered.astype(np.uint64),
        validator_permit=np.arange(uids) < validators,
        current_block=BLOCK,
        tempo=TEMPO,
        emission=10**18,
        hyperparameters=Hyperparameters(max_allowed_validators=validators),
        rows=np.arange(validators),
    )


def _weighted_median(
    stake: NDArray[np.float64], scores: NDArray[np.float64], kappa: float
) -> float:
    order = np.argsort(scores)
    cumulative = np.cumsum(stake[order])
    position = int(np.searchsorted(cumulative, cumulative[-1] - kappa, side="right"))
    return float(scores[order[min(position, scores.size - 1)]])


def float_epoch(inputs: EpochInputs) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The same Yuma 3 epoch in float64, written plainly: incentive and dividends."""
    hp = inputs.hyperparameters
    rows = inputs.rows if inputs.rows is not None else np.arange(inputs.n)
    stake = inputs.stake.astype(np.float64)
    stake /= stake.sum()
    active = inputs.last_update + np.uint64(hp.activity_cutoff) >= np.uint64(inputs.current_block)
    row_stake = (stake * (active & inputs.validator_permit))[rows]
    row_stake /= row_stake.sum()
    weights = inputs.weights.astype(np.float64)
    weights[np.arange(rows.size), rows] = 0
    stale = inputs.last_update[rows][:, None] <= inputs.block_at_registration[None, :]
    weights[stale] = 0
    weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-300)
    voters = row_stake > 0
    kappa = hp.kappa / 65535
    consensus = np.array(
        [_weighted_median(row_stake[voters], weights[voters, j], kappa) for j in range(inputs.n)]
    )
    clipped = np.minimum(weights, consensus[None, :])
    ranks = row_stake @ clipped
    incentive = ranks / ranks.sum()
    bonds = inputs.bonds.astype(np.float64) / 65535
    bonds[:, inputs.current_block - inputs.tempo <= inputs.block_at_registration] = 0
    alpha = 1 - hp.bonds_moving_average / 1e6
    ema = alpha * clipped + (1 - alpha) * bonds
    normalised = ema / np.maximum(ema.sum(axis=0, keepdims=True), 1e-300)
    dividends = row_stake * (normalised @ incentive)
    return incentive, dividends / dividends.sum()


@dataclass(frozen=True)
class Timing:
    """Median wall-clock and CPU milliseconds of several runs, and the best wall-clock."""

    wall: float
    cpu: float
    best: float


def _time(run: Callable[[], object], runs: int) -> Timing:
    run()  # warm up
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        run()
        cpu.append(time.process_time() - started_cpu)
        wall.append(time.perf_counter() - started)
    return Timing(statistics.median(wall) * 1e3, statistics.median(cpu) * 1e3, min(wall) * 1e3)


def main() -> None:
    """Time both epochs at the two sizes and print the ratios against the targets.

    Wall-clock is what the targets mean; on a shared machine it also counts time spent
    waiting for a CPU, so the CPU-time median is shown too and decides the verdict.
    """
    rows: list[list[object]] = []
    for uids, validators, target, scale in SIZES:
        inputs = subnet(uids, validators, seed=uids)
        result = run_epoch(inputs)
        incentive, dividends = float_epoch(inputs)
        gap = max(
            float(np.abs(result.as_float("incentive") - incentive).max()),
            float(np.abs(result.as_float("dividends")[:validators] - dividends).max()),
        )
        ours = _time(partial(run_epoch, inputs), RUNS * scale)
        baseline = _time(partial(float_epoch, inputs), max(3, RUNS * scale // 3))
        speedup = baseline.wall / ours.wall
        verdict = "OK" if ours.cpu <= target else "MISSED"
        rows.append(
            [
                f"{uids} UIDs x {validators} validators",
                f"{ours.wall:.2f} / {ours.cpu:.2f} / {ours.best:.2f}",
                f"{baseline.wall:.1f} / {baseline.cpu:.1f}",
                f"{speedup:.1f}x / {baseline.cpu / ours.cpu:.1f}x",
                f"<= {target:g} ms {verdict}",
                f"{gap:.1e}",
            ]
        )
        name = f"epoch_{uids}x{validators}"
        record(
            "yuma",
            name,
            ours.wall,
            "ms",
            cpu_ms=ours.cpu,
            best_ms=ours.best,
            baseline_ms=baseline.wall,
            baseline_cpu_ms=baseline.cpu,
            speedup=speedup,
            target_ms=target,
        )
        record("yuma", f"{name}_float64_baseline", baseline.wall, "ms", cpu_ms=baseline.cpu)
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    table(
        f"Yuma 3 epoch, medians of {RUNS * 10} / {RUNS} runs, same run (load average {load})",
        [
            "subnet",
            "integer ms wall / cpu / best",
            "float64 ms wall / cpu",
            "speed-up wall / cpu",
            "target (cpu)",
            "max |diff|",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
