"""Inference mode: miners' predictions, validators' checks of answers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from noosphere import ml
from noosphere.errors import InputError

from ._ml_models import digits_spec, eval_split, exported, softmax_model, trained

SPEC = ml.builtin_spec("digits", mode="inference", metric="log_loss")


def test_answers_that_crossed_json_are_scored() -> None:
    ev = eval_split()
    answers = json.loads(json.dumps(np.round(trained("mlp").predict_proba(ev.X), 4).tolist()))
    got = ml.score_answers(answers, ev.y, SPEC)
    exact = ml.score_answers(trained("mlp").predict_proba(ev.X), ev.y, SPEC)
    assert got == pytest.approx(exact, rel=1e-2)


def test_predictor_serves_many_batches_like_sklearn() -> None:
    ev = eval_split()
    predictor = ml.Predictor(exported("logreg"))
    assert predictor.n_features == 64
    for start in range(0, 128, 32):
        batch = ev.X[start : start + 32]
        np.testing.assert_allclose(
            predictor.predict_proba(batch), trained("logreg").predict_proba(batch), atol=1e-5
        )
    np.testing.assert_array_equal(
        ml.predict_batch(predictor, ev.X[:3]), predictor.predict_proba(ev.X[:3])
    )
    assert ml.predict_batch(trained("logreg"), ev.X[:3].tolist()).dtype == np.float32


@pytest.mark.parametrize(
    ("answers", "match"),
    [
        ("garbage", "real numbers"),
        ([[0.5, 0.5], [1.0]], "rectangular|real numbers"),
        ([[0.1] * 10] * 3, r"shape \[3, 10\]; expected \[4, 10\]"),
        ([[0.1] * 9] * 4, r"expected \[4, 10\]"),
        ([[float("nan")] + [0.1] * 9] * 4, "NaN"),
        ([[-0.5, 0.6] + [0.1] * 8] * 4, r"outside \[0, 1\]"),
        ([[0.2] * 10] * 4, "sums to 2"),
        ([[True] * 10] * 4, "real numbers"),
    ],
)
def test_garbage_answers_are_rejected(answers: object, match: str) -> None:
    with pytest.raises(ml.InvalidPredictionsError, match=match):
        ml.score_answers(answers, [0, 1, 2, 3], SPEC)


def test_check_probabilities_renormalises_within_tolerance() -> None:
    p = ml.check_probabilities([[0.5004, 0.5], [1.0005, -0.0004]], 2, 2)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert (p >= 0).all()


def test_features_are_checked() -> None:
    with pytest.raises(InputError, match=r"shape \[rows >= 1, 64\]"):
        ml.check_features(np.zeros((2, 3)), 64)
    with pytest.raises(InputError, match="NaN"):
        ml.check_features(np.full((1, 64), np.inf), 64)
    with pytest.raises(InputError, match="numbers"):
        ml.check_features([["a"] * 64], 64)
    assert ml.check_features([[1] * 64], 64).dtype == np.float32


def test_predictor_rejects_unusable_models() -> None:
    with pytest.raises(ml.ModelRejectedError, match="cannot load"):
        ml.Predictor(b"nonsense")
    with pytest.raises(ml.ModelRejectedError, match="no output named 'proba'"):
        ml.Predictor(softmax_model(), output_name="proba")
    with pytest.raises(InputError, match="no predict_proba"):
        ml.predict_batch(object(), np.zeros((1, 64)))
    assert digits_spec().mode == "submission" and SPEC.mode == "inference"
