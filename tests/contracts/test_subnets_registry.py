"""SubnetRegistry: each external function's success path and each of its failure paths.

Uses the real NOOS token and Staking; EpochSettlement is the test double
``doubles/epochs_double.vy`` (pruning and result-based permits read ``final_aux``).
"""

from __future__ import annotations

import boa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.register_assert_rewrite("tests.contracts.conftest_subnets")
from tests.contracts._boa_helpers import (  # noqa: E402
    block_number,
    events,
    mine,
    mine_to,
    tx_gas,
)
from tests.contracts.conftest_subnets import (  # noqa: E402
    HALF_LIFE,
    LOCK_COST,
    UNIT,
    ZERO32,
    ZERO_ADDRESS,
    aux_hash,
    deploy_all,
    params,
    permits_hash,
    prune_tree,
)

pytest_plugins = ["tests.contracts.conftest_subnets"]

MISSING_ROLE = "access_control: account is missing role"
MAX = 2**256 - 1


def fill(env, netuid, cold, hotkeys, count=4):
    """Register ``count`` hotkeys of ``cold`` in one block."""
    return [env.register(netuid, cold, h) for h in hotkeys[:count]]


def finalize_prune(env, netuid, epoch, uids_by_rank):
    """Record a final result of ``epoch`` whose prune tree ranks ``uids_by_rank``."""
    tree = prune_tree(uids_by_rank)
    aux = (ZERO32, tree.root, ZERO32, ZERO32)
    env.epochs.set_final(netuid, epoch, True, aux_hash(*aux))
    return tree, aux


def candidates(tree, ranks):
    return [(r, tree.values[r][1], tree.proof(r)) for r in ranks]


# --- deployment and admin ----------------------------------------------------------------


def test_deployment(env, deployer):
    r = env.registry
    assert r.noos() == env.token.address
    assert r.lock_cost() == LOCK_COST
    assert r.burn_half_life() == HALF_LIFE
    assert r.hasRole(ZERO32, deployer)
    assert r.staking() == env.staking.address
    assert r.epochs() == env.epochs.address
    assert r.subnet_count() == 0
    lower, upper = r.bounds()
    assert lower.max_allowed_uids == 1 and upper.max_allowed_uids == 4_096
    assert upper.max_allowed_validators == 256
    assert r.defaults().kappa == 32_767 and r.defaults().bonds_moving_average == 900_000


def test_deployment_rejects_zero_token_and_half_life(registry_deployer, token):
    with boa.reverts("subnets: noos is the zero address"):
        registry_deployer.deploy(ZERO_ADDRESS, LOCK_COST, HALF_LIFE)
    with boa.reverts("subnets: half-life is zero"):
        registry_deployer.deploy(token.address, LOCK_COST, 0)


def test_admin_setters(env, deployer):
    r = env.registry
    with boa.env.prank(deployer):
        r.set_lock_cost(5 * UNIT)
        assert events(r, "LockCostSet")[0].lock_cost == 5 * UNIT
        r.set_burn_half_life(7)
        assert events(r, "BurnHalfLifeSet")[0].burn_half_life == 7
        r.wire(env.staking.address, env.epochs.address)
        assert len(events(r, "Wired")) == 1
        r.set_defaults(params(r, tempo=20))
        assert r.defaults().tempo == 20
        lower, upper = r.bounds()
        r.set_bounds(params(r, None, **{**lower._asdict(), "tempo": 5}), upper)
        assert r.bounds()[0].tempo == 5
    assert r.lock_cost() == 5 * UNIT and r.burn_half_life() == 7


def test_admin_setters_reject_others_and_bad_values(env, deployer, owner):
    r = env.registry
    lower, upper = r.bounds()
    with boa.env.prank(owner):
        for call in (
            lambda: r.set_lock_cost(1),
            lambda: r.set_burn_half_life(1),
            lambda: r.wire(env.staking.address, env.epochs.address),
            lambda: r.set_defaults(r.defaults()),
            lambda: r.set_bounds(lower, upper),
        ):
            with boa.reverts(MISSING_ROLE):
                call()
    with boa.env.prank(deployer):
        with boa.reverts("subnets: half-life is zero"):
            r.set_burn_half_life(0)
        with boa.reverts("subnets: tempo is zero"):
            r.set_defaults(params(r, tempo=0))
        with boa.reverts("subnets: max_allowed_validators out of range"):
            r.set_defaults(params(r, max_allowed_validators=257))
        # The defaults (tempo 10) must stay within the bounds.
        with boa.reverts("subnets: tempo out of bounds"):
            r.set_bounds(params(r, None, **{**lower._asdict(), "tempo": 11}), upper)


# --- subnets -----------------------------------------------------------------------------


def test_create_subnet_locks_the_cost(env, owner):
    r, token = env.registry, env.token
    before = token.balanceOf(owner)
    with boa.env.prank(owner):
        netuid = r.create_subnet("bafy-spec")
    (created,) = events(r, "SubnetCreated")
    assert (created.netuid, created.owner, created.lock, created.task_cid) == (
        netuid,
        owner,
        LOCK_COST,
        "bafy-spec",
    )
    assert len(events(r, "HyperparamsSet")) == 1
    assert token.balanceOf(owner) == before - LOCK_COST
    assert token.balanceOf(r.address) == LOCK_COST
    assert r.locked(netuid) == LOCK_COST
    assert r.subnet_exists(netuid) and r.owner_of(netuid) == owner
    assert r.task_cid(netuid) == "bafy-spec"
    assert r.hyperparams(netuid) == r.defaults()
    assert r.current_epoch(netuid) == 0 and r.epoch_start(netuid, 0) == block_number()
    assert r.n(netuid) == 0 and r.burn_price(netuid) == r.defaults().min_burn


def test_create_subnet_needs_an_allowance(env):
    poor = boa.env.generate_address("poor")
    with boa.env.prank(poor), boa.reverts("erc20: insufficient allowance"):
        env.registry.create_subnet("x")


def test_subnet_owner_functions(env, netuid, owner, cold):
    r = env.registry
    with boa.env.prank(owner):
        r.set_task(netuid, "bafy-new")
        assert events(r, "TaskSet")[0].task_cid == "bafy-new"
        r.transfer_subnet_ownership(netuid, cold)
        assert events(r, "SubnetOwnerChanged")[0].new_owner == cold
    assert r.task_cid(netuid) == "bafy-new" and r.owner_of(netuid) == cold
    with boa.env.prank(owner), boa.reverts("subnets: caller is not the subnet owner"):
        r.set_task(netuid, "x")
    with boa.env.prank(cold), boa.reverts("subnets: new owner is the zero address"):
        r.transfer_subnet_ownership(netuid, ZERO_ADDRESS)
    with boa.env.prank(cold), boa.reverts("subnets: subnet does not exist"):
        r.set_task(99, "x")


def test_set_hyperparams(env, netuid, owner):
    r = env.registry
    hp = params(r, netuid, kappa=40_000, liquid_alpha_enabled=True, max_allowed_uids=4_096)
    with boa.env.prank(owner):
        r.set_hyperparams(netuid, hp)
    (logged,) = events(r, "HyperparamsSet")
    assert tuple(logged.hyperparams) == hp and tuple(r.hyperparams(netuid)) == hp


def test_set_hyperparams_failures(env, netuid, owner, cold, hotkeys):
    r = env.registry
    with boa.env.prank(cold), boa.reverts("subnets: caller is not the subnet owner"):
        r.set_hyperparams(netuid, params(r, netuid))
    with boa.env.prank(owner):
        with boa.reverts("subnets: max_allowed_uids out of range"):
            r.set_hyperparams(netuid, params(r, netuid, max_allowed_uids=4_097))
        with boa.reverts("subnets: alpha_low above alpha_high"):
            r.set_hyperparams(netuid, params(r, netuid, alpha_low=60_000))
        with boa.reverts("subnets: reveal_period out of bounds"):
            r.set_hyperparams(netuid, params(r, netuid, reveal_period=17))
    fill(env, netuid, cold, hotkeys, 3)
    with boa.env.prank(owner), boa.reverts("subnets: max_allowed_uids below n"):
        r.set_hyperparams(netuid, params(r, netuid, max_allowed_uids=2))


def test_bounds_apply_to_owners(env, netuid, owner, deployer):
    r = env.registry
    lower, upper = r.bounds()
    with boa.env.prank(deployer):
        r.set_bounds(lower, params(r, None, **{**upper._asdict(), "liquid_alpha_enabled": False}))
    with boa.env.prank(owner), boa.reverts("subnets: liquid_alpha_enabled out of bounds"):
        r.set_hyperparams(netuid, params(r, netuid, liquid_alpha_enabled=True))


# --- epochs ------------------------------------------------------------------------------


def test_epoch_arithmetic_and_tempo_change_next_epoch(env, netuid, owner):
    r = env.registry
    b0 = r.epoch_start(netuid, 0)
    assert r.tempo(netuid) == 10
    mine_to(b0 + 25)
    assert r.current_epoch(netuid) == 2 and r.epoch_start(netuid, 3) == b0 + 30
    with boa.env.prank(owner):
        r.set_hyperparams(netuid, params(r, netuid, tempo=7))
        assert events(r, "HyperparamsSet")[0].tempo_from_epoch == 3
        # A second change in the same epoch replaces the pending one.
        r.set_hyperparams(netuid, params(r, netuid, tempo=4))
    assert r.tempo(netuid) == 10 and r.hyperparams(netuid).tempo == 4
    mine_to(b0 + 29)
    assert r.current_epoch(netuid) == 2
    mine()
    assert r.current_epoch(netuid) == 3 and r.tempo(netuid) == 4
    assert r.epoch_start(netuid, 3) == b0 + 30
    assert r.epoch_start(netuid, 5) == b0 + 38
    mine_to(b0 + 39)
    with boa.env.prank(owner):
        r.set_hyperparams(netuid, params(r, netuid, tempo=100))
    mine_to(b0 + 42)
    assert r.current_epoch(netuid) == 6 and r.epoch_start(netuid, 6) == b0 + 42
    # Past epochs keep their starts.
    assert [r.epoch_start(netuid, e) for e in (0, 1, 2, 3, 4, 5, 7)] == [
        b0,
        b0 + 10,
        b0 + 20,
        b0 + 30,
        b0 + 34,
        b0 + 38,
        b0 + 142,
    ]


def test_epoch_views_of_missing_subnet(env):
    with boa.reverts("subnets: subnet does not exist"):
        env.registry.current_epoch(9)
    with boa.reverts("subnets: subnet does not exist"):
        env.registry.epoch_start(9, 0)


# --- registration ------------------------------------------------------------------------


def test_register(env, netuid, cold, hotkeys):
    r, token = env.registry, env.token
    supply = token.totalSupply()
    with boa.env.prank(cold):
        uid = r.register(netuid, hotkeys[0], "http://1.2.3.4:8091", UNIT)
    (ev,) = events(r, "NeuronRegistered")
    assert (ev.netuid, ev.uid, ev.hotkey, ev.coldkey, ev.axon, ev.burn, ev.replaced_hotkey) == (
        netuid,
        0,
        hotkeys[0],
        cold,
        "http://1.2.3.4:8091",
        UNIT,
        ZERO_ADDRESS,
    )
    assert uid == 0 and r.n(netuid) == 1
    assert token.totalSupply() == supply - UNIT
    assert r.is_registered(netuid, hotkeys[0]) and r.uid_of(netuid, hotkeys[0]) == 0
    assert r.hotkey_of(netuid, 0) == hotkeys[0] and r.coldkey_of(hotkeys[0]) == cold
    assert r.block_at_registration(netuid, 0) == block_number()
    assert r.axon_of(netuid, 0) == "http://1.2.3.4:8091"
    # The price grows by 1.26 per registration, in the same block.
    assert r.burn_price(netuid) == 126 * UNIT // 100
    env.register(netuid, cold, hotkeys[1])
    assert r.burn_price(netuid) == 126 * 126 * UNIT // 10_000


def test_burn_price_decays_toward_min(env, netuid, cold, hotkeys):
    r = env.registry
    fill(env, netuid, cold, hotkeys, 3)
    peak = r.burn_price(netuid)
    excess = peak - UNIT
    mine(HALF_LIFE)
    assert r.burn_price(netuid) == UNIT + excess // 2
    mine(HALF_LIFE // 2)
    half = excess // 2
    assert r.burn_price(netuid) == UNIT + half - half * (HALF_LIFE // 2) // (2 * HALF_LIFE)
    mine(100 * HALF_LIFE)
    assert r.burn_price(netuid) == UNIT


def test_register_failures(env, netuid, owner, cold, cold2, hotkeys):
    r = env.registry
    with boa.env.prank(cold):
        with boa.reverts("subnets: burn price above max_burn"):
            r.register(netuid, hotkeys[0], "", UNIT - 1)
        with boa.reverts("subnets: subnet does not exist"):
            r.register(42, hotkeys[0], "", MAX)
        with boa.reverts("subnets: hotkey is the zero address"):
            r.register(netuid, ZERO_ADDRESS, "", MAX)
        r.register(netuid, hotkeys[0], "", MAX)
        with boa.reverts("subnets: hotkey already registered"):
            r.register(netuid, hotkeys[0], "", MAX)
    other = env.create_subnet(owner)
    with boa.env.prank(cold2), boa.reverts("subnets: hotkey owned by another coldkey"):
        r.register(other, hotkeys[0], "", MAX)
    poor = boa.env.generate_address("poor")
    with boa.env.prank(poor), boa.reverts("erc20: insufficient allowance"):
        r.register(netuid, hotkeys[5], "", MAX)
    fill(env, netuid, cold, hotkeys[1:], 3)
    with boa.env.prank(cold), boa.reverts("subnets: subnet is full, use register_replacing"):
        r.register(netuid, hotkeys[4], "", MAX)
    with boa.env.prank(owner):
        r.set_hyperparams(netuid, params(r, netuid, registration_allowed=False))
    with boa.env.prank(cold), boa.reverts("subnets: registration closed"):
        r.register(netuid, hotkeys[4], "", MAX)


def test_one_coldkey_per_hotkey_across_subnets(env, netuid, owner, cold, cold2, hotkeys):
    other = env.create_subnet(owner)
    env.register(netuid, cold, hotkeys[0])
    assert env.register(other, cold, hotkeys[0]) == 0
    third = env.create_subnet(owner)
    with boa.env.prank(cold2), boa.reverts("subnets: hotkey owned by another coldkey"):
        env.registry.register(third, hotkeys[0], "", MAX)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(st.tuples(st.booleans(), st.integers(0, 400)), min_size=1, max_size=12))
def test_burn_price_stays_within_bounds(env, netuid, cold, steps):
    r = env.registry
    hp = r.hyperparams(netuid)
    for i, (register, blocks) in enumerate(steps):
        mine(blocks)
        price = r.burn_price(netuid)
        assert hp.min_burn <= price <= hp.max_burn
        if register and r.n(netuid) < hp.max_allowed_uids:
            hotkey = boa.env.generate_address(f"prop{i}")
            with boa.env.prank(cold):
                r.register(netuid, hotkey, "", price)
            assert events(r, "NeuronRegistered")[0].burn == price
            assert r.burn_price(netuid) == min(max(price * 126 // 100, hp.min_burn), hp.max_burn)


# --- pruning -----------------------------------------------------------------------------


def test_register_replacing_prunes_in_rank_order(env, netuid, cold, cold2, hotkeys):
    r = env.registry
    b0 = r.epoch_start(netuid, 0)
    fill(env, netuid, cold, hotkeys)
    tree, aux = finalize_prune(env, netuid, 2, [2, 0, 3, 1])
    mine_to(b0 + 30)
    with boa.env.prank(cold2):
        uid = r.register_replacing(netuid, hotkeys[4], "ax", MAX, 2, aux, candidates(tree, [0]))
    assert uid == 2
    (ev,) = events(r, "NeuronRegistered")
    assert ev.replaced_hotkey == hotkeys[2] and ev.uid == 2 and ev.coldkey == cold2
    assert events(r, "PruneCursorSet")[0].next_rank == 1
    assert r.prune_cursor(netuid) == (2, 1, True)
    assert not r.is_registered(netuid, hotkeys[2]) and r.hotkey_of(netuid, 2) == hotkeys[4]
    assert r.n(netuid) == 4
    # Rank 0 is consumed; rank 1 (uid 0) is next.
    with boa.env.prank(cold2), boa.reverts("subnets: prune rank out of order"):
        r.register_replacing(netuid, hotkeys[5], "", MAX, 2, aux, candidates(tree, [0]))
    with boa.env.prank(cold2):
        assert r.register_replacing(netuid, hotkeys[5], "", MAX, 2, aux, candidates(tree, [1])) == 0


def test_register_replacing_skips_immune_and_new_neurons(env, netuid, owner, cold, hotkeys):
    r = env.registry
    b0 = r.epoch_start(netuid, 0)
    fill(env, netuid, cold, hotkeys)
    tree, aux = finalize_prune(env, netuid, 2, [1, 3, 0, 2])
    mine_to(b0 + 30)
    with boa.env.prank(cold):
        r.register_replacing(netuid, hotkeys[4], "", MAX, 2, aux, candidates(tree, [0]))
    # A newer result ranks uid 1 (re-registered, immune) first: it is skipped.
    tree3, aux3 = finalize_prune(env, netuid, 3, [1, 3])
    with boa.env.prank(cold):
        uid = r.register_replacing(netuid, hotkeys[5], "", MAX, 3, aux3, candidates(tree3, [0, 1]))
    assert uid == 3 and r.prune_cursor(netuid) == (3, 2, True)
    # The older result is stale now.
    with boa.env.prank(cold), boa.reverts("subnets: stale prune result"):
        r.register_replacing(netuid, hotkeys[6], "", MAX, 2, aux, candidates(tree, [1]))


def test_register_replacing_everyone_immune(env, netuid, owner, cold, hotkeys):
    r = env.registry
    b0 = r.epoch_start(netuid, 0)
    fill(env, netuid, cold, hotkeys)
    tree, aux = finalize_prune(env, netuid, 1, [0, 1, 2, 3])
    mine_to(b0 + 12)  # registered at b0 + 0, immune for 15 blocks
    with boa.env.prank(cold), boa.reverts("subnets: no prunable uid (all immune or re-registered)"):
        r.register_replacing(netuid, hotkeys[4], "", MAX, 1, aux, candidates(tree, [0, 1, 2, 3]))


def test_register_replacing_failures(env, netuid, cold, hotkeys):
    r = env.registry
    b0 = r.epoch_start(netuid, 0)
    fill(env, netuid, cold, hotkeys, 3)
    tree, aux = finalize_prune(env, netuid, 2, [2, 0, 1])
    mine_to(b0 + 30)
    with boa.env.prank(cold):
        with boa.reverts("subnets: subnet is not full"):
            r.register_replacing(netuid, hotkeys[4], "", MAX, 2, aux, candidates(tree, [0]))
        env.register(netuid, cold, hotkeys[3])
        with boa.reverts("subnets: no prune candidates"):
            r.register_replacing(netuid, hotkeys[4], "", MAX, 2, aux, [])
        with boa.reverts("subnets: result not final"):
            r.register_replacing(netuid, hotkeys[4], "", MAX, 1, aux, candidates(tree, [0]))
        with boa.reverts("subnets: aux fields do not match the result"):
            r.register_replacing(
                netuid, hotkeys[4], "", MAX, 2, (ZERO32,) * 4, candidates(tree, [0])
            )
        bad = [(0, 1, tree.proof(0))]
        with boa.reverts("subnets: invalid prune proof"):
            r.register_replacing(netuid, hotkeys[4], "", MAX, 2, aux, bad)
        with boa.reverts("subnets: prune rank out of order"):
            r.register_replacing(netuid, hotkeys[4], "", MAX, 2, aux, candidates(tree, [1]))
        with boa.reverts("subnets: burn price above max_burn"):
            r.register_replacing(netuid, hotkeys[4], "", 0, 2, aux, candidates(tree, [0]))


# --- hotkeys and axons -------------------------------------------------------------------


def test_swap_hotkey_keeps_the_uid(env, netuid, cold, hotkeys):
    r = env.registry
    env.register(netuid, cold, hotkeys[0])
    env.register(netuid, cold, hotkeys[1])
    registered_at = r.block_at_registration(netuid, 1)
    mine()
    with boa.env.prank(cold):
        r.swap_hotkey(netuid, hotkeys[1], hotkeys[2])
    (ev,) = events(r, "HotkeySwapped")
    assert (ev.uid, ev.old_hotkey, ev.new_hotkey, ev.coldkey) == (1, hotkeys[1], hotkeys[2], cold)
    assert r.uid_of(netuid, hotkeys[2]) == 1 and r.hotkey_of(netuid, 1) == hotkeys[2]
    assert not r.is_registered(netuid, hotkeys[1])
    assert r.block_at_registration(netuid, 1) == registered_at
    assert r.coldkey_of(hotkeys[2]) == cold


def test_swap_hotkey_failures(env, netuid, owner, cold, cold2, hotkeys):
    r = env.registry
    env.register(netuid, cold, hotkeys[0])
    env.register(netuid, cold, hotkeys[1])
    env.register(env.create_subnet(owner), cold2, hotkeys[3])
    with boa.env.prank(cold2), boa.reverts("subnets: caller is not the coldkey"):
        r.swap_hotkey(netuid, hotkeys[0], hotkeys[2])
    with boa.env.prank(cold):
        with boa.reverts("subnets: hotkey already registered"):
            r.swap_hotkey(netuid, hotkeys[0], hotkeys[1])
        with boa.reverts("subnets: hotkey owned by another coldkey"):
            r.swap_hotkey(netuid, hotkeys[0], hotkeys[3])
        with boa.reverts("subnets: hotkey is the zero address"):
            r.swap_hotkey(netuid, hotkeys[0], ZERO_ADDRESS)
        with boa.reverts("subnets: hotkey not registered"):
            r.swap_hotkey(netuid + 1, hotkeys[0], hotkeys[2])


def test_set_axon(env, netuid, cold, cold2, hotkeys):
    r = env.registry
    env.register(netuid, cold, hotkeys[0])
    with boa.env.prank(hotkeys[0]):
        r.set_axon(netuid, hotkeys[0], "http://hot")
    assert events(r, "AxonSet")[0].axon == "http://hot"
    with boa.env.prank(cold):
        r.set_axon(netuid, hotkeys[0], "http://cold")
    assert r.axon_of(netuid, 0) == "http://cold"
    with boa.env.prank(cold2), boa.reverts("subnets: caller is not the hotkey or its coldkey"):
        r.set_axon(netuid, hotkeys[0], "x")
    with boa.env.prank(cold), boa.reverts("subnets: hotkey not registered"):
        r.set_axon(netuid + 1, hotkeys[0], "x")


def test_uid_of_unregistered(env, netuid, hotkeys):
    with boa.reverts("subnets: hotkey not registered"):
        env.registry.uid_of(netuid, hotkeys[0])
    assert env.registry.coldkey_of(hotkeys[0]) == ZERO_ADDRESS


# --- validator permits -------------------------------------------------------------------


def staked_subnet(env, netuid, cold, hotkeys, stakes):
    """Register len(stakes) neurons at the subnet's first block and stake on them."""
    for i, amount in enumerate(stakes):
        env.register(netuid, cold, hotkeys[i])
        if amount:
            env.stake(netuid, cold, hotkeys[i], amount)


def test_bootstrap_permits(env, netuid, cold, hotkeys):
    r = env.registry
    b0 = r.epoch_start(netuid, 0)
    staked_subnet(env, netuid, cold, hotkeys, [5 * UNIT, 0, 9 * UNIT, 5 * UNIT])
    mine_to(b0 + 11)
    with boa.env.prank(cold):
        r.publish_bootstrap_permits(netuid, 1, [0, 2])
    (ev,) = events(r, "PermitsPublished")
    assert (ev.epoch, ev.bootstrap, list(ev.uids), ev.permitted_stake) == (
        1,
        True,
        [0, 2],
        14 * UNIT,
    )
    assert r.permitted_stake(netuid, 1) == 14 * UNIT
    assert r.holds_permit(netuid, 1, hotkeys[0]) and r.holds_permit(netuid, 1, hotkeys[2])
    assert not r.holds_permit(netuid, 1, hotkeys[3]) and not r.holds_permit(netuid, 0, hotkeys[0])
    assert r.permit_now(netuid, hotkeys[2]) == (1, True)
    # Epoch 2 inherits the permits; its stake is read at its own epoch block.
    env.stake(netuid, cold, hotkeys[0], UNIT)
    mine_to(b0 + 21)
    assert r.holds_permit(netuid, 2, hotkeys[0]) and r.permits_epoch(netuid, 2) == (True, 1)
    assert r.permitted_stake(netuid, 2) == 15 * UNIT


def test_bootstrap_permits_failures(env, netuid, cold, hotkeys):
    r = env.registry
    b0 = r.epoch_start(netuid, 0)
    staked_subnet(env, netuid, cold, hotkeys, [5 * UNIT, 0, 9 * UNIT])
    with boa.env.prank(cold):
        with boa.reverts("subnets: epoch block not past"):
            r.publish_bootstrap_permits(netuid, 0, [0, 2])
        mine_to(b0 + 11)
        with boa.reverts("subnets: not the current epoch"):
            r.publish_bootstrap_permits(netuid, 2, [0, 2])
        with boa.reverts("subnets: bootstrap uid without stake"):  # UID 1 holds no stake
            r.publish_bootstrap_permits(netuid, 1, [0, 1])
        with boa.reverts("subnets: wrong number of bootstrap uids"):
            r.publish_bootstrap_permits(netuid, 1, [2])
        with boa.reverts("subnets: uids not ascending or not below n"):
            r.publish_bootstrap_permits(netuid, 1, [2, 0])
        # Registered after the epoch block: not eligible.
        env.register(netuid, cold, hotkeys[3])
        with boa.reverts("subnets: bootstrap uid registered after epoch block"):
            r.publish_bootstrap_permits(netuid, 1, [2, 3])
        r.publish_bootstrap_permits(netuid, 1, [0, 2])
        with boa.reverts("subnets: permits already published"):
            r.publish_bootstrap_permits(netuid, 1, [0, 2])


def test_bootstrap_permits_must_be_the_top_k(env, netuid, cold, hotkeys):
    r = env.registry
    staked_subnet(env, netuid, cold, hotkeys, [5 * UNIT, 1 * UNIT, 9 * UNIT])
    mine_to(r.epoch_start(netuid, 1) + 1)
    with boa.env.prank(cold):
        with boa.reverts("subnets: not the top-k by stake"):
            r.publish_bootstrap_permits(netuid, 1, [1, 2])
        r.publish_bootstrap_permits(netuid, 1, [0, 2])
    assert not r.holds_permit(netuid, 1, hotkeys[1])


def test_publish_permits_from_a_result(env, netuid, cold, hotkeys):
    r = env.registry
    b0 = r.epoch_start(netuid, 0)
    staked_subnet(env, netuid, cold, hotkeys, [5 * UNIT, 0, 9 * UNIT, 2 * UNIT])
    aux = (b"\x01" * 32, b"\x02" * 32, permits_hash([1, 3]), b"\x03" * 32)
    env.epochs.set_final(netuid, 1, True, aux_hash(*aux))
    mine_to(b0 + 21)
    with boa.env.prank(cold):
        r.publish_permits(netuid, 2, [1, 3], 1, aux[0], aux[1], aux[3])
    (ev,) = events(r, "PermitsPublished")
    assert (ev.source_epoch, ev.bootstrap, ev.permitted_stake) == (1, False, 2 * UNIT)
    assert r.has_result_permits(netuid)
    assert r.holds_permit(netuid, 2, hotkeys[3]) and not r.holds_permit(netuid, 2, hotkeys[2])
    # A neuron that takes over a permitted UID does not inherit the permit.
    with boa.env.prank(cold):
        r.swap_hotkey(netuid, hotkeys[3], hotkeys[6])
    assert r.holds_permit(netuid, 2, hotkeys[6])  # a swap keeps the UID and its permit
    mine_to(b0 + 31)
    with boa.env.prank(cold), boa.reverts("subnets: bootstrap is over"):
        r.publish_bootstrap_permits(netuid, 3, [0, 2])


def test_publish_permits_failures(env, netuid, cold, hotkeys):
    r = env.registry
    b0 = r.epoch_start(netuid, 0)
    staked_subnet(env, netuid, cold, hotkeys, [UNIT, UNIT])
    aux = (ZERO32, ZERO32, permits_hash([0, 1]), ZERO32)
    env.epochs.set_final(netuid, 1, True, aux_hash(*aux))
    mine_to(b0 + 21)
    with boa.env.prank(cold):
        with boa.reverts("subnets: source epoch not before epoch"):
            r.publish_permits(netuid, 2, [0, 1], 2, ZERO32, ZERO32, ZERO32)
        with boa.reverts("subnets: result not final"):
            r.publish_permits(netuid, 2, [0, 1], 0, ZERO32, ZERO32, ZERO32)
        with boa.reverts("subnets: aux fields do not match the result"):
            r.publish_permits(netuid, 2, [0], 1, ZERO32, ZERO32, ZERO32)
        with boa.reverts("subnets: subnet does not exist"):
            r.publish_permits(77, 2, [0, 1], 1, ZERO32, ZERO32, ZERO32)


def publish_result_permits(env, netuid, cold, epoch, source, uids):
    """Publish the permits ``uids`` of the current epoch ``epoch`` from a result of ``source``."""
    aux = (ZERO32, ZERO32, permits_hash(uids), ZERO32)
    env.epochs.set_final(netuid, source, True, aux_hash(*aux))
    mine_to(env.registry.epoch_start(netuid, epoch) + 1)
    with boa.env.prank(cold):
        env.registry.publish_permits(netuid, epoch, uids, source, ZERO32, ZERO32, ZERO32)


def test_attest_context_matches_the_views(env, netuid, owner, cold, hotkeys):
    """``attest_context`` is ``(epoch_start(e), epoch_start(e + reveal_period + 1),
    holds_permit(e, hotkey))`` for epochs with their own permits, inherited ones, empty
    publications, none at all, and across a tempo change."""
    r = env.registry
    b0 = r.epoch_start(netuid, 0)
    staked_subnet(env, netuid, cold, hotkeys, [5 * UNIT, 0, 9 * UNIT])
    mine_to(b0 + 11)
    with boa.env.prank(cold):
        r.publish_bootstrap_permits(netuid, 1, [0, 2])  # epoch 1: UIDs 0 and 2; 2 inherits
    publish_result_permits(env, netuid, cold, 3, 1, [])  # epoch 3: an empty publication
    # UID 3 registers after epoch 4's block: listed in its permits, it holds none there.
    mine_to(r.epoch_start(netuid, 4) + 1)
    env.register(netuid, cold, hotkeys[3])
    with boa.env.prank(owner):
        r.set_hyperparams(netuid, params(r, netuid, tempo=7))  # from epoch 5 on
    publish_result_permits(env, netuid, cold, 4, 2, [1, 3])  # UID 1 holds no stake
    publish_result_permits(env, netuid, cold, 6, 4, [2, 3])  # 5 inherits from 4
    mine_to(r.epoch_start(netuid, 9) + 1)
    assert r.epoch_start(netuid, 6) == b0 + 57  # tempo 7 from epoch 5 (at b0 + 50)
    stranger = boa.env.generate_address("stranger")
    for rp in (1, 3):
        with boa.env.prank(owner):
            r.set_hyperparams(netuid, params(r, netuid, reveal_period=rp))
        for e in range(8):
            for hotkey in [*hotkeys[:4], stranger]:
                expected = (
                    r.epoch_start(netuid, e),
                    r.epoch_start(netuid, e + rp + 1),
                    r.holds_permit(netuid, e, hotkey),
                )
                assert r.attest_context(netuid, e, hotkey) == expected, (rp, e, hotkey)
    holders = {
        e: [i for i in range(4) if r.attest_context(netuid, e, hotkeys[i])[2]] for e in range(8)
    }
    assert holders == {0: [], 1: [0, 2], 2: [0, 2], 3: [], 4: [1], 5: [1], 6: [2, 3], 7: [2, 3]}
    # An own publication without stake records none; an epoch inheriting it too.
    assert [r.permitted_stake(netuid, e) for e in (1, 3, 4, 5, 6)] == [
        14 * UNIT,
        0,
        0,
        0,
        9 * UNIT,
    ]


def test_runtime_code_fits_the_size_limit(env):
    """The registry's deployed code (immutables included) fits EIP-170's 24,576 bytes."""
    size = len(boa.env.get_code(env.registry.address))
    assert size <= 24_576, size


def test_attest_context_of_a_missing_subnet(env, hotkeys):
    """No subnet: zeros and no permit, so that ``attest`` reverts (window closed, no permit)."""
    assert env.registry.attest_context(77, 3, hotkeys[0]) == (0, 0, False)


# --- gas ---------------------------------------------------------------------------------


def test_gas_register(
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
        cold = env.fund(boa.env.generate_address("c"))
        netuid = env.create_subnet(owner)
        env.register(netuid, cold, boa.env.generate_address("h0"))
        mine()
        hotkey = boa.env.generate_address("h1")
        r = env.registry
        gas = tx_gas(r, r.register, netuid, hotkey, "http://203.0.113.7:8091", MAX, sender=cold)
    assert gas <= 200_000, gas
