"""Miner recipes: each trains deterministically, exports to ONNX, and ONNX agrees with sklearn."""

from __future__ import annotations

import time

import numpy as np
import onnx
import pytest

from noosphere import ml

from ._ml_models import digits, digits_spec, eval_split, exported, trained


@pytest.mark.parametrize("recipe", ml.RECIPES)
def test_recipe_trains_exports_and_onnx_matches_sklearn(recipe: str) -> None:
    started = time.perf_counter()
    model = trained(recipe)
    elapsed = time.perf_counter() - started
    data = exported(recipe)
    ev = eval_split()
    assert elapsed < 5  # < 2 s on one core normally; slack for loaded CI machines
    assert ml.score_answers(ml.predict_batch(model, ev.X), ev.y, digits_spec()) > 0.85

    proto = onnx.load_from_string(data)
    assert [i.name for i in proto.graph.input] == ["input"]
    assert [o.name for o in proto.graph.output] == ["label", "probabilities"]
    domains = [o.domain for o in proto.opset_import]
    assert len(domains) == len(set(domains))
    info = ml.check_model(data, digits_spec())
    assert info.opset <= 17 and info.output_name == "probabilities"

    onnx_p = ml.predict_batch(data, ev.X)
    sk_p = model.predict_proba(ev.X)
    assert onnx_p.shape == (len(ev), 10)
    np.testing.assert_allclose(onnx_p, sk_p, atol=1e-5)
    assert np.array_equal(onnx_p.argmax(1), sk_p.argmax(1))


@pytest.mark.parametrize("recipe", ["logreg", "random_forest"])
def test_same_seed_gives_the_same_bytes(recipe: str) -> None:
    train = digits_spec().training_split(digits())
    again = ml.to_onnx(ml.train(recipe, train.X, train.y, seed=0), 64)
    assert again == exported(recipe)


def test_other_seed_gives_another_forest() -> None:
    assert exported("random_forest", seed=1) != exported("random_forest")


def test_params_override_defaults_and_are_checked() -> None:
    data = ml.load_dataset("wine")
    model = ml.train("random_forest", data.X, data.y, seed=3, n_estimators=3, max_depth=2)
    assert len(model.estimators_) == 3
    with pytest.raises(ml.RecipeError, match="no parameter 'n_estimator'; did you mean"):
        ml.train("random_forest", data.X, data.y, n_estimator=3)
    with pytest.raises(ml.RecipeError, match="random_state is set by the recipe"):
        ml.train("logreg", data.X, data.y, random_state=1)
    with pytest.raises(ml.RecipeError, match="failed to train"):
        ml.train("logreg", data.X, data.y, C=-1.0)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("svm",), "unknown recipe 'svm'"),
        (("mpl",), "did you mean 'mlp'"),
        (("logreg", "seed"), "seed must be an integer"),
    ],
)
def test_bad_recipe_arguments(args: tuple[str, ...], match: str) -> None:
    data = ml.load_dataset("wine")
    seed = -1 if len(args) > 1 else 0
    with pytest.raises(ml.RecipeError, match=match):
        ml.train(args[0], data.X, data.y, seed=seed)


def test_bad_training_data_is_rejected() -> None:
    data = ml.load_dataset("wine")
    with pytest.raises(ml.RecipeError, match="missing \\[1\\]"):
        ml.train("logreg", data.X[data.y != 1], data.y[data.y != 1])
    with pytest.raises(ml.RecipeError, match="integer labels"):
        ml.train("logreg", data.X, data.y.astype(float))
    with pytest.raises(ml.RecipeError, match="NaN"):
        ml.train("logreg", np.full_like(data.X, np.nan), data.y)
    with pytest.raises(ml.RecipeError, match="numeric"):
        ml.train("logreg", data.X[0], data.y)


def test_to_onnx_checks_its_model() -> None:
    with pytest.raises(ml.RecipeError, match="fitted on 64 features, not 30"):
        ml.to_onnx(trained("logreg"), 30)
    with pytest.raises(ml.RecipeError, match="not a fitted classifier"):
        ml.to_onnx(object(), 64)
