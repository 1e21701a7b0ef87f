"""Model commitments on anvil through the typed client: commit, read back the exact CID text,
first committers, the batch view, the rate limit and the refusals."""

from __future__ import annotations

import hashlib

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from multiformats import CID

from noosphere.chain.accounts import dev_account
from noosphere.chain.commitments import (
    FirstCommitter,
    ModelCommitment,
    ModelCommitments,
    canonical_cid,
    decode_cid,
    encode_cid,
)
from noosphere.chain.protocol import Protocol
from noosphere.chain.subnets import Subnets
from noosphere.errors import (
    InputError,
    InvalidCidError,
    ModelCommitmentError,
    TransactionRevertedError,
)
from noosphere.storage import RAW, block_cid, to_v1

pytestmark = pytest.mark.anvil
NOOS = 10**18
TEMPO = 20


def model_cid(label: str, codec: int | None = None) -> str:
    """The CIDv0 of a stand-in model file, or its CIDv1 base32 with ``codec``."""
    cid = block_cid(f"onnx model {label}".encode())
    if codec is None:
        return str(cid)
    if codec == RAW:
        return str(block_cid(f"onnx model {label}".encode(), RAW))
    return to_v1(cid)


class World:
    """A subnet with three funded, registered miner hotkeys."""

    def __init__(self, protocol: Protocol) -> None:
        self.chain = protocol.chain
        self.subnets = Subnets(self.chain, protocol.manifest)
        self.models: ModelCommitments = protocol.commitments
        self.admin = dev_account(0)
        self.netuid = self.subnets.create_subnet(self.admin, "QmTaskSpecOfTheCommitmentsTest")
        self.subnets.set_hyperparams(self.admin, self.netuid, tempo=TEMPO, immunity_period=0)
        self.hot: list[LocalAccount] = []
        cold = dev_account(1)
        protocol.token.transfer(self.admin, cold.address, 1_000 * NOOS)
        for _ in range(3):
            hot = Account.create()
            self.chain.transact(self.admin, to=hot.address, value=NOOS, gas=21_000)
            self.subnets.register(cold, self.netuid, hot.address, "")
            self.hot.append(hot)

    def next_epoch(self) -> None:
        """Mine the first block of the next epoch: the next transactions land early in it."""
        epoch = self.subnets.current_epoch(self.netuid) + 1
        self.chain.mine(self.subnets.epoch_start(self.netuid, epoch) - self.chain.block_number)


@pytest.fixture
def world(protocol: Protocol) -> World:
    return World(protocol)


def test_the_deployment_records_the_contract(protocol: Protocol) -> None:
    record = protocol.manifest.contracts["commitments"]
    assert protocol.commitments.address == record.address
    assert protocol.commitments.commit_interval() == 1
    registry = protocol.manifest.address("subnets")
    assert protocol.commitments.contract.functions.registry().call() == registry


@pytest.mark.parametrize("codec", [None, 0x70, RAW], ids=["v0", "v1-dag-pb", "v1-raw"])
def test_a_commitment_reads_back_as_the_exact_cid(world: World, codec: int | None) -> None:
    cid = model_cid("a", codec)
    receipt = world.models.commit_model(world.hot[1], world.netuid, cid)
    got = world.models.commitment(world.netuid, 1)
    assert got == ModelCommitment(
        uid=1, hotkey=world.hot[1].address, cid=cid, block=receipt.block_number,
        digest=hashlib.sha256(b"onnx model a").digest(), first=True,
    )  # fmt: skip
    assert world.models.commitment(world.netuid, 0) is None
    (log,) = world.models.contract.events.ModelCommitted().process_receipt(receipt.raw)
    assert log["args"]["uid"] == 1 and log["args"]["hotkey"] == world.hot[1].address
    assert decode_cid(log["args"]["version_codec"], log["args"]["digest"]) == cid


def test_first_committers_and_the_batch_view(world: World) -> None:
    m, netuid = world.models, world.netuid
    original = world.models.commit_model(world.hot[2], netuid, model_cid("x"))
    copy = model_cid("x", 0x70)  # the same digest in its CIDv1 form
    m.commit_model(world.hot[0], netuid, copy)
    m.commit_model(world.hot[1], netuid, model_cid("y", RAW))
    every = m.commitments(netuid)
    assert [(c.uid, c.cid, c.first) for c in every] == [
        (0, copy, False), (1, model_cid("y", RAW), True), (2, model_cid("x"), True),
    ]  # fmt: skip
    assert [c.uid for c in m.commitments(netuid, [2, 0, 7])] == [2, 0]
    first = FirstCommitter(2, world.hot[2].address, original.block_number)
    assert m.first_committer(netuid, copy) == first
    assert m.first_committer(netuid, model_cid("x")) == first
    assert m.first_committer(netuid, hashlib.sha256(b"onnx model x").digest()) == first
    assert m.first_committer(netuid, model_cid("never committed")) is None


def test_one_commitment_per_epoch(world: World) -> None:
    m, netuid, hot = world.models, world.netuid, world.hot[0]
    world.next_epoch()  # room for two transactions in one epoch
    epoch = world.subnets.current_epoch(netuid)
    m.commit_model(hot, netuid, model_cid("a"))
    before = world.chain.block_number
    with pytest.raises(ModelCommitmentError, match=f"allowed from epoch {epoch + 1} "):
        m.commit_model(hot, netuid, model_cid("b"))
    assert world.chain.block_number == before  # refused before sending
    # The contract enforces it too, whatever the client.
    fn = m.contract.functions.commit_model(netuid, encode_cid(model_cid("b")))
    with pytest.raises(TransactionRevertedError, match="commitments: committed too recently"):
        world.chain.transact(hot, fn)
    world.next_epoch()
    m.commit_model(hot, netuid, model_cid("b"))
    assert m.commitment(netuid, 0).cid == model_cid("b")  # type: ignore[union-attr]


def test_the_admin_sets_the_commit_interval(world: World) -> None:
    m = world.models
    with pytest.raises(TransactionRevertedError, match="access_control"):
        m.set_commit_interval(world.hot[0], 2)
    with pytest.raises(TransactionRevertedError, match="commit_interval out of bounds"):
        m.set_commit_interval(world.admin, 0)
    m.set_commit_interval(world.admin, 3)
    assert m.commit_interval() == 3
    world.next_epoch()
    epoch = world.subnets.current_epoch(world.netuid)
    m.commit_model(world.hot[0], world.netuid, model_cid("a"))
    assert m.next_commit_epoch(world.netuid, world.hot[0].address) == epoch + 3


def test_refusals_send_nothing(world: World) -> None:
    m, netuid = world.models, world.netuid
    before = world.chain.block_number
    with pytest.raises(InvalidCidError, match="not a valid CID"):
        m.commit_model(world.hot[0], netuid, "QmNotACid")
    sha512 = CID("base32", 1, "raw", ("sha2-512", hashlib.sha512(b"m").digest()))
    with pytest.raises(InvalidCidError, match="only sha2-256"):
        m.commit_model(world.hot[0], netuid, str(sha512))
    with pytest.raises(InvalidCidError, match="dag-cbor"):
        m.commit_model(world.hot[0], netuid, str(CID("base32", 1, "dag-cbor", sha512.digest)))
    stranger = Account.create()
    with pytest.raises(ModelCommitmentError, match="not registered on subnet"):
        m.commit_model(stranger, netuid, model_cid("a"))
    with pytest.raises(ModelCommitmentError, match="not registered on subnet"):
        m.commit_model(world.hot[0], netuid + 1, model_cid("a"))
    with pytest.raises(InputError, match="netuid"):
        m.commit_model(world.hot[0], 70_000, model_cid("a"))
    with pytest.raises(InputError, match="UID"):
        m.commitments(netuid, [-1])
    assert world.chain.block_number == before


def test_other_cid_texts_are_committed_in_their_canonical_form(world: World) -> None:
    v1 = CID.decode(model_cid("a", 0x70))
    base58_v1 = str(v1.set(base="base58btc"))
    assert base58_v1.startswith("z") and canonical_cid(base58_v1) == model_cid("a", 0x70)
    world.models.commit_model(world.hot[0], world.netuid, base58_v1)
    assert world.models.commitment(world.netuid, 0).cid == model_cid("a", 0x70)  # type: ignore[union-attr]
