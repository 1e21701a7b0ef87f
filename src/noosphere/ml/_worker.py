"""The sandbox process that runs an untrusted ONNX model (started by ``noosphere.ml.evaluate``).

Run as a script (``python -I _worker.py``): it imports only the standard library, numpy and
onnxruntime, never the noosphere package. Protocol, with no pickling anywhere:

- stdin: one JSON header line ``{"model_bytes", "input", "output", "n_classes",
  "batch_size", "max_memory", "max_cpu_seconds"}``, then ``model_bytes`` bytes of ONNX, then
  the features as one ``.npy`` (float32, rows x features, ``allow_pickle=False``);
- stdout: the output tensor as one ``.npy`` (float32, rows x n_classes);
- on failure: exit code 2 (the model could not be loaded or run), 3 (an output of the wrong
  type or shape) or 4 (out of memory), and a one-line message on stderr.

Once numpy and onnxruntime are imported, and before the model is loaded, it caps its address
space, CPU time and file writes (``resource`` limits), so the memory limit bounds what the model
does rather than the interpreter's start. It moves stdout aside so that nothing a library
prints can corrupt the result.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from collections.abc import Mapping

EXIT_LOAD = 2
EXIT_OUTPUT = 3
EXIT_MEMORY = 4


def _fail(code: int, message: str) -> None:
    sys.stderr.write(message.replace("\n", " ")[:2000] + "\n")
    sys.stderr.flush()
    os._exit(code)


def _out_of_memory(exc: BaseException) -> bool:
    text = str(exc).lower()
    return (
        isinstance(exc, MemoryError)
        or "bad_alloc" in text
        or ("alloc" in text and "memory" in text)
    )


def set_limits(limits: Mapping[str, tuple[int, int]]) -> dict[str, int]:
    """Set ``resource`` limits by name (``"RLIMIT_AS": (soft, hard)``), in order.

    A hard limit already lower than asked is kept (and the soft limit lowered to it); a limit
    the platform lacks is skipped. Returns the soft limits that took effect, by name. Also used
    by the compute-to-data sandbox (``noosphere.ml.c2d``).
    """
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return {}
    applied: dict[str, int] = {}
    for name, (soft, hard) in limits.items():
        which = getattr(resource, name, None)
        if which is None:
            continue
        with contextlib.suppress(ValueError, OSError):
            current = resource.getrlimit(which)[1]
            if current != resource.RLIM_INFINITY:
                hard = min(hard, current)
            resource.setrlimit(which, (min(soft, hard), hard))
            applied[name] = min(soft, hard)
    return applied


def _limit(max_memory: int, max_cpu_seconds: int) -> None:
    wanted: dict[str, tuple[int, int]] = {}
    if max_memory > 0:
        wanted["RLIMIT_AS"] = (max_memory, max_memory)
    if max_cpu_seconds > 0:
        wanted["RLIMIT_CPU"] = (max_cpu_seconds, max_cpu_seconds)
    wanted["RLIMIT_FSIZE"] = (0, 0)
    wanted["RLIMIT_CORE"] = (0, 0)
    set_limits(wanted)


def main() -> None:
    """Read a model and features from stdin, run the model, write its output to stdout."""
    result_fd = os.dup(1)
    os.dup2(2, 1)  # anything printed by a library goes to stderr, not into the result
    stdin = sys.stdin.buffer
    header = json.loads(stdin.readline(4096).decode("utf-8"))
    model = stdin.read(int(header["model_bytes"]))
    try:
        import numpy as np
        import onnxruntime as ort
    except ImportError as exc:
        _fail(EXIT_LOAD, f"cannot import the runtime: {exc}")
    X = np.load(io.BytesIO(stdin.read()), allow_pickle=False)
    # The limits bound what the model does, not the interpreter's own start.
    _limit(int(header["max_memory"]), int(header["max_cpu_seconds"]))

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    except Exception as exc:
        if _out_of_memory(exc):
            _fail(EXIT_MEMORY, f"out of memory while loading the model: {exc}")
        _fail(EXIT_LOAD, f"onnxruntime cannot load the model: {exc}")
    del model

    n_classes = int(header["n_classes"])
    batch = max(1, int(header["batch_size"]))
    out = np.empty((X.shape[0], n_classes), dtype=np.float32)
    for start in range(0, X.shape[0], batch):
        chunk = X[start : start + batch]
        try:
            (y,) = session.run([header["output"]], {header["input"]: chunk})
        except Exception as exc:
            if _out_of_memory(exc):
                _fail(EXIT_MEMORY, f"out of memory while running the model: {exc}")
            _fail(EXIT_LOAD, f"the model failed at run time: {exc}")
        if not isinstance(y, np.ndarray) or y.dtype.kind not in "fiub":
            _fail(EXIT_OUTPUT, f"output {header['output']!r} is not a numeric tensor")
        if y.shape != (chunk.shape[0], n_classes):
            _fail(
                EXIT_OUTPUT,
                f"output {header['output']!r} has shape {list(y.shape)} for a batch of "
                f"{chunk.shape[0]} rows; expected [{chunk.shape[0]}, {n_classes}]",
            )
        out[start : start + chunk.shape[0]] = y
    buffer = io.BytesIO()
    np.save(buffer, out, allow_pickle=False)
    with os.fdopen(result_fd, "wb") as fh:
        fh.write(buffer.getvalue())
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    try:
        main()
    except MemoryError:
        _fail(EXIT_MEMORY, "out of memory")
