"""Inference mode: miners answer batches with probabilities, validators check and score them.

A miner serves its own model with :class:`Predictor` (an in-process onnxruntime session: the
miner trusts its own model) or :func:`predict_batch`. A validator passes the answers it got to
:func:`score_answers`, which rejects garbage with :class:`InvalidPredictionsError` before
scoring. The same check (:func:`check_probabilities`) guards the outputs of submitted models.

What counts as probabilities: a finite real array of shape ``[rows, n_classes]`` whose entries
lie in ``[0, 1]`` and whose rows sum to 1, each within :data:`PROBABILITY_TOLERANCE` (answers
that crossed JSON may be rounded). Accepted rows are clipped to ``[0, 1]`` and renormalised.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from noosphere.errors import InputError
from noosphere.ml.errors import InvalidPredictionsError, ModelRejectedError
from noosphere.ml.metrics import score

if TYPE_CHECKING:
    from noosphere.ml.tasks import TaskSpec

PROBABILITY_TOLERANCE = 1e-3
"""How far an entry may fall outside [0, 1], or a row's sum from 1, and still be accepted."""


def check_features(X: Any, n_features: int) -> np.ndarray:
    """``X`` as a C-contiguous float32 ``[rows, n_features]`` array of finite values.

    Raises :class:`InputError` naming what is wrong (a miner should reject such a request).
    """
    try:
        arr = np.asarray(X)
    except (ValueError, TypeError) as exc:
        raise InputError(f"features are not a rectangular array: {exc}") from None
    if arr.dtype.kind not in "fiu":
        raise InputError(f"features must be numbers, not {arr.dtype}")
    if arr.ndim != 2 or arr.shape[1] != n_features or arr.shape[0] == 0:
        raise InputError(
            f"features must have shape [rows >= 1, {n_features}], not {list(arr.shape)}"
        )
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    if not np.isfinite(arr).all():
        raise InputError("features contain NaN or infinite values")
    return arr


def check_probabilities(answers: Any, n_rows: int, n_classes: int) -> np.ndarray:
    """Validate answers as probabilities (see the module notes); return them as float64.

    Raises :class:`InvalidPredictionsError` for the wrong shape or type, NaN or infinite
    values, entries outside [0, 1] or rows that do not sum to 1.
    """
    try:
        arr = np.asarray(answers)
    except (ValueError, TypeError) as exc:
        raise InvalidPredictionsError(f"answers are not a rectangular array: {exc}") from None
    if arr.dtype.kind not in "fiu":
        raise InvalidPredictionsError(f"answers must be real numbers, not {arr.dtype}")
    if arr.shape != (n_rows, n_classes):
        raise InvalidPredictionsError(
            f"answers have shape {list(arr.shape)}; expected [{n_rows}, {n_classes}]"
        )
    p = arr.astype(np.float64)
    bad = ~np.isfinite(p)
    if bad.any():
        row = int(np.argwhere(bad)[0][0])
        raise InvalidPredictionsError(f"answers contain NaN or infinite values (row {row})")
    tol = PROBABILITY_TOLERANCE
    if (p < -tol).any() or (p > 1 + tol).any():
        row = int(np.argwhere((p < -tol) | (p > 1 + tol))[0][0])
        raise InvalidPredictionsError(
            f"answers are not probabilities: row {row} has an entry outside [0, 1]"
        )
    p = np.clip(p, 0.0, 1.0)
    sums = p.sum(axis=1)
    off = np.abs(sums - 1.0) > tol
    if off.any():
        row = int(np.argmax(off))
        raise InvalidPredictionsError(
            f"answers are not probabilities: row {row} sums to {sums[row]:.6g}, not 1"
        )
    return p / sums[:, None]


def score_answers(probabilities: Any, y: Any, spec: TaskSpec) -> float:
    """Check a miner's answers for rows with labels ``y`` and score them by the task's metric.

    Returns a score in [0, 1] (higher is better); raises :class:`InvalidPredictionsError` for
    garbage answers.
    """
    labels = np.asarray(y, dtype=np.int64)
    if labels.ndim != 1 or labels.shape[0] == 0:
        raise InputError(f"labels must be a non-empty vector, not of shape {list(labels.shape)}")
    p = check_probabilities(probabilities, labels.shape[0], spec.n_classes)
    return score(spec.metric, p, labels)


class Predictor:
    """An ONNX model loaded in-process for serving (one thread, CPU): for a miner's own model.

    Untrusted models must go through :func:`noosphere.ml.evaluate` instead, which checks and
    runs them in a sandbox process.
    """

    def __init__(
        self, model: bytes, *, input_name: str = "input", output_name: str = "probabilities"
    ) -> None:
        """Load ONNX bytes; ``output_name`` is the probabilities output to return."""
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(
                bytes(model), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:
            raise ModelRejectedError(f"onnxruntime cannot load the model: {exc}") from None
        inputs = self._session.get_inputs()
        if len(inputs) != 1 or inputs[0].name != input_name:
            raise ModelRejectedError(f"the model must have one input named {input_name!r}")
        shape = inputs[0].shape
        self.n_features = shape[1] if len(shape) == 2 and isinstance(shape[1], int) else None
        if self.n_features is None:
            raise ModelRejectedError("the model's input must have shape [batch, n_features]")
        if output_name not in {o.name for o in self._session.get_outputs()}:
            raise ModelRejectedError(f"the model has no output named {output_name!r}")
        self.input_name = input_name
        self.output_name = output_name

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities (float32, ``[rows, n_classes]``) for the rows of ``X``."""
        features = check_features(X, int(self.n_features or 0))
        (out,) = self._session.run([self.output_name], {self.input_name: features})
        return np.asarray(out, dtype=np.float32)


def predict_batch(model: Any, X: Any) -> np.ndarray:
    """Probabilities (float32, ``[rows, n_classes]``) of ``model`` for a batch ``X``.

    ``model`` is ONNX bytes (loaded for this one call: keep a :class:`Predictor` to serve many
    batches), a :class:`Predictor`, or a fitted scikit-learn classifier.
    """
    if isinstance(model, bytes | bytearray | memoryview):
        model = Predictor(bytes(model))
    if isinstance(model, Predictor):
        return model.predict_proba(X)
    if not hasattr(model, "predict_proba"):
        raise InputError(f"cannot predict with a {type(model).__name__}: no predict_proba")
    n_features = getattr(model, "n_features_in_", None)
    if not isinstance(n_features, int):
        raise InputError(f"the {type(model).__name__} is not fitted")
    features = check_features(X, n_features)
    return np.asarray(model.predict_proba(features), dtype=np.float32)
