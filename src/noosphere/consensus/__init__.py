"""Yuma consensus in exact integer fixed point: subtensor's epoch, vectorised with numpy.

:func:`run_epoch` turns :class:`EpochInputs` (stake, u16 weights and bonds, blocks, permits,
:class:`Hyperparameters`) into an :class:`EpochResult` (consensus, incentive, dividends,
validator trust, new bonds and permits, emission amounts). All arithmetic is subtensor's I32F32
(see ``_fixed`` for the format and the rounding of every operation), so results are
bit-identical across runs and machines. :func:`load_case` and :func:`result_to_json` read and
write the JSON cases of ``noos consensus yuma``.
"""

from noosphere.consensus._case import case_from_dict, load_case, parse_case_text, result_to_json
from noosphere.consensus._fixed import (
    FRAC_BITS,
    ONE,
    from_u16_proportion,
    to_float,
    to_u16_proportion,
)
from noosphere.consensus._inputs import EpochInputs, Hyperparameters
from noosphere.consensus._yuma import EpochResult, run_epoch

__all__ = [
    "FRAC_BITS",
    "ONE",
    "EpochInputs",
    "EpochResult",
    "Hyperparameters",
    "case_from_dict",
    "from_u16_proportion",
    "load_case",
    "parse_case_text",
    "result_to_json",
    "run_epoch",
    "to_float",
    "to_u16_proportion",
]
