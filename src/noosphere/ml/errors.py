"""The errors of :mod:`noosphere.ml`, each a subclass of the project's one exception tree.

A validator treats :class:`ModelRejectedError` and :class:`EvaluationError` (and their
subclasses) as the miner's fault: the miner scores 0 for the round. Everything else is a
mistake of the caller (a malformed task spec, an unknown recipe, bad scores).
A compute-to-data job that is refused or fails raises a :class:`ComputeToDataError` subclass.
"""

from __future__ import annotations

from noosphere.errors import InputError, IntegrityError, NoosphereError


class TaskSpecError(InputError):
    """A task spec is malformed; the message names the offending field."""


class DatasetError(InputError):
    """A dataset is unknown, its parameters are invalid, or its content is not what was pinned."""


class DatasetFormatError(DatasetError):
    """A dataset file is corrupt, truncated or not in the format it claims; names the file."""


class DatasetTooLargeError(DatasetError):
    """A dataset file holds more bytes, rows or columns than the caller allows."""


class RecipeError(InputError):
    """A training recipe is unknown, its parameters are invalid, or its data is malformed."""


class ScoreError(InputError):
    """Scores given to the validator's score keeping are malformed (NaN, out of range, ...)."""


class ModelRejectedError(InputError):
    """A model artifact fails a static check: oversized, malformed, disallowed ops, wrong shape."""


class CidMismatchError(ModelRejectedError, IntegrityError):
    """A model artifact does not hash to the CID it was committed under."""


class EvaluationError(NoosphereError):
    """Running a miner's model (or taking a miner's answers) failed."""


class EvaluationTimeoutError(EvaluationError):
    """A model or a miner did not finish within the task's wall-clock limit."""


class InvalidPredictionsError(EvaluationError):
    """Predictions are garbage: wrong shape, NaN or infinite, or not probabilities."""


# --- compute-to-data (noosphere.ml.c2d) ----------------------------------------------------------
class RecipeParamsError(RecipeError):
    """Recipe parameters are not a small JSON object of scalars and lists; names what is wrong."""


class ComputeToDataError(NoosphereError):
    """A compute-to-data job was refused or failed; nothing it produced is returned.

    ``log`` holds the end of the sandbox's stdout/stderr (bounded; empty when nothing ran). It
    is for the data provider: a recipe can print anything into it, dataset rows included.
    """

    def __init__(self, message: str, *, hint: str | None = None, log: str = "") -> None:
        super().__init__(message, hint=hint)
        self.log = log


class RecipeNotAllowedError(ComputeToDataError):
    """The recipe's hash is not on the dataset's allow-list (checked before anything runs)."""


class SandboxViolationError(ComputeToDataError):
    """The recipe tried something the sandbox forbids; ``what`` is ``network``, ``file``,
    ``process``, ``native code`` or ``sandbox``, ``detail`` the refused call."""

    def __init__(self, what: str, detail: str, *, log: str = "") -> None:
        self.what = what
        self.detail = detail
        super().__init__(
            f"the recipe was stopped: {what} access is not allowed in the sandbox ({detail})",
            hint="a compute-to-data recipe may only read its arguments and write its scratch dir",
            log=log,
        )


class SandboxResourceError(ComputeToDataError):
    """The recipe went past a limit; ``resource`` is ``memory``, ``cpu``, ``wall_clock`` or
    ``output`` (the model or a scratch file too large)."""

    def __init__(self, resource: str, message: str, *, log: str = "") -> None:
        self.resource = resource
        super().__init__(message, log=log)


class RecipeFailedError(ComputeToDataError):
    """The recipe raised, returned something unusable, or its process died; the message ends
    with the last lines of its traceback."""


class OutputRefusedError(ComputeToDataError):
    """A job's output is not what compute-to-data may return (aggregate metrics only)."""


class RawRowsInOutputError(OutputRefusedError):
    """The model holds rows of the dataset verbatim (``n_rows`` of them), e.g. a k-NN model."""

    def __init__(self, n_rows: int, where: str, *, log: str = "") -> None:
        self.n_rows = n_rows
        super().__init__(
            f"the model contains {n_rows} row{'s' if n_rows != 1 else ''} of the dataset "
            f"verbatim (in {where}); it cannot leave the provider",
            hint="allow-list only recipes whose models do not store training rows "
            "(no k-NN, no SVM)",
            log=log,
        )
