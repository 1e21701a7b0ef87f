"""A compute-to-data job, end to end, on the data provider's machine.

:func:`run_job` is what the provider's ``POST /compute`` calls once the order, the buyer's
signature and the licence are checked:

1. the recipe's hash must be on the dataset's allow-list (:class:`RecipeNotAllowedError`
   before anything else happens), the parameters must be small JSON (:class:`RecipeParamsError`);
2. the dataset is copied read-only into a private job directory and hashed; its labelled rows
   are split into training and held-out rows (stratified, seeded from the dataset's SHA-256
   and the parameters hash; see :mod:`noosphere.ml.c2d._data`);
3. the recipe trains on the training rows in the sandbox (:mod:`noosphere.ml.c2d.sandbox`),
   which returns ONNX bytes; the job directory is deleted;
4. the provider's process checks the model: it parses within the size limit, holds no dataset
   row verbatim (:class:`RawRowsInOutputError`), and passes the same static checks as a miner's
   submission (:func:`noosphere.ml.onnx_check.check_model`: one float input
   ``[batch, n_features]``, ``probabilities`` ``[batch, n_classes]``, allowed operators only);
5. the metrics are computed on the held-out rows by running the model in the evaluation
   sandbox (:func:`noosphere.ml.evaluate.run_sandboxed`, a process that never ran recipe
   code), and checked to be aggregate.

The result carries everything the provider signs in its receipt (dataset CID, recipe hash,
parameters hash, output CID) except the order id, which the caller adds. Same inputs give the
same model bytes, hence the same output CID.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from noosphere.ml.c2d import _data
from noosphere.ml.c2d.leakcheck import check_metrics, check_no_raw_rows
from noosphere.ml.c2d.recipe import (
    Recipe,
    canonical_params,
    check_allow_list,
    check_params,
    sha256_hex,
)
from noosphere.ml.c2d.sandbox import JobLimits, SandboxRun, Workspace, run_recipe
from noosphere.ml.errors import (
    EvaluationError,
    ModelRejectedError,
    OutputRefusedError,
    RecipeFailedError,
)

_ZERO_ADDRESS = "0x" + "00" * 20


@dataclass(frozen=True)
class JobResult:
    """What a compute-to-data job returns (everything a receipt needs but the order id).

    ``log`` is the end of the sandbox's stdout/stderr: for the provider, not the buyer (a
    recipe can print anything into it).
    """

    onnx: bytes = field(repr=False)
    output_cid: str
    metrics: Mapping[str, Any]
    recipe_hash: str
    params_hash: str
    dataset_cid: str | None
    dataset_sha256: str
    seed: int
    label: str
    classes: tuple[Any, ...]
    n_features: int
    duration: float
    isolation: Mapping[str, Any]
    log: str = field(repr=False)

    def summary(self) -> dict[str, Any]:
        """The JSON-ready fields (all but the model bytes and the log)."""
        return {
            "output_cid": self.output_cid,
            "metrics": dict(self.metrics),
            "recipe_hash": self.recipe_hash,
            "params_hash": self.params_hash,
            "dataset_cid": self.dataset_cid,
            "dataset_sha256": self.dataset_sha256,
            "seed": self.seed,
            "label": self.label,
            "classes": list(self.classes),
            "n_features": self.n_features,
            "model_bytes": len(self.onnx),
            "duration": round(self.duration, 3),
            "isolation": dict(self.isolation),
        }


def _output_spec(n_features: int, n_classes: int, n_test: int, limits: JobLimits) -> Any:
    """A task spec that states only what :func:`check_model` checks: the model's input and
    output shapes and its size limit."""
    from noosphere.ml.tasks import DatasetRef, Limits, TaskSpec

    return TaskSpec(
        mode="submission",
        dataset=DatasetRef(source="data_nft", contract=_ZERO_ADDRESS, token_id=0, sha256="0" * 64),
        n_features=n_features,
        n_classes=n_classes,
        eval_size=max(1, n_test),
        limits=Limits(max_model_bytes=limits.max_model_bytes),
    )


def _check_model(run: SandboxRun, data: _data.Labelled, limits: JobLimits) -> None:
    from noosphere.ml.onnx_check import check_model, parse_model

    try:
        model = parse_model(run.onnx, max_bytes=limits.max_model_bytes)
    except ModelRejectedError as exc:
        raise OutputRefusedError(f"the recipe's {exc.message}", log=run.log) from None
    check_no_raw_rows(model, data.X, log=run.log)
    spec = _output_spec(data.n_features, len(data.classes), 1, limits)
    try:
        check_model(run.onnx, spec)
    except ModelRejectedError as exc:
        raise OutputRefusedError(f"the recipe's {exc.message}", log=run.log) from None


def _metrics(
    run: SandboxRun, data: _data.Labelled, test: np.ndarray, limits: JobLimits
) -> dict[str, Any]:
    from noosphere.ml.evaluate import run_sandboxed
    from noosphere.ml.inference import check_probabilities
    from noosphere.ml.metrics import accuracy, log_loss, macro_f1

    n_classes = len(data.classes)
    counts = np.bincount(data.y[test], minlength=n_classes)
    metrics: dict[str, Any] = {
        "n_train": run.n_train,
        "n_test": int(test.shape[0]),
        "n_features": data.n_features,
        "n_classes": n_classes,
        "test_class_counts": [int(c) for c in counts],
    }
    if test.shape[0]:
        try:
            raw = run_sandboxed(
                run.onnx,
                data.X[test],
                n_classes=n_classes,
                timeout=float(limits.max_wall_seconds),
                max_memory=limits.max_memory,
            )
            p = check_probabilities(raw, int(test.shape[0]), n_classes)
        except EvaluationError as exc:
            raise RecipeFailedError(
                f"the recipe's model cannot be evaluated: {exc.message}", log=run.log
            ) from None
        y = data.y[test]
        metrics.update(accuracy=accuracy(p, y), macro_f1=macro_f1(p, y), log_loss=log_loss(p, y))
    return check_metrics(metrics, n_classes)


def run_job(
    dataset_path: str | Path,
    recipe: Recipe,
    params: Any = None,
    *,
    allow_list: Iterable[str | bytes],
    label: str | None = None,
    limits: JobLimits | None = None,
    workdir: str | Path | None = None,
    dataset_cid: Any = None,
    kernel_isolation: bool = True,
) -> JobResult:
    """Train ``recipe`` on a dataset file (CSV, Parquet or NPZ plaintext) without letting the
    data out; return the ONNX model, its CID, aggregate metrics and the receipt's hashes.

    ``params``: a mapping, or JSON text, of the recipe's parameters. ``allow_list``: the recipe
    hashes the dataset allows. ``label``: the label column (default: ``label``, ``target`` or
    ``y``). ``workdir``: where the job's private directory is made (default: the system's
    temp dir). ``dataset_cid``: the Data NFT's content CID, recorded as given (checked to be a
    CID). ``kernel_isolation``: see :func:`~noosphere.ml.c2d.sandbox.run_recipe`. Raises, in the
    order checked: :class:`RecipeNotAllowedError`,
    :class:`RecipeParamsError`, :class:`DatasetError` (the provider's file), then
    :class:`SandboxViolationError`, :class:`SandboxResourceError`, :class:`RecipeFailedError`,
    :class:`RawRowsInOutputError` or :class:`OutputRefusedError`.
    """
    started = time.monotonic()
    recipe_hash = check_allow_list(recipe, allow_list)
    checked = check_params(params)
    params_hash = sha256_hex(canonical_params(checked))
    limits = limits if limits is not None else JobLimits()
    if not isinstance(limits, JobLimits):
        from noosphere.errors import InputError

        raise InputError(f"limits must be a JobLimits, not {type(limits).__name__}")
    cid_text = None
    if dataset_cid is not None:
        from noosphere.storage import display

        cid_text = display(dataset_cid)

    with Workspace(dataset_path, workdir) as workspace:
        data = _data.load_labelled(
            workspace.dataset,
            label,
            max_bytes=limits.max_dataset_bytes,
            max_rows=limits.max_rows,
        )
        split_seed = _data.split_seed(workspace.sha256, params_hash)
        seed = _data.recipe_seed(workspace.sha256, params_hash, recipe_hash)
        _, test = _data.split(data.y, split_seed)
        dataset_sha256 = "0x" + workspace.sha256.hex()
        run = run_recipe(
            recipe,
            checked,
            workspace,
            label=data.label,
            seed=seed,
            split_seed=split_seed,
            limits=limits,
            kernel_isolation=kernel_isolation,
        )
    _check_model(run, data, limits)
    metrics = _metrics(run, data, test, limits)

    from noosphere.storage import display, import_bytes

    return JobResult(
        onnx=run.onnx,
        output_cid=display(import_bytes(run.onnx).cid),
        metrics=metrics,
        recipe_hash=recipe_hash,
        params_hash=params_hash,
        dataset_cid=cid_text,
        dataset_sha256=dataset_sha256,
        seed=seed,
        label=data.label,
        classes=data.classes,
        n_features=data.n_features,
        duration=time.monotonic() - started,
        isolation=run.isolation,
        log=run.log,
    )
