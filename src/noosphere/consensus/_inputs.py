"""The inputs of one Yuma epoch: hyperparameters with subtensor's names and units, and state.

Every value is checked on construction; a bad one raises :class:`ConsensusError` naming the
field, so the epoch itself never meets malformed data.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from noosphere.errors import ConsensusError

U16_MAX = 65_535
BLOCK_MAX = (1 << 62) - 1
STAKE_TOTAL_MAX = (1 << 63) - 1
U64_MAX = (1 << 64) - 1
EMISSION_MAX = (1 << 128) - 1
MAX_UIDS = 65_536


def _check_int(name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ConsensusError(f"{name}: expected an integer, got {type(value).__name__}")
    if not low <= int(value) <= high:
        raise ConsensusError(f"{name}: {int(value)} is outside [{low}, {high}]")
    return int(value)


@dataclass(frozen=True, slots=True)
class Hyperparameters:
    """A subnet's consensus hyperparameters, named and scaled as in subtensor.

    Proportions are u16 (65535 = 1.0), ``bonds_moving_average`` is per million (900000 gives
    an EMA rate alpha = 0.1), block counts are blocks. Defaults are subtensor's for a new subnet.
    ``owner_uid``, when set, keeps that UID's self-weight (subtensor's production path).
    """

    kappa: int = 32_767
    bonds_penalty: int = U16_MAX
    bonds_moving_average: int = 900_000
    liquid_alpha_enabled: bool = False
    alpha_low: int = 45_875
    alpha_high: int = 58_982
    alpha_sigmoid_steepness: int = 1_000
    max_allowed_validators: int = 64
    activity_cutoff: int = 5_000
    yuma_version: int = 3
    stake_threshold: int = 0
    owner_uid: int | None = None

    def __post_init__(self) -> None:
        for name in ("kappa", "bonds_penalty", "alpha_low", "alpha_high"):
            _check_int(name, getattr(self, name), 0, U16_MAX)
        _check_int("bonds_moving_average", self.bonds_moving_average, 0, 1_000_000)
        _check_int("alpha_sigmoid_steepness", self.alpha_sigmoid_steepness, -32_768, 32_767)
        _check_int("max_allowed_validators", self.max_allowed_validators, 0, MAX_UIDS)
        _check_int("activity_cutoff", self.activity_cutoff, 0, BLOCK_MAX)
        _check_int("stake_threshold", self.stake_threshold, 0, U64_MAX)
        if not isinstance(self.liquid_alpha_enabled, bool | np.bool_):
            raise ConsensusError("liquid_alpha_enabled: expected true or false")
        if self.yuma_version not in (2, 3) or isinstance(self.yuma_version, bool):
            raise ConsensusError(f"yuma_version: expected 2 or 3, got {self.yuma_version!r}")
        if self.alpha_low > self.alpha_high:
            raise ConsensusError(
                f"alpha_low: {self.alpha_low} is above alpha_high ({self.alpha_high})"
            )
        if self.owner_uid is not None:
            _check_int("owner_uid", self.owner_uid, 0, MAX_UIDS - 1)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The field names, in declaration order."""
        return tuple(f.name for f in fields(cls))


def _vector(name: str, values: ArrayLike, n: int | None, dtype: type, high: int) -> NDArray[Any]:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ConsensusError(f"{name}: expected a list, got an array of shape {array.shape}")
    if n is not None and array.size != n:
        raise ConsensusError(
            f"{name}: expected {n} values (one per UID, n from stake), got {array.size}"
        )
    if array.dtype == np.bool_ and dtype is not np.bool_:
        raise ConsensusError(f"{name}: expected integers, got booleans")
    if dtype is np.bool_:
        if array.size and array.dtype != np.bool_:
            raise ConsensusError(f"{name}: expected true/false values")
        return array.astype(np.bool_)
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise ConsensusError(f"{name}: expected integers, got {array.dtype}")
    if array.size and (int(array.min()) < 0 or int(array.max()) > high):
        bad = int(array.min()) if int(array.min()) < 0 else int(array.max())
        raise ConsensusError(f"{name}: value {bad} is outside [0, {high}]")
    return array.astype(dtype)


def _matrix(
    name: str, values: ArrayLike, shape: tuple[int, int], square: bool
) -> NDArray[np.uint16]:
    array = np.asarray(values)
    if array.shape != shape:
        what = (
            f"a square matrix, one row and one column per UID ({shape[0]} x {shape[1]}, "
            "n from stake)"
            if square
            else f"one row per listed UID and one column per UID ({shape[0]} x {shape[1]})"
        )
        got = " x ".join(str(d) for d in array.shape) or "a scalar"
        raise ConsensusError(f"{name}: expected {what}, got {got}")
    if array.size and (array.dtype == np.bool_ or not np.issubdtype(array.dtype, np.integer)):
        raise ConsensusError(f"{name}: expected u16 integers, got {array.dtype}")
    if array.size and (int(array.min()) < 0 or int(array.max()) > U16_MAX):
        bad = int(array.min()) if int(array.min()) < 0 else int(array.max())
        raise ConsensusError(f"{name}: value {bad} is outside the u16 range [0, 65535]")
    return np.ascontiguousarray(array, dtype=np.uint16)


@dataclass(frozen=True)
class EpochInputs:
    """Everything one epoch reads, for a subnet of ``n = len(stake)`` UIDs.

    ``weights`` and ``bonds`` hold u16 rows for the UIDs listed in ``rows`` (all UIDs when
    ``rows`` is None, i.e. ``n x n`` matrices); rows not listed are all zero. Listing only the
    validators' rows keeps a large subnet's matrices small. ``validator_permit`` is the permit
    vector from the previous epoch; ``emission`` is the amount (base units) this epoch shares
    between miners and validators.
    """

    stake: NDArray[np.uint64]
    weights: NDArray[np.uint16]
    bonds: NDArray[np.uint16]
    last_update: NDArray[np.uint64]
    block_at_registration: NDArray[np.uint64]
    validator_permit: NDArray[np.bool_]
    current_block: int
    tempo: int
    emission: int
    hyperparameters: Hyperparameters = field(default_factory=Hyperparameters)
    rows: NDArray[np.int64] | None = None

    def __post_init__(self) -> None:
        stake = _vector("stake", self.stake, None, np.uint64, U64_MAX)
        n = stake.size
        if n > MAX_UIDS:
            raise ConsensusError(f"stake: {n} UIDs is more than {MAX_UIDS}")
        if n and int(stake.max()) > STAKE_TOTAL_MAX // n and sum(stake.tolist()) > STAKE_TOTAL_MAX:
            raise ConsensusError(f"stake: the total exceeds 2**63 - 1 ({STAKE_TOTAL_MAX})")
        square = self.rows is None
        rows = np.arange(n, dtype=np.int64) if square else self._rows(n)
        set_ = object.__setattr__
        set_(self, "stake", stake)
        set_(self, "rows", rows)
        for name in ("last_update", "block_at_registration"):
            set_(self, name, _vector(name, getattr(self, name), n, np.uint64, BLOCK_MAX))
        permit = _vector("validator_permit", self.validator_permit, n, np.bool_, 1)
        set_(self, "validator_permit", permit)
        set_(self, "weights", _matrix("weights", self.weights, (rows.size, n), square))
        set_(self, "bonds", _matrix("bonds", self.bonds, (rows.size, n), square))
        for name, high in (("current_block", BLOCK_MAX), ("tempo", BLOCK_MAX)):
            set_(self, name, _check_int(name, getattr(self, name), 0, high))
        set_(self, "emission", _check_int("emission", self.emission, 0, EMISSION_MAX))
        if not isinstance(self.hyperparameters, Hyperparameters):
            raise ConsensusError("hyperparameters: expected a Hyperparameters")
        owner = self.hyperparameters.owner_uid
        if owner is not None and owner >= n:
            raise ConsensusError(f"owner_uid: {owner} is not a UID of this subnet (n = {n})")

    def _rows(self, n: int) -> NDArray[np.int64]:
        rows = _vector("rows", self.rows if self.rows is not None else [], None, np.int64, n - 1)
        if rows.size > 1 and not bool(np.all(np.diff(rows) > 0)):
            raise ConsensusError("rows: UIDs must be strictly increasing")
        return rows

    @property
    def n(self) -> int:
        """Number of UIDs."""
        return int(self.stake.size)
