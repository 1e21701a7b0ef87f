"""Static checks of an ONNX model artifact before anything runs it.

:func:`check_model` rejects, with a :class:`ModelRejectedError` that says what is wrong:

- an artifact over the task's ``max_model_bytes``, empty, or not an ONNX protobuf;
- an IR version or opset this ``onnx`` does not know, or an operator domain other than the
  standard one and ``ai.onnx.ml``; model-local functions;
- an operator outside :data:`ALLOWED_OPS`: no control flow or subgraphs (``Loop``, ``If``,
  ``Scan``), no randomness, no operators that create tensors of a size read from data
  (``Expand``, ``Tile``, ``ConstantOfShape``, ``Range``, ``Pad``, ``Resize``), no ``ZipMap``
  (outputs must be plain tensors), no custom or contrib operators;
- a tensor stored outside the file (external data could name any file on the validator);
- a model that fails ``onnx.checker``;
- inputs other than exactly one float tensor named as the task says, of shape
  ``[batch, n_features]`` with a free batch dimension;
- no float output of that name and shape ``[batch, n_classes]``.

:func:`check_cid` checks that an artifact hashes to the CID it was committed under.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from noosphere.errors import InvalidCidError
from noosphere.ml.errors import CidMismatchError, ModelRejectedError

if TYPE_CHECKING:
    from multiformats import CID

    from noosphere.ml.tasks import TaskSpec

MIN_IR_VERSION = 3
MIN_OPSET = 9
"""Oldest default-domain opset accepted."""

MAX_NODES = 100_000
"""A model graph has at most this many nodes."""

# fmt: off
_DEFAULT_OPS = frozenset(
    [
        "Abs", "Acos", "Acosh", "Add", "And", "ArgMax", "ArgMin", "Asin", "Asinh", "Atan", "Atanh",
        "AveragePool", "BatchNormalization", "Cast", "CastLike", "Ceil", "Celu", "Clip", "Concat",
        "Constant", "Conv", "Cos", "Cosh", "CumSum", "Div", "Dropout", "Einsum", "Elu", "Equal",
        "Erf", "Exp", "Flatten", "Floor", "Gather", "GatherElements", "Gelu", "Gemm",
        "GlobalAveragePool", "GlobalMaxPool", "Greater", "GreaterOrEqual", "HardSigmoid",
        "HardSwish", "Identity", "InstanceNormalization", "IsInf", "IsNaN", "LayerNormalization",
        "LeakyRelu", "Less", "LessOrEqual", "Log", "LogSoftmax", "LpNormalization", "MatMul", "Max",
        "MaxPool", "Mean", "Min", "Mish", "Mod", "Mul", "Neg", "Not", "Or", "PRelu", "Pow",
        "Reciprocal", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax",
        "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSum", "ReduceSumSquare", "Relu", "Reshape",
        "Round", "Selu", "Shape", "Sigmoid", "Sign", "Sin", "Sinh", "Size", "Slice", "Softmax",
        "Softplus", "Softsign", "Split", "Sqrt", "Squeeze", "Sub", "Sum", "Tan", "Tanh",
        "ThresholdedRelu", "TopK", "Transpose", "Unsqueeze", "Where", "Xor",
    ]
)
_ML_OPS = frozenset(
    [
        "ArrayFeatureExtractor", "Binarizer", "FeatureVectorizer", "Imputer", "LabelEncoder",
        "LinearClassifier", "LinearRegressor", "Normalizer", "Scaler", "SVMClassifier",
        "SVMRegressor", "TreeEnsemble", "TreeEnsembleClassifier", "TreeEnsembleRegressor",
    ]
)
# fmt: on
ALLOWED_OPS: dict[str, frozenset[str]] = {"": _DEFAULT_OPS, "ai.onnx.ml": _ML_OPS}
"""Operator types accepted per domain (``""`` is the standard ONNX domain)."""

_EXTERNAL = 1  # onnx.TensorProto.EXTERNAL
_FLOAT = 1  # onnx.TensorProto.FLOAT


@dataclass(frozen=True)
class ModelInfo:
    """What :func:`check_model` learned about an accepted model."""

    size: int
    ir_version: int
    opset: int
    ml_opset: int | None
    n_nodes: int
    op_types: frozenset[str]
    input_name: str
    output_name: str


def _reject(what: str) -> ModelRejectedError:
    return ModelRejectedError(f"model rejected: {what}")


def _dims(value_info: Any) -> list[int | str | None] | None:
    """The dims of a tensor value_info: int (fixed), str (symbolic), None (unknown)."""
    tensor = value_info.type.tensor_type
    if not tensor.HasField("shape"):
        return None
    out: list[int | str | None] = []
    for dim in tensor.shape.dim:
        if dim.HasField("dim_value"):
            out.append(int(dim.dim_value))
        elif dim.HasField("dim_param"):
            out.append(dim.dim_param)
        else:
            out.append(None)
    return out


def _check_tensors(tensors: Any, where: str) -> None:
    for t in tensors:
        if t.data_location == _EXTERNAL or len(t.external_data):
            raise _reject(f"{where} tensor {t.name!r} refers to external data; embed all weights")


def _check_nodes(model: Any) -> tuple[int, frozenset[str]]:
    graph = model.graph
    if len(graph.node) == 0:
        raise _reject("the graph has no nodes")
    if len(graph.node) > MAX_NODES:
        raise _reject(f"the graph has {len(graph.node)} nodes, more than {MAX_NODES}")
    if len(model.functions):
        raise _reject("model-local functions are not allowed")
    _check_tensors(graph.initializer, "initializer")
    _check_tensors((s.values for s in graph.sparse_initializer), "sparse initializer")
    ops: set[str] = set()
    for node in graph.node:
        domain = "" if node.domain in ("", "ai.onnx") else node.domain
        allowed = ALLOWED_OPS.get(domain)
        if allowed is None:
            raise _reject(f"node {node.name!r} uses operator domain {node.domain!r}")
        if node.op_type not in allowed:
            where = f"{domain}." if domain else ""
            why = (
                " (outputs must be plain tensors: disable ZipMap)"
                if node.op_type == "ZipMap"
                else ""
            )
            raise _reject(
                f"operator {where}{node.op_type} (node {node.name!r}) is not allowed{why}"
            )
        for attr in node.attribute:
            if attr.HasField("g") or len(attr.graphs):
                raise _reject(f"node {node.name!r} has a subgraph; control flow is not allowed")
            if attr.HasField("t"):
                _check_tensors([attr.t], f"node {node.name!r}")
            _check_tensors(attr.tensors, f"node {node.name!r}")
            if attr.HasField("sparse_tensor"):
                _check_tensors([attr.sparse_tensor.values], f"node {node.name!r}")
        ops.add(node.op_type)
    return len(graph.node), frozenset(ops)


def _check_opsets(model: Any) -> tuple[int, int | None]:
    import onnx

    versions: dict[str, int] = {}
    for entry in model.opset_import:
        domain = "" if entry.domain in ("", "ai.onnx") else entry.domain
        if domain not in ALLOWED_OPS:
            raise _reject(f"it imports operator domain {entry.domain!r}")
        if versions.setdefault(domain, entry.version) != entry.version:
            raise _reject(f"it imports two versions of opset {domain or 'ai.onnx'!r}")
    opset = versions.get("")
    max_opset = onnx.defs.onnx_opset_version()
    if opset is None or not MIN_OPSET <= opset <= max_opset:
        raise _reject(f"opset {opset} is outside the supported range [{MIN_OPSET}, {max_opset}]")
    ml = versions.get("ai.onnx.ml")
    max_ml = onnx.defs.onnx_ml_opset_version()
    if ml is not None and not 1 <= ml <= max_ml:
        raise _reject(f"ai.onnx.ml opset {ml} is outside the supported range [1, {max_ml}]")
    return opset, ml


def _check_io(model: Any, spec: TaskSpec) -> None:
    graph = model.graph
    initializers = {t.name for t in graph.initializer}
    inputs = [i for i in graph.input if i.name not in initializers]
    if len(inputs) != 1:
        names = ", ".join(repr(i.name) for i in inputs) or "none"
        raise _reject(f"it must have exactly one input, {spec.input_name!r}; it has {names}")
    inp = inputs[0]
    if inp.name != spec.input_name:
        raise _reject(f"its input is named {inp.name!r}, not {spec.input_name!r}")
    _check_tensor_type(inp, "input", [None, spec.n_features], "n_features")
    outputs = {o.name: o for o in graph.output}
    if spec.output_name not in outputs:
        names = ", ".join(repr(n) for n in outputs) or "none"
        raise _reject(f"it has no output named {spec.output_name!r} (outputs: {names})")
    _check_tensor_type(outputs[spec.output_name], "output", [None, spec.n_classes], "n_classes")


def _check_tensor_type(value_info: Any, role: str, want: list[int | None], what: str) -> None:
    name = value_info.name
    if value_info.type.WhichOneof("value") != "tensor_type":
        raise _reject(f"{role} {name!r} is not a tensor (disable ZipMap for probabilities)")
    elem = value_info.type.tensor_type.elem_type
    if elem != _FLOAT:
        raise _reject(f"{role} {name!r} has element type {_elem_name(elem)}, not float32")
    dims = _dims(value_info)
    expected = f"[batch, {want[1]}]"
    if dims is None or len(dims) != 2:
        shape = "unknown" if dims is None else str(dims)
        raise _reject(f"{role} {name!r} has shape {shape}, not {expected}")
    if isinstance(dims[0], int):
        raise _reject(f"{role} {name!r} has a fixed batch size {dims[0]}; it must be free")
    if dims[1] != want[1]:
        raise _reject(f"{role} {name!r} has shape {dims}, not {expected} ({what} = {want[1]})")


def _elem_name(elem: int) -> str:
    import onnx

    try:
        return str(onnx.TensorProto.DataType.Name(elem)).lower()
    except ValueError:
        return f"#{elem}"


def parse_model(data: bytes, *, max_bytes: int) -> Any:
    """Parse ONNX bytes into an ``onnx.ModelProto`` after the size check (no other checks)."""
    import onnx
    from google.protobuf.message import DecodeError

    if not isinstance(data, bytes | bytearray | memoryview):
        raise _reject(f"expected bytes, not {type(data).__name__}")
    size = len(data)
    if size == 0:
        raise _reject("the artifact is empty")
    if size > max_bytes:
        raise _reject(f"it is {size:_} bytes, over the task's limit of {max_bytes:_} bytes")
    model = onnx.ModelProto()
    try:
        model.ParseFromString(bytes(data))
    except (DecodeError, RuntimeError, ValueError) as exc:
        raise _reject(f"not an ONNX model: {exc}") from None
    return model


def check_model(data: bytes, spec: TaskSpec) -> ModelInfo:
    """Check an ONNX artifact against a task spec without running it (see the module notes).

    Returns what was learned; raises :class:`ModelRejectedError` naming the first problem.
    """
    import onnx

    model = parse_model(data, max_bytes=spec.limits.max_model_bytes)
    if not MIN_IR_VERSION <= model.ir_version <= onnx.IR_VERSION:
        raise _reject(
            f"IR version {model.ir_version} is outside [{MIN_IR_VERSION}, {onnx.IR_VERSION}]"
            " (is this an ONNX file?)"
        )
    if not model.HasField("graph"):
        raise _reject("it has no graph")
    opset, ml_opset = _check_opsets(model)
    n_nodes, ops = _check_nodes(model)
    _check_io(model, spec)
    try:
        onnx.checker.check_model(model)
    except (onnx.checker.ValidationError, ValueError, RuntimeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise _reject(f"it fails ONNX validation: {first[:300]}") from None
    return ModelInfo(
        size=len(data),
        ir_version=int(model.ir_version),
        opset=opset,
        ml_opset=ml_opset,
        n_nodes=n_nodes,
        op_types=ops,
        input_name=spec.input_name,
        output_name=spec.output_name,
    )


def check_cid(data: bytes, cid: Any, *, what: str = "model artifact") -> CID:
    """Check that ``data`` hashes to ``cid`` (CIDv0 or v1, as the store imports bytes).

    Returns the parsed CID; raises :class:`InvalidCidError` for a malformed CID and
    :class:`CidMismatchError` when the content does not match.
    """
    from noosphere.storage import import_bytes, parse_cid

    expected = parse_cid(cid)
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidCidError(f"cannot hash {type(data).__name__}; expected bytes")
    actual = import_bytes(bytes(data)).cid
    if (actual.codec.code, bytes(actual.raw_digest)) != (
        expected.codec.code,
        bytes(expected.raw_digest),
    ):
        raise CidMismatchError(
            f"{what} does not match its CID {expected}: its content hashes to {actual}",
            hint="the artifact was altered or the wrong file was committed",
        )
    return expected
