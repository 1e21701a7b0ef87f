"""Task specs: canonical JSON, CIDs, strict validation with errors naming the field."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from noosphere import ml
from noosphere.errors import NoosphereError
from noosphere.storage import Store, import_bytes, to_v1

from ._ml_models import SECRET, digits_spec


def spec_dict(**changes: Any) -> dict[str, Any]:
    """The digits spec as a dict, with top-level changes (None deletes a field)."""
    d = digits_spec().to_dict()
    for key, value in changes.items():
        if value is None:
            d.pop(key)
        else:
            d[key] = value
    return d


def dumps(obj: Any) -> bytes:
    return json.dumps(obj).encode()


def test_public_surface_is_pinned() -> None:
    assert sorted(ml.__all__) == sorted(
        [
            "ALLOWED_OPS",
            "BUILTIN_DATASETS",
            "DEFAULT_ALPHA",
            "METRICS",
            "MODES",
            "RECIPES",
            "RECIPE_DEFAULTS",
            "CidMismatchError",
            "Dataset",
            "DatasetError",
            "DatasetRef",
            "DatasetShape",
            "EvaluationError",
            "EvaluationTimeoutError",
            "InvalidPredictionsError",
            "Limits",
            "ModelInfo",
            "ModelRejectedError",
            "MovingScores",
            "Predictor",
            "RecipeError",
            "ScoreError",
            "Split",
            "Subset",
            "TaskSpec",
            "TaskSpecError",
            "U16Weights",
            "accuracy",
            "builtin_spec",
            "check_cid",
            "check_features",
            "check_model",
            "check_probabilities",
            "dataset_shape",
            "ema",
            "evaluate",
            "load_dataset",
            "load_spec",
            "log_loss",
            "macro_f1",
            "new_secret",
            "predict_batch",
            "private_split",
            "public_split",
            "run_sandboxed",
            "score",
            "score_answers",
            "split_indices",
            "to_onnx",
            "to_u16_weights",
            "train",
        ]
    )
    for name in ml.__all__:
        assert hasattr(ml, name), name


def test_canonical_bytes_round_trip_and_cid(tmp_path: Path) -> None:
    spec = digits_spec()
    data = spec.canonical_bytes()
    assert json.loads(data) == spec.to_dict()
    assert data == json.dumps(spec.to_dict(), sort_keys=True, separators=(",", ":")).encode()
    assert ml.load_spec(data) == spec
    assert spec.cid() == import_bytes(data).cid
    assert spec.cid() == Store(tmp_path, sync=False).put_bytes(data, hash_only=True)
    assert ml.load_spec(data, cid=spec.cid()) == spec
    assert ml.load_spec(data, cid=to_v1(spec.cid())) == spec


def test_non_canonical_documents_mean_the_same_spec() -> None:
    d = spec_dict(batch_size=None, limits=None)
    d["input"] = {"n_features": 64}
    d["output"] = {"n_classes": 10}
    d["dataset"] = {"source": "builtin", "name": "digits", "sha256": d["dataset"]["sha256"]}
    text = json.dumps(d, indent=2).encode()
    spec = ml.load_spec(text)
    assert spec == digits_spec()
    assert spec.cid() == digits_spec().cid()


def test_specs_that_differ_have_different_cids() -> None:
    a = ml.builtin_spec("digits")
    b = ml.builtin_spec("digits", metric="log_loss")
    c = ml.builtin_spec("digits", mode="inference")
    assert len({a.cid(), b.cid(), c.cid()}) == 3


def test_synthetic_spec_is_not_pinned_and_checks_the_pool() -> None:
    spec = ml.builtin_spec("synthetic", params={"n_samples": 500, "n_features": 8})
    assert spec.dataset.sha256 is None
    assert spec.n_features == 8 and spec.n_classes == 2 and spec.eval_size == 200
    assert ml.load_spec(spec.canonical_bytes()) == spec
    with pytest.raises(ml.TaskSpecError, match="eval_size: must not exceed the held-out pool"):
        ml.builtin_spec("synthetic", params={"n_samples": 500, "n_features": 8}, eval_size=201)


def test_data_nft_dataset_round_trips_but_does_not_load() -> None:
    d = spec_dict()
    d["dataset"] = {
        "source": "data_nft",
        "contract": "0x" + "AB" * 20,
        "token_id": 7,
        "sha256": "0" * 64,
    }
    spec = ml.load_spec(dumps(d))
    assert spec.dataset.contract == "0x" + "ab" * 20
    assert ml.load_spec(spec.canonical_bytes()) == spec
    with pytest.raises(ml.DatasetError, match="data market"):
        spec.load_dataset()


def test_pinned_sha256_is_checked_when_loading() -> None:
    d = spec_dict()
    d["dataset"]["sha256"] = "f" * 64
    spec = ml.load_spec(dumps(d))
    with pytest.raises(ml.DatasetError, match="pins ffff"):
        spec.evaluation_split(SECRET)


BAD_SPECS: list[tuple[Any, str]] = [
    (b"\xff\xfe", "not UTF-8"),
    (b"{", "not JSON"),
    (b"[]", "must be an object"),
    (dumps(spec_dict(eval_size=1.0)), "integers, not 1.0"),
    (b'{"eval_size": NaN}', "NaN is not allowed"),
    (b'{"mode": "inference", "mode": "submission"}', "'mode' appears twice"),
    (dumps(spec_dict(metirc="accuracy")), "metirc: unknown field; did you mean 'metric'"),
    (dumps(spec_dict(metric=None)), "metric: missing"),
    (dumps(spec_dict(mode="submision")), "mode: must be one of .*did you mean 'submission'"),
    (dumps(spec_dict(metric="f1")), "metric: must be one of accuracy, macro_f1, log_loss"),
    (dumps(spec_dict(schema="noosphere.task/2")), "schema: must be"),
    (dumps(spec_dict(eval_size=0)), r"eval_size: must be in \[1, "),
    (dumps(spec_dict(eval_size=True)), "eval_size: must be an integer"),
    (dumps(spec_dict(eval_size=719)), "eval_size: must not exceed the held-out pool of 718"),
    (dumps(spec_dict(batch_size=300)), "batch_size: must not exceed eval_size"),
    (dumps(spec_dict(input={"n_features": 63})), "input.n_features: 'digits' has 64 features"),
    (dumps(spec_dict(output={"n_classes": 2})), "output.n_classes: 'digits' has 10 classes"),
    (dumps(spec_dict(output={"n_classes": 10, "kind": "labels"})), "output.kind"),
    (dumps(spec_dict(input={"n_features": 64, "dtype": "float64"})), "input.dtype"),
    (dumps(spec_dict(input={"n_features": 64, "name": "in put"})), "input.name"),
    (dumps(spec_dict(limits={"max_model_bytes": 0})), "limits.max_model_bytes"),
    (dumps(spec_dict(limits={"max_eval_ms": 10**9})), "limits.max_eval_ms"),
    (dumps(spec_dict(limits={"max_eval_s": 5})), "limits.max_eval_s: unknown field"),
    (dumps(spec_dict(dataset={"name": "digits"})), "dataset.source: missing"),
    (dumps(spec_dict(dataset={"source": "builtin", "name": "mnist"})), "dataset.name"),
    (
        dumps(spec_dict(dataset={"source": "builtin", "name": "wine", "params": {"a": 1}})),
        "dataset.params: dataset 'wine' takes no parameters",
    ),
    (
        dumps(spec_dict(dataset={"source": "builtin", "name": "digits", "holdout_bp": 10000})),
        "dataset.holdout_bp",
    ),
    (
        dumps(spec_dict(dataset={"source": "builtin", "name": "digits", "sha256": "AB"})),
        "dataset.sha256",
    ),
    (
        dumps(
            spec_dict(
                dataset={
                    "source": "data_nft",
                    "contract": "0x12",
                    "token_id": 1,
                    "sha256": "0" * 64,
                }
            )
        ),
        "dataset.contract",
    ),
    (
        dumps(
            spec_dict(dataset={"source": "data_nft", "contract": "0x" + "1" * 40, "token_id": 1})
        ),
        "dataset.sha256: missing",
    ),
    (b"x" * (65 * 1024), "over the 65536 limit"),
]


@pytest.mark.parametrize(("data", "match"), BAD_SPECS)
def test_bad_specs_name_the_field(data: bytes, match: str) -> None:
    with pytest.raises(ml.TaskSpecError, match=match):
        ml.load_spec(data)


def test_spec_not_matching_its_cid_is_rejected() -> None:
    other = ml.builtin_spec("wine").cid()
    with pytest.raises(ml.TaskSpecError, match="does not match its CID"):
        ml.load_spec(digits_spec().canonical_bytes(), cid=other)


def test_constructor_validates_too() -> None:
    with pytest.raises(ml.TaskSpecError, match=r"input\.n_features"):
        ml.TaskSpec(mode="inference", dataset=ml.DatasetRef(name="wine"), n_features=5, n_classes=3)
    with pytest.raises(ml.TaskSpecError, match=r"dataset\.source"):
        ml.DatasetRef(source="ipfs")
    assert ml.Limits(max_eval_ms=1500).max_eval_seconds == 1.5
    small = ml.TaskSpec(
        mode="inference",
        dataset=ml.DatasetRef(name="wine"),
        n_features=13,
        n_classes=3,
        eval_size=20,
    )
    assert small.batch_size == 20 and small.limits == ml.Limits()
    nft = ml.DatasetRef(source="data_nft", contract="0x" + "0" * 40, token_id=1, sha256="a" * 64)
    assert nft.shape() is None and nft.name is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(
    base=st.sampled_from(["root", "dataset", "input", "output", "limits"]),
    key=st.sampled_from(
        [
            "mode",
            "name",
            "n_features",
            "n_classes",
            "eval_size",
            "metric",
            "source",
            "params",
            "max_eval_ms",
            "extra",
        ]
    ),
    value=json_values,
)
def test_fuzzed_specs_raise_only_task_spec_errors(base: str, key: str, value: Any) -> None:
    d = spec_dict()
    target = d if base == "root" else d[base]
    target[key] = value
    with contextlib.suppress(ml.TaskSpecError):
        ml.load_spec(dumps(d))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_raise_only_noosphere_errors(data: bytes) -> None:
    with pytest.raises(NoosphereError):
        ml.load_spec(data)
