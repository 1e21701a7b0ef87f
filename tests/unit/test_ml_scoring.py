"""Validator score keeping: EMA properties and integer-exact u16 weights."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from noosphere import ml
from noosphere.ml.scoring import U16_MAX

unit = st.floats(0.0, 1.0, allow_nan=False)
score_vectors = st.lists(unit, min_size=0, max_size=64)


@settings(max_examples=200, deadline=None)
@given(score_vectors)
def test_u16_weights_properties(scores: list[float]) -> None:
    w = ml.to_u16_weights(scores)
    assert list(w.uids) == sorted(w.uids)
    assert all(0 < x <= U16_MAX for x in w.weights)
    assert all(scores[u] > 0 for u in w.uids)  # zero scores get no weight
    if any(s >= 2**-32 for s in scores):  # below 2**-32 a score is 0 in fixed point
        assert max(w.weights) == U16_MAX
        top = int(np.argmax(scores))
        assert dict(zip(w.uids, w.weights, strict=True))[top] == U16_MAX
    else:
        assert len(w) == 0 and w.packed() == b""
    dense = w.dense(len(scores))
    for i in range(len(scores)):  # monotone: a higher score never gets a lower weight
        for j in range(len(scores)):
            if scores[i] > scores[j]:
                assert dense[i] >= dense[j]
    assert w == ml.to_u16_weights(np.array(scores))  # deterministic, list or array


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(2**-16, 1.0), min_size=1, max_size=32), st.integers(0, 8))
def test_u16_weights_ignore_a_common_scale(scores: list[float], e: int) -> None:
    """Scaling every score by 2**-e moves no weight by more than one unit."""
    a = ml.to_u16_weights(scores)
    b = ml.to_u16_weights([s / 2**e for s in scores])
    assert a.uids == b.uids
    assert all(abs(x - y) <= 1 for x, y in zip(a.weights, b.weights, strict=True))


def test_u16_weights_known_values_and_packing() -> None:
    w = ml.to_u16_weights([0.0, 0.5, 1.0, 0.25, 1e-9])
    assert w.uids == (1, 2, 3) and w.weights == (32768, 65535, 16384)
    assert w.packed() == bytes.fromhex("000180000002ffff00034000")
    assert w.dense(5) == [0, 32768, 65535, 16384, 0]
    excluded = ml.to_u16_weights([0.0, 0.5, 1.0, 0.25], exclude=[2])
    assert excluded.uids == (1, 3) and excluded.weights == (65535, 32768)
    assert len(ml.to_u16_weights([])) == 0


@pytest.mark.parametrize("bad", [[float("nan")], [-0.1], [1.5], [[0.1]], ["x"]])
def test_bad_scores_are_rejected(bad: list[object]) -> None:
    with pytest.raises(ml.ScoreError):
        ml.to_u16_weights(bad)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.lists(unit, min_size=4, max_size=4), min_size=1, max_size=30), st.floats(0.01, 1.0)
)
def test_ema_stays_within_the_scores_seen(rounds: list[list[float]], alpha: float) -> None:
    book = ml.MovingScores(4, alpha=alpha)
    for r in rounds:
        book.update([0, 1, 2, 3], r)
    values = book.values
    seen = np.array(rounds)
    assert (values >= -1e-12).all()
    assert (values <= seen.max(axis=0) + 1e-12).all()
    last = np.zeros(4)
    for r in rounds:
        last = ml.ema(last, r, alpha)
    np.testing.assert_array_equal(values, last)


def test_ema_converges_and_alpha_one_keeps_the_latest() -> None:
    book = ml.MovingScores()
    for _ in range(200):
        book.update([0, 3], [1.0, 0.5])
    assert len(book) == 4
    np.testing.assert_allclose(book.values, [1.0, 0.0, 0.0, 0.5], atol=1e-8)
    once = ml.MovingScores(2)
    once.update([0], [0.8])
    assert once.values[0] == pytest.approx(0.08)  # a new UID starts at 0; default alpha 0.1
    latest = ml.MovingScores(2, alpha=1.0)
    latest.update([0, 1], [0.3, 0.9])
    latest.update([0, 1], [0.7, 0.1])
    assert latest.values.tolist() == [0.7, 0.1]


def test_reset_resize_and_state_round_trip() -> None:
    book = ml.MovingScores(3, alpha=0.25)
    book.update([0, 1, 2], [1.0, 0.5, 0.25])
    book.reset([1])
    assert book.values[1] == 0.0
    restored = ml.MovingScores.from_json(book.to_json())
    assert restored.alpha == 0.25 and restored.values.tolist() == book.values.tolist()
    assert restored.weights() == book.weights()
    book.resize(2)
    assert len(book) == 2 and book.values.tolist() == [0.25, 0.0]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda b: b.update([0, 0], [0.1, 0.2]), "must not repeat"),
        (lambda b: b.update([0], [0.1, 0.2]), "1 uids but 2 scores"),
        (lambda b: b.update([70_000], [0.1]), "outside"),
        (lambda b: b.update([-1], [0.1]), "outside"),
        (lambda b: b.update([0], [float("inf")]), r"in \[0, 1\]"),
        (lambda b: b.reset([5]), r"outside \[0, 2\)"),
        (lambda b: ml.MovingScores(alpha=0), "alpha"),
        (lambda b: ml.MovingScores.from_json("{}"), "not a saved score state"),
        (lambda b: ml.MovingScores.from_json('{"alpha": 0.1, "scores": [NaN]}'), "list of numbers"),
        (lambda b: ml.ema([0.1], [0.1, 0.2]), "1 previous scores but 2"),
    ],
)
def test_bad_score_keeping_calls_are_rejected(call, match: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ml.ScoreError, match=match):
        call(ml.MovingScores(2))
