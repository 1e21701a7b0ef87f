"""Shared, cached material for the ML tests: the digits task, trained models, crafted ONNX."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from noosphere import ml

SECRET = b"validator-secret-0001"


@cache
def digits_spec(**overrides: Any) -> ml.TaskSpec:
    """The built-in digits task (submission mode), optionally with other limits."""
    limits = ml.Limits(**overrides) if overrides else None
    return ml.builtin_spec("digits", limits=limits)


@cache
def digits() -> ml.Dataset:
    """The digits dataset."""
    return ml.load_dataset("digits")


@cache
def trained(recipe: str, seed: int = 0) -> Any:
    """A recipe trained on the public split of digits."""
    train = digits_spec().training_split(digits())
    return ml.train(recipe, train.X, train.y, seed=seed)


@cache
def exported(recipe: str, seed: int = 0) -> bytes:
    """A recipe trained on digits and exported to ONNX."""
    return ml.to_onnx(trained(recipe, seed), 64)


def eval_split() -> ml.Subset:
    """A private evaluation split of the digits task."""
    return digits_spec().evaluation_split(SECRET, dataset=digits())


def make_model(
    nodes: list[Any],
    *,
    inputs: list[Any] | None = None,
    outputs: list[Any] | None = None,
    initializers: list[Any] | None = None,
    opset: int = 17,
    extra_opsets: list[Any] | None = None,
) -> bytes:
    """Serialise a hand-built ONNX graph (default: input [N, 64] -> probabilities [N, 10])."""
    graph = helper.make_graph(
        nodes,
        "crafted",
        inputs if inputs is not None else [float_tensor("input", ["N", 64])],
        outputs if outputs is not None else [float_tensor("probabilities", ["N", 10])],
        initializer=initializers or [],
    )
    opsets = [helper.make_opsetid("", opset), *(extra_opsets or [])]
    model = helper.make_model(graph, opset_imports=opsets)
    model.ir_version = 8
    return model.SerializeToString()


def float_tensor(name: str, shape: list[Any] | None) -> Any:
    """A float32 graph input/output declaration."""
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def weight(name: str, rows: int, cols: int, *, seed: int = 0, scale: float = 0.1) -> Any:
    """A float32 initializer of normal random values."""
    rng = np.random.default_rng(seed)
    return numpy_helper.from_array((rng.standard_normal((rows, cols)) * scale).astype("f4"), name)


def softmax_model(n_classes: int = 10) -> bytes:
    """A valid linear-softmax model: input [N, 64] -> probabilities [N, n_classes]."""
    return make_model(
        [
            helper.make_node("MatMul", ["input", "W"], ["logits"]),
            helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
        ],
        outputs=[float_tensor("probabilities", ["N", n_classes])],
        initializers=[weight("W", 64, n_classes)],
    )


def heavy_model(repeats: int = 3000) -> bytes:
    """A valid model that takes tens of seconds: a long chain of 512x512 matrix products."""
    nodes = [helper.make_node("MatMul", ["input", "W0"], ["t0"])]
    for i in range(repeats):
        nodes.append(helper.make_node("MatMul", [f"t{i}", "W"], [f"h{i + 1}"]))
        nodes.append(helper.make_node("Tanh", [f"h{i + 1}"], [f"t{i + 1}"]))
    nodes.append(helper.make_node("MatMul", [f"t{repeats}", "Wout"], ["logits"]))
    nodes.append(helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1))
    return make_model(
        nodes,
        initializers=[
            weight("W0", 64, 512),
            weight("W", 512, 512, seed=1),
            weight("Wout", 512, 10),
        ],
    )


def check(model: bytes) -> onnx.ModelProto:
    """Parse bytes (for assertions on crafted models)."""
    return onnx.load_from_string(model)
