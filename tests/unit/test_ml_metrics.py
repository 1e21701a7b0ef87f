"""Metrics: agree with scikit-learn, lie in [0, 1], higher is better."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn import metrics as skm

from noosphere import ml
from noosphere.errors import InputError


@st.composite
def predictions(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 40))
    k = draw(st.integers(2, 6))
    raw = draw(arrays(np.float64, (n, k), elements=st.floats(0.001, 1.0)))
    y = draw(arrays(np.int64, (n,), elements=st.integers(0, k - 1)))
    return raw / raw.sum(axis=1, keepdims=True), y


@settings(max_examples=80, deadline=None)
@given(predictions())
def test_metrics_agree_with_sklearn_and_stay_in_range(pred: tuple[np.ndarray, np.ndarray]) -> None:
    p, y = pred
    labels = list(range(p.shape[1]))
    assert ml.accuracy(p, y) == pytest.approx(skm.accuracy_score(y, p.argmax(1)))
    assert ml.macro_f1(p, y) == pytest.approx(
        skm.f1_score(y, p.argmax(1), average="macro", zero_division=0)
    )
    assert ml.log_loss(p, y) == pytest.approx(skm.log_loss(y, p, labels=labels))
    for metric in ml.METRICS:
        value = ml.score(metric, p, y)
        assert 0.0 <= value <= 1.0
        assert value == ml.score(metric, p.copy(), y.copy())  # deterministic


def test_perfect_and_uniform_predictions() -> None:
    y = np.array([0, 1, 2, 2, 1])
    perfect = np.eye(3)[y]
    uniform = np.full((5, 3), 1 / 3)
    for metric in ml.METRICS:
        assert ml.score(metric, perfect, y) == pytest.approx(1.0)
    assert ml.score("log_loss", uniform, y) == pytest.approx(1 / 3)


def test_confident_mistakes_score_near_zero_but_finite() -> None:
    y = np.array([0, 1])
    wrong = np.eye(2)[1 - y]
    assert ml.log_loss(wrong, y) == pytest.approx(-math.log(1e-15))
    assert 0 < ml.score("log_loss", wrong, y) < 1e-14
    assert ml.score("accuracy", wrong, y) == 0.0 and ml.score("macro_f1", wrong, y) == 0.0


def test_better_predictions_score_higher() -> None:
    y = np.array([0, 1, 1, 0])
    sharp = np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.6, 0.4]])
    vague = np.array([[0.6, 0.4], [0.45, 0.55], [0.4, 0.6], [0.55, 0.45]])
    assert ml.score("log_loss", sharp, y) > ml.score("log_loss", vague, y)


def test_score_rejects_bad_arguments() -> None:
    p = np.full((2, 2), 0.5)
    with pytest.raises(ml.TaskSpecError, match="unknown metric 'f1'"):
        ml.score("f1", p, np.array([0, 1]))
    with pytest.raises(InputError, match="do not match"):
        ml.score("accuracy", p, np.array([0, 1, 1]))
    with pytest.raises(InputError, match=r"labels must be in \[0, 2\)"):
        ml.score("accuracy", p, np.array([0, 2]))
    with pytest.raises(InputError, match="non-empty"):
        ml.score("accuracy", p[:0], np.array([], dtype=int))
