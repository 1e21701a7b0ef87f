"""Sandboxed evaluation: real scores, wall-clock limits, garbage outputs, CID checks."""

from __future__ import annotations

import time

import numpy as np
import pytest
from onnx import helper, numpy_helper

from noosphere import ml
from noosphere.errors import InputError
from noosphere.storage import import_bytes

from ._ml_models import (
    digits_spec,
    eval_split,
    exported,
    float_tensor,
    heavy_model,
    make_model,
    trained,
    weight,
)


def test_evaluate_scores_a_submitted_model_like_sklearn() -> None:
    spec, ev, data = digits_spec(), eval_split(), exported("gradient_boosting")
    got = ml.evaluate(data, ev.X, ev.y, spec, cid=import_bytes(data).cid)
    expected = ml.score_answers(trained("gradient_boosting").predict_proba(ev.X), ev.y, spec)
    assert got == pytest.approx(expected, abs=1 / len(ev))
    assert 0.85 < got <= 1.0


def test_evaluate_rejects_a_cid_mismatch_before_running() -> None:
    ev = eval_split()
    other = import_bytes(exported("logreg")).cid
    with pytest.raises(ml.CidMismatchError):
        ml.evaluate(exported("mlp"), ev.X, ev.y, digits_spec(), cid=other)


def test_evaluate_rejects_bad_artifacts_before_running() -> None:
    ev = eval_split()
    with pytest.raises(ml.ModelRejectedError, match="over the task's limit"):
        ml.evaluate(exported("random_forest"), ev.X, ev.y, digits_spec(max_model_bytes=10_000))
    with pytest.raises(ml.ModelRejectedError, match="not an ONNX model"):
        ml.evaluate(b"\x00\xff" * 10, ev.X, ev.y, digits_spec())


def test_a_tiny_time_limit_stops_the_sandbox() -> None:
    ev = eval_split()
    started = time.monotonic()
    with pytest.raises(ml.EvaluationTimeoutError, match=r"limit of 0\.001 s"):
        ml.evaluate(exported("logreg"), ev.X, ev.y, digits_spec(max_eval_ms=1))
    assert time.monotonic() - started < 5


def test_a_heavy_model_is_killed_at_the_limit() -> None:
    ev = eval_split()
    model = heavy_model()
    spec = digits_spec(max_eval_ms=1500)
    ml.check_model(model, spec)  # a legal model: only its run time is the problem
    started = time.monotonic()
    with pytest.raises(ml.EvaluationTimeoutError, match="stopped"):
        ml.evaluate(model, ev.X, ev.y, spec)
    assert time.monotonic() - started < 4.5


def _linear(tail: list[object], n_out: int = 10, scale: float = 0.1) -> bytes:
    return make_model(
        [helper.make_node("MatMul", ["input", "W"], ["logits"]), *tail],
        outputs=[float_tensor("probabilities", ["N", 10])],
        initializers=[weight("W", 64, n_out, scale=scale)],
    )


@pytest.mark.parametrize(
    ("model", "match"),
    [
        # logits are not probabilities: negative entries
        (
            _linear([helper.make_node("Identity", ["logits"], ["probabilities"])]),
            "outside \\[0, 1\\]",
        ),
        # log of a negative number: NaN
        (
            _linear(
                [
                    helper.make_node("Softmax", ["logits"], ["p"], axis=1),
                    helper.make_node("Neg", ["p"], ["n"]),
                    helper.make_node("Log", ["n"], ["probabilities"]),
                ]
            ),
            "NaN",
        ),
        # entries in [0, 1] whose rows do not sum to 1
        (_linear([helper.make_node("Sigmoid", ["logits"], ["probabilities"])]), "sums to"),
        # declares [N, 10] but returns [N, 5]
        (
            _linear([helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1)], n_out=5),
            "shape \\[64, 5\\]",
        ),
    ],
    ids=["negative", "nan", "not-normalised", "wrong-shape"],
)
def test_garbage_outputs_are_rejected(model: bytes, match: str) -> None:
    ev = eval_split()
    with pytest.raises(ml.InvalidPredictionsError, match=match):
        ml.evaluate(model, ev.X, ev.y, digits_spec())


def test_a_memory_bomb_hits_the_memory_limit() -> None:
    """Two outer products make a [batch, 4096, 4096] tensor: 4 GiB for a batch of 64."""
    shape = numpy_helper.from_array(np.array([0, -1], np.int64), "shape")
    axes = numpy_helper.from_array(np.array([2], np.int64), "axes")
    bomb = make_model(
        [
            helper.make_node("Einsum", ["input", "input"], ["a"], equation="ni,nj->nij"),
            helper.make_node("Reshape", ["a", "shape"], ["b"]),
            helper.make_node("Einsum", ["b", "b"], ["c"], equation="ni,nj->nij"),
            helper.make_node("ReduceSum", ["c", "axes"], ["d"], keepdims=0),
            helper.make_node("MatMul", ["d", "W"], ["logits"]),
            helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
        ],
        initializers=[shape, axes, weight("W", 4096, 10)],
    )
    ev = eval_split()
    with pytest.raises(ml.EvaluationError, match="ran out of memory"):
        ml.evaluate(bomb, ev.X, ev.y, digits_spec(), max_memory=1 << 30)
    with pytest.raises(ml.EvaluationError, match="ran out of memory"):
        ml.evaluate(exported("logreg"), ev.X, ev.y, digits_spec(), max_memory=32 << 20)


def test_run_sandboxed_rejects_a_bad_timeout() -> None:
    with pytest.raises(InputError, match="timeout"):
        ml.run_sandboxed(b"", np.zeros((1, 64), np.float32), n_classes=10, timeout=0)


def test_evaluate_checks_its_data() -> None:
    ev = eval_split()
    with pytest.raises(InputError, match="shape"):
        ml.evaluate(exported("logreg"), ev.X[:, :10], ev.y, digits_spec())
    with pytest.raises(InputError, match="labels"):
        ml.evaluate(exported("logreg"), ev.X, ev.y[:5], digits_spec())
