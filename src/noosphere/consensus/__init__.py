"""Yuma consensus in exact integer fixed point: subtensor's Yuma 3 epoch, vectorised with numpy.

:func:`run_epoch` turns :class:`EpochInputs` (stake, u16 weights and bonds, blocks, permits,
:class:`Hyperparameters` under subtensor's names and units) into an :class:`EpochResult`
(consensus, incentive, dividends, validator trust, the bonds and permits to store, and the
emission amounts of miners and validators). :func:`load_case` and :func:`result_to_json` read
and write the JSON cases of ``noos consensus yuma``.

Format. Every real value is subtensor's I32F32: the integer ``raw = x · 2**32`` (``ONE`` is
1.0), carried in ``numpy.uint64`` arrays. Every multiply is ``floor(a · b / 2**32)`` and every
divide ``floor(a · 2**32 / d)``, exactly as ``substrate_fixed`` rounds non-negative values;
u16 proportions are read as ``floor(b · 2**32 / 65535)`` and stored as
``floor(x · 65535 / 2**32)``; stake is normalised as subtensor's I64F64 then I32F32,
``floor(s · 2**32 / Σs)``; an emission share is ``floor(x · E / 2**32)`` base units. No float
takes part in any result (floats appear only in :func:`to_float`, for presentation), so equal
inputs give bit-identical results on every machine. The liquid-alpha sigmoid reproduces
``substrate_fixed``'s 30-term Taylor ``exp`` in integers. ``_fixed`` documents each operation.

Fidelity. Checked bit for bit against a scalar reference written from subtensor's functions
(including its pivot-search ``weighted_median``), and against subtensor's own ``test_bonds``
(bonds, incentive, dividends and emissions exact) and ``test_yuma_3_kappa_moves_*`` tables.

Where this differs from subtensor:

- Weights are a dense u16 matrix, so "no entry" and "an entry of 0" are the same. subtensor's
  sparse production path with liquid alpha drops the bond of a cell whose weight entry is
  absent (or clipped to a zero consensus) instead of decaying it; here such bonds decay, as in
  subtensor's dense path and in the algorithm's definition.
- The subnet owner's self-weight is kept when ``owner_uid`` is set (subtensor's sparse path;
  its dense path masks it anyway). Commit-reveal masks are not applied: weights are taken as
  revealed.
- Stake is given directly (subtensor derives it from alpha and TAO stake); the total must stay
  below 2**63 base units, as subtensor's I64F64 requires. The emission is not capped at u64.
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
from noosphere.consensus.merkle import (
    MerkleTreeError,
    StandardMerkleTree,
    hash_pair,
    leaf_hash,
    process_proof,
    verify,
)

__all__ = [
    "FRAC_BITS",
    "ONE",
    "EpochInputs",
    "EpochResult",
    "Hyperparameters",
    "MerkleTreeError",
    "StandardMerkleTree",
    "case_from_dict",
    "from_u16_proportion",
    "hash_pair",
    "leaf_hash",
    "load_case",
    "parse_case_text",
    "process_proof",
    "result_to_json",
    "run_epoch",
    "to_float",
    "to_u16_proportion",
    "verify",
]
