"""Task metrics, each turned into a score in [0, 1] where higher is better.

- ``accuracy``: the share of rows whose most probable class (lowest index on ties) is the label.
- ``macro_f1``: the unweighted mean of per-class F1 over the classes that occur as a label or
  as a prediction (scikit-learn's ``f1_score(average="macro", zero_division=0)``).
- ``log_loss``: the mean of ``-ln p[label]`` with ``p`` clipped to ``[1e-15, 1]``, scored as
  ``exp(-log_loss)``: the geometric mean of the probability given to the true class (1 for a
  perfect model, 1/n_classes for a uniform guess, near 0 for confident mistakes).

All are float64 numpy on validated inputs (see :func:`noosphere.ml.check_probabilities`):
the same arrays give the same score on every run.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from noosphere.errors import InputError
from noosphere.ml.errors import TaskSpecError

METRICS = ("accuracy", "macro_f1", "log_loss")
"""Names of the metrics a task spec can use."""

LOG_LOSS_EPS = 1e-15
"""Probabilities are clipped to ``[LOG_LOSS_EPS, 1]`` before taking the log."""


def accuracy(probabilities: np.ndarray, y: np.ndarray) -> float:
    """Share of rows whose arg-max class equals the label, in [0, 1]."""
    predicted = np.argmax(probabilities, axis=1)
    return float(np.mean(predicted == y))


def macro_f1(probabilities: np.ndarray, y: np.ndarray) -> float:
    """Macro-averaged F1 of the arg-max predictions, in [0, 1] (see the module notes)."""
    predicted = np.argmax(probabilities, axis=1)
    n_classes = max(int(probabilities.shape[1]), int(y.max()) + 1)
    tp = np.bincount(y[predicted == y], minlength=n_classes).astype(np.float64)
    n_true = np.bincount(y, minlength=n_classes).astype(np.float64)
    n_pred = np.bincount(predicted, minlength=n_classes).astype(np.float64)
    present = (n_true + n_pred) > 0
    denom = n_true + n_pred
    f1 = np.divide(2.0 * tp, denom, out=np.zeros_like(tp), where=denom > 0)
    return float(np.mean(f1[present]))


def log_loss(probabilities: np.ndarray, y: np.ndarray) -> float:
    """Mean negative log-probability of the true class (clipped), in [0, ~34.5]."""
    p = probabilities[np.arange(y.shape[0]), y].astype(np.float64)
    return float(np.mean(-np.log(np.clip(p, LOG_LOSS_EPS, 1.0))))


def log_loss_score(probabilities: np.ndarray, y: np.ndarray) -> float:
    """``exp(-log_loss)``: the log loss as a score in (0, 1], higher is better."""
    return math.exp(-log_loss(probabilities, y))


_SCORERS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "accuracy": accuracy,
    "macro_f1": macro_f1,
    "log_loss": log_loss_score,
}


def score(metric: str, probabilities: np.ndarray, y: np.ndarray) -> float:
    """The score in [0, 1] (higher is better) of ``metric`` for validated probabilities.

    ``probabilities`` is float (rows x classes, rows summing to 1); ``y`` int labels per row.
    """
    try:
        scorer = _SCORERS[metric]
    except KeyError:
        raise TaskSpecError(
            f"unknown metric {metric!r}; expected one of {', '.join(METRICS)}"
        ) from None
    p = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    if y.ndim != 1 or y.shape[0] == 0:
        raise InputError(f"labels must be a non-empty vector, not of shape {y.shape}")
    if p.ndim != 2 or p.shape[0] != y.shape[0]:
        raise InputError(f"probabilities of shape {p.shape} do not match {y.shape[0]} labels")
    if int(y.min()) < 0 or int(y.max()) >= p.shape[1]:
        raise InputError(f"labels must be in [0, {p.shape[1]}) for {p.shape[1]} classes")
    return scorer(p, y)
