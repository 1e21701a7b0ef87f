"""Subnet tasks, datasets, miner recipes, ONNX export and safe evaluation.

- Tasks (:class:`TaskSpec`, :func:`load_spec`, :func:`builtin_spec`): the JSON task spec of a
  subnet, identified by the CID of its canonical bytes; ``inference`` or ``submission`` mode.
- Datasets (:func:`load_dataset`, :func:`public_split`, :func:`private_split`): ``digits``,
  ``breast_cancer``, ``wine`` (shipped with scikit-learn) and a seeded ``synthetic`` one; a
  public training split for miners and a held-out pool from which each validator draws its
  private evaluation split with its own secret.
- Recipes (:func:`train`, :func:`to_onnx`): logistic regression, MLP, random forest and
  gradient boosting, deterministic given a seed, exported to ONNX.
- Checks and evaluation (:func:`check_model`, :func:`check_cid`, :func:`evaluate`): static
  checks of an ONNX artifact, then a sandboxed onnxruntime run under wall-clock and memory
  limits.
- Inference mode (:class:`Predictor`, :func:`predict_batch`, :func:`score_answers`).
- Metrics (:func:`score`) and validator score keeping (:class:`MovingScores`,
  :func:`to_u16_weights`).

scikit-learn, skl2onnx, onnx and onnxruntime are imported only by the functions that need them,
so importing this package is cheap.
"""

from noosphere.ml.datasets import (
    BUILTIN_DATASETS,
    Dataset,
    DatasetShape,
    Split,
    Subset,
    dataset_shape,
    load_dataset,
    new_secret,
    private_split,
    public_split,
    split_indices,
)
from noosphere.ml.errors import (
    CidMismatchError,
    DatasetError,
    EvaluationError,
    EvaluationTimeoutError,
    InvalidPredictionsError,
    ModelRejectedError,
    RecipeError,
    ScoreError,
    TaskSpecError,
)
from noosphere.ml.evaluate import evaluate, run_sandboxed
from noosphere.ml.inference import (
    Predictor,
    check_features,
    check_probabilities,
    predict_batch,
    score_answers,
)
from noosphere.ml.metrics import METRICS, accuracy, log_loss, macro_f1, score
from noosphere.ml.onnx_check import ALLOWED_OPS, ModelInfo, check_cid, check_model
from noosphere.ml.recipes import RECIPE_DEFAULTS, RECIPES, to_onnx, train
from noosphere.ml.scoring import DEFAULT_ALPHA, MovingScores, U16Weights, ema, to_u16_weights
from noosphere.ml.tasks import MODES, DatasetRef, Limits, TaskSpec, builtin_spec, load_spec

__all__ = [
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
