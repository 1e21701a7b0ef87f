"""Weights: commit and reveal, each success path and each failure path.

Uses the real SubnetRegistry, Staking and NOOS token (permits are published by the
registry's bootstrap rule; the EpochSettlement double is only used by the gas test).
"""

from __future__ import annotations

import boa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.register_assert_rewrite("tests.contracts.conftest_subnets")
from noosphere.chain.subnets import commit_hash  # noqa: E402
from tests.contracts._boa_helpers import (  # noqa: E402
    events,
    mine,
    mine_to,
    tx_gas,
)
from tests.contracts.conftest_subnets import (  # noqa: E402
    UNIT,
    ZERO32,
    ZERO_ADDRESS,
    aux_hash,
    deploy_all,
    pack_weights,
    permits_hash,
)

pytest_plugins = ["tests.contracts.conftest_subnets"]

SALT = b"\x5a" * 32


@pytest.fixture
def validator(env, netuid, cold, hotkeys) -> str:
    """hotkeys[2] (UID 2) holds a permit in epoch 1 (bootstrap: UIDs 0 and 2 are staked)."""
    r = env.registry
    for h in hotkeys[:4]:
        env.register(netuid, cold, h)
    env.stake(netuid, cold, hotkeys[0], UNIT)
    env.stake(netuid, cold, hotkeys[2], 2 * UNIT)
    mine_to(r.epoch_start(netuid, 1) + 1)
    with boa.env.prank(cold):
        r.publish_bootstrap_permits(netuid, 1, [0, 2])
    return hotkeys[2]


def commit(env, netuid, hotkey, pairs, salt=SALT):
    epoch = env.registry.current_epoch(netuid)
    packed = pack_weights(pairs)
    with boa.env.prank(hotkey):
        env.weights.commit(netuid, commit_hash(hotkey, netuid, epoch, packed, salt))
    return epoch, packed


def to_reveal_epoch(env, netuid, epoch):
    mine_to(env.registry.epoch_start(netuid, epoch + 1))


def test_deployment(env, weights_deployer):
    assert env.weights.registry() == env.registry.address
    with boa.reverts("weights: registry is the zero address"):
        weights_deployer.deploy(ZERO_ADDRESS)


def test_commit(env, netuid, validator):
    packed = pack_weights([(0, 1), (3, 2)])
    digest = commit_hash(validator, netuid, 1, packed, SALT)
    with boa.env.prank(validator):
        env.weights.commit(netuid, digest)
    (ev,) = events(env.weights, "WeightsCommitted")
    assert (ev.netuid, ev.epoch, ev.hotkey, ev.commit_hash) == (netuid, 1, validator, digest)
    assert env.weights.commitment_of(netuid, validator) == (True, 1, digest[:24])


def test_commit_needs_a_permit(env, netuid, validator, hotkeys):
    with boa.env.prank(hotkeys[1]), boa.reverts("weights: caller holds no permit"):
        env.weights.commit(netuid, b"\x01" * 32)
    stranger = boa.env.generate_address("stranger")
    with boa.env.prank(stranger), boa.reverts("weights: caller holds no permit"):
        env.weights.commit(netuid, b"\x01" * 32)
    with boa.env.prank(validator), boa.reverts("subnets: subnet does not exist"):
        env.weights.commit(netuid + 5, b"\x01" * 32)


def test_reveal(env, netuid, validator):
    pairs = [(0, 100), (1, 0), (3, 65_535)]
    epoch, packed = commit(env, netuid, validator, pairs)
    to_reveal_epoch(env, netuid, epoch)
    with boa.env.prank(validator):
        env.weights.reveal(netuid, packed, SALT)
    (ev,) = events(env.weights, "WeightsRevealed")
    assert (ev.netuid, ev.commit_epoch, ev.hotkey, ev.uid, ev.packed) == (
        netuid,
        epoch,
        validator,
        2,
        packed,
    )
    assert env.weights.commitment_of(netuid, validator)[0] is False
    with boa.env.prank(validator), boa.reverts("weights: no commitment"):
        env.weights.reveal(netuid, packed, SALT)


def test_new_commit_overwrites(env, netuid, validator):
    commit(env, netuid, validator, [(0, 1)])
    epoch, packed = commit(env, netuid, validator, [(1, 1)])
    to_reveal_epoch(env, netuid, epoch)
    with boa.env.prank(validator):
        with boa.reverts("weights: commitment mismatch"):
            env.weights.reveal(netuid, pack_weights([(0, 1)]), SALT)
        env.weights.reveal(netuid, packed, SALT)


def test_reveal_timing(env, netuid, validator):
    epoch, packed = commit(env, netuid, validator, [(0, 1)])
    with boa.env.prank(validator), boa.reverts("weights: reveal too early"):
        env.weights.reveal(netuid, packed, SALT)
    mine_to(env.registry.epoch_start(netuid, epoch + 2))
    with boa.env.prank(validator), boa.reverts("weights: reveal too late"):
        env.weights.reveal(netuid, packed, SALT)


@pytest.mark.parametrize(
    ("pairs", "reason"),
    [
        ([(1, 1), (0, 1)], "weights: uids not strictly ascending"),
        ([(0, 1), (0, 2)], "weights: uids not strictly ascending"),
        ([(0, 1), (2, 1)], "weights: self-weight"),
        ([(0, 1), (4, 1)], "weights: uid not below n"),
        ([], "weights: malformed weights"),
    ],
)
def test_reveal_rejects_bad_weights(env, netuid, validator, pairs, reason):
    epoch, packed = commit(env, netuid, validator, pairs)
    to_reveal_epoch(env, netuid, epoch)
    with boa.env.prank(validator), boa.reverts(reason):
        env.weights.reveal(netuid, packed, SALT)


def test_reveal_rejects_partial_pairs_and_wrong_salt(env, netuid, validator):
    epoch = env.registry.current_epoch(netuid)
    packed = pack_weights([(0, 1)]) + b"\x00"
    with boa.env.prank(validator):
        env.weights.commit(netuid, commit_hash(validator, netuid, epoch, packed, SALT))
    to_reveal_epoch(env, netuid, epoch)
    with boa.env.prank(validator):
        with boa.reverts("weights: commitment mismatch"):
            env.weights.reveal(netuid, packed, b"\x00" * 32)
        with boa.reverts("weights: malformed weights"):
            env.weights.reveal(netuid, packed, SALT)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_pack_reveal_round_trip(env, owner, cold, data):
    """Random weight vectors on a 40-UID subnet round-trip through commit and reveal."""
    r = env.registry
    netuid = env.create_subnet(owner, max_allowed_uids=40)
    hotkeys = [boa.env.generate_address(f"rt{netuid}-{i}") for i in range(40)]
    for h in hotkeys:
        env.register(netuid, cold, h)
    env.stake(netuid, cold, hotkeys[7], UNIT)
    env.stake(netuid, cold, hotkeys[9], UNIT)
    mine_to(r.epoch_start(netuid, 1) + 1)
    with boa.env.prank(cold):
        r.publish_bootstrap_permits(netuid, 1, [7, 9])
    uids = data.draw(st.sets(st.integers(0, 39).filter(lambda u: u != 7), min_size=1))
    weights = data.draw(st.lists(st.integers(0, 65_535), min_size=len(uids), max_size=len(uids)))
    salt = data.draw(st.binary(min_size=32, max_size=32))
    pairs = list(zip(sorted(uids), weights, strict=True))
    epoch, packed = commit(env, netuid, hotkeys[7], pairs, salt)
    to_reveal_epoch(env, netuid, epoch)
    with boa.env.prank(hotkeys[7]):
        env.weights.reveal(netuid, packed, salt)
    (ev,) = events(env.weights, "WeightsRevealed")
    raw = ev.packed
    decoded = [
        (int.from_bytes(raw[i : i + 2], "big"), int.from_bytes(raw[i + 2 : i + 4], "big"))
        for i in range(0, len(raw), 4)
    ]
    assert decoded == pairs and ev.uid == 7


# --- gas ---------------------------------------------------------------------------------


def test_gas_commit_and_reveal_256_weights(
    token, deployer, registry_deployer, weights_deployer, staking_deployer, epochs_double_deployer
):
    # A throwaway environment: committing storage would break the snapshots that isolate tests.
    with boa.swap_env(boa.Env()):
        with boa.env.prank(deployer):
            noos = token.deployer.deploy(
                "Noosphere", "NOOS", 21_000_000 * UNIT, deployer, 10**6 * UNIT
            )
        env = deploy_all(
            noos,
            deployer,
            registry_deployer,
            weights_deployer,
            staking_deployer,
            epochs_double_deployer,
        )
        owner = env.fund(boa.env.generate_address("o"), 10_000 * UNIT)
        cold = env.fund(boa.env.generate_address("c"), 100_000 * UNIT)
        netuid = env.create_subnet(owner, max_allowed_uids=300)
        hotkeys = [boa.env.generate_address(f"h{i}") for i in range(257)]
        for h in hotkeys:
            env.register(netuid, cold, h)
        r = env.registry
        mine_to(r.epoch_start(netuid, 1) + 1)
        # Permits of epoch 1 from a (double's) finalized result of epoch 0: UID 5 only.
        env.epochs.set_final(netuid, 0, True, aux_hash(ZERO32, ZERO32, permits_hash([5]), ZERO32))
        with boa.env.prank(cold):
            r.publish_permits(netuid, 1, [5], 0, ZERO32, ZERO32, ZERO32)
        validator = hotkeys[5]
        pairs = [(u, 1_000 + u) for u in range(257) if u != 5]
        packed = pack_weights(pairs)
        mine()
        w = env.weights
        digest = commit_hash(validator, netuid, 1, packed, SALT)
        commit_gas = tx_gas(w, w.commit, netuid, digest, sender=validator)
        mine_to(r.epoch_start(netuid, 2) + 1)
        reveal_gas = tx_gas(w, w.reveal, netuid, packed, SALT, sender=validator)
    assert len(pairs) == 256
    assert commit_gas <= 60_000, commit_gas
    assert reveal_gas <= 150_000, reveal_gas
