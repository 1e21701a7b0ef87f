"""Built-in datasets and splits: shapes, determinism, disjointness, secrets, bad parameters."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from noosphere import ml
from noosphere.ml.datasets import dataset_identity, pool_size, stable_order

from ._ml_models import SECRET, digits


@pytest.mark.parametrize(
    ("name", "shape"),
    [("digits", (1797, 64, 10)), ("breast_cancer", (569, 30, 2)), ("wine", (178, 13, 3))],
)
def test_file_datasets_have_their_shape_and_dtypes(name: str, shape: tuple[int, int, int]) -> None:
    data = ml.load_dataset(name)
    assert (data.n_samples, data.n_features, data.n_classes) == shape
    assert ml.dataset_shape(name) == ml.DatasetShape(*shape)
    assert data.X.dtype == np.float32 and data.y.dtype == np.int64
    assert set(np.unique(data.y).tolist()) == set(range(shape[2]))
    assert not data.X.flags.writeable


def test_synthetic_is_seeded_and_sized_by_its_params() -> None:
    params = {"n_samples": 300, "n_features": 12, "n_classes": 4, "seed": 7}
    a, b = ml.load_dataset("synthetic", params), ml.load_dataset("synthetic", params)
    assert (a.n_samples, a.n_features, a.n_classes) == (300, 12, 4)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    assert a.params == {**params, "n_informative": 6}
    c = ml.load_dataset("synthetic", {**params, "seed": 8})
    assert not np.array_equal(a.y, c.y)


def test_digits_content_and_split_are_pinned() -> None:
    """Golden values: a change here means nodes on other machines would disagree."""
    data = digits()
    assert data.fingerprint() == (
        "b3a2002a4808fd1d2eaae62a9a694d1a2f9da5a45de14ead9e089b5e4e94d722"
    )
    split = ml.split_indices(data)
    digest = hashlib.sha256(split.pool.astype("<i8").tobytes()).hexdigest()
    assert (split.public.shape[0], split.pool.shape[0]) == (1079, 718)
    assert split.pool[:5].tolist() == PINNED_POOL_HEAD
    assert digest == PINNED_POOL_SHA256


PINNED_POOL_HEAD = [2, 3, 6, 12, 13]
PINNED_POOL_SHA256 = "0a7fb37ffe635f8dbe41009456f634035a6d0d80db13b8d58842a0fa7148a0f7"


def test_stable_order_is_a_permutation_fixed_by_its_seed() -> None:
    order = stable_order(1000, 12345)
    assert sorted(order.tolist()) == list(range(1000))
    assert np.array_equal(order, stable_order(1000, 12345))
    assert not np.array_equal(order, stable_order(1000, 12346))
    assert stable_order(5, 2**255 + 3).tolist() == PINNED_SMALL_ORDER


PINNED_SMALL_ORDER = [3, 0, 2, 1, 4]


@pytest.mark.parametrize("name", ["digits", "breast_cancer", "wine"])
def test_public_split_and_pool_partition_the_rows(name: str) -> None:
    data = ml.load_dataset(name)
    split = ml.split_indices(data)
    assert np.intersect1d(split.public, split.pool).size == 0
    assert np.array_equal(np.union1d(split.public, split.pool), np.arange(data.n_samples))
    assert split.pool.shape[0] == pool_size(data.n_samples)
    public = ml.public_split(data)
    assert np.array_equal(public.X, data.X[split.public])


@settings(max_examples=25, deadline=None)
@given(secret=st.binary(min_size=16, max_size=64), round_=st.integers(0, 2**64 - 1))
def test_private_split_never_meets_the_public_split(secret: bytes, round_: int) -> None:
    data = digits()
    split = ml.split_indices(data)
    private = ml.private_split(data, secret, 200, round=round_)
    assert len(private) == 200 and np.unique(private.indices).shape[0] == 200
    assert np.intersect1d(private.indices, split.public).size == 0
    assert np.isin(private.indices, split.pool).all()
    assert np.array_equal(private.y, data.y[private.indices])


def test_private_split_depends_on_secret_and_round_only() -> None:
    data = digits()
    a = ml.private_split(data, SECRET, 100)
    assert np.array_equal(a.indices, ml.private_split(data, SECRET, 100).indices)
    other = ml.private_split(data, SECRET + b"x", 100)
    later = ml.private_split(data, SECRET, 100, round=1)
    assert not np.array_equal(a.indices, other.indices)
    assert not np.array_equal(a.indices, later.indices)
    assert len(ml.new_secret()) == 32 and ml.new_secret() != ml.new_secret()


def test_holdout_changes_the_cut_not_the_order() -> None:
    data = digits()
    small = ml.split_indices(data, 1000)
    large = ml.split_indices(data, 5000)
    assert np.isin(small.pool, large.pool).all()


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: ml.load_dataset("digit"), "did you mean 'digits'"),
        (lambda: ml.load_dataset("wine", {"seed": 1}), "takes no parameters"),
        (lambda: ml.load_dataset("synthetic", {"n_sample": 5}), "did you mean 'n_samples'"),
        (lambda: ml.load_dataset("synthetic", {"n_samples": 1.5}), "must be an integer"),
        (lambda: ml.load_dataset("synthetic", {"n_samples": 5}), r"in \[10, "),
        (
            lambda: ml.load_dataset("synthetic", {"n_samples": 2_000_000, "n_features": 2_000}),
            "n_samples \\* n_features",
        ),
        (
            lambda: ml.load_dataset("synthetic", {"n_features": 2, "n_classes": 3}),
            "n_informative",
        ),
        (lambda: ml.private_split(digits(), b"short", 10), "at least 16"),
        (lambda: ml.private_split(digits(), "text-secret-0123456", 10), "must be bytes"),
        (lambda: ml.private_split(digits(), SECRET, 719), r"\[1, 718\]"),
        (lambda: ml.private_split(digits(), SECRET, 10, round=-1), "round"),
        (lambda: ml.split_indices(digits(), 0), "holdout_bp"),
    ],
)
def test_bad_dataset_arguments_are_named(call, match: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ml.DatasetError, match=match):
        call()


def test_identity_names_normalised_params() -> None:
    assert dataset_identity("synthetic", {}) == dataset_identity(
        "synthetic", {"n_samples": 2000, "seed": 0}
    )
    assert dataset_identity("digits") == b'{"name":"digits","params":{}}'
