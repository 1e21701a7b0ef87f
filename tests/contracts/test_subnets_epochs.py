"""EpochSettlement: attest, finalize (2/3 threshold), void, claim with Python Merkle proofs, gas.

Uses the registry test double (``doubles/registry_double.vy``, extended with ``attest_context``
in ``conftest_subnets_settlement.py``): subnet 1 has tempo 10 and reveal period 1, its epoch
``e`` starts at ``anchor + 10·e``; tests set permits and the permitted stake of an epoch
directly. The Emitter, Staking and the token are the real ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import boa
import pytest
from eth_abi import encode
from eth_utils import keccak
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.register_assert_rewrite("tests.contracts.conftest_subnets_settlement")
from tests.contracts._boa_helpers import (  # noqa: E402
    block_number,
    events,
    mine,
    mine_to,
    tx_gas,
)
from tests.contracts.conftest_subnets_settlement import (  # noqa: E402
    ATTEST_WINDOW,
    CHALLENGE_WINDOW,
    NETUID,
    SUBNETS,
    TEMPO,
    UNIT,
    payouts_tree,
    registry_double_deployer_partial,
)

pytest_plugins = ["tests.contracts.conftest_subnets_settlement"]

MISSING_ROLE = "access_control: account is missing role"
EPOCH = 2
SHARE = 5_000
EMISSION_ROOT = b"\x01" * 32
PRUNE_ROOT = b"\x02" * 32
PERMITS_HASH = keccak(b"\x00\x00\x00\x01\x00\x02")
BONDS_DIGEST = b"\x04" * 32
AUX = keccak(encode(["bytes32"] * 4, [EMISSION_ROOT, PRUNE_ROOT, PERMITS_HASH, BONDS_DIGEST]))


@dataclass
class Epoch:
    """The settled epoch of a test: its hotkeys (and their stake), blocks and emission."""

    hotkeys: list[str]
    stakes: list[int]
    start: int
    attest_from: int
    emission: int


def attest(epochs, hotkey: str, payouts_root: bytes, epoch: int = EPOCH, **aux: bytes) -> None:
    fields = {
        "emission_root": EMISSION_ROOT,
        "prune_root": PRUNE_ROOT,
        "permits_hash": PERMITS_HASH,
        "bonds_digest": BONDS_DIGEST,
        **aux,
    }
    with boa.env.prank(hotkey):
        epochs.attest(
            NETUID,
            epoch,
            payouts_root,
            fields["emission_root"],
            fields["prune_root"],
            fields["permits_hash"],
            fields["bonds_digest"],
        )


@pytest.fixture
def epoch(token, emitter, registry, staking, epochs, deployer) -> Epoch:
    """Three permit holders of epoch 2 with stakes 199, 1 and 100 NOOS (permitted: 300)."""
    with boa.env.prank(deployer):
        emitter.set_share(NETUID, SHARE)
    hotkeys = [boa.env.generate_address(f"validator{i}") for i in range(3)]
    stakes = [199 * UNIT, 1 * UNIT, 100 * UNIT]
    for hotkey, amount in zip(hotkeys, stakes, strict=True):
        coldkey = boa.env.generate_address()
        with boa.env.prank(deployer):
            registry.set_neuron(NETUID, hotkey, coldkey, True)
            registry.set_permit(NETUID, EPOCH, hotkey, True)
            token.transfer(coldkey, amount)
        with boa.env.prank(coldkey):
            token.approve(staking.address, amount)
            staking.stake(NETUID, hotkey, amount)
    with boa.env.prank(deployer):
        registry.set_permitted_stake(NETUID, EPOCH, sum(stakes))
    start = registry.epoch_start(NETUID, EPOCH)
    assert block_number() <= start
    attest_from = registry.epoch_start(NETUID, EPOCH + 2)
    mine_to(attest_from)
    emission = emitter.emission(start, start + TEMPO) * SHARE // 10_000
    return Epoch(hotkeys, stakes, start, attest_from, emission)


def payouts(epoch: Epoch, n: int = 5) -> dict[str, int]:
    """``n`` accounts sharing the epoch's emission (rounded down; the rest stays unclaimed)."""
    return {boa.env.generate_address(f"payee{i}"): epoch.emission // n for i in range(n)}


def finalized(epochs, epoch: Epoch, tree) -> None:
    """Attest ``tree`` by all three hotkeys and finalize it."""
    for hotkey in epoch.hotkeys:
        attest(epochs, hotkey, tree.root)
    epochs.finalize(NETUID, EPOCH, tree.root, AUX)


# --- deployment and admin ----------------------------------------------------------------------


def test_deployment_and_wiring(epochs, token, registry, staking, emitter, deployer):
    assert epochs.token() == token.address
    assert (epochs.registry(), epochs.staking(), epochs.emitter()) == (
        registry.address,
        staking.address,
        emitter.address,
    )
    assert (epochs.challenge_window(), epochs.attest_window()) == (CHALLENGE_WINDOW, ATTEST_WINDOW)
    assert epochs.hasRole(epochs.DEFAULT_ADMIN_ROLE(), deployer)
    assert epochs.GUARDIAN_ROLE() == keccak(b"GUARDIAN_ROLE")
    assert (epochs.max_pause(), epochs.MAX_PAUSE_CAP()) == (14 * 86_400, 21 * 86_400)
    assert epochs.paused_until(NETUID) == 0
    assert epochs.aux_hash(EMISSION_ROOT, PRUNE_ROOT, PERMITS_HASH, BONDS_DIGEST) == AUX


def test_deployment_rejects_bad_windows(epochs_deployer, token):
    with boa.reverts("epochs: zero attest window"):
        epochs_deployer.deploy(token.address, 1, 0)
    with boa.reverts("epochs: window too long"):
        epochs_deployer.deploy(token.address, 2**32 + 1, 1)


def test_wire_only_once_and_by_admin(epochs_deployer, token, registry, alice):
    contract = epochs_deployer.deploy(token.address, 1, 1)
    zero = "0x" + "00" * 20
    with boa.env.prank(alice.address), boa.reverts(MISSING_ROLE):
        contract.wire(registry.address, registry.address, registry.address)
    with boa.reverts("epochs: zero address"):
        contract.wire(registry.address, zero, registry.address)
    contract.wire(registry.address, registry.address, registry.address)
    with boa.reverts("epochs: already wired"):
        contract.wire(registry.address, registry.address, registry.address)


def test_set_windows(epochs, deployer, alice):
    with boa.env.prank(deployer):
        epochs.set_windows(7, 9)
    event = events(epochs, "WindowsSet")[0]
    assert (event.challenge_window, event.attest_window) == (7, 9)
    with boa.env.prank(alice.address), boa.reverts(MISSING_ROLE):
        epochs.set_windows(1, 1)


# --- attest ------------------------------------------------------------------------------------


def test_attest_adds_the_stake_at_the_epoch_block(epochs, staking, epoch):
    tree = payouts_tree(NETUID, EPOCH, payouts(epoch))
    attest(epochs, epoch.hotkeys[0], tree.root)
    (event,) = events(epochs, "Attested")
    assert (event.netuid, event.epoch, event.hotkey) == (NETUID, EPOCH, epoch.hotkeys[0])
    assert (event.payouts_root, event.aux_hash) == (tree.root, AUX)
    assert (event.emission_root, event.prune_root) == (EMISSION_ROOT, PRUNE_ROOT)
    assert (event.permits_hash, event.bonds_digest) == (PERMITS_HASH, BONDS_DIGEST)
    assert (event.stake, event.tally) == (epoch.stakes[0], epoch.stakes[0])
    assert epochs.has_attested(NETUID, EPOCH, epoch.hotkeys[0])
    attest(epochs, epoch.hotkeys[2], tree.root)
    assert epochs.tally_of(NETUID, EPOCH, tree.root, AUX) == epoch.stakes[0] + epoch.stakes[2]
    # Another result keeps its own tally.
    attest(epochs, epoch.hotkeys[1], tree.root, bonds_digest=b"\x05" * 32)
    assert events(epochs, "Attested")[0].tally == epoch.stakes[1]


def test_attest_counts_stake_at_the_epoch_block_only(epochs, staking, token, epoch, deployer):
    # Stake added after the epoch block does not count.
    coldkey = boa.env.generate_address()
    with boa.env.prank(deployer):
        token.transfer(coldkey, 50 * UNIT)
    with boa.env.prank(coldkey):
        token.approve(staking.address, 50 * UNIT)
        staking.stake(NETUID, epoch.hotkeys[1], 50 * UNIT)
    attest(epochs, epoch.hotkeys[1], b"\x09" * 32)
    assert events(epochs, "Attested")[0].stake == epoch.stakes[1]


def test_attest_rejects_a_second_attestation(epochs, epoch):
    attest(epochs, epoch.hotkeys[0], b"\x09" * 32)
    with boa.reverts("epochs: already attested"):
        attest(epochs, epoch.hotkeys[0], b"\x08" * 32)


def test_attest_rejects_early_and_late_epochs(epochs, registry, epoch):
    hotkey = epoch.hotkeys[0]
    # Epoch 3's reveal epoch (4) has not ended: too early.
    with boa.reverts("epochs: reveal epoch not ended"):
        attest(epochs, hotkey, b"\x09" * 32, epoch=EPOCH + 1)
    mine_to(epoch.attest_from + ATTEST_WINDOW - 1)
    attest(epochs, epoch.hotkeys[1], b"\x09" * 32)  # the last block of the window
    mine()
    with boa.reverts("epochs: attestation closed"):
        attest(epochs, hotkey, b"\x09" * 32)


def test_attest_rejects_the_reveal_epoch_itself(epochs, registry, epoch):
    # At the last block of the reveal epoch (3), epoch 2 cannot be attested yet.
    with boa.env.anchor():
        boa.env.evm.patch.block_number = epoch.attest_from - 1
        with boa.reverts("epochs: reveal epoch not ended"):
            attest(epochs, epoch.hotkeys[0], b"\x09" * 32)


def test_attest_rejects_hotkeys_without_permit(epochs, registry, epoch):
    with boa.reverts("epochs: caller holds no permit"):
        attest(epochs, boa.env.generate_address("stranger"), b"\x09" * 32)
    # Holding a permit in another epoch does not help (epoch 1 is attestable too).
    with boa.reverts("epochs: caller holds no permit"):
        attest(epochs, epoch.hotkeys[0], b"\x09" * 32, epoch=EPOCH - 1)


# --- finalize ----------------------------------------------------------------------------------


def test_finalize_needs_two_thirds_exactly(epochs, emitter, token, epoch):
    tree = payouts_tree(NETUID, EPOCH, payouts(epoch))
    attest(epochs, epoch.hotkeys[0], tree.root)  # 199 of 300: just below 2/3
    with boa.reverts("epochs: attesting stake below 2/3"):
        epochs.finalize(NETUID, EPOCH, tree.root, AUX)
    attest(epochs, epoch.hotkeys[1], tree.root)  # 200 of 300: exactly 2/3
    assert epochs.finalize(NETUID, EPOCH, tree.root, AUX) == epoch.emission
    (event,) = events(epochs, "Finalized")
    assert (event.netuid, event.epoch, event.payouts_root, event.aux_hash) == (
        NETUID,
        EPOCH,
        tree.root,
        AUX,
    )
    assert (event.tally, event.permitted_stake) == (200 * UNIT, 300 * UNIT)
    assert event.minted == epoch.emission > 0
    assert event.claimable_from == block_number() + CHALLENGE_WINDOW
    assert token.balanceOf(epochs.address) == epoch.emission
    assert emitter.minted_for(NETUID, EPOCH) == epoch.emission
    assert epochs.final_aux(NETUID, EPOCH) == (True, AUX)
    assert epochs.status(NETUID, EPOCH) == (
        True,
        False,
        block_number() + CHALLENGE_WINDOW,
        epoch.emission,
    )
    assert epochs.payouts_root_of(NETUID, EPOCH) == tree.root
    assert epochs.minted_of(NETUID, EPOCH) == epoch.emission
    with boa.reverts("epochs: already finalized"):
        epochs.finalize(NETUID, EPOCH, tree.root, AUX)


def test_finalize_rejects_results_nobody_attested(epochs, registry, epoch, deployer):
    assert epochs.final_aux(NETUID, EPOCH) == (False, b"\x00" * 32)
    with boa.reverts("epochs: no attesting stake"):
        epochs.finalize(NETUID, EPOCH, b"\x09" * 32, AUX)
    # Nor a result of an epoch without permitted stake, nor one with the wrong aux hash.
    attest(epochs, epoch.hotkeys[0], b"\x09" * 32)
    with boa.reverts("epochs: no attesting stake"):
        epochs.finalize(NETUID, EPOCH, b"\x09" * 32, b"\x00" * 32)
    with boa.reverts("epochs: no attesting stake"):
        epochs.finalize(NETUID, EPOCH - 1, b"\x09" * 32, AUX)


# --- void --------------------------------------------------------------------------------------


def test_admin_voids_within_the_window(epochs, token, epoch, deployer):
    tree = payouts_tree(NETUID, EPOCH, payouts(epoch))
    finalized(epochs, epoch, tree)
    supply = token.totalSupply()
    mine(CHALLENGE_WINDOW - 1)
    reason = b"\x0c" * 32
    with boa.env.prank(deployer):
        epochs.void(NETUID, EPOCH, reason)
    (event,) = events(epochs, "Voided")
    assert (event.netuid, event.epoch, event.by, event.reason_cid) == (
        NETUID,
        EPOCH,
        deployer,
        reason,
    )
    assert event.burned == epoch.emission
    assert token.totalSupply() == supply - epoch.emission
    assert token.balanceOf(epochs.address) == 0
    assert epochs.final_aux(NETUID, EPOCH) == (False, b"\x00" * 32)
    assert epochs.status(NETUID, EPOCH)[:2] == (True, True)
    with boa.env.prank(deployer), boa.reverts("epochs: already voided"):
        epochs.void(NETUID, EPOCH, reason)
    mine(CHALLENGE_WINDOW)
    account, amount = next(iter(tree.values))[2:]
    with boa.reverts("epochs: epoch voided"):
        epochs.claim(NETUID, EPOCH, account, amount, tree.proof(0))
    with boa.reverts("epochs: already finalized"):
        epochs.finalize(NETUID, EPOCH, tree.root, AUX)


def test_the_guardian_may_not_void(epochs, epoch, deployer, guardian):
    tree = payouts_tree(NETUID, EPOCH, payouts(epoch))
    finalized(epochs, epoch, tree)
    with boa.env.prank(deployer):
        epochs.grantRole(epochs.GUARDIAN_ROLE(), guardian)
    with boa.env.prank(guardian), boa.reverts("epochs: only the admin (the DAO) may void"):
        epochs.void(NETUID, EPOCH, b"\x0c" * 32)
    assert epochs.final_aux(NETUID, EPOCH) == (True, AUX)


def test_void_rejects_strangers_late_and_unfinalized(epochs, epoch, deployer, alice):
    with boa.env.prank(deployer), boa.reverts("epochs: not finalized"):
        epochs.void(NETUID, EPOCH, b"\x0c" * 32)
    tree = payouts_tree(NETUID, EPOCH, payouts(epoch))
    finalized(epochs, epoch, tree)
    with boa.env.prank(alice.address), boa.reverts("epochs: only the admin (the DAO) may void"):
        epochs.void(NETUID, EPOCH, b"\x0c" * 32)
    mine(CHALLENGE_WINDOW)
    with boa.env.prank(deployer), boa.reverts("epochs: challenge window over"):
        epochs.void(NETUID, EPOCH, b"\x0c" * 32)


# --- claim -------------------------------------------------------------------------------------


def test_claims_pay_each_leaf_once_after_the_window(epochs, token, epoch):
    shares = payouts(epoch, 7)
    tree = payouts_tree(NETUID, EPOCH, shares)
    finalized(epochs, epoch, tree)
    account, amount = next(iter(shares.items()))
    with boa.reverts("epochs: challenge window open"):
        epochs.claim(NETUID, EPOCH, account, amount, tree.proof(0))
    mine(CHALLENGE_WINDOW)
    for index, (account, amount) in enumerate(shares.items()):
        epochs.claim(NETUID, EPOCH, account, amount, tree.proof(index))
        (event,) = events(epochs, "Claimed")
        assert (event.netuid, event.epoch, event.account, event.amount) == (
            NETUID,
            EPOCH,
            account,
            amount,
        )
        assert token.balanceOf(account) == amount
        assert epochs.claimed(NETUID, EPOCH, account)
    assert epochs.status(NETUID, EPOCH)[3] == epoch.emission - sum(shares.values())
    assert token.balanceOf(epochs.address) == epoch.emission - sum(shares.values())
    account, amount = next(iter(shares.items()))
    with boa.reverts("epochs: double claim"):
        epochs.claim(NETUID, EPOCH, account, amount, tree.proof(0))


def test_claim_rejects_invalid_proofs(epochs, epoch):
    shares = payouts(epoch, 4)
    tree = payouts_tree(NETUID, EPOCH, shares)
    finalized(epochs, epoch, tree)
    mine(CHALLENGE_WINDOW)
    (a, amount_a), (b, _) = list(shares.items())[:2]
    for args in (
        (a, amount_a + 1, tree.proof(0)),  # wrong amount
        (b, amount_a, tree.proof(0)),  # someone else's leaf
        (a, amount_a, tree.proof(1)),  # another leaf's proof
        (a, amount_a, []),  # no proof
    ):
        with boa.reverts("epochs: invalid proof"):
            epochs.claim(NETUID, EPOCH, *args)
    # The same leaf for another epoch or subnet does not verify either.
    epochs.claim(NETUID, EPOCH, a, amount_a, tree.proof(0))


def test_claim_rejects_unfinalized_epochs(epochs, epoch):
    with boa.reverts("epochs: not finalized"):
        epochs.claim(NETUID, EPOCH, epoch.hotkeys[0], 1, [])


def test_claims_never_exceed_the_minted_emission(epochs, token, epoch):
    # A (wrong) tree promising more than the emission: the last claim that overflows fails.
    shares = {boa.env.generate_address(f"greedy{i}"): epoch.emission // 2 + 1 for i in range(2)}
    tree = payouts_tree(NETUID, EPOCH, shares)
    finalized(epochs, epoch, tree)
    mine(CHALLENGE_WINDOW)
    (a, amount), (b, _) = shares.items()
    epochs.claim(NETUID, EPOCH, a, amount, tree.proof(0))
    with boa.reverts("epochs: claims exceed emission"):
        epochs.claim(NETUID, EPOCH, b, amount, tree.proof(1))
    assert token.balanceOf(epochs.address) == epoch.emission - amount


@given(
    amounts=st.lists(st.integers(min_value=0, max_value=2**100), min_size=1, max_size=12),
    order=st.randoms(use_true_random=False),
)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_claims_in_any_order_stay_within_the_emission(epochs, token, epoch, amounts, order):
    scale = max(1, sum(amounts))
    # Amounts scaled to between 0 and 1.5 times the emission in total.
    shares = {
        boa.env.generate_address(): amount * epoch.emission * 3 // (2 * scale) for amount in amounts
    }
    tree = payouts_tree(NETUID, EPOCH, shares)
    finalized(epochs, epoch, tree)
    mine(CHALLENGE_WINDOW)
    items = list(enumerate(shares.items()))
    order.shuffle(items)
    paid = 0
    for index, (account, amount) in items:
        if paid + amount > epoch.emission:
            with boa.reverts("epochs: claims exceed emission"):
                epochs.claim(NETUID, EPOCH, account, amount, tree.proof(index))
            continue
        epochs.claim(NETUID, EPOCH, account, amount, tree.proof(index))
        paid += amount
        assert token.balanceOf(account) == amount
    assert token.balanceOf(epochs.address) == epoch.emission - paid
    assert epochs.status(NETUID, EPOCH)[3] == epoch.emission - paid


# --- gas ---------------------------------------------------------------------------------------


def test_gas_targets(noos_deployer, deployer):
    """attest and claim (a 300-leaf tree, proof depth 9) at most 90 k in steady state.

    Steady state: the validator attested, and the account claimed, an earlier epoch (their
    bitmap words are non-zero). A first-ever attestation or claim pays 17 k more for a fresh
    bitmap word, and a claim to an account without NOOS 17 k more for its token balance.
    """
    with boa.swap_env(boa.Env()):
        with boa.env.prank(deployer):
            token = noos_deployer.deploy("Noosphere", "NOOS", 10**27, deployer, 10**26)
            registry = registry_double_deployer_partial().deploy()
            registry.set_subnet(NETUID, deployer, block_number(), TEMPO, 1)
            emitter = boa.load(str(SUBNETS / "emitter.vy"), token.address, 1_000)
            token.set_minter(emitter.address, True)
            emitter.set_share(NETUID, 10_000)
            staking = boa.load(str(SUBNETS / "staking.vy"), token.address, UNIT, 10)
            staking.wire(registry.address)
            epochs = boa.load(str(SUBNETS / "epochs.vy"), token.address, 5, 100)
            epochs.wire(registry.address, staking.address, emitter.address)
            emitter.grantRole(emitter.SETTLEMENT_ROLE(), epochs.address)
            token.approve(staking.address, 2**256 - 1)
            hotkeys = [boa.env.generate_address() for _ in range(3)]
            for hotkey in hotkeys:
                registry.set_neuron(NETUID, hotkey, deployer, True)
                staking.stake(NETUID, hotkey, 10 * UNIT)
                for e in (0, 1):
                    registry.set_permit(NETUID, e, hotkey, True)
            for e in (0, 1):
                registry.set_permitted_stake(NETUID, e, 30 * UNIT)
        boa.env.time_travel(blocks=3 * TEMPO)  # epochs 0 and 1 are both attestable
        emission = emitter.emission(emitter.start_block(), emitter.start_block() + TEMPO)
        accounts = [boa.env.generate_address() for _ in range(300)]
        amount = emission // 400
        trees = [payouts_tree(NETUID, e, dict.fromkeys(accounts, amount)) for e in (0, 1)]

        def attest_args(e: int) -> tuple:
            root = trees[e].root
            return (NETUID, e, root, EMISSION_ROOT, PRUNE_ROOT, PERMITS_HASH, BONDS_DIGEST)

        first_ever = tx_gas(epochs, epochs.attest, *attest_args(0), sender=hotkeys[0])
        for hotkey in hotkeys[1:]:
            with boa.env.prank(hotkey):
                epochs.attest(*attest_args(0))
        epochs.finalize(NETUID, 0, trees[0].root, AUX)
        first_of_result = tx_gas(epochs, epochs.attest, *attest_args(1), sender=hotkeys[0])
        later = tx_gas(epochs, epochs.attest, *attest_args(1), sender=hotkeys[1])
        epochs.finalize(NETUID, 1, trees[1].root, AUX)
        boa.env.time_travel(blocks=5)
        with boa.env.prank(deployer):
            token.transfer(accounts[0], 1)

        def claim(e: int, index: int) -> int:
            proof = trees[e].proof(index)
            args = (NETUID, e, accounts[index], amount, proof)
            return tx_gas(epochs, epochs.claim, *args, sender=deployer)

        claim_first_holder = claim(0, 0)
        claim_first_fresh = claim(0, 1)
        claim_steady = claim(1, 0)
        claim_steady_other = claim(1, 1)
    depth = len(trees[1].proof(1))
    print(
        f"attest: first ever {first_ever}, first of a result {first_of_result}, later {later}; "
        f"claim (depth {depth}): first ever to a holder {claim_first_holder}, "
        f"to a new account {claim_first_fresh}, steady {claim_steady}, {claim_steady_other}"
    )
    assert first_of_result <= 90_000, first_of_result
    assert later <= 90_000, later
    assert claim_steady <= 90_000, claim_steady
    assert claim_steady_other <= 90_000, claim_steady_other
    assert first_ever <= 110_000, first_ever
    assert claim_first_fresh <= 125_000, claim_first_fresh


# --- leaves ------------------------------------------------------------------------------------


def test_a_leaf_of_another_epoch_does_not_verify(epochs, epoch):
    shares = payouts(epoch, 3)
    # The same accounts and amounts, committed for epoch 1: the leaves differ.
    wrong = payouts_tree(NETUID, EPOCH - 1, shares)
    finalized(epochs, epoch, wrong)
    mine(CHALLENGE_WINDOW)
    account, amount = next(iter(shares.items()))
    with boa.reverts("epochs: invalid proof"):
        epochs.claim(NETUID, EPOCH, account, amount, wrong.proof(0))


# --- with the real SubnetRegistry ---------------------------------------------------------------


def test_settlement_with_the_real_registry(noos_deployer, deployer):
    """Create a subnet, register and stake, bootstrap permits, attest, finalize, claim; gas.

    The registry is ``contracts/subnets/subnets.vy`` (default tempo 360, reveal period 1).
    Epoch 1 has bootstrap permits; epoch 2 inherits them. Gas is measured as in
    ``test_gas_targets``, with the real registry's views.
    """
    with boa.swap_env(boa.Env()):
        with boa.env.prank(deployer):
            token = noos_deployer.deploy("Noosphere", "NOOS", 10**27, deployer, 10**26)
            registry = boa.load(str(SUBNETS / "subnets.vy"), token.address, 0, 1_000)
            emitter = boa.load(str(SUBNETS / "emitter.vy"), token.address, 100_000)
            token.set_minter(emitter.address, True)
            staking = boa.load(str(SUBNETS / "staking.vy"), token.address, UNIT, 10)
            epochs = boa.load(str(SUBNETS / "epochs.vy"), token.address, 5, 400)
            registry.wire(staking.address, epochs.address)
            staking.wire(registry.address)
            epochs.wire(registry.address, staking.address, emitter.address)
            emitter.grantRole(emitter.SETTLEMENT_ROLE(), epochs.address)
            netuid = registry.create_subnet("bafy-task")
            emitter.set_share(netuid, 10_000)
            token.approve(registry.address, 2**256 - 1)
            token.approve(staking.address, 2**256 - 1)
            hotkeys = [boa.env.generate_address() for _ in range(3)]
            for i, hotkey in enumerate(hotkeys):
                registry.register(netuid, hotkey, "http://v", 2**256 - 1)
                staking.stake(netuid, hotkey, (10 + i) * UNIT)
        tempo = registry.tempo(netuid)
        mine_to(registry.epoch_start(netuid, 1) + 1)
        registry.publish_bootstrap_permits(netuid, 1, [0, 1, 2])
        permitted = registry.permitted_stake(netuid, 1)
        assert permitted == 33 * UNIT
        assert all(registry.holds_permit(netuid, 1, h) for h in hotkeys)
        mine_to(registry.epoch_start(netuid, 4))  # epochs 1 and 2 are attestable
        emission = emitter.emission(
            registry.epoch_start(netuid, 1), registry.epoch_start(netuid, 2)
        )
        assert emission == emitter.emission(0, 0) + tempo * emitter.initial_rate()
        accounts = [boa.env.generate_address() for _ in range(300)]
        amount = emission // 400
        trees = {e: payouts_tree(netuid, e, dict.fromkeys(accounts, amount)) for e in (1, 2)}

        def attest_args(e: int) -> tuple:
            root = trees[e].root
            return (netuid, e, root, EMISSION_ROOT, PRUNE_ROOT, PERMITS_HASH, BONDS_DIGEST)

        # A subnet that does not exist has no attestation window (nor permits).
        missing = (77, *attest_args(1)[1:])
        with boa.env.prank(hotkeys[0]), boa.reverts("epochs: attestation closed"):
            epochs.attest(*missing)
        first_ever = tx_gas(epochs, epochs.attest, *attest_args(1), sender=hotkeys[0])
        with boa.env.prank(hotkeys[1]):
            epochs.attest(*attest_args(1))
        with boa.reverts("epochs: attesting stake below 2/3"):  # 21 of 33
            epochs.finalize(netuid, 1, trees[1].root, AUX)
        with boa.env.prank(hotkeys[2]):
            epochs.attest(*attest_args(1))
        assert epochs.finalize(netuid, 1, trees[1].root, AUX) == emission
        assert epochs.final_aux(netuid, 1) == (True, AUX)
        first_of_result = tx_gas(epochs, epochs.attest, *attest_args(2), sender=hotkeys[2])
        later = tx_gas(epochs, epochs.attest, *attest_args(2), sender=hotkeys[1])
        epochs.finalize(netuid, 2, trees[2].root, AUX)  # 23 of 33
        boa.env.time_travel(blocks=5)
        with boa.env.prank(deployer):
            token.transfer(accounts[0], 1)

        def claim(e: int, index: int) -> int:
            args = (netuid, e, accounts[index], amount, trees[e].proof(index))
            return tx_gas(epochs, epochs.claim, *args, sender=deployer)

        claim_first = claim(1, 0)
        claim_steady = claim(2, 0)
        assert token.balanceOf(accounts[0]) == 2 * amount + 1
    print(
        f"real registry: attest first ever {first_ever}, first of a result {first_of_result}, "
        f"later {later}; claim first {claim_first}, steady {claim_steady}"
    )
    assert first_of_result <= 90_000, first_of_result
    assert later <= 90_000, later
    assert claim_steady <= 90_000, claim_steady
