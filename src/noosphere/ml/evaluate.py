"""Safe evaluation of submitted ONNX models: static checks, then a sandbox process with limits.

:func:`evaluate` is what a validator calls in submission mode: it checks the artifact against
its CID and the task spec (:mod:`noosphere.ml.onnx_check`), runs it with :func:`run_sandboxed`,
checks the outputs are probabilities and returns the task's score in [0, 1].

The sandbox is a fresh Python process (``python -I``, an empty working directory, a minimal
environment) running ``_worker.py``: onnxruntime on the CPU provider with one intra-op and one
inter-op thread, under an address-space limit and a CPU-time limit. Data goes in and out as
raw bytes and ``.npy`` (never pickle: the child runs hostile input, so nothing it sends back may
execute code in the validator). The task's ``max_eval_ms`` is a wall-clock limit on the whole
child, including its start (about half a second) and loading the model; past it the child is
killed and :class:`EvaluationTimeoutError` raised.
"""

from __future__ import annotations

import io
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from noosphere.errors import InputError
from noosphere.ml.errors import EvaluationError, EvaluationTimeoutError, InvalidPredictionsError
from noosphere.ml.inference import check_features, check_probabilities
from noosphere.ml.metrics import score
from noosphere.ml.onnx_check import check_cid, check_model

if TYPE_CHECKING:
    from noosphere.ml.tasks import TaskSpec

DEFAULT_MAX_MEMORY = 2 << 30
"""Default address-space limit of the sandbox process (2 GiB)."""

_WORKER = Path(__file__).with_name("_worker.py")
_EXIT_LOAD, _EXIT_OUTPUT, _EXIT_MEMORY = 2, 3, 4
_CHILD_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "LC_ALL": "C.UTF-8",
}


def run_sandboxed(
    model: bytes,
    X: np.ndarray,
    *,
    n_classes: int,
    timeout: float,
    input_name: str = "input",
    output_name: str = "probabilities",
    batch_size: int = 1024,
    max_memory: int = DEFAULT_MAX_MEMORY,
) -> np.ndarray:
    """Run ONNX ``model`` on float32 rows ``X`` in a sandbox process; return its output.

    The output is ``[rows, n_classes]`` float32 (not yet checked to be probabilities).
    ``timeout`` is the wall-clock limit in seconds for the whole child; ``max_memory`` its
    address-space limit in bytes. Raises :class:`EvaluationTimeoutError` when the limit
    passes (the child is killed), :class:`InvalidPredictionsError` for an output of the wrong
    type or shape, :class:`EvaluationError` when the model cannot be loaded or run.
    """
    if not timeout > 0 or not math.isfinite(timeout):
        raise InputError(f"timeout must be a positive number of seconds, not {timeout!r}")
    features = np.ascontiguousarray(X, dtype=np.float32)
    header = {
        "model_bytes": len(model),
        "input": input_name,
        "output": output_name,
        "n_classes": int(n_classes),
        "batch_size": int(batch_size),
        "max_memory": int(max_memory),
        "max_cpu_seconds": math.ceil(timeout) + 1,
    }
    buffer = io.BytesIO()
    buffer.write(json.dumps(header).encode() + b"\n")
    buffer.write(bytes(model))
    np.save(buffer, features, allow_pickle=False)
    payload = buffer.getvalue()

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="noos-eval-") as workdir:
        proc = subprocess.Popen(
            [sys.executable, "-I", str(_WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=workdir,
            env=_CHILD_ENV,
            start_new_session=True,
        )
        try:
            out, err = proc.communicate(payload, timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise EvaluationTimeoutError(
                f"the model did not finish within the task's limit of {timeout:g} s "
                f"(rows: {features.shape[0]}); it was stopped"
            ) from None
        except BaseException:
            proc.kill()
            proc.communicate()
            raise
    elapsed = time.monotonic() - started
    message = err.decode("utf-8", "replace").strip().splitlines()
    last = message[-1] if message else ""
    code = proc.returncode
    if code == _EXIT_OUTPUT:
        raise InvalidPredictionsError(f"model output rejected: {last}")
    if code == _EXIT_MEMORY:
        raise EvaluationError(f"the model ran out of memory (limit {max_memory:_} bytes): {last}")
    if code == _EXIT_LOAD:
        raise EvaluationError(last or "the model could not be run")
    if code != 0:
        how = f"signal {-code}" if code < 0 else f"exit code {code}"
        detail = f": {last}" if last else ""
        raise EvaluationError(f"the sandbox process died ({how}) after {elapsed:.2f} s{detail}")
    try:
        result = np.load(io.BytesIO(out), allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise EvaluationError(f"the sandbox returned an unreadable result: {exc}") from None
    return np.asarray(result)


def evaluate(
    model: bytes,
    X: Any,
    y: Any,
    spec: TaskSpec,
    *,
    cid: Any = None,
    max_memory: int = DEFAULT_MAX_MEMORY,
) -> float:
    """Score a submitted ONNX model on a validator's private rows ``X``, labels ``y``.

    With ``cid``, first checks the artifact hashes to it. Then :func:`check_model` against
    ``spec``, a sandboxed run within ``spec.limits.max_eval_ms`` (``spec.batch_size`` rows
    per run), and a check that the outputs are probabilities. Returns the score of
    ``spec.metric`` in [0, 1], higher is better. Raises :class:`ModelRejectedError` (and
    :class:`CidMismatchError`) for a bad artifact, :class:`EvaluationTimeoutError`,
    :class:`InvalidPredictionsError` or :class:`EvaluationError` for a bad run.
    """
    if cid is not None:
        check_cid(model, cid)
    info = check_model(model, spec)
    features = check_features(X, spec.n_features)
    labels = np.asarray(y, dtype=np.int64)
    if labels.shape != (features.shape[0],):
        raise InputError(f"{features.shape[0]} rows but labels of shape {list(labels.shape)}")
    raw = run_sandboxed(
        model,
        features,
        n_classes=spec.n_classes,
        timeout=spec.limits.max_eval_seconds,
        input_name=info.input_name,
        output_name=info.output_name,
        batch_size=spec.batch_size,
        max_memory=max_memory,
    )
    probabilities = check_probabilities(raw, features.shape[0], spec.n_classes)
    return score(spec.metric, probabilities, labels)
