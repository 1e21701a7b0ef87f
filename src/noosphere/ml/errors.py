"""The errors of :mod:`noosphere.ml`, each a subclass of the project's one exception tree.

A validator treats :class:`ModelRejectedError` and :class:`EvaluationError` (and their
subclasses) as the miner's fault: the miner scores 0 for the round. Everything else is a
mistake of the caller (a malformed task spec, an unknown recipe, bad scores).
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
