"""Staking: each external function's success and failure paths, take history, gas.

Uses the registry test double (``doubles/registry_double.vy``) for ``is_registered`` and
``coldkey_of``. A hypothesis state machine at the end checks stakes against a model.
"""

from __future__ import annotations

import boa
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

pytest.register_assert_rewrite("tests.contracts.conftest_subnets_settlement")
from tests.contracts._boa_helpers import (  # noqa: E402
    block_number,
    events,
    mine,
    tx_gas,
)
from tests.contracts.conftest_subnets_settlement import (  # noqa: E402
    COOLDOWN,
    DOUBLES,
    MIN_STAKE,
    NETUID,
    SUBNETS,
    UNIT,
)

pytest_plugins = ["tests.contracts.conftest_subnets_settlement"]

MISSING_ROLE = "access_control: account is missing role"


@pytest.fixture
def validator(registry, deployer, alice) -> str:
    """A hotkey registered on subnet 1 whose coldkey is alice."""
    hotkey = boa.env.generate_address("validator")
    with boa.env.prank(deployer):
        registry.set_neuron(NETUID, hotkey, alice.address, True)
    return hotkey


@pytest.fixture
def stakers(token, staking, deployer, alice, bob):
    """alice (the validator's coldkey) and bob, each with 1,000 NOOS approved to Staking."""
    with boa.env.prank(deployer):
        token.transfer(bob.address, 1_000 * UNIT)
    for account in (alice, bob):
        with boa.env.prank(account.address):
            token.approve(staking.address, 2**256 - 1)
    return alice.address, bob.address


# --- wiring and admin ------------------------------------------------------------------------


def test_deployment(staking, token, registry, deployer):
    assert staking.token() == token.address
    assert staking.registry() == registry.address
    assert staking.min_stake() == MIN_STAKE
    assert staking.cooldown() == COOLDOWN
    assert (staking.min_take(), staking.max_take()) == (0, 10_000)
    assert staking.DEFAULT_TAKE() == 1_800
    assert staking.hasRole(staking.DEFAULT_ADMIN_ROLE(), deployer)


def test_wire_only_once_and_by_admin(settlement_staking_deployer, token, registry, deployer, alice):
    contract = settlement_staking_deployer.deploy(token.address, 0, 0)
    with boa.env.prank(alice.address), boa.reverts(MISSING_ROLE):
        contract.wire(registry.address)
    with boa.reverts("staking: zero address"):
        contract.wire("0x" + "00" * 20)
    contract.wire(registry.address)
    assert events(contract, "Wired")[0].registry == registry.address
    with boa.reverts("staking: already wired"):
        contract.wire(registry.address)


def test_admin_setters(staking, deployer):
    with boa.env.prank(deployer):
        staking.set_min_stake(5 * UNIT)
        assert events(staking, "MinStakeSet")[0].min_stake == 5 * UNIT
        staking.set_cooldown(100)
        assert events(staking, "CooldownSet")[0].cooldown == 100
        staking.set_take_bounds(500, 3_000)
        event = events(staking, "TakeBoundsSet")[0]
        assert (event.min_take, event.max_take) == (500, 3_000)
    assert staking.min_stake() == 5 * UNIT
    assert staking.cooldown() == 100
    assert (staking.min_take(), staking.max_take()) == (500, 3_000)


def test_admin_setters_reject_bad_values_and_strangers(staking, deployer, alice):
    with boa.env.prank(deployer):
        with boa.reverts("staking: cooldown too long"):
            staking.set_cooldown(2**32 + 1)
        with boa.reverts("staking: bad take bounds"):
            staking.set_take_bounds(3_001, 3_000)
        with boa.reverts("staking: bad take bounds"):
            staking.set_take_bounds(0, 10_001)
    with boa.env.prank(alice.address):
        for call in (
            lambda: staking.set_min_stake(0),
            lambda: staking.set_cooldown(0),
            lambda: staking.set_take_bounds(0, 1),
        ):
            with boa.reverts(MISSING_ROLE):
                call()


# --- stake -----------------------------------------------------------------------------------


def test_stake_self_and_delegated(staking, token, validator, stakers):
    alice, bob = stakers
    with boa.env.prank(alice):
        staking.stake(NETUID, validator, 10 * UNIT)
    (event,) = events(staking, "Staked")
    assert (event.netuid, event.hotkey, event.staker) == (NETUID, validator, alice)
    assert (event.amount, event.stake, event.hotkey_total) == (10 * UNIT, 10 * UNIT, 10 * UNIT)
    staked_at = block_number()
    with boa.env.prank(bob):
        staking.stake(NETUID, validator, 3 * UNIT)
        staking.stake(NETUID, validator, 2 * UNIT)
    (event,) = events(staking, "Staked")
    assert (event.amount, event.stake, event.hotkey_total) == (2 * UNIT, 5 * UNIT, 15 * UNIT)
    assert staking.stake_by(NETUID, validator, alice) == 10 * UNIT
    assert staking.stake_by(NETUID, validator, bob) == 5 * UNIT
    assert staking.stake_of(NETUID, validator) == 15 * UNIT
    assert token.balanceOf(staking.address) == 15 * UNIT
    mine()
    assert staking.stake_at(NETUID, validator, staked_at - 1) == 0
    assert staking.stake_at(NETUID, validator, staked_at) == 15 * UNIT


def test_stake_rejects_bad_input(staking, registry, validator, stakers, deployer):
    alice, _ = stakers
    stranger = boa.env.generate_address("unregistered")
    with boa.env.prank(alice):
        with boa.reverts("staking: zero amount"):
            staking.stake(NETUID, validator, 0)
        with boa.reverts("staking: hotkey not registered"):
            staking.stake(NETUID, stranger, UNIT)
        with boa.reverts("staking: hotkey not registered"):
            staking.stake(NETUID + 1, validator, UNIT)
        with boa.reverts("staking: stake below minimum"):
            staking.stake(NETUID, validator, MIN_STAKE - 1)
    poor = boa.env.generate_address("poor")
    with boa.env.prank(poor), boa.reverts("erc20: insufficient allowance"):
        staking.stake(NETUID, validator, UNIT)


# --- unstake and withdraw --------------------------------------------------------------------


def test_unstake_then_withdraw_after_the_cooldown(staking, token, validator, stakers):
    _, bob = stakers
    with boa.env.prank(bob):
        staking.stake(NETUID, validator, 10 * UNIT)
    mine()
    with boa.env.prank(bob):
        staking.unstake(NETUID, validator, 4 * UNIT)
    (event,) = events(staking, "Unstaked")
    release = block_number() + COOLDOWN
    assert (event.amount, event.stake, event.hotkey_total) == (4 * UNIT, 6 * UNIT, 6 * UNIT)
    assert (event.pending, event.release_block) == (4 * UNIT, release)
    assert staking.pending(NETUID, validator, bob) == (4 * UNIT, release)
    assert staking.total_pending() == 4 * UNIT
    assert staking.stake_of(NETUID, validator) == 6 * UNIT
    mine(COOLDOWN - 1)
    with boa.env.prank(bob), boa.reverts("staking: cooldown not over"):
        staking.withdraw(NETUID, validator)
    mine()
    balance = token.balanceOf(bob)
    with boa.env.prank(bob):
        assert staking.withdraw(NETUID, validator) == 4 * UNIT
    (event,) = events(staking, "Withdrawn")
    assert (event.netuid, event.hotkey, event.staker, event.amount) == (
        NETUID,
        validator,
        bob,
        4 * UNIT,
    )
    assert token.balanceOf(bob) == balance + 4 * UNIT
    assert staking.pending(NETUID, validator, bob) == (0, 0)
    assert staking.total_pending() == 0
    with boa.env.prank(bob), boa.reverts("staking: nothing to withdraw"):
        staking.withdraw(NETUID, validator)


def test_a_second_unstake_adds_up_and_restarts_the_cooldown(staking, validator, stakers):
    _, bob = stakers
    with boa.env.prank(bob):
        staking.stake(NETUID, validator, 10 * UNIT)
        staking.unstake(NETUID, validator, 2 * UNIT)
    mine(COOLDOWN - 2)
    with boa.env.prank(bob):
        staking.unstake(NETUID, validator, 8 * UNIT)
    assert staking.pending(NETUID, validator, bob) == (10 * UNIT, block_number() + COOLDOWN)
    mine(2)
    with boa.env.prank(bob), boa.reverts("staking: cooldown not over"):
        staking.withdraw(NETUID, validator)


def test_unstake_from_a_deregistered_hotkey(staking, registry, validator, stakers, deployer):
    _, bob = stakers
    with boa.env.prank(bob):
        staking.stake(NETUID, validator, 10 * UNIT)
    with boa.env.prank(deployer):
        registry.set_neuron(NETUID, validator, deployer, False)
    with boa.env.prank(bob):
        staking.unstake(NETUID, validator, 10 * UNIT)
    assert staking.stake_of(NETUID, validator) == 0


def test_unstake_rejects_bad_amounts(staking, validator, stakers):
    _, bob = stakers
    with boa.env.prank(bob):
        staking.stake(NETUID, validator, 10 * UNIT)
        with boa.reverts("staking: zero amount"):
            staking.unstake(NETUID, validator, 0)
        with boa.reverts("staking: amount exceeds stake"):
            staking.unstake(NETUID, validator, 10 * UNIT + 1)
        with boa.reverts("staking: stake below minimum"):
            staking.unstake(NETUID, validator, 10 * UNIT - MIN_STAKE + 1)
        staking.unstake(NETUID, validator, 10 * UNIT - MIN_STAKE)


# --- take --------------------------------------------------------------------------------------


def test_take_defaults_then_follows_the_coldkey(staking, validator, alice, deployer):
    assert staking.take_of(validator) == 1_800
    first = block_number()
    with boa.env.prank(alice.address):
        staking.set_take(validator, 0)
    (event,) = events(staking, "TakeSet")
    assert (event.hotkey, event.coldkey, event.take) == (validator, alice.address, 0)
    mine(2)
    with boa.env.prank(alice.address):
        staking.set_take(validator, 10_000)
    second = block_number()
    mine()
    with boa.env.prank(alice.address):
        staking.set_take(validator, 900)
    third = block_number()
    mine()
    assert staking.take_at(validator, first - 1) == 1_800
    assert staking.take_at(validator, first) == 0
    assert staking.take_at(validator, second - 1) == 0
    assert staking.take_at(validator, second) == 10_000
    assert staking.take_at(validator, third) == 900
    assert staking.take_of(validator) == 900


def test_set_take_rejects_strangers_and_out_of_bounds(staking, validator, alice, bob, deployer):
    with boa.env.prank(bob.address), boa.reverts("staking: caller is not the coldkey"):
        staking.set_take(validator, 1_000)
    with boa.env.prank(deployer):
        staking.set_take_bounds(1_000, 2_000)
    with boa.env.prank(alice.address):
        with boa.reverts("staking: take out of bounds"):
            staking.set_take(validator, 999)
        with boa.reverts("staking: take out of bounds"):
            staking.set_take(validator, 2_001)
        staking.set_take(validator, 2_000)


def test_past_lookups_reject_the_current_block(staking, validator):
    with boa.reverts("staking: future lookup"):
        staking.stake_at(NETUID, validator, block_number())
    with boa.reverts("staking: future lookup"):
        staking.take_at(validator, block_number())


# --- gas ---------------------------------------------------------------------------------------


def test_gas_targets(noos_deployer, deployer, alice, bob):
    """A staker's first stake to a hotkey with an existing history: at most 120 k."""
    with boa.swap_env(boa.Env()):
        with boa.env.prank(deployer):
            token = noos_deployer.deploy("Noosphere", "NOOS", 10**27, deployer, 10**26)
            registry = boa.load(str(DOUBLES / "registry_double.vy"))
            staking = boa.load(str(SUBNETS / "staking.vy"), token.address, UNIT, 10)
            staking.wire(registry.address)
            hotkey = boa.env.generate_address("hotkey")
            registry.set_neuron(NETUID, hotkey, alice.address, True)
            token.transfer(alice.address, 1_000 * UNIT)
            token.transfer(bob.address, 1_000 * UNIT)
        for account in (alice, bob):
            with boa.env.prank(account.address):
                token.approve(staking.address, 2**256 - 1)
        with boa.env.prank(alice.address):
            staking.stake(NETUID, hotkey, 10 * UNIT)
        boa.env.time_travel(blocks=1)
        first = tx_gas(staking, staking.stake, NETUID, hotkey, 5 * UNIT, sender=bob.address)
        boa.env.time_travel(blocks=1)
        again = tx_gas(staking, staking.stake, NETUID, hotkey, 5 * UNIT, sender=bob.address)
        boa.env.time_travel(blocks=1)
        unstake = tx_gas(staking, staking.unstake, NETUID, hotkey, UNIT, sender=bob.address)
    print(f"stake (first, new block) {first}, stake again {again}, unstake {unstake}")
    assert first <= 120_000, first
    assert again <= 100_000, again


# --- model ---------------------------------------------------------------------------------------

STAKERS = ["0x" + f"{n:02x}" * 20 for n in (0x51, 0x52, 0x53)]
HOTKEYS = ["0x" + f"{n:02x}" * 20 for n in (0x61, 0x62)]
MODEL_MIN = 10
MODEL_COOLDOWN = 3
NOOS = boa.load_partial(str(SUBNETS.parent / "token" / "noos.vy"))
STAKING = boa.load_partial(str(SUBNETS / "staking.vy"))
REGISTRY = boa.load_partial(str(DOUBLES / "registry_double.vy"))

stakers_st = st.sampled_from(STAKERS)
hotkeys_st = st.sampled_from(HOTKEYS)
amounts_st = st.integers(min_value=0, max_value=300)


class StakingModel(RuleBasedStateMachine):
    """Random stakes, unstakes, withdrawals and blocks against a Python model."""

    @initialize()
    def deploy(self) -> None:
        self.token = NOOS.deploy("Noosphere", "NOOS", 10**9, boa.env.eoa, 10**6)
        self.registry = REGISTRY.deploy()
        self.staking = STAKING.deploy(self.token.address, MODEL_MIN, MODEL_COOLDOWN)
        self.staking.wire(self.registry.address)
        for hotkey in HOTKEYS:
            self.registry.set_neuron(NETUID, hotkey, STAKERS[0], True)
        for staker in STAKERS:
            self.token.transfer(staker, 10_000)
            with boa.env.prank(staker):
                self.token.approve(self.staking.address, 2**256 - 1)
        self.stakes = {(h, s): 0 for h in HOTKEYS for s in STAKERS}
        self.pending = {(h, s): (0, 0) for h in HOTKEYS for s in STAKERS}
        self.history: dict[str, dict[int, int]] = {h: {} for h in HOTKEYS}
        self.first_block = block_number()

    def _total(self, hotkey: str) -> int:
        return sum(v for (h, _), v in self.stakes.items() if h == hotkey)

    def _record(self, hotkey: str) -> None:
        self.history[hotkey][block_number()] = self._total(hotkey)

    @rule(staker=stakers_st, hotkey=hotkeys_st, amount=amounts_st)
    def stake(self, staker: str, hotkey: str, amount: int) -> None:
        new = self.stakes[hotkey, staker] + amount
        with boa.env.prank(staker):
            if amount == 0:
                with boa.reverts("staking: zero amount"):
                    self.staking.stake(NETUID, hotkey, amount)
                return
            if new < MODEL_MIN:
                with boa.reverts("staking: stake below minimum"):
                    self.staking.stake(NETUID, hotkey, amount)
                return
            self.staking.stake(NETUID, hotkey, amount)
        assert events(self.staking, "Staked")[0].stake == new
        self.stakes[hotkey, staker] = new
        self._record(hotkey)

    @rule(staker=stakers_st, hotkey=hotkeys_st, amount=amounts_st)
    def unstake(self, staker: str, hotkey: str, amount: int) -> None:
        current = self.stakes[hotkey, staker]
        with boa.env.prank(staker):
            if amount == 0:
                with boa.reverts("staking: zero amount"):
                    self.staking.unstake(NETUID, hotkey, amount)
                return
            if amount > current:
                with boa.reverts("staking: amount exceeds stake"):
                    self.staking.unstake(NETUID, hotkey, amount)
                return
            if 0 < current - amount < MODEL_MIN:
                with boa.reverts("staking: stake below minimum"):
                    self.staking.unstake(NETUID, hotkey, amount)
                return
            self.staking.unstake(NETUID, hotkey, amount)
        assert events(self.staking, "Unstaked")[0].stake == current - amount
        self.stakes[hotkey, staker] = current - amount
        pending, _ = self.pending[hotkey, staker]
        self.pending[hotkey, staker] = (pending + amount, block_number() + MODEL_COOLDOWN)
        self._record(hotkey)

    @rule(staker=stakers_st, hotkey=hotkeys_st)
    def withdraw(self, staker: str, hotkey: str) -> None:
        amount, release = self.pending[hotkey, staker]
        with boa.env.prank(staker):
            if amount == 0:
                with boa.reverts("staking: nothing to withdraw"):
                    self.staking.withdraw(NETUID, hotkey)
                return
            if block_number() < release:
                with boa.reverts("staking: cooldown not over"):
                    self.staking.withdraw(NETUID, hotkey)
                return
            assert self.staking.withdraw(NETUID, hotkey) == amount
        self.pending[hotkey, staker] = (0, 0)

    @rule(blocks=st.integers(min_value=1, max_value=3))
    def mine(self, blocks: int) -> None:
        mine(blocks)

    @invariant()
    def stakes_add_up_to_totals_and_balance(self) -> None:
        for (hotkey, staker), value in self.stakes.items():
            assert self.staking.stake_by(NETUID, hotkey, staker) == value
        for hotkey in HOTKEYS:
            assert self.staking.stake_of(NETUID, hotkey) == self._total(hotkey)
        pending = sum(amount for amount, _ in self.pending.values())
        assert self.staking.total_pending() == pending
        held = self.token.balanceOf(self.staking.address)
        assert held - pending == sum(self._total(h) for h in HOTKEYS)

    def teardown(self) -> None:
        if "first_block" not in vars(self):
            return
        mine()
        for hotkey in HOTKEYS:
            for block in range(self.first_block - 1, block_number()):
                known = [b for b in self.history[hotkey] if b <= block]
                expected = self.history[hotkey][max(known)] if known else 0
                assert self.staking.stake_at(NETUID, hotkey, block) == expected


StakingModel.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestStakingModel = StakingModel.TestCase
