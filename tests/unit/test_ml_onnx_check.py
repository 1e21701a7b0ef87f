"""Static ONNX checks: every kind of bad artifact is rejected with a message naming the problem."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper

from noosphere import ml
from noosphere.errors import IntegrityError, InvalidCidError
from noosphere.storage import import_bytes, to_v1

from ._ml_models import (
    digits_spec,
    exported,
    float_tensor,
    make_model,
    softmax_model,
    trained,
    weight,
)

SPEC = digits_spec()


def test_a_crafted_valid_model_passes() -> None:
    info = ml.check_model(softmax_model(), SPEC)
    assert info.op_types == {"MatMul", "Softmax"} and info.n_nodes == 2


def test_oversized_model_is_rejected_before_parsing() -> None:
    small = digits_spec(max_model_bytes=1000)
    with pytest.raises(ml.ModelRejectedError, match="over the task's limit of 1_000 bytes"):
        ml.check_model(exported("logreg"), small)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"", "empty"),
        (b"\xff\xff\xff\xff", "not an ONNX model"),
        (b"hello, world", "not an ONNX model|IR version"),
        (b"\x08\x00", "IR version 0"),
        ("text", "expected bytes"),
    ],
)
def test_malformed_bytes_are_rejected(data: bytes, match: str) -> None:
    with pytest.raises(ml.ModelRejectedError, match=match):
        ml.check_model(data, SPEC)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_pass(data: bytes) -> None:
    with pytest.raises(ml.ModelRejectedError):
        ml.check_model(data, SPEC)


def test_wrong_input_shape_is_rejected() -> None:
    data = ml.load_dataset("breast_cancer")
    model = ml.to_onnx(ml.train("logreg", data.X, data.y), 30)
    with pytest.raises(ml.ModelRejectedError, match=r"input 'input' has shape \[None, 30\]"):
        ml.check_model(model, SPEC)


def test_wrong_number_of_classes_is_rejected() -> None:
    with pytest.raises(ml.ModelRejectedError, match=r"output 'probabilities' .*n_classes = 10"):
        ml.check_model(softmax_model(n_classes=5), SPEC)


def test_zipmap_output_is_rejected() -> None:
    from skl2onnx import to_onnx

    model = to_onnx(trained("logreg"), np.zeros((1, 64), np.float32))
    proto = model.graph
    proto.input[0].name = "input"
    for node in proto.node:
        node.input[:] = ["input" if i == "X" else i for i in node.input]
    proto.output[1].name = "probabilities"
    for node in proto.node:
        node.output[:] = ["probabilities" if o == "output_probability" else o for o in node.output]
    with pytest.raises(ml.ModelRejectedError, match=r"ZipMap .* not allowed .*disable ZipMap"):
        ml.check_model(model.SerializeToString(), SPEC)


def matmul_softmax(*extra: object) -> list[object]:
    return [
        helper.make_node("MatMul", ["input", "W"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
        *extra,
    ]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"inputs": [float_tensor("x", ["N", 64])]}, "input is named 'x', not 'input'"),
        (
            {"inputs": [float_tensor("input", ["N", 64]), float_tensor("extra", ["N", 1])]},
            "exactly one input",
        ),
        ({"inputs": [float_tensor("input", [8, 64])]}, "fixed batch size 8"),
        ({"inputs": [float_tensor("input", ["N", 64, 1])]}, r"shape \['N', 64, 1\]"),
        ({"inputs": [float_tensor("input", None)]}, "shape unknown"),
        (
            {"inputs": [helper.make_tensor_value_info("input", TensorProto.DOUBLE, ["N", 64])]},
            "element type double",
        ),
        ({"outputs": [float_tensor("probs", ["N", 10])]}, "no output named 'probabilities'"),
        ({"opset": 7}, r"opset 7 is outside"),
        ({"opset": 99}, r"opset 99 is outside"),
        ({"extra_opsets": [helper.make_opsetid("com.microsoft", 1)]}, "domain 'com.microsoft'"),
    ],
)
def test_bad_interfaces_are_rejected(kwargs: dict[str, object], match: str) -> None:
    nodes = matmul_softmax()
    if "inputs" in kwargs and kwargs["inputs"][0].name == "x":  # type: ignore[index]
        nodes[0].input[0] = "x"  # type: ignore[attr-defined]
    if "outputs" in kwargs:
        nodes[1].output[0] = "probs"  # type: ignore[attr-defined]
    with pytest.raises(ml.ModelRejectedError, match=match):
        ml.check_model(make_model(nodes, initializers=[weight("W", 64, 10)], **kwargs), SPEC)


def test_disallowed_operators_are_rejected() -> None:
    shape = numpy_helper.from_array(np.array([2, 64], np.int64), "shape")
    expand = make_model(
        [
            helper.make_node("Expand", ["input", "shape"], ["big"]),
            helper.make_node("MatMul", ["big", "W"], ["logits"]),
            helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
        ],
        initializers=[shape, weight("W", 64, 10)],
    )
    with pytest.raises(ml.ModelRejectedError, match=r"operator Expand .* is not allowed"):
        ml.check_model(expand, SPEC)
    custom = make_model(
        [
            helper.make_node("MatMul", ["input", "W"], ["logits"]),
            helper.make_node("Evil", ["logits"], ["probabilities"], domain="com.example"),
        ],
        initializers=[weight("W", 64, 10)],
        extra_opsets=[helper.make_opsetid("com.example", 1)],
    )
    with pytest.raises(ml.ModelRejectedError, match=r"domain 'com\.example'"):
        ml.check_model(custom, SPEC)


def test_control_flow_is_rejected() -> None:
    branch = helper.make_graph(
        [helper.make_node("Identity", ["logits"], ["out"])], "b", [], [float_tensor("out", None)]
    )
    cond = numpy_helper.from_array(np.array(True), "cond")
    model = make_model(
        [
            helper.make_node("MatMul", ["input", "W"], ["logits"]),
            helper.make_node(
                "If", ["cond"], ["probabilities"], then_branch=branch, else_branch=branch
            ),
        ],
        initializers=[weight("W", 64, 10), cond],
    )
    with pytest.raises(ml.ModelRejectedError, match="operator If"):
        ml.check_model(model, SPEC)


def test_external_data_is_rejected() -> None:
    w = weight("W", 64, 10)
    w.ClearField("raw_data")
    w.data_location = TensorProto.EXTERNAL
    entry = w.external_data.add()
    entry.key, entry.value = "location", "/etc/passwd"
    model = make_model(matmul_softmax(), initializers=[w])
    with pytest.raises(ml.ModelRejectedError, match="external data"):
        ml.check_model(model, SPEC)


def test_checker_failures_are_rejected() -> None:
    dangling = make_model(
        [helper.make_node("Softmax", ["nowhere"], ["probabilities"], axis=1)],
    )
    with pytest.raises(ml.ModelRejectedError, match="fails ONNX validation"):
        ml.check_model(dangling, SPEC)


def test_check_cid_accepts_v0_and_v1_and_rejects_others() -> None:
    data = exported("logreg")
    cid = import_bytes(data).cid
    assert ml.check_cid(data, cid) == cid
    assert ml.check_cid(data, to_v1(cid)) is not None
    assert ml.check_cid(data, str(cid)) == cid
    tampered = data[:-1] + bytes([data[-1] ^ 1])
    with pytest.raises(ml.CidMismatchError, match="does not match its CID") as info:
        ml.check_cid(tampered, cid)
    assert isinstance(info.value, ml.ModelRejectedError)
    assert isinstance(info.value, IntegrityError)
    with pytest.raises(InvalidCidError):
        ml.check_cid(data, "not-a-cid")
