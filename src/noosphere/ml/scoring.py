"""A validator's score keeping: an EMA of per-UID scores, turned into u16 weights for the chain.

Each round the validator scores the miners it measured (a score in [0, 1]; a miner that timed
out, sent garbage or a rejected model gets 0) and folds the scores into an exponential moving
average, ``ema = (1 - alpha) * ema + alpha * score``, with ``alpha = 0.1`` by default as in
Bittensor's validators. A UID not scored in a round keeps its average; a new UID starts at 0;
:meth:`MovingScores.reset` clears a UID whose hotkey changed.

Weights. :func:`to_u16_weights` normalises the averages and scales them so the largest is
65 535, as subtensor stores weight rows, in integers so every machine gets the same result:
each score is read as the fixed-point integer ``q = floor(s · 2**32)`` and its weight is
``round_half_up(q · 65535 / max q)`` (normalising first would cancel out of this ratio, so it is
done exactly rather than with a second rounding). UIDs whose weight is 0 are left out, an
all-zero vector gives no weights, and the result lists UIDs ascending, as the weights contract
wants them packed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from noosphere.ml.errors import ScoreError

DEFAULT_ALPHA = 0.1
"""Default EMA factor: the weight of the newest score."""

U16_MAX = 65_535
MAX_UIDS = 65_536
"""UIDs are u16."""

_FIXED_ONE = 1 << 32


@dataclass(frozen=True)
class U16Weights:
    """Sparse u16 weights: ``uids`` ascending, each with a non-zero ``weights`` entry."""

    uids: tuple[int, ...]
    weights: tuple[int, ...]

    def __len__(self) -> int:
        """Number of (uid, weight) pairs."""
        return len(self.uids)

    def packed(self) -> bytes:
        """Big-endian ``(uint16 uid, uint16 weight)`` pairs, as the weights contract reveals."""
        return b"".join(
            u.to_bytes(2, "big") + w.to_bytes(2, "big")
            for u, w in zip(self.uids, self.weights, strict=True)
        )

    def dense(self, n: int) -> list[int]:
        """The weights as a dense list of ``n`` entries (0 where a UID has no weight)."""
        out = [0] * n
        for u, w in zip(self.uids, self.weights, strict=True):
            if u >= n:
                raise ScoreError(f"uid {u} does not fit in {n} entries")
            out[u] = w
        return out


def _check_scores(scores: Any, what: str = "scores") -> np.ndarray:
    try:
        arr = np.asarray(scores, dtype=np.float64)
    except (ValueError, TypeError) as exc:
        raise ScoreError(f"{what} must be numbers: {exc}") from None
    if arr.ndim != 1:
        raise ScoreError(f"{what} must be a vector, not of shape {list(arr.shape)}")
    bad = ~np.isfinite(arr) | (arr < 0) | (arr > 1)
    if bad.any():
        i = int(np.argmax(bad))
        raise ScoreError(f"{what}: entry {i} is {arr[i]!r}; scores must be in [0, 1]")
    return arr


def _check_uids(uids: Any, n: int | None = None) -> np.ndarray:
    values = list(uids)
    for u in values:
        if isinstance(u, bool) or not isinstance(u, int | np.integer):
            raise ScoreError(f"uid {u!r} is not an integer")
        if not 0 <= int(u) < (MAX_UIDS if n is None else n):
            raise ScoreError(f"uid {int(u)} is outside [0, {MAX_UIDS if n is None else n})")
    arr = np.asarray(values, dtype=np.int64)
    if np.unique(arr).shape[0] != arr.shape[0]:
        raise ScoreError("uids must not repeat")
    return arr


def check_alpha(alpha: float) -> float:
    """``alpha`` as a float in (0, 1], or :class:`ScoreError`."""
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha <= 1:
        raise ScoreError(f"alpha must be a number in (0, 1], not {alpha!r}")
    return float(alpha)


def ema(previous: Any, new: Any, alpha: float = DEFAULT_ALPHA) -> np.ndarray:
    """``(1 - alpha) * previous + alpha * new``, element-wise (float64, scores in [0, 1])."""
    a = check_alpha(alpha)
    prev = _check_scores(previous, "previous scores")
    cur = _check_scores(new, "new scores")
    if prev.shape != cur.shape:
        raise ScoreError(f"{prev.shape[0]} previous scores but {cur.shape[0]} new ones")
    return np.asarray((1.0 - a) * prev + a * cur)


def to_u16_weights(scores: Any, *, exclude: Iterable[int] = ()) -> U16Weights:
    """Turn a vector of scores in [0, 1] (index = UID) into u16 weights (see the module notes).

    ``exclude`` lists UIDs to leave out before scaling (e.g. the validator's own UID, which
    the weights contract refuses).
    """
    s = _check_scores(scores)
    if s.shape[0] > MAX_UIDS:
        raise ScoreError(f"{s.shape[0]} scores; UIDs stop at {MAX_UIDS}")
    q = np.floor(s * _FIXED_ONE).astype(np.uint64)
    skip = _check_uids(exclude)
    q[skip[skip < q.shape[0]]] = 0
    top = int(q.max()) if q.shape[0] else 0
    if top == 0:
        return U16Weights((), ())
    w = (q * np.uint64(2 * U16_MAX) + np.uint64(top)) // np.uint64(2 * top)
    nonzero = np.flatnonzero(w)
    return U16Weights(
        uids=tuple(int(u) for u in nonzero), weights=tuple(int(x) for x in w[nonzero])
    )


class MovingScores:
    """Per-UID exponential moving averages of scores (see the module notes)."""

    def __init__(self, n: int = 0, *, alpha: float = DEFAULT_ALPHA) -> None:
        """Start ``n`` UIDs at 0 with EMA factor ``alpha`` in (0, 1]."""
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_UIDS:
            raise ScoreError(f"n must be an integer in [0, {MAX_UIDS}], not {n!r}")
        self.alpha = check_alpha(alpha)
        self._scores = np.zeros(n, dtype=np.float64)

    def __len__(self) -> int:
        """Number of UIDs tracked."""
        return int(self._scores.shape[0])

    @property
    def values(self) -> np.ndarray:
        """A copy of the averages (index = UID)."""
        return self._scores.copy()

    def resize(self, n: int) -> None:
        """Track ``n`` UIDs: new ones start at 0, UIDs at or past ``n`` are dropped."""
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_UIDS:
            raise ScoreError(f"n must be an integer in [0, {MAX_UIDS}], not {n!r}")
        grown = np.zeros(n, dtype=np.float64)
        keep = min(n, len(self))
        grown[:keep] = self._scores[:keep]
        self._scores = grown

    def update(self, uids: Sequence[int], scores: Sequence[float] | np.ndarray) -> None:
        """Fold one round's ``scores`` of ``uids`` into their averages (growing as needed)."""
        u = _check_uids(uids)
        s = _check_scores(scores)
        if u.shape != s.shape:
            raise ScoreError(f"{u.shape[0]} uids but {s.shape[0]} scores")
        if u.shape[0] and int(u.max()) >= len(self):
            self.resize(int(u.max()) + 1)
        self._scores[u] = (1.0 - self.alpha) * self._scores[u] + self.alpha * s

    def reset(self, uids: Iterable[int]) -> None:
        """Set the averages of ``uids`` back to 0 (e.g. a UID taken over by a new hotkey)."""
        u = _check_uids(uids, len(self))
        self._scores[u] = 0.0

    def weights(self, *, exclude: Iterable[int] = ()) -> U16Weights:
        """The current averages as u16 weights (see :func:`to_u16_weights`)."""
        return to_u16_weights(self._scores, exclude=exclude)

    def to_json(self) -> str:
        """The state as JSON (floats written in Python's exact round-trip form)."""
        return json.dumps({"alpha": self.alpha, "scores": [float(x) for x in self._scores]})

    @classmethod
    def from_json(cls, text: str | bytes) -> MovingScores:
        """Restore a state written by :meth:`to_json`."""
        try:
            obj = json.loads(text)
            alpha, scores = obj["alpha"], obj["scores"]
        except (ValueError, TypeError, KeyError) as exc:
            raise ScoreError(f"not a saved score state: {exc}") from None
        if not isinstance(scores, list) or not all(
            isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
            for x in scores
        ):
            raise ScoreError("not a saved score state: scores must be a list of numbers")
        out = cls(len(scores), alpha=alpha)
        out._scores = _check_scores(scores).copy()
        return out
