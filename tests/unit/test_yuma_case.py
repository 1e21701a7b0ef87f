"""JSON cases: a good case round-trips; every malformed one fails naming what was wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from noosphere.consensus import (
    EpochInputs,
    Hyperparameters,
    case_from_dict,
    load_case,
    result_to_json,
    run_epoch,
)
from noosphere.errors import ConsensusError, InputError, NoosphereError


def good_case() -> dict[str, Any]:
    return {
        "name": "two validators, two miners",
        "stake": [10, 30, 0, 0],
        "weights": [[0, 0, 65535, 0], [0, 0, 30000, 65535], [0] * 4, [0] * 4],
        "bonds": [[0] * 4 for _ in range(4)],
        "last_update": [5, 5, 0, 0],
        "block_at_registration": [0, 0, 0, 0],
        "validator_permit": [True, True, False, False],
        "current_block": 6,
        "tempo": 2,
        "emission": 1000,
        "kappa": 32767,
        "liquid_alpha_enabled": False,
        "yuma_version": 3,
    }


def test_a_case_runs_and_serialises(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(good_case()))
    inputs = load_case(path)
    assert inputs.hyperparameters.kappa == 32767
    assert inputs.hyperparameters.bonds_moving_average == 900_000  # default
    out = result_to_json(run_epoch(inputs))
    assert set(out) == {
        "consensus",
        "incentive",
        "dividends",
        "validator_trust",
        "bonds",
        "validator_permit",
        "miner_emission",
        "validator_emission",
    }
    assert all(0.0 <= v <= 1.0 for v in out["incentive"] + out["consensus"])
    assert out["validator_permit"] == [True, True, False, False]
    assert sum(out["miner_emission"]) + sum(out["validator_emission"]) <= 1000
    assert all(isinstance(v, int) for row in out["bonds"] for v in row)
    raw = result_to_json(run_epoch(inputs), raw=True)
    assert raw["incentive"] == [round(v * 2**32) for v in out["incentive"]]
    json.dumps(out)  # plain JSON types only


def test_a_parsed_mapping_is_accepted() -> None:
    assert isinstance(load_case(good_case()), EpochInputs)


def broken(**changes: Any) -> dict[str, Any]:
    case = good_case()
    for key, value in changes.items():
        if value is ...:
            del case[key]
        else:
            case[key] = value
    return case


@pytest.mark.parametrize(
    ("case", "message"),
    [
        (broken(stake=...), "missing key 'stake'"),
        (broken(weights=...), "missing key 'weights'"),
        (broken(kapa=3), "unknown key 'kapa'; did you mean 'kappa'?"),
        (broken(stake=[10, 30, 0]), "last_update: expected 3 values"),
        (broken(stake=[10, -30, 0, 0]), "stake[1]: -30 is negative"),
        (broken(stake=[10, 1.5, 0, 0]), "stake[1]: expected an integer"),
        (broken(stake=[10, True, 0, 0]), "stake[1]: expected an integer"),
        (broken(stake=[2**64, 0, 0, 0]), "stake[0]: 18446744073709551616 is larger"),
        (broken(stake=[2**63, 2**63 - 1, 0, 0]), "stake: the total exceeds"),
        (broken(stake="10"), "stake: expected a list"),
        (broken(weights=[[0] * 4] * 3), "weights: expected a square matrix"),
        (broken(weights=[[0] * 3] * 4), "weights: expected a square matrix"),
        (broken(weights=[[0] * 4, [0] * 3, [0] * 4, [0] * 4]), "weights: rows have different"),
        (broken(weights=[[0, 0, 70000, 0]] + [[0] * 4] * 3), "weights: value 70000 is outside"),
        (broken(weights=[[0, 0, -1, 0]] + [[0] * 4] * 3), "weights: value -1 is outside"),
        (broken(weights=[[0, 0, 2**70, 0]] + [[0] * 4] * 3), "weights: a value is outside"),
        (broken(weights=[[0, 0, 0.5, 0]] + [[0] * 4] * 3), "weights[0][2]: expected a u16"),
        (broken(bonds=[[0, "x", 0, 0]] + [[0] * 4] * 3), "bonds[0][1]: expected a u16"),
        (broken(bonds=[0, 0, 0, 0]), "bonds: expected a list of rows"),
        (broken(validator_permit=[1, 1, 0, 0]), "validator_permit: expected a list of true"),
        (broken(validator_permit=[True, False]), "validator_permit: expected 4 values"),
        (broken(last_update=[5, 5, 0, -1]), "last_update[3]: -1 is negative"),
        (broken(current_block=-1), "current_block: -1 is negative"),
        (broken(current_block=2**70), "current_block: 1180591620717411303424 is larger"),
        (broken(tempo=None), "tempo: expected an integer"),
        (broken(emission=-5), "emission: -5 is negative"),
        (broken(kappa=65536), "kappa: 65536 is outside [0, 65535]"),
        (broken(alpha_low=50000, alpha_high=40000), "alpha_low: 50000 is above alpha_high"),
        (broken(bonds_moving_average=1_000_001), "bonds_moving_average: 1000001 is outside"),
        (broken(yuma_version=4), "yuma_version: expected 2 or 3"),
        (broken(liquid_alpha_enabled=1), "liquid_alpha_enabled: expected true or false"),
        (broken(alpha_sigmoid_steepness=40000), "alpha_sigmoid_steepness: 40000 is outside"),
        (broken(owner_uid=4), "owner_uid: 4 is not a UID"),
        (broken(max_allowed_validators=-1), "max_allowed_validators: -1 is negative"),
        ([1, 2], "case: expected a JSON object"),
    ],
)
def test_malformed_cases_name_the_field(case: Any, message: str) -> None:
    with pytest.raises(ConsensusError) as raised:
        load_case(case) if isinstance(case, dict) else case_from_dict(case)
    assert message in str(raised.value)


def test_missing_file_and_bad_json_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="case file not found"):
        load_case(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"stake": [1,}')
    with pytest.raises(InputError, match=r"bad\.json: not valid JSON"):
        load_case(bad)


def test_inputs_are_validated_without_json() -> None:
    with pytest.raises(ConsensusError, match="rows: UIDs must be strictly increasing"):
        EpochInputs(
            stake=np.ones(3, dtype=np.uint64),
            weights=np.zeros((2, 3), dtype=np.uint16),
            bonds=np.zeros((2, 3), dtype=np.uint16),
            last_update=np.zeros(3, dtype=np.uint64),
            block_at_registration=np.zeros(3, dtype=np.uint64),
            validator_permit=np.zeros(3, dtype=bool),
            current_block=1,
            tempo=1,
            emission=1,
            rows=np.array([1, 1]),
        )
    with pytest.raises(ConsensusError, match="weights: expected"):
        EpochInputs(
            stake=np.ones(3, dtype=np.uint64),
            weights=np.zeros((3, 3), dtype=np.float64),
            bonds=np.zeros((3, 3), dtype=np.uint16),
            last_update=np.zeros(3, dtype=np.uint64),
            block_at_registration=np.zeros(3, dtype=np.uint64),
            validator_permit=np.zeros(3, dtype=bool),
            current_block=1,
            tempo=1,
            emission=1,
        )
    with pytest.raises(ConsensusError, match="kappa: expected an integer"):
        Hyperparameters(kappa=0.5)  # type: ignore[arg-type]


def test_errors_belong_to_the_one_exception_root() -> None:
    assert issubclass(ConsensusError, NoosphereError) and issubclass(InputError, NoosphereError)
