"""The DAO's timelock: snekmate's controller as vendored, and the roles of the production setup."""

from __future__ import annotations

from pathlib import Path

import boa
import pytest
import snekmate

pytest.register_assert_rewrite("tests.contracts.conftest_governance")
from tests.contracts.conftest_governance import (  # noqa: E402
    GOVERNANCE,
    TIMELOCK_DELAY,
    UNIT,
    ZERO_ADDRESS,
)

pytest_plugins = ["tests.contracts.conftest_governance"]

SNEKMATE_TIMELOCK = Path(next(iter(snekmate.__path__))) / "governance" / "timelock_controller.vy"
VENDORED_TIMELOCK = GOVERNANCE / "modules" / "timelock_controller.vy"
NOTE = """# Noosphere: snekmate 0.1.2's `governance/timelock_controller.vy`, vendored
# with two changes only, pinned by `tests/contracts/test_governor_timelock.py`:
# the relative imports name the `snekmate` package, and `_DYNARRAY_BOUND` is
# 10 instead of 255 (see its note). Everything else is snekmate's code.
"""
BOUND_NOTE = """# @notice Noosphere: lowered from `max_value(uint8)` to 10, the governor's
# largest number of actions. With 255 slots of `Bytes[1_024]`, the static
# memory buffers of `schedule_batch` and `execute_batch` cost about 1.5
# million gas of memory expansion per call, whatever the batch's size;
# with 10, about 36,000 and 16,000 gas of execution for one call.
"""


def test_vendored_module_is_snekmates_with_the_documented_changes():
    expected = SNEKMATE_TIMELOCK.read_text()
    for old, new in [
        ('# pragma nonreentrancy off\n"""', "# pragma nonreentrancy off\n" + NOTE + '"""'),
        ("from ..auth.interfaces import", "from snekmate.auth.interfaces import"),
        ("from ..tokens.interfaces import", "from snekmate.tokens.interfaces import"),
        ("from ..auth import access_control", "from snekmate.auth import access_control"),
        (
            "_DYNARRAY_BOUND: constant(uint8) = max_value(uint8)",
            BOUND_NOTE + "_DYNARRAY_BOUND: constant(uint8) = 10",
        ),
    ]:
        assert old in expected
        expected = expected.replace(old, new)
    assert VENDORED_TIMELOCK.read_text() == expected


def test_production_roles(timelock, governor, gov_deployer, outsider):
    proposer, executor = timelock.PROPOSER_ROLE(), timelock.EXECUTOR_ROLE()
    canceller, admin = timelock.CANCELLER_ROLE(), timelock.DEFAULT_ADMIN_ROLE()
    assert timelock.hasRole(proposer, governor.address)
    assert timelock.hasRole(canceller, governor.address)
    assert timelock.hasRole(executor, ZERO_ADDRESS)  # anyone executes a ready operation
    assert timelock.hasRole(admin, timelock.address)  # self-administered
    for account in (gov_deployer, outsider.address):
        for role in (proposer, canceller, admin):
            assert not timelock.hasRole(role, account)
    assert timelock.get_minimum_delay() == TIMELOCK_DELAY


def test_only_the_governor_schedules(timelock, outsider):
    with boa.reverts("access_control: account is missing role"), boa.env.prank(outsider.address):
        timelock.schedule_batch([outsider.address], [0], [b""], b"\x00" * 32, b"\x00" * 32, 86_400)
    with boa.reverts("access_control: account is missing role"), boa.env.prank(outsider.address):
        timelock.cancel(b"\x01" * 32)


def test_the_deployer_cannot_take_the_timelock_back(timelock, governor, gov_deployer):
    with boa.reverts("access_control: account is missing role"), boa.env.prank(gov_deployer):
        timelock.grantRole(timelock.PROPOSER_ROLE(), gov_deployer)


def test_batches_hold_at_most_ten_calls(timelock, governor, outsider):
    salt = b"\x00" * 32
    with boa.env.prank(governor.address):
        timelock.schedule_batch([outsider.address] * 10, [0] * 10, [b""] * 10, salt, salt, 86_400)
        with pytest.raises(Exception):  # noqa: B017 (the ABI decoder rejects 11 elements)
            timelock.schedule_batch(
                [outsider.address] * 11, [0] * 11, [b""] * 11, salt, b"\x01" * 32, 86_400
            )


def test_timelock_holds_ether(timelock, outsider):
    boa.env.set_balance(outsider.address, UNIT)
    boa.env.raw_call(timelock.address, sender=outsider.address, value=UNIT)
    assert boa.env.get_balance(timelock.address) == UNIT
