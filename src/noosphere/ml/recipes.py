"""Miner recipes: train a scikit-learn classifier deterministically and export it to ONNX.

Recipes (small defaults: each trains on the public split of ``digits`` in about a second on
one CPU core):

- ``logreg``: standardise, then multinomial logistic regression (lbfgs);
- ``mlp``: standardise, then a one-hidden-layer perceptron (adam);
- ``random_forest``: a random forest of depth-limited trees;
- ``gradient_boosting``: gradient-boosted trees (scikit-learn's ``GradientBoostingClassifier``;
  the histogram variant cannot be exported by skl2onnx 1.20 with scikit-learn 1.9).

Training runs with one thread (``threadpoolctl``) and ``random_state=seed``, so the same data,
seed and parameters give the same model, and :func:`to_onnx` the same bytes. Labels must be
``0..k-1`` with every class present, so that column ``j`` of the probabilities is class ``j``.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from noosphere.ml.errors import RecipeError

RECIPES = ("logreg", "mlp", "random_forest", "gradient_boosting")
"""Names of the training recipes."""

RECIPE_DEFAULTS: Mapping[str, Mapping[str, Any]] = {
    "logreg": {"C": 1.0, "max_iter": 300},
    "mlp": {"hidden_layer_sizes": (64,), "max_iter": 80, "alpha": 1e-4},
    "random_forest": {"n_estimators": 50, "max_depth": 12},
    "gradient_boosting": {
        "n_estimators": 20,
        "max_depth": 3,
        "learning_rate": 0.3,
        "subsample": 0.8,
        "max_features": "sqrt",
    },
}
"""The parameters each recipe uses unless given others."""

TARGET_OPSET = {"": 17, "ai.onnx.ml": 3}
"""Opsets :func:`to_onnx` targets (widely supported by onnxruntime releases)."""

_RESERVED = ("random_state", "n_jobs", "verbose", "warm_start")


def _estimator(recipe: str, seed: int, params: dict[str, Any]) -> Any:
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    if recipe == "logreg":
        return LogisticRegression(random_state=seed, **params)
    if recipe == "mlp":
        return MLPClassifier(random_state=seed, **params)
    if recipe == "random_forest":
        return RandomForestClassifier(random_state=seed, n_jobs=1, **params)
    return GradientBoostingClassifier(random_state=seed, **params)


def _check_data(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    try:
        features = np.asarray(X)
        labels = np.asarray(y)
    except (ValueError, TypeError) as exc:
        raise RecipeError(f"training data is not a rectangular array: {exc}") from None
    if features.dtype.kind not in "fiu" or features.ndim != 2 or features.shape[0] < 2:
        raise RecipeError(
            f"X must be a numeric [rows >= 2, features] array, not {features.dtype} "
            f"of shape {list(features.shape)}"
        )
    features = np.ascontiguousarray(features, dtype=np.float32)
    if not np.isfinite(features).all():
        raise RecipeError("X contains NaN or infinite values")
    if labels.dtype.kind not in "iu" or labels.shape != (features.shape[0],):
        raise RecipeError(
            f"y must be {features.shape[0]} integer labels, not {labels.dtype} "
            f"of shape {list(labels.shape)}"
        )
    labels = labels.astype(np.int64)
    classes = np.unique(labels)
    k = int(classes[-1]) + 1 if classes[0] >= 0 else 0
    if classes[0] < 0 or classes.shape[0] != k or k < 2:
        missing = sorted(set(range(max(k, 0))) - set(classes.tolist()))
        raise RecipeError(
            "labels must be 0..k-1 (k >= 2) with every class present"
            + (f"; missing {missing[:10]}" if missing else "")
        )
    return features, labels


def train(recipe: str, X: Any, y: Any, seed: int = 0, **params: Any) -> Any:
    """Train ``recipe`` on ``X`` (float features) and ``y`` (labels ``0..k-1``).

    ``params`` override :data:`RECIPE_DEFAULTS` (they are the scikit-learn estimator's
    parameters; ``random_state`` and ``n_jobs`` are fixed by the recipe). Deterministic given
    the data, ``seed`` and ``params``. Returns the fitted scikit-learn classifier (a pipeline
    with a standard scaler for ``logreg`` and ``mlp``).
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    if recipe not in RECIPES:
        close = difflib.get_close_matches(str(recipe), RECIPES, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; expected one of {RECIPES}"
        raise RecipeError(f"unknown recipe {recipe!r}{hint}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise RecipeError(f"seed must be an integer in [0, 2**32), not {seed!r}")
    features, labels = _check_data(X, y)
    merged = {**RECIPE_DEFAULTS[recipe], **params}
    known = set(_estimator(recipe, 0, {}).get_params()) - set(_RESERVED)
    for key in params:
        if key in _RESERVED:
            raise RecipeError(f"recipe {recipe!r}: {key} is set by the recipe (use seed=)")
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise RecipeError(f"recipe {recipe!r} has no parameter {key!r}{hint}")
    model = _estimator(recipe, seed, merged)
    if recipe in ("logreg", "mlp"):
        model = Pipeline([("scale", StandardScaler()), ("model", model)])
    try:
        with threadpool_limits(1), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(features, labels)
    except (ValueError, TypeError) as exc:
        raise RecipeError(f"recipe {recipe!r} failed to train: {exc}") from None
    return model


def _final(model: Any) -> Any:
    steps = getattr(model, "steps", None)
    return steps[-1][1] if steps else model


def to_onnx(model: Any, n_features: int) -> bytes:
    """Export a fitted classifier to ONNX bytes for a task.

    The graph has one float input ``input`` of shape ``[None, n_features]`` and the outputs
    ``label`` (int64) and ``probabilities`` (float, ``[None, n_classes]``, a plain tensor:
    ZipMap is disabled). Identical models give identical bytes.
    """
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType

    final = _final(model)
    classes = getattr(final, "classes_", None)
    if classes is None or not hasattr(model, "predict_proba"):
        raise RecipeError(f"cannot export a {type(model).__name__}: not a fitted classifier")
    if not np.array_equal(np.asarray(classes), np.arange(len(classes))):
        raise RecipeError("the classifier's classes must be 0..k-1 to export probabilities")
    fitted = getattr(model, "n_features_in_", None)
    if isinstance(n_features, bool) or not isinstance(n_features, int) or n_features != fitted:
        raise RecipeError(f"the model was fitted on {fitted} features, not {n_features!r}")
    try:
        proto = convert_sklearn(
            model,
            initial_types=[("input", FloatTensorType([None, n_features]))],
            options={type(final): {"zipmap": False}},
            target_opset=dict(TARGET_OPSET),
        )
    except Exception as exc:  # skl2onnx raises many types; none is a NoosphereError
        raise RecipeError(f"skl2onnx cannot export the {type(final).__name__}: {exc}") from None
    proto.graph.name = "noosphere_model"  # skl2onnx names the graph with a random UUID
    # skl2onnx can list the same opset twice; keep one entry per domain.
    seen: dict[str, int] = {}
    for entry in proto.opset_import:
        seen[entry.domain] = max(seen.get(entry.domain, 0), entry.version)
    del proto.opset_import[:]
    for domain, version in sorted(seen.items()):
        op = proto.opset_import.add()
        op.domain, op.version = domain, version
    outputs = [o.name for o in proto.graph.output]
    if "probabilities" not in outputs:
        raise RecipeError(f"the exported model has outputs {outputs}, not 'probabilities'")
    return bytes(proto.SerializeToString(deterministic=True))
