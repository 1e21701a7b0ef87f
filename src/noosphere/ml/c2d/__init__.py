"""Compute-to-data: train an allow-listed recipe on a provider's private data, in a sandbox.

The part of a data provider's node that runs a job (the HTTP endpoints, the order and
signature checks and the signed receipt are built on top of it):

- Recipes (:class:`Recipe`, :func:`builtin_recipes`): Python files defining
  ``train(X, y, params, seed)``, identified by the SHA-256 of their bytes, which a Data NFT's
  allow-list holds; parameters are small JSON (:func:`check_params`, :func:`params_hash`).
- Jobs (:func:`run_job`, :class:`JobResult`, :class:`JobLimits`): allow-list check, sandboxed
  training, model checks, metrics on held-out rows; the output CID and the hashes a receipt
  signs.
- The sandbox (:func:`run_recipe`, :class:`Workspace`): a fresh process under resource limits,
  user and network namespaces, Landlock and an audit hook (see
  :mod:`noosphere.ml.c2d.sandbox` for what each one does and does not stop).
- Output checks (:func:`find_raw_rows`, :func:`check_no_raw_rows`, :func:`check_metrics`): a
  model that stores dataset rows, or metrics that are not aggregate, are refused.
"""

from noosphere.ml.c2d._data import HOLDOUT_BP
from noosphere.ml.c2d.job import JobResult, run_job
from noosphere.ml.c2d.leakcheck import check_metrics, check_no_raw_rows, find_raw_rows
from noosphere.ml.c2d.recipe import (
    Recipe,
    builtin_recipes,
    canonical_params,
    check_allow_list,
    check_params,
    normalize_hash,
    params_hash,
)
from noosphere.ml.c2d.sandbox import JobLimits, SandboxRun, Workspace, run_recipe
from noosphere.ml.errors import (
    ComputeToDataError,
    OutputRefusedError,
    RawRowsInOutputError,
    RecipeFailedError,
    RecipeNotAllowedError,
    RecipeParamsError,
    SandboxResourceError,
    SandboxViolationError,
)

__all__ = [
    "HOLDOUT_BP",
    "ComputeToDataError",
    "JobLimits",
    "JobResult",
    "OutputRefusedError",
    "RawRowsInOutputError",
    "Recipe",
    "RecipeFailedError",
    "RecipeNotAllowedError",
    "RecipeParamsError",
    "SandboxResourceError",
    "SandboxRun",
    "SandboxViolationError",
    "Workspace",
    "builtin_recipes",
    "canonical_params",
    "check_allow_list",
    "check_metrics",
    "check_no_raw_rows",
    "check_params",
    "find_raw_rows",
    "normalize_hash",
    "params_hash",
    "run_job",
    "run_recipe",
]
