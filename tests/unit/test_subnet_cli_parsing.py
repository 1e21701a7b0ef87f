"""What users type to ``noos subnet``: weights, hyperparameter settings, takes, ids."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from noosphere.cli._subnet_views import (
    PendingWeights,
    new_commit,
    parse_assignments,
    parse_epoch,
    parse_netuid,
    parse_take,
    parse_weights,
)
from noosphere.errors import InputError


def test_weights_are_scaled_so_the_largest_is_u16_max() -> None:
    assert parse_weights("2:1.0, 3:0.5,7:0") == [(2, 65_535), (3, 32_768), (7, 0)]
    assert parse_weights("0:3") == [(0, 65_535)]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("1=0.5", "malformed weight"),
        ("1:0.5,", "malformed weight"),
        ("a:1", "malformed weight"),
        ("1:1,1:2", "appears twice"),
        ("3:1,2:1", "not ascending: 2 after 3"),
        ("1:-1", "non-negative"),
        ("1:nan", "non-negative"),
        ("1:0,2:0", "at least one weight must be positive"),
        ("70000:1", "outside 0"),
    ],
)
def test_bad_weights_are_refused(text: str, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        parse_weights(text)


def test_assignments_are_typed_and_names_are_suggested() -> None:
    got = parse_assignments(["tempo=1_000", "min_burn=0.5", "registration_allowed=no"])
    assert got == {"tempo": 1000, "min_burn": 5 * 10**17, "registration_allowed": False}
    assert parse_assignments(["alpha_sigmoid_steepness=-5"]) == {"alpha_sigmoid_steepness": -5}
    with pytest.raises(InputError, match="did you mean 'kappa'"):
        parse_assignments(["kapa=1"])
    with pytest.raises(InputError, match="type's range"):
        parse_assignments(["kappa=70000"])
    with pytest.raises(InputError, match="true or false"):
        parse_assignments(["liquid_alpha_enabled=maybe"])
    with pytest.raises(InputError, match="whole number"):
        parse_assignments(["tempo=1.5"])
    with pytest.raises(InputError, match="malformed setting"):
        parse_assignments(["tempo"])
    with pytest.raises(InputError, match="nothing to set"):
        parse_assignments([])


def test_takes_and_ids() -> None:
    assert parse_take("9") == 900 and parse_take("9.25%") == 925 and parse_take("100") == 10_000
    for bad in ("abc", "101", "-1", "0.001"):
        with pytest.raises(InputError):
            parse_take(bad)
    assert parse_netuid("3") == 3 and parse_epoch("0") == 0
    for bad_id in ("0", "x", "65536"):
        with pytest.raises(InputError):
            parse_netuid(bad_id)
    with pytest.raises(InputError):
        parse_epoch("-1")


def test_pending_weights_file_is_private_and_per_hotkey(tmp_path: Path) -> None:
    store = PendingWeights(tmp_path, 4)
    a, b = "0x" + "aa" * 20, "0x" + "bb" * 20
    first, second = new_commit(3, [(1, 10)]), new_commit(5, [(2, 20)])
    store.put(a, first)
    store.put(b, second)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert store.get(a.upper().replace("0X", "0x")) == first and store.get(b) == second
    store.put(a, None)
    assert store.get(a) is None and store.get(b) == second
    store.path.write_text("{not json")
    with pytest.raises(InputError, match="cannot read"):
        store.get(b)
