"""ModelCommitments: each external function's success path and each of its failure paths.

Uses the real SubnetRegistry, Staking and NOOS token of ``conftest_subnets`` (the
EpochSettlement double records the finalized results that pruning needs).
"""

from __future__ import annotations

import hashlib

import boa
import pytest

pytest.register_assert_rewrite("tests.contracts.conftest_subnets")
from tests.contracts._boa_helpers import (  # noqa: E402
    block_number,
    events,
    mine,
    mine_to,
    tx_gas,
)
from tests.contracts.conftest_subnets import (  # noqa: E402
    SUBNETS,
    UNIT,
    ZERO32,
    ZERO_ADDRESS,
    aux_hash,
    deploy_all,
    prune_tree,
)

pytest_plugins = ["tests.contracts.conftest_subnets"]

MISSING_ROLE = "access_control: account is missing role"
NOT_REGISTERED = "commitments: caller is not registered on the subnet"
TOO_SOON = "commitments: committed too recently (one per commit_interval epochs)"
MAX = 2**256 - 1
V0, V1_RAW, V1_DAG_PB = 0x0070, 0x0155, 0x0170
NONE = (ZERO32, 0, 0, ZERO_ADDRESS)


def digest(label: str) -> bytes:
    return hashlib.sha256(label.encode()).digest()


def cid_v0(d: bytes) -> bytes:
    return b"\x12\x20" + d


def cid_v1(d: bytes, codec: int = 0x70) -> bytes:
    return bytes([0x01, codec, 0x12, 0x20]) + d


@pytest.fixture(scope="session")
def commitments_deployer():
    return boa.load_partial(str(SUBNETS / "commitments.vy"))


# Function-scoped: a module-scoped fixture's snapshot cannot be reverted at the module's end
# once a later test has created a session fixture (titanoboa unwinds its snapshots in order).
@pytest.fixture
def commitments(env, commitments_deployer):
    with boa.env.prank(env.deployer):
        return commitments_deployer.deploy(env.registry.address)


@pytest.fixture
def miners(env, netuid, cold, hotkeys) -> list[str]:
    """hotkeys[0..3] registered on ``netuid`` as UIDs 0..3, then one block mined."""
    for h in hotkeys[:4]:
        env.register(netuid, cold, h)
    mine()
    return hotkeys[:4]


def commit(commitments, hotkey: str, netuid: int, cid: bytes) -> None:
    with boa.env.prank(hotkey):
        commitments.commit_model(netuid, cid)


def next_epoch(env, netuid: int) -> None:
    mine_to(env.registry.epoch_start(netuid, env.registry.current_epoch(netuid) + 1))


# --- deployment and admin ----------------------------------------------------------------


def test_deployment(env, commitments):
    assert commitments.registry() == env.registry.address
    assert commitments.commit_interval() == 1
    assert commitments.MAX_COMMIT_INTERVAL() == 1_000
    admin = commitments.DEFAULT_ADMIN_ROLE()
    assert commitments.hasRole(admin, env.deployer)


def test_deployment_rejects_the_zero_registry(commitments_deployer):
    with boa.reverts("commitments: registry is the zero address"):
        commitments_deployer.deploy(ZERO_ADDRESS)


def test_set_commit_interval(env, commitments):
    with boa.env.prank(env.deployer):
        commitments.set_commit_interval(3)
        (ev,) = events(commitments, "CommitIntervalSet")
        assert ev.commit_interval == 3
        commitments.set_commit_interval(1_000)
    assert commitments.commit_interval() == 1_000


def test_set_commit_interval_failures(env, commitments, owner):
    with boa.env.prank(owner), boa.reverts(MISSING_ROLE):
        commitments.set_commit_interval(2)
    with boa.env.prank(env.deployer):
        for bad in (0, 1_001):
            with boa.reverts("commitments: commit_interval out of bounds"):
                commitments.set_commit_interval(bad)
    assert commitments.commit_interval() == 1


# --- commit_model ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cid", "version_codec"),
    [
        (cid_v0(digest("model")), V0),
        (cid_v1(digest("model"), 0x55), V1_RAW),
        (cid_v1(digest("model"), 0x70), V1_DAG_PB),
    ],
)
def test_commit_model(env, netuid, commitments, miners, cid, version_codec):
    at = block_number()
    commit(commitments, miners[2], netuid, cid)
    (ev,) = events(commitments, "ModelCommitted")
    assert (ev.netuid, ev.uid, ev.hotkey, ev.digest, ev.version_codec, ev.block) == (
        netuid, 2, miners[2], digest("model"), version_codec, at,
    )  # fmt: skip
    assert commitments.commitment(netuid, 2) == (digest("model"), version_codec, at, miners[2])
    assert commitments.first_committer(netuid, digest("model")) == (2, miners[2], at)
    assert commitments.commitment(netuid, 1) == NONE


def test_a_new_commitment_replaces_the_previous_one(env, netuid, commitments, miners):
    commit(commitments, miners[0], netuid, cid_v0(digest("a")))
    next_epoch(env, netuid)
    at = block_number()
    commit(commitments, miners[0], netuid, cid_v1(digest("b"), 0x55))
    assert commitments.commitment(netuid, 0) == (digest("b"), V1_RAW, at, miners[0])


@pytest.mark.parametrize(
    ("cid", "reason"),
    [
        (b"", "not 34 or 36 bytes"),
        (cid_v0(digest("m"))[:-1], "not 34 or 36 bytes"),
        (cid_v0(digest("m")) + b"\x00", "not 34 or 36 bytes"),
        (cid_v1(digest("m")) + b"\x00", "not 34 or 36 bytes"),
        (b"\x01" * 64, "not 34 or 36 bytes"),
        (b"\x13\x20" + digest("m"), "not a sha2-256 CIDv0"),  # sha2-512 code
        (b"\x12\x21" + digest("m"), "not a sha2-256 CIDv0"),  # wrong digest size
        (b"\x02\x70\x12\x20" + digest("m"), "not a CIDv1"),
        (b"\x00\x70\x12\x20" + digest("m"), "not a CIDv1"),
        (b"\x01\x70\xb2\x20" + digest("m"), "not a sha2-256 digest"),  # blake2b-256 (cut)
        (b"\x01\x70\x12\x1f" + digest("m"), "not a sha2-256 digest"),
    ],
)
def test_commit_model_rejects_malformed_cids(env, netuid, commitments, miners, cid, reason):
    with boa.env.prank(miners[0]), boa.reverts(f"commitments: malformed CID ({reason})"):
        commitments.commit_model(netuid, cid)
    assert commitments.commitment(netuid, 0) == NONE


def test_commit_model_rejects_other_codecs(env, netuid, commitments, miners):
    for codec in (0x71, 0x00, 0x7F):  # dag-cbor, identity, a one-byte unknown
        with boa.env.prank(miners[0]), boa.reverts("commitments: CID codec is not raw or dag-pb"):
            commitments.commit_model(netuid, cid_v1(digest("m"), codec))


def test_commit_model_rejects_a_cid_over_64_bytes(env, netuid, commitments, miners):
    # The ABI decoder refuses it before our checks (no reason string).
    with boa.env.prank(miners[0]), boa.reverts():
        commitments.commit_model(netuid, b"\x01" * 65)


def test_commit_model_needs_a_registered_hotkey(env, netuid, owner, commitments, miners, hotkeys):
    with boa.env.prank(hotkeys[6]), boa.reverts(NOT_REGISTERED):
        commitments.commit_model(netuid, cid_v0(digest("m")))
    # The coldkey is not the hotkey.
    with boa.env.prank(owner), boa.reverts(NOT_REGISTERED):
        commitments.commit_model(netuid, cid_v0(digest("m")))


def test_commit_model_on_a_wrong_netuid(env, netuid, owner, commitments, miners):
    other = env.create_subnet(owner)
    for wrong in (other, netuid + 5, 0):  # another subnet, a missing one, netuid 0
        with boa.env.prank(miners[0]), boa.reverts(NOT_REGISTERED):
            commitments.commit_model(wrong, cid_v0(digest("m")))
    assert commitments.commitment(other, 0) == NONE


# --- rate limit --------------------------------------------------------------------------


def test_one_commitment_per_uid_per_epoch(env, netuid, commitments, miners):
    r = env.registry
    epoch = r.current_epoch(netuid)
    assert commitments.next_commit_epoch(netuid, miners[0]) == 0
    commit(commitments, miners[0], netuid, cid_v0(digest("a")))
    assert commitments.next_commit_epoch(netuid, miners[0]) == epoch + 1
    mine()
    with boa.env.prank(miners[0]), boa.reverts(TOO_SOON):
        commitments.commit_model(netuid, cid_v0(digest("b")))
    # The same model again is refused too; another UID is not held back.
    with boa.env.prank(miners[0]), boa.reverts(TOO_SOON):
        commitments.commit_model(netuid, cid_v0(digest("a")))
    commit(commitments, miners[1], netuid, cid_v0(digest("b")))
    # The last block of the epoch is still too soon; its next block is fine.
    mine_to(r.epoch_start(netuid, epoch + 1) - 1)
    with boa.env.prank(miners[0]), boa.reverts(TOO_SOON):
        commitments.commit_model(netuid, cid_v0(digest("b")))
    mine()
    commit(commitments, miners[0], netuid, cid_v0(digest("b")))
    assert commitments.commitment(netuid, 0)[0] == digest("b")


def test_commit_interval_of_several_epochs(env, netuid, commitments, miners):
    r = env.registry
    with boa.env.prank(env.deployer):
        commitments.set_commit_interval(3)
    epoch = r.current_epoch(netuid)
    commit(commitments, miners[0], netuid, cid_v0(digest("a")))
    assert commitments.next_commit_epoch(netuid, miners[0]) == epoch + 3
    mine_to(r.epoch_start(netuid, epoch + 2))
    with boa.env.prank(miners[0]), boa.reverts(TOO_SOON):
        commitments.commit_model(netuid, cid_v0(digest("b")))
    # A lower interval applies to pending waits at once.
    with boa.env.prank(env.deployer):
        commitments.set_commit_interval(2)
    commit(commitments, miners[0], netuid, cid_v0(digest("b")))


def test_next_commit_epoch_of_an_unregistered_hotkey(env, netuid, commitments, hotkeys):
    with boa.reverts("subnets: hotkey not registered"):
        commitments.next_commit_epoch(netuid, hotkeys[7])


# --- UIDs changing hands -----------------------------------------------------------------


def finalize_prune(env, netuid, epoch, uids_by_rank):
    """Record a final result of ``epoch`` whose prune tree ranks ``uids_by_rank``."""
    tree = prune_tree(uids_by_rank)
    aux = (ZERO32, tree.root, ZERO32, ZERO32)
    env.epochs.set_final(netuid, epoch, True, aux_hash(*aux))
    return [(0, tree.values[0][1], tree.proof(0))], aux


def replace_uid(env, netuid, coldkey, hotkey, result_epoch, uid):
    """Register ``hotkey`` in place of ``uid`` (ranked first in a final result)."""
    candidates, aux = finalize_prune(env, netuid, result_epoch, [uid])
    with boa.env.prank(coldkey):
        got = env.registry.register_replacing(
            netuid, hotkey, "", MAX, result_epoch, aux, candidates
        )
    assert got == uid


def test_a_replaced_uid_loses_its_commitment(
    env, netuid, commitments, miners, cold, cold2, hotkeys
):
    r = env.registry
    b0 = r.epoch_start(netuid, 0)
    at = block_number()
    commit(commitments, miners[2], netuid, cid_v0(digest("m")))
    mine_to(b0 + 30)
    replace_uid(env, netuid, cold2, hotkeys[4], 2, 2)
    assert commitments.commitment(netuid, 2) == NONE
    (c,) = commitments.commitments(netuid, [2])
    assert tuple(c) == (ZERO32, 0, 0, ZERO_ADDRESS, False)
    # The first committer stays on record; the new hotkey is not held back by the old epoch.
    assert commitments.first_committer(netuid, digest("m")) == (2, miners[2], at)
    now = block_number()
    commit(commitments, hotkeys[4], netuid, cid_v0(digest("m")))
    assert commitments.commitment(netuid, 2) == (digest("m"), V0, now, hotkeys[4])
    assert not commitments.commitments(netuid, [2])[0][4]  # a copy of the old neuron's model

    # The old hotkey comes back on the same UID later: its old commitment stays hidden.
    commit_block = now
    mine_to(b0 + 50)
    replace_uid(env, netuid, cold, miners[2], 4, 2)
    assert r.block_at_registration(netuid, 2) > commit_block
    assert commitments.commitment(netuid, 2) == NONE


def test_a_hotkey_swap_drops_the_commitment(env, netuid, commitments, miners, cold, hotkeys):
    commit(commitments, miners[1], netuid, cid_v0(digest("m")))
    with boa.env.prank(cold):
        env.registry.swap_hotkey(netuid, miners[1], hotkeys[5])
    assert commitments.commitment(netuid, 1) == NONE
    commit(commitments, hotkeys[5], netuid, cid_v0(digest("n")))  # not rate-limited
    assert commitments.commitment(netuid, 1)[3] == hotkeys[5]


# --- first committers and the batch view ---------------------------------------------------


def test_first_committer_of_a_digest(env, netuid, owner, cold, commitments, miners, hotkeys):
    assert commitments.first_committer(netuid, digest("m")) == (0, ZERO_ADDRESS, 0)
    first_at = block_number()
    commit(commitments, miners[3], netuid, cid_v1(digest("m")))
    mine()
    # Copies, in any CID form of the same digest, do not change it.
    commit(commitments, miners[0], netuid, cid_v0(digest("m")))
    commit(commitments, miners[1], netuid, cid_v1(digest("m"), 0x55))
    assert commitments.first_committer(netuid, digest("m")) == (3, miners[3], first_at)
    flags = [c[4] for c in commitments.commitments(netuid, [0, 1, 2, 3])]
    assert flags == [False, False, False, True]
    # Still the first after moving on to another model, and after committing it again.
    next_epoch(env, netuid)
    commit(commitments, miners[3], netuid, cid_v0(digest("m2")))
    assert commitments.first_committer(netuid, digest("m")) == (3, miners[3], first_at)
    next_epoch(env, netuid)
    commit(commitments, miners[3], netuid, cid_v0(digest("m")))
    assert commitments.commitments(netuid, [3])[0][4]
    # First committers are per subnet.
    other = env.create_subnet(owner)
    env.register(other, cold, hotkeys[6])
    at = block_number()
    commit(commitments, hotkeys[6], other, cid_v0(digest("m")))
    assert commitments.first_committer(other, digest("m")) == (0, hotkeys[6], at)
    assert commitments.first_committer(netuid, digest("m")) == (3, miners[3], first_at)


def test_commitments_batch_view(env, netuid, commitments, miners):
    at = block_number()
    commit(commitments, miners[0], netuid, cid_v0(digest("a")))
    commit(commitments, miners[2], netuid, cid_v1(digest("b"), 0x55))
    got = [tuple(c) for c in commitments.commitments(netuid, [2, 1, 0, 9, 0])]
    empty = (ZERO32, 0, 0, ZERO_ADDRESS, False)
    a = (digest("a"), V0, at, miners[0], True)
    b = (digest("b"), V1_RAW, at, miners[2], True)
    assert got == [b, empty, a, empty, a]
    assert commitments.commitments(netuid, []) == []
    assert len(commitments.commitments(netuid, list(range(256)))) == 256
    with boa.reverts():
        commitments.commitments(netuid, list(range(257)))


# --- gas ---------------------------------------------------------------------------------


def test_gas_commit_model(
    token,
    deployer,
    registry_deployer,
    weights_deployer,
    staking_deployer,
    epochs_double_deployer,
    commitments_deployer,
):
    # A throwaway environment: committing storage would break the snapshots that isolate tests.
    with boa.swap_env(boa.Env()):
        with boa.env.prank(deployer):
            noos = token.deployer.deploy("Noosphere", "NOOS", 21_000_000 * UNIT, deployer,
                                         10**6 * UNIT)  # fmt: skip
        env = deploy_all(noos, deployer, registry_deployer, weights_deployer, staking_deployer,
                         epochs_double_deployer)  # fmt: skip
        with boa.env.prank(deployer):
            c = commitments_deployer.deploy(env.registry.address)
        owner = env.fund(boa.env.generate_address("o"), 10_000 * UNIT)
        cold = env.fund(boa.env.generate_address("c"))
        netuid = env.create_subnet(owner)
        hot = [boa.env.generate_address(f"h{i}") for i in range(2)]
        for h in hot:
            env.register(netuid, cold, h)
        mine()

        def gas(hotkey: str, label: str) -> int:
            return tx_gas(c, c.commit_model, netuid, cid_v1(digest(label)), sender=hotkey)

        def later() -> None:
            mine_to(env.registry.epoch_start(netuid, env.registry.current_epoch(netuid) + 1))

        first = gas(hot[0], "m0")
        later()
        steady_new = gas(hot[0], "m1")  # a model never committed on the subnet
        later()
        steady_known = gas(hot[0], "m1")  # the same model again
        copy = gas(hot[1], "m1")  # another UID's first commitment, of a known digest
    # A never-seen digest writes a fresh first-committer slot (22,100 gas): 60 k only
    # holds for a later commitment of a digest the subnet knows.
    assert steady_known <= 60_000, steady_known
    assert steady_new <= 72_000, steady_new
    assert first <= 105_000, first
    assert copy <= 85_000, copy
