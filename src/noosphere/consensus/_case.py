"""Consensus cases as JSON: what a researcher feeds ``noos consensus yuma`` and gets back.

A case is one JSON object with the state of a subnet (``stake``, ``weights``, ``bonds``,
``last_update``, ``block_at_registration``, ``validator_permit``, ``current_block``, ``tempo``,
``emission``) and, optionally, hyperparameters under subtensor's names and units (``kappa``,
``alpha_low``, ``alpha_high`` as u16 proportions; ``bonds_moving_average`` per million;
``max_allowed_validators``, ``activity_cutoff``, ``liquid_alpha_enabled``, ``yuma_version`` …).
Matrices are ``n x n`` lists of u16 rows. ``name`` and ``description`` may annotate a case.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from noosphere.consensus._fixed import to_float
from noosphere.consensus._inputs import (
    BLOCK_MAX,
    EMISSION_MAX,
    U64_MAX,
    EpochInputs,
    Hyperparameters,
)
from noosphere.consensus._yuma import EpochResult
from noosphere.errors import ConsensusError, InputError

STATE_KEYS = (
    "stake",
    "weights",
    "bonds",
    "last_update",
    "block_at_registration",
    "validator_permit",
    "current_block",
    "tempo",
    "emission",
)
NOTE_KEYS = ("name", "description")
RESULT_VECTORS = ("consensus", "incentive", "dividends", "validator_trust")


def _suggest(key: str) -> str:
    known = [*STATE_KEYS, *Hyperparameters.names(), *NOTE_KEYS]
    close = difflib.get_close_matches(key, known, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _integer(name: str, value: Any, high: int) -> int:
    """A JSON integer in ``[0, high]`` (booleans and floats are refused)."""
    if type(value) is not int:
        raise ConsensusError(f"{name}: expected an integer, got {json.dumps(value)[:40]}")
    if value < 0:
        raise ConsensusError(f"{name}: {value} is negative")
    if value > high:
        raise ConsensusError(f"{name}: {value} is larger than {high}")
    return value


def _integer_list(name: str, value: Any, high: int) -> list[int]:
    """A JSON list of integers in ``[0, high]``; an error names the first bad element."""
    if not isinstance(value, list):
        raise ConsensusError(f"{name}: expected a list, got {type(value).__name__}")
    for index, item in enumerate(value):
        _integer(f"{name}[{index}]", item, high)
    return value


def _u16_matrix(name: str, value: Any) -> np.ndarray[Any, Any]:
    """A JSON list of equally long integer rows as an int64 array (range checked later)."""
    if not isinstance(value, list) or not all(isinstance(row, list) for row in value):
        raise ConsensusError(f"{name}: expected a list of rows (a matrix of u16 integers)")
    if len({len(row) for row in value}) > 1:
        raise ConsensusError(f"{name}: rows have different lengths")
    if not all(type(v) is int for row in value for v in row):
        for i, row in enumerate(value):
            for j, item in enumerate(row):
                if type(item) is not int:
                    got = json.dumps(item)[:40]
                    raise ConsensusError(f"{name}[{i}][{j}]: expected a u16 integer, got {got}")
    try:
        return np.array(value, dtype=np.int64).reshape(len(value), -1 if value else 0)
    except OverflowError:
        raise ConsensusError(f"{name}: a value is outside the u16 range [0, 65535]") from None


def case_from_dict(case: Mapping[str, Any]) -> EpochInputs:
    """Validate a case object and build the epoch inputs; errors name the offending field."""
    if not isinstance(case, Mapping):
        raise ConsensusError(f"case: expected a JSON object, got {type(case).__name__}")
    unknown = sorted(set(case) - {*STATE_KEYS, *Hyperparameters.names(), *NOTE_KEYS})
    if unknown:
        raise ConsensusError(f"case: unknown key {unknown[0]!r}{_suggest(unknown[0])}")
    missing = [key for key in STATE_KEYS if key not in case]
    if missing:
        raise ConsensusError(f"case: missing key {missing[0]!r}")
    permit = case["validator_permit"]
    if not isinstance(permit, list) or not all(isinstance(p, bool) for p in permit):
        raise ConsensusError("validator_permit: expected a list of true/false values")
    stake = _integer_list("stake", case["stake"], U64_MAX)
    blocks = {
        name: _integer_list(name, case[name], BLOCK_MAX)
        for name in ("last_update", "block_at_registration")
    }
    hyper = {key: case[key] for key in Hyperparameters.names() if key in case}
    for key, value in hyper.items():
        if key == "liquid_alpha_enabled":
            if not isinstance(value, bool):
                raise ConsensusError(f"{key}: expected true or false")
        elif key == "alpha_sigmoid_steepness":
            if type(value) is not int:
                raise ConsensusError(f"{key}: expected an integer")
        elif not (key == "owner_uid" and value is None):
            _integer(key, value, U64_MAX)
    n = len(stake)
    weights, bonds = _u16_matrix("weights", case["weights"]), _u16_matrix("bonds", case["bonds"])
    return EpochInputs(
        stake=np.array(stake, dtype=np.uint64).reshape(n),
        weights=weights,
        bonds=bonds,
        last_update=np.array(blocks["last_update"], dtype=np.int64),
        block_at_registration=np.array(blocks["block_at_registration"], dtype=np.int64),
        validator_permit=np.array(permit, dtype=np.bool_),
        current_block=_integer("current_block", case["current_block"], BLOCK_MAX),
        tempo=_integer("tempo", case["tempo"], BLOCK_MAX),
        emission=_integer("emission", case["emission"], EMISSION_MAX),
        hyperparameters=Hyperparameters(**hyper),
    )


def load_case(source: str | Path | Mapping[str, Any]) -> EpochInputs:
    """Read a case from a JSON file, or take an already-parsed mapping, and validate it.

    A missing or unreadable file, or text that is not JSON, raises :class:`InputError`; a case
    whose content is wrong raises :class:`ConsensusError` naming the field.
    """
    if isinstance(source, Mapping):
        return case_from_dict(source)
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"case file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read case file {path}: {exc}") from None
    return case_from_dict(parse_case_text(text, str(path)))


def parse_case_text(text: str, origin: str = "case") -> Any:
    """Parse JSON text, turning a syntax error into one clear :class:`InputError` line."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{origin}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None


def result_to_json(result: EpochResult, *, raw: bool = False) -> dict[str, Any]:
    """The result as a JSON-ready object: vectors as floats in [0, 1] (or I32F32 raw integers
    with ``raw``), bonds as a u16 matrix, permits as booleans, emissions as integers."""
    out: dict[str, Any] = {}
    for name in RESULT_VECTORS:
        values = getattr(result, name)
        out[name] = [int(v) for v in values.tolist()] if raw else to_float(values).tolist()
    out["bonds"] = result.bonds.tolist()
    out["validator_permit"] = [bool(p) for p in result.validator_permit.tolist()]
    out["miner_emission"] = list(result.miner_emission)
    out["validator_emission"] = list(result.validator_emission)
    return out
