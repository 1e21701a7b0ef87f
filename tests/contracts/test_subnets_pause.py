"""EpochSettlement's emergency pause: the guardian may only pause, for a bounded time.

A guardian (``GUARDIAN_ROLE``) pauses the claims of a subnet for at most ``max_pause`` seconds
from the pause's start and may start another pause only once the subnet has been unpaused for
``max_pause`` seconds; the admin (the DAO's timelock) may pause without that cooldown, extend,
unpause, set ``max_pause`` (at most ``MAX_PAUSE_CAP``) and void a result frozen by a pause that
began within its challenge window. Everything else a guardian tries reverts.

Fixtures are function-scoped (only the compiled ``*_deployer`` fixtures are session-scoped): each
test deploys the token, the registry double, the Emitter, Staking and EpochSettlement, and
finalizes epoch 2 of subnet 1 with a small payouts tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import boa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from noosphere.consensus.merkle import StandardMerkleTree
from tests.contracts._boa_helpers import block_number, events, mine, mine_to
from tests.contracts.conftest_subnets_settlement import (
    CHALLENGE_WINDOW,
    NETUID,
    SUBNETS,
    TEMPO,
    UNIT,
    payouts_tree,
    registry_double_deployer_partial,
)

MISSING_ROLE = "access_control: account is missing role"
NOT_DAO_VOID = "epochs: only the admin (the DAO) may void"
EPOCH = 2
OTHER_NETUID = 2
DAY = 86_400
REASON = b"\x0c" * 32
AUX_FIELDS = (b"\x01" * 32, b"\x02" * 32, b"\x03" * 32, b"\x04" * 32)


@dataclass
class Settlement:
    """A deployed settlement with epoch 2 of subnet 1 finalized (claims open after the window)."""

    epochs: Any
    token: Any
    emitter: Any
    registry: Any
    admin: str
    guardian: str
    tree: StandardMerkleTree
    payees: list[tuple[str, int]]

    def claim(self, index: int, netuid: int = NETUID, epoch: int = EPOCH) -> None:
        """Claim payee ``index``'s leaf (anyone may send a claim)."""
        account, amount = self.payees[index]
        self.epochs.claim(netuid, epoch, account, amount, self.tree.proof(index))


@pytest.fixture(scope="session")
def pause_epochs_deployer():
    return boa.load_partial(str(SUBNETS / "epochs.vy"))


@pytest.fixture(scope="session")
def pause_emitter_deployer():
    return boa.load_partial(str(SUBNETS / "emitter.vy"))


@pytest.fixture(scope="session")
def pause_staking_deployer():
    return boa.load_partial(str(SUBNETS / "staking.vy"))


@pytest.fixture(scope="session")
def pause_registry_deployer():
    return registry_double_deployer_partial()


def finalize_epochs(
    contracts: dict[str, Any], admin: str, netuids: list[int], payees: list[tuple[str, int]]
) -> list[StandardMerkleTree]:
    """A validator with a permit on each subnet attests its payouts of epoch 2; finalize them."""
    registry, staking, epochs = contracts["registry"], contracts["staking"], contracts["epochs"]
    hotkeys = [boa.env.generate_address() for _ in netuids]
    with boa.env.prank(admin):
        for netuid, hotkey in zip(netuids, hotkeys, strict=True):
            registry.set_neuron(netuid, hotkey, admin, True)
            registry.set_permit(netuid, EPOCH, hotkey, True)
            staking.stake(netuid, hotkey, 10 * UNIT)
            registry.set_permitted_stake(netuid, EPOCH, 10 * UNIT)
    mine_to(max(registry.epoch_start(netuid, EPOCH + 2) for netuid in netuids))
    trees = []
    for netuid, hotkey in zip(netuids, hotkeys, strict=True):
        tree = payouts_tree(netuid, EPOCH, dict(payees))
        with boa.env.prank(hotkey):
            epochs.attest(netuid, EPOCH, tree.root, *AUX_FIELDS)
        epochs.finalize(netuid, EPOCH, tree.root, epochs.aux_hash(*AUX_FIELDS))
        trees.append(tree)
    return trees


@pytest.fixture
def settled(
    noos_deployer,
    pause_epochs_deployer,
    pause_emitter_deployer,
    pause_staking_deployer,
    pause_registry_deployer,
) -> Settlement:
    admin = boa.env.generate_address("pause-admin")
    guardian = boa.env.generate_address("pause-guardian")
    with boa.env.prank(admin):
        token = noos_deployer.deploy("Noosphere", "NOOS", 10**27, admin, 10**26)
        registry = pause_registry_deployer.deploy()
        for netuid in (NETUID, OTHER_NETUID):
            registry.set_subnet(netuid, admin, block_number(), TEMPO, 1)
        emitter = pause_emitter_deployer.deploy(token.address, 1_000)
        token.set_minter(emitter.address, True)
        emitter.set_share(NETUID, 5_000)
        emitter.set_share(OTHER_NETUID, 5_000)
        staking = pause_staking_deployer.deploy(token.address, UNIT, 10)
        staking.wire(registry.address)
        epochs = pause_epochs_deployer.deploy(token.address, CHALLENGE_WINDOW, 50)
        epochs.wire(registry.address, staking.address, emitter.address)
        emitter.grantRole(emitter.SETTLEMENT_ROLE(), epochs.address)
        epochs.grantRole(epochs.GUARDIAN_ROLE(), guardian)
        token.approve(staking.address, 2**256 - 1)
    payees = [(boa.env.generate_address(f"pause-payee{i}"), 10**15 * (i + 1)) for i in range(4)]
    contracts = {"registry": registry, "staking": staking, "epochs": epochs}
    # Subnet 1's challenge window starts in the fixture's last block.
    tree = finalize_epochs(contracts, admin, [NETUID, OTHER_NETUID], payees)[0]
    return Settlement(epochs, token, emitter, registry, admin, guardian, tree, payees)


def now() -> int:
    return int(boa.env.evm.patch.timestamp)


def pause(s: Settlement, duration: int, who: str | None = None, netuid: int = NETUID) -> None:
    with boa.env.prank(who or s.guardian):
        s.epochs.pause(netuid, duration)


# --- pause and claims --------------------------------------------------------------------------


def test_guardian_pause_stops_claims_until_it_ends(settled):
    s = settled
    mine(CHALLENGE_WINDOW)
    pause(s, 3_600)
    until = now() + 3_600
    (event,) = events(s.epochs, "Paused")
    assert (event.netuid, event.guardian, event.until) == (NETUID, s.guardian, until)
    assert s.epochs.paused_until(NETUID) == until
    assert s.epochs.paused_until(OTHER_NETUID) == 0
    with boa.reverts("epochs: subnet paused"):
        s.claim(0)
    # Another subnet's claims go on.
    other = payouts_tree(OTHER_NETUID, EPOCH, dict(s.payees))
    account, amount = s.payees[1]
    s.epochs.claim(OTHER_NETUID, EPOCH, account, amount, other.proof(1))
    boa.env.time_travel(seconds=until - now() - 1)
    with boa.reverts("epochs: subnet paused"):
        s.claim(0)
    boa.env.time_travel(seconds=1)  # the pause ends at `until` (exclusive)
    assert s.epochs.paused_until(NETUID) == 0
    s.claim(0)
    assert s.token.balanceOf(s.payees[0][0]) == s.payees[0][1]


def test_pause_rejects_bad_durations_strangers_and_unknown_subnets(settled, alice):
    s = settled
    with boa.reverts("epochs: zero pause duration"):
        pause(s, 0)
    with boa.reverts("epochs: pause longer than max_pause"):
        pause(s, 14 * DAY + 1)
    with boa.reverts("epochs: unknown subnet"):
        pause(s, 60, netuid=77)
    with boa.env.prank(alice.address), boa.reverts("epochs: caller is not a guardian"):
        s.epochs.pause(NETUID, 60)
    pause(s, 14 * DAY)  # exactly max_pause
    assert s.epochs.paused_until(NETUID) == now() + 14 * DAY


def test_guardian_extends_only_up_to_max_pause_from_the_start(settled):
    s = settled
    with boa.env.prank(s.admin):
        s.epochs.set_max_pause(1_000)
    start = now()
    pause(s, 400)
    boa.env.time_travel(seconds=300)
    pause(s, 600)  # ends at start + 900
    assert s.epochs.paused_until(NETUID) == start + 900
    pause(s, 10)  # never shortens a running pause
    assert s.epochs.paused_until(NETUID) == start + 900
    pause(s, 700)  # start + 1000 exactly
    assert s.epochs.paused_until(NETUID) == start + 1_000
    with boa.reverts("epochs: pause would exceed max_pause"):
        pause(s, 701)
    assert s.epochs.pause_state(NETUID)[:2] == (start + 1_000, start)


def test_guardian_waits_max_pause_before_pausing_again(settled):
    s = settled
    with boa.env.prank(s.admin):
        s.epochs.set_max_pause(1_000)
    pause(s, 1_000)
    end = now() + 1_000
    assert s.epochs.pause_state(NETUID)[3] == end + 1_000
    boa.env.time_travel(seconds=1_000)
    assert s.epochs.paused_until(NETUID) == 0
    with boa.reverts("epochs: guardian cooldown not over"):
        pause(s, 10)
    boa.env.time_travel(seconds=end + 999 - now())
    with boa.reverts("epochs: guardian cooldown not over"):
        pause(s, 10)
    boa.env.time_travel(seconds=1)
    pause(s, 10)
    assert s.epochs.paused_until(NETUID) == now() + 10


def test_admin_unpauses_and_the_cooldown_runs_from_then(settled):
    s = settled
    mine(CHALLENGE_WINDOW)
    pause(s, 5_000)
    with boa.env.prank(s.guardian), boa.reverts(MISSING_ROLE):
        s.epochs.unpause(NETUID)
    boa.env.time_travel(seconds=100)
    with boa.env.prank(s.admin):
        s.epochs.unpause(NETUID)
    (event,) = events(s.epochs, "Unpaused")
    assert (event.netuid, event.by) == (NETUID, s.admin)
    assert s.epochs.paused_until(NETUID) == 0
    s.claim(0)
    with boa.env.prank(s.admin), boa.reverts("epochs: subnet not paused"):
        s.epochs.unpause(NETUID)
    assert s.epochs.pause_state(NETUID)[3] == now() + 14 * DAY
    with boa.reverts("epochs: guardian cooldown not over"):
        pause(s, 10)


def test_admin_pauses_without_cooldown_and_extends_beyond_max_pause(settled):
    s = settled
    with boa.env.prank(s.admin):
        s.epochs.set_max_pause(1_000)
    start = now()
    pause(s, 1_000)
    boa.env.time_travel(seconds=900)
    pause(s, 1_000, who=s.admin)  # start + 1900: the DAO may keep it paused
    assert s.epochs.paused_until(NETUID) == start + 1_900
    assert s.epochs.pause_state(NETUID)[1] == start  # the same pause, from the same start
    pause(s, 100)  # within start + max_pause: allowed, and it does not shorten the pause
    assert s.epochs.paused_until(NETUID) == start + 1_900
    with boa.reverts("epochs: pause would exceed max_pause"):
        pause(s, 101)  # beyond start + max_pause: the guardian may not
    boa.env.time_travel(seconds=1_000)
    pause(s, 1_000, who=s.admin)  # a new pause right away: the admin has no cooldown
    assert s.epochs.pause_state(NETUID)[1] == now()


def test_set_max_pause_is_bounded_and_admin_only(settled):
    s = settled
    with boa.env.prank(s.admin):
        s.epochs.set_max_pause(21 * DAY)
        (event,) = events(s.epochs, "MaxPauseSet")
        assert event.max_pause == 21 * DAY == s.epochs.max_pause()
        for bad in (0, 21 * DAY + 1):
            with boa.reverts("epochs: max_pause out of range"):
                s.epochs.set_max_pause(bad)
    with boa.env.prank(s.guardian), boa.reverts(MISSING_ROLE):
        s.epochs.set_max_pause(DAY)


# --- void while paused -------------------------------------------------------------------------


def test_dao_voids_a_frozen_root_after_the_window(settled):
    s = settled
    mine(CHALLENGE_WINDOW - 1)  # the last block of the challenge window
    pause(s, 10 * DAY)
    mine(CHALLENGE_WINDOW * 100)  # the DAO's vote takes days
    with boa.env.prank(s.guardian), boa.reverts(NOT_DAO_VOID):
        s.epochs.void(NETUID, EPOCH, REASON)
    minted = s.epochs.minted_of(NETUID, EPOCH)
    supply = s.token.totalSupply()
    with boa.env.prank(s.admin):
        s.epochs.void(NETUID, EPOCH, REASON)
    (event,) = events(s.epochs, "Voided")
    assert (event.by, event.burned) == (s.admin, minted)
    assert s.token.totalSupply() == supply - minted
    with boa.env.prank(s.admin):
        s.epochs.unpause(NETUID)
    with boa.reverts("epochs: epoch voided"):
        s.claim(0)


def test_a_pause_after_the_window_does_not_reopen_it(settled):
    s = settled
    mine(CHALLENGE_WINDOW)  # claims are open: the window ended before the pause
    pause(s, DAY)
    with boa.env.prank(s.admin), boa.reverts("epochs: challenge window over"):
        s.epochs.void(NETUID, EPOCH, REASON)


def test_void_after_the_pause_ended_is_too_late(settled):
    s = settled
    pause(s, 600)
    mine(CHALLENGE_WINDOW)
    boa.env.time_travel(seconds=600)
    assert s.epochs.paused_until(NETUID) == 0
    with boa.env.prank(s.admin), boa.reverts("epochs: challenge window over"):
        s.epochs.void(NETUID, EPOCH, REASON)
    s.claim(2)


def test_a_pause_of_another_subnet_does_not_extend_the_window(settled):
    s = settled
    pause(s, DAY, netuid=OTHER_NETUID)
    mine(CHALLENGE_WINDOW)
    with boa.env.prank(s.admin), boa.reverts("epochs: challenge window over"):
        s.epochs.void(NETUID, EPOCH, REASON)


# --- the guardian may only pause ---------------------------------------------------------------


def test_the_guardian_trying_anything_but_pause_reverts(settled):
    s = settled
    e, role = s.epochs, s.epochs.GUARDIAN_ROLE()
    stranger = boa.env.generate_address()
    attempts = [
        (lambda: e.set_windows(1, 1), MISSING_ROLE),
        (lambda: e.set_max_pause(DAY), MISSING_ROLE),
        (lambda: e.unpause(NETUID), MISSING_ROLE),
        (lambda: e.void(NETUID, EPOCH, REASON), NOT_DAO_VOID),
        (lambda: e.grantRole(role, stranger), MISSING_ROLE),
        (lambda: e.grantRole(e.DEFAULT_ADMIN_ROLE(), s.guardian), MISSING_ROLE),
        (lambda: e.revokeRole(role, s.guardian), MISSING_ROLE),
        (lambda: e.wire(stranger, stranger, stranger), MISSING_ROLE),
        (lambda: s.emitter.set_share(NETUID, 10_000), MISSING_ROLE),
    ]
    for attempt, reason in attempts:
        with boa.env.prank(s.guardian), boa.reverts(reason):
            attempt()
    assert not e.hasRole(role, stranger)
    assert e.final_aux(NETUID, EPOCH)[0]


def test_the_dao_replaces_the_guardian(settled):
    s = settled
    role, successor = s.epochs.GUARDIAN_ROLE(), boa.env.generate_address("successor")
    with boa.env.prank(s.admin):
        s.epochs.revokeRole(role, s.guardian)
        s.epochs.grantRole(role, successor)
    with boa.reverts("epochs: caller is not a guardian"):
        pause(s, 60)
    pause(s, 60, who=successor)
    assert s.epochs.paused_until(NETUID) == now() + 60


# --- a property over pause / unpause / time travel --------------------------------------------

MAX_PAUSE = 1_000
ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("guardian"), st.integers(min_value=0, max_value=MAX_PAUSE + 50)),
        st.tuples(st.just("admin"), st.integers(min_value=0, max_value=MAX_PAUSE + 50)),
        st.tuples(st.just("unpause"), st.just(0)),
        st.tuples(st.just("travel"), st.integers(min_value=1, max_value=3 * MAX_PAUSE)),
    ),
    min_size=1,
    max_size=12,
)


class PauseModel:
    """The pause rule in Python: ``until`` (exclusive) and the start of the running pause."""

    def __init__(self) -> None:
        self.until = 0
        self.start = 0

    def pause(self, t: int, duration: int, admin: bool) -> str | None:
        """The revert reason of a pause at ``t``, or None after applying it."""
        if duration == 0:
            return "epochs: zero pause duration"
        if duration > MAX_PAUSE:
            return "epochs: pause longer than max_pause"
        if t < self.until:
            if not admin and t + duration > self.start + MAX_PAUSE:
                return "epochs: pause would exceed max_pause"
            self.until = max(self.until, t + duration)
            return None
        if not admin and t < self.until + MAX_PAUSE:
            return "epochs: guardian cooldown not over"
        self.until, self.start = t + duration, t
        return None

    def unpause(self, t: int) -> str | None:
        if t >= self.until:
            return "epochs: subnet not paused"
        self.until = t
        return None


@given(actions=ACTIONS)
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_pauses_follow_the_rule_and_a_guardian_alone_is_bounded(settled, actions):
    s = settled
    with boa.env.anchor():
        with boa.env.prank(s.admin):
            s.epochs.set_max_pause(MAX_PAUSE)
        mine(CHALLENGE_WINDOW)  # claims open, but for pauses
        model = PauseModel()
        guardian_pauses: list[tuple[int, int]] = []  # [start, end) of pauses the guardian began
        for kind, amount in actions:
            t = now()
            if kind == "travel":
                boa.env.time_travel(seconds=amount)
                continue
            admin = kind != "guardian"
            started_before = model.until > t
            expected = model.unpause(t) if kind == "unpause" else model.pause(t, amount, admin)
            if expected is not None:
                with boa.env.prank(s.admin if admin else s.guardian), boa.reverts(expected):
                    if kind == "unpause":
                        s.epochs.unpause(NETUID)
                    else:
                        s.epochs.pause(NETUID, amount)
                continue
            with boa.env.prank(s.admin if admin else s.guardian):
                if kind == "unpause":
                    s.epochs.unpause(NETUID)
                else:
                    s.epochs.pause(NETUID, amount)
            if not admin and not started_before:
                guardian_pauses.append((t, model.until))
            elif guardian_pauses and guardian_pauses[-1][1] > t:
                guardian_pauses[-1] = (guardian_pauses[-1][0], model.until)
            paused = model.until > now()
            assert s.epochs.paused_until(NETUID) == (model.until if paused else 0)
            with boa.env.anchor():
                if paused:
                    with boa.reverts("epochs: subnet paused"):
                        s.claim(1)
                else:
                    s.claim(1)
        if all(kind in ("guardian", "travel") for kind, _ in actions):
            # A guardian alone: each pause at most MAX_PAUSE long, MAX_PAUSE apart.
            for start, end in guardian_pauses:
                assert end - start <= MAX_PAUSE
            for (_, end), (start, _) in pairwise(guardian_pauses):
                assert start - end >= MAX_PAUSE
