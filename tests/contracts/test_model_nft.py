"""ModelNFT: registration (CIDs, provenance checks, splits, parents), community models, terms,
roles and generations, delisting, transfers, ERC-2981 royalties, views and gas."""

from __future__ import annotations

import boa
import pytest

pytest.register_assert_rewrite("tests.contracts.conftest_data", "tests.contracts.conftest_models")
from tests.contracts._boa_helpers import events, tx_gas  # noqa: E402
from tests.contracts.conftest import CAP, INITIAL_SUPPLY, NAME, SYMBOL  # noqa: E402
from tests.contracts.conftest_data import deploy_market  # noqa: E402
from tests.contracts.conftest_models import (  # noqa: E402
    COMMERCIAL,
    FINE_TUNE,
    INFERENCE,
    LICENCE_VALIDITY,
    UNIT,
    ZERO32,
    ZERO_ADDRESS,
    Provenance,
    cid_bytes,
    cid_text,
    deploy_models,
    digest,
    splits_hash,
)

pytest_plugins = ["tests.contracts.conftest_data", "tests.contracts.conftest_models"]

MISSING_ROLE = "access_control: account is missing role"
NOT_MANAGER = "modelnft: caller is not the owner or manager"
UNKNOWN = "modelnft: unknown model id"
COMMUNITY_ROLE = boa.eval('keccak256("COMMUNITY_ROLE")')
DAG_PB, RAW = 0x70, 0x55


@pytest.fixture
def manager() -> str:
    return boa.env.generate_address("model-manager")


@pytest.fixture
def model_id(models, trainer) -> int:
    """Model 1, registered by ``trainer`` with the default provenance and all revenue to it."""
    return models.register(trainer)


@pytest.fixture
def data_ids(market, publisher) -> list[int]:
    """Datasets 1 and 2 of ``publisher``."""
    return [market.publish(publisher), market.publish(publisher)]


@pytest.fixture
def subnet_owner(models, deployer) -> str:
    """An account holding COMMUNITY_ROLE."""
    account = boa.env.generate_address("subnet-owner")
    with boa.env.prank(deployer):
        models.nft.grantRole(COMMUNITY_ROLE, account)
    return account


def register(models, owner: str, *args, **kwargs) -> int:
    return models.register(owner, *args, **kwargs)


# --- deployment and admin ------------------------------------------------------------------------


def test_deployment(models, market, deployer, token):
    nft = models.nft
    assert (nft.name(), nft.symbol()) == ("Noosphere Models", "NMOD")
    assert nft.hasRole(nft.DEFAULT_ADMIN_ROLE(), deployer)
    assert nft.payment_token_allowed(token.address)
    assert nft.model_count() == 0
    assert nft.data_licences() == market.licences.address
    assert nft.datanft() == market.nft.address
    assert nft.licences() == models.licences.address
    assert (nft.INFERENCE(), nft.FINE_TUNE(), nft.COMMERCIAL()) == (0, 1, 2)
    assert (nft.MAX_DATASETS(), nft.MAX_PARENTS(), nft.MAX_RECIPIENTS()) == (8, 4, 10)
    assert (nft.MAX_ROYALTY_BPS(), nft.MAX_PARENTS_BPS()) == (5_000, 5_000)
    assert nft.COMMUNITY_ROLE() == COMMUNITY_ROLE
    shares = nft.COMMUNITY_WINNER_BPS(), nft.COMMUNITY_DATA_BPS(), nft.COMMUNITY_TREASURY_BPS()
    assert shares == (5_000, 3_000, 2_000)
    assert nft.eip712Domain()[1:3] == ("Noosphere Models", "1")


@pytest.mark.parametrize("which", [0, 1])
def test_deployment_rejects_zero_addresses(modelnft_deployer, market, token, which):
    args = [token.address, market.licences.address]
    args[which] = ZERO_ADDRESS
    with boa.reverts("modelnft: zero address"):
        modelnft_deployer.deploy("Noosphere Models", "NMOD", *args)


@pytest.mark.parametrize(
    ("interface_id", "supported"),
    [
        ("01ffc9a7", True),  # ERC-165
        ("80ac58cd", True),  # ERC-721
        ("5b5e139f", True),  # ERC-721 metadata
        ("589c5ce2", True),  # ERC-4494
        ("49064906", True),  # ERC-4906
        ("2a55205a", True),  # ERC-2981
        ("7965db0b", True),  # IAccessControl
        ("780e9d63", False),  # ERC-721 enumerable
        ("d9b67a26", False),
    ],
)
def test_supports_interface(models, interface_id, supported):
    assert models.nft.supportsInterface(bytes.fromhex(interface_id)) is supported


def test_set_payment_token(models, deployer, other_token):
    with boa.env.prank(deployer):
        models.nft.set_payment_token(other_token.address, True)
    (ev,) = events(models.nft, "PaymentTokenSet")
    assert (ev.token, ev.allowed) == (other_token.address, True)
    assert models.nft.payment_token_allowed(other_token.address)
    with boa.env.prank(deployer):
        models.nft.set_payment_token(other_token.address, False)
    assert not models.nft.payment_token_allowed(other_token.address)


def test_set_payment_token_rejects_bad_calls(models, deployer, stranger, other_token):
    with boa.reverts("modelnft: zero address"), boa.env.prank(deployer):
        models.nft.set_payment_token(ZERO_ADDRESS, True)
    with boa.reverts(MISSING_ROLE), boa.env.prank(stranger):
        models.nft.set_payment_token(other_token.address, True)


def test_set_licences_once(modelnft_deployer, market, token, deployer, stranger):
    with boa.env.prank(deployer):
        nft = modelnft_deployer.deploy("M", "M", token.address, market.licences.address)
    assert nft.licences() == ZERO_ADDRESS
    with boa.reverts(MISSING_ROLE), boa.env.prank(stranger):
        nft.set_licences(stranger)
    with boa.reverts("modelnft: zero address"), boa.env.prank(deployer):
        nft.set_licences(ZERO_ADDRESS)
    with boa.env.prank(deployer):
        nft.set_licences(stranger)
    assert events(nft, "LicencesSet")[0].licences == stranger
    assert nft.licences() == stranger
    with boa.reverts("modelnft: licences already set"), boa.env.prank(deployer):
        nft.set_licences(deployer)


# --- register: success ---------------------------------------------------------------------------


def test_register_mints_and_records_everything(models, market, trainer, data_ids):
    nft = models.nft
    orders = [models.data_order(trainer, d) for d in data_ids]
    provenance = Provenance(
        datasets=[(data_ids[0], orders[0], ZERO32), (data_ids[1], orders[1], digest("receipt"))],
        compute_job=42,
        netuid=3,
        epoch=17,
    )
    co_author = boa.env.generate_address("co-author")
    recipients = [(trainer, 7_000), (co_author, 3_000)]
    artifact, metadata = cid_bytes("onnx"), cid_bytes("card")
    model_id = models.register(trainer, provenance, recipients, 750, artifact, metadata)
    assert model_id == 1
    (mint,) = events(nft, "Transfer")
    assert (mint.sender, mint.receiver, mint.token_id) == (ZERO_ADDRESS, trainer, 1)
    (ev,) = events(nft, "Registered")
    assert (ev.model_id, ev.owner, ev.royalty_bps) == (1, trainer, 750)
    assert (bytes(ev.artifact_cid), bytes(ev.metadata_cid)) == (artifact, metadata)
    assert ev.provenance_hash == provenance.hash() == nft.provenance_hash(1)
    assert tuple(ev.provenance) == (
        [tuple(d) for d in provenance.datasets],
        [],
        42,
        provenance.recipe,
        3,
        17,
        provenance.training_run,
    )
    assert [tuple(r) for r in ev.recipients] == recipients
    assert list(ev.parents) == []
    assert ev.splits_hash == splits_hash(recipients, []) == nft.splits_hash(1)
    assert nft.model_count() == 1

    assert nft.ownerOf(1) == trainer
    assert nft.balanceOf(trainer) == 1
    m = nft.model(1)
    assert (m.owner, m.manager, m.royalty_bps, m.community, m.delisted, m.generation) == (
        trainer, ZERO_ADDRESS, 750, False, False, 0,
    )  # fmt: skip
    assert (m.artifact_cid, m.metadata_cid) == (cid_text(artifact), cid_text(metadata))
    assert (m.provenance_hash, m.splits_hash) == (provenance.hash(), splits_hash(recipients, []))
    assert nft.artifact_cid(1) == cid_text(artifact)
    assert nft.metadata_cid(1) == cid_text(metadata)
    assert nft.tokenURI(1) == "ipfs://" + cid_text(metadata)
    assert nft.model_status(1) == (True, False)
    for kind in (INFERENCE, FINE_TUNE, COMMERCIAL):
        assert tuple(nft.terms(1, kind)) == (0, ZERO_ADDRESS, 0)


def test_register_accepts_a_cidv0_and_shows_it_as_cidv1(models, trainer):
    v0 = bytes.fromhex("1220") + digest("artifact")  # dag-pb, what `ipfs add` prints as Qm...
    dag_pb_v1 = cid_bytes("metadata", DAG_PB)
    models.register(trainer, artifact=v0, metadata=dag_pb_v1)
    (ev,) = events(models.nft, "Registered")
    assert bytes(ev.artifact_cid) == bytes.fromhex("01701220") + digest("artifact")
    assert models.nft.artifact_cid(1) == cid_text(v0)
    assert models.nft.artifact_cid(1).startswith("bafybei")
    assert models.nft.metadata_cid(1) == cid_text(dag_pb_v1)


def test_model_ids_increase(models, trainer, stranger):
    assert models.register(trainer) == 1
    assert models.register(stranger) == 2
    assert models.nft.model_count() == 2
    assert models.nft.balanceOf(trainer) == models.nft.balanceOf(stranger) == 1


def test_an_order_started_by_another_for_the_registrant_counts(models, trainer, stranger, data_ids):
    models.fund(stranger)
    order_id = models.data_order(stranger, data_ids[0], consumer=trainer)
    models.register(trainer, Provenance(datasets=[(data_ids[0], order_id, ZERO32)]))
    assert models.nft.model_count() == 1


def test_an_expired_order_still_counts(models, trainer, data_ids):
    order_id = models.data_order(trainer, data_ids[0])
    boa.env.time_travel(seconds=400 * 86_400)
    models.register(trainer, Provenance(datasets=[(data_ids[0], order_id, ZERO32)]))
    assert models.nft.model_count() == 1


def test_a_receipt_only_dataset_counts(models, trainer, data_ids):
    provenance = Provenance(datasets=[(data_ids[1], 0, digest("c2d receipt"))])
    models.register(trainer, provenance)
    assert models.nft.provenance_hash(1) == provenance.hash()


def test_register_with_the_largest_lists(models, trainer, data_ids):
    recipients = [(boa.env.generate_address(f"r{i}"), 1_000) for i in range(10)]
    datasets = [(data_ids[i % 2], 0, digest(f"receipt {i}")) for i in range(8)]
    parents = [models.register(trainer, royalty_bps=1_000) for _ in range(4)]
    model_id = models.register(trainer, Provenance(datasets=datasets, parents=parents), recipients)
    assert models.nft.splits_hash(model_id) == splits_hash(
        recipients, [(p, 1_000) for p in parents]
    )


# --- register: bad CIDs, royalty and splits ------------------------------------------------------


@pytest.mark.parametrize(
    "cid",
    [
        b"",
        bytes.fromhex("1220") + b"\x11" * 31,  # a CIDv0 one byte short
        bytes.fromhex("1221") + b"\x11" * 32,  # a CIDv0 with a 33-byte digest length
        bytes.fromhex("01711220") + b"\x11" * 32,  # dag-cbor
        bytes.fromhex("01551b20") + b"\x11" * 32,  # keccak-256
        bytes.fromhex("02551220") + b"\x11" * 32,  # CID version 2
        bytes.fromhex("01551220") + b"\x11" * 33,  # too long
        bytes.fromhex("01551220") + b"\x11" * 28,  # 32 bytes in all
    ],
)
def test_register_rejects_invalid_cids(models, trainer, cid):
    with boa.reverts("modelnft: invalid artifact CID"):
        models.register(trainer, artifact=cid)
    with boa.reverts("modelnft: invalid metadata CID"):
        models.register(trainer, metadata=cid)


def test_register_rejects_a_royalty_above_the_maximum(models, trainer):
    with boa.reverts("modelnft: royalty exceeds maximum"):
        models.register(trainer, royalty_bps=5_001)
    models.register(trainer, royalty_bps=5_000)


@pytest.mark.parametrize(
    ("shares", "reason"),
    [
        ([], "modelnft: no split recipients"),
        ([1_000] * 11, "modelnft: too many split recipients"),
        ([5_000, 0, 5_000], "modelnft: zero share in splits"),
        ([5_000, 4_999], "modelnft: splits do not sum to 10,000"),
        ([5_000, 5_001], "modelnft: splits do not sum to 10,000"),
        ([10_001], "modelnft: splits do not sum to 10,000"),
        ([2**256 - 1, 10_001], "modelnft: splits do not sum to 10,000"),
    ],
)
def test_register_rejects_bad_splits(models, trainer, shares, reason):
    recipients = [(boa.env.generate_address(f"r{i}"), bps) for i, bps in enumerate(shares)]
    with boa.reverts(reason), boa.env.prank(trainer):
        models.nft.register(cid_bytes("a"), cid_bytes("m"), Provenance().args(), recipients, 0)


def test_register_rejects_a_zero_address_in_splits(models, trainer):
    with boa.reverts("modelnft: zero address in splits"):
        models.register(trainer, recipients=[(trainer, 9_000), (ZERO_ADDRESS, 1_000)])


def test_an_address_may_appear_twice_in_a_split(models, trainer):
    models.register(trainer, recipients=[(trainer, 6_000), (trainer, 4_000)])
    assert models.nft.model_count() == 1


# --- register: datasets --------------------------------------------------------------------------


def test_register_rejects_an_unknown_order(models, trainer, data_ids):
    with boa.reverts("licences: unknown order"):
        models.register(trainer, Provenance(datasets=[(data_ids[0], 99, ZERO32)]))


def test_register_rejects_an_order_of_another_dataset(models, trainer, data_ids):
    order_id = models.data_order(trainer, data_ids[0])
    with boa.reverts("modelnft: order is for another dataset"):
        models.register(trainer, Provenance(datasets=[(data_ids[1], order_id, ZERO32)]))


def test_register_rejects_an_order_of_someone_else(models, trainer, stranger, data_ids):
    models.fund(stranger)
    order_id = models.data_order(stranger, data_ids[0])
    provenance = Provenance(datasets=[(data_ids[0], order_id, digest("receipt"))])
    with boa.reverts("modelnft: order not started for the registrant"):
        models.register(trainer, provenance)


def test_register_rejects_a_dataset_without_order_or_receipt(models, trainer, data_ids):
    with boa.reverts("modelnft: dataset without order or receipt"):
        models.register(trainer, Provenance(datasets=[(data_ids[0], 0, ZERO32)]))


@pytest.mark.parametrize("offset", [0, 3])
def test_register_rejects_a_receipt_for_an_unknown_dataset(models, trainer, data_ids, offset):
    data_id = 0 if offset == 0 else data_ids[-1] + offset
    with boa.reverts("modelnft: unknown dataset"):
        models.register(trainer, Provenance(datasets=[(data_id, 0, digest("receipt"))]))


def test_register_rejects_too_many_datasets(models, trainer, data_ids):
    datasets = [(data_ids[0], 0, digest(f"receipt {i}")) for i in range(9)]
    with boa.reverts("modelnft: too many datasets"):
        models.register(trainer, Provenance(datasets=datasets))


# --- register: parents ---------------------------------------------------------------------------


def test_a_parent_owned_by_the_registrant_takes_its_royalty(models, trainer):
    parent = models.register(trainer, royalty_bps=1_500)
    child = models.register(trainer, Provenance(parents=[parent]))
    (ev,) = events(models.nft, "Registered")
    assert [tuple(p) for p in ev.parents] == [(parent, 1_500)]
    assert models.nft.splits_hash(child) == splits_hash([(trainer, 10_000)], [(parent, 1_500)])


def test_a_fine_tune_licence_entitles_to_a_parent(models, trainer, licensee):
    parent = models.register(trainer, royalty_bps=500)
    models.set_terms(trainer, parent, FINE_TUNE)
    models.buy(licensee, parent, FINE_TUNE)
    boa.env.time_travel(seconds=LICENCE_VALIDITY + 1)  # an expired licence still entitles
    child = models.register(licensee, Provenance(parents=[parent]))
    assert models.splits[child][1] == [(parent, 500)]


@pytest.mark.parametrize("kind", [INFERENCE, COMMERCIAL])
def test_other_licence_kinds_do_not_entitle_to_a_parent(models, trainer, licensee, kind):
    parent = models.register(trainer)
    models.set_terms(trainer, parent, kind)
    models.buy(licensee, parent, kind)
    with boa.reverts("modelnft: parent not owned or licensed for fine-tuning"):
        models.register(licensee, Provenance(parents=[parent]))


def test_a_parent_needs_the_licences_contract(modelnft_deployer, market, token, deployer, trainer):
    with boa.env.prank(deployer):
        nft = modelnft_deployer.deploy("M", "M", token.address, market.licences.address)
    with boa.env.prank(trainer):
        nft.register(cid_bytes("a"), cid_bytes("m"), Provenance().args(), [(trainer, 10_000)], 0)
    stranger = boa.env.generate_address()
    args = (cid_bytes("a"), cid_bytes("m"), Provenance(parents=[1]).args(), [(stranger, 10_000)])
    reason = "modelnft: parent not owned or licensed for fine-tuning"
    with boa.reverts(reason), boa.env.prank(stranger):
        nft.register(*args, 0)


@pytest.mark.parametrize("parent", [0, 2, 3, 10**30])
def test_register_rejects_unknown_and_self_referencing_parents(models, trainer, parent):
    """Model 2 would be the new model itself: a parent must already exist, so no cycle can form."""
    models.register(trainer)
    with boa.reverts("modelnft: unknown parent"):
        models.register(trainer, Provenance(parents=[parent]))


@pytest.mark.parametrize("parents", [[1, 1], [2, 1]])
def test_register_rejects_parents_not_strictly_increasing(models, trainer, parents):
    models.register(trainer)
    models.register(trainer)
    with boa.reverts("modelnft: parents not strictly increasing"):
        models.register(trainer, Provenance(parents=parents))


def test_register_rejects_a_delisted_parent(models, trainer, deployer):
    parent = models.register(trainer)
    with boa.env.prank(deployer):
        models.nft.delist(parent, "bafy-reason")
    with boa.reverts("modelnft: parent is delisted"):
        models.register(trainer, Provenance(parents=[parent]))


def test_register_rejects_a_parent_neither_owned_nor_licensed(models, trainer, stranger):
    parent = models.register(trainer)
    with boa.reverts("modelnft: parent not owned or licensed for fine-tuning"):
        models.register(stranger, Provenance(parents=[parent]))


def test_register_rejects_parents_royalties_above_the_maximum(models, trainer):
    first = models.register(trainer, royalty_bps=5_000)
    second = models.register(trainer, royalty_bps=1)
    with boa.reverts("modelnft: parents' royalties exceed maximum"):
        models.register(trainer, Provenance(parents=[first, second]))
    models.register(trainer, Provenance(parents=[first]))


def test_register_rejects_too_many_parents(models, trainer):
    parents = [models.register(trainer, royalty_bps=0) for _ in range(5)]
    with boa.reverts("modelnft: too many parents"):
        models.register(trainer, Provenance(parents=parents))


# --- community models ----------------------------------------------------------------------------


def community(models, sender: str, provenance: Provenance, winner: str, royalty: int = 0) -> int:
    with boa.env.prank(sender):
        model_id = models.nft.register_community(
            cid_bytes("community-onnx"), cid_bytes("community-card"), provenance.args(), winner,
            royalty,
        )  # fmt: skip
    models.remember_splits(model_id)
    return model_id


def test_register_community(models, market, subnet_owner, publisher, data_ids):
    winner = models.fund(boa.env.generate_address("winner"))
    other_publisher = boa.env.generate_address("other-publisher")
    third = market.publish(other_publisher)
    datasets = [
        (data_ids[0], models.data_order(winner, data_ids[0]), ZERO32),
        (data_ids[1], 0, digest("receipt")),
        (third, 0, digest("receipt 2")),
    ]
    provenance = Provenance(datasets=datasets, netuid=2, epoch=40)
    model_id = community(models, subnet_owner, provenance, winner, 300)
    nft = models.nft
    (ev,) = events(nft, "CommunityRegistered")
    assert (ev.model_id, ev.netuid, ev.epoch, ev.winner) == (model_id, 2, 40, winner)
    assert nft.ownerOf(model_id) == subnet_owner
    recipients = [
        (winner, 5_000),
        (publisher, 1_000),
        (publisher, 1_000),
        (other_publisher, 1_000),
        (models.treasury, 2_000),
    ]
    assert models.splits[model_id] == (recipients, [])
    assert nft.splits_hash(model_id) == splits_hash(recipients, [])
    assert nft.provenance_hash(model_id) == provenance.hash()
    assert nft.community_model(2, 40) == model_id
    m = nft.model(model_id)
    assert (m.community, m.royalty_bps) == (True, 300)


def test_community_split_remainder_and_no_datasets_go_to_the_treasury(
    models, subnet_owner, publisher, data_ids
):
    winner = boa.env.generate_address("winner")
    receipt = [(data_ids[0], 0, digest(f"receipt {i}")) for i in range(7)]
    first = community(models, subnet_owner, Provenance(datasets=receipt, netuid=1, epoch=1), winner)
    each = 3_000 // 7
    expected = [(winner, 5_000), *[(publisher, each)] * 7, (models.treasury, 5_000 - 7 * each)]
    assert models.splits[first][0] == expected
    second = community(models, subnet_owner, Provenance(netuid=1, epoch=2), winner)
    assert models.splits[second][0] == [(winner, 5_000), (models.treasury, 5_000)]


def test_community_parents_may_be_licensed_to_the_winner(models, trainer, subnet_owner):
    winner = models.fund(boa.env.generate_address("winner"))
    parent = models.register(trainer, royalty_bps=200)
    models.set_terms(trainer, parent, FINE_TUNE)
    models.buy(winner, parent, FINE_TUNE)
    model_id = community(models, subnet_owner, Provenance(parents=[parent]), winner)
    assert models.splits[model_id][1] == [(parent, 200)]


def test_community_orders_must_be_the_winners_or_the_callers(
    models, subnet_owner, stranger, data_ids
):
    models.fund(stranger)
    order_id = models.data_order(stranger, data_ids[0])
    winner = boa.env.generate_address("winner")
    provenance = Provenance(datasets=[(data_ids[0], order_id, ZERO32)])
    with boa.reverts("modelnft: order not started for the registrant"):
        community(models, subnet_owner, provenance, winner)
    models.fund(subnet_owner)
    own = models.data_order(subnet_owner, data_ids[0])
    community(models, subnet_owner, Provenance(datasets=[(data_ids[0], own, ZERO32)]), winner)


def test_register_community_rejects_bad_calls(models, subnet_owner, stranger):
    winner = boa.env.generate_address("winner")
    with boa.reverts(MISSING_ROLE):
        community(models, stranger, Provenance(), winner)
    with boa.reverts("modelnft: zero winner"):
        community(models, subnet_owner, Provenance(), ZERO_ADDRESS)
    community(models, subnet_owner, Provenance(netuid=4, epoch=9), winner)
    with boa.reverts("modelnft: epoch already has a community model"):
        community(models, subnet_owner, Provenance(netuid=4, epoch=9), winner)
    with boa.reverts("modelnft: royalty exceeds maximum"):
        community(models, subnet_owner, Provenance(netuid=4, epoch=10), winner, 5_001)


def test_register_community_needs_the_licences_contract(modelnft_deployer, market, token, deployer):
    with boa.env.prank(deployer):
        nft = modelnft_deployer.deploy("M", "M", token.address, market.licences.address)
        nft.grantRole(COMMUNITY_ROLE, deployer)
        with boa.reverts("modelnft: licences not set"):
            nft.register_community(cid_bytes("a"), cid_bytes("m"), Provenance().args(), deployer, 0)


# --- metadata, terms and roles -------------------------------------------------------------------


@pytest.fixture
def managed(models, trainer, manager, model_id) -> int:
    with boa.env.prank(trainer):
        models.nft.set_manager(model_id, manager)
    return model_id


def test_set_metadata(models, trainer, manager, managed):
    for sender, label in ((trainer, "v2"), (manager, "v3")):
        new = cid_bytes(label)
        with boa.env.prank(sender):
            models.nft.set_metadata(managed, new)
        (ev,) = events(models.nft, "MetadataSet")
        assert (ev.model_id, ev.sender, bytes(ev.metadata_cid)) == (managed, sender, new)
        (update,) = events(models.nft, "MetadataUpdate")
        assert tuple(update) == (models.nft.address, managed)  # boa drops `_` names
        assert models.nft.metadata_cid(managed) == cid_text(new)
        assert models.nft.tokenURI(managed) == "ipfs://" + cid_text(new)
    v0 = bytes.fromhex("1220") + digest("v4")
    with boa.env.prank(trainer):
        models.nft.set_metadata(managed, v0)
    assert models.nft.metadata_cid(managed) == cid_text(v0)
    assert models.nft.artifact_cid(managed) == cid_text(cid_bytes(f"artifact-{trainer}"))


def test_set_metadata_rejects_bad_calls(models, trainer, stranger, model_id):
    with boa.reverts(NOT_MANAGER), boa.env.prank(stranger):
        models.nft.set_metadata(model_id, cid_bytes("x"))
    with boa.reverts("modelnft: invalid metadata CID"), boa.env.prank(trainer):
        models.nft.set_metadata(model_id, b"\x12\x20")
    with boa.reverts(UNKNOWN), boa.env.prank(trainer):
        models.nft.set_metadata(model_id + 1, cid_bytes("x"))


def test_set_terms(models, token, trainer, manager, managed):
    nft = models.nft
    for kind, sender in ((INFERENCE, trainer), (FINE_TUNE, manager), (COMMERCIAL, trainer)):
        price, validity = (kind + 1) * UNIT, (kind + 1) * 3_600
        with boa.env.prank(sender):
            nft.set_terms(managed, kind, price, token.address, validity)
        (ev,) = events(nft, "TermsSet")
        assert (ev.model_id, ev.kind, ev.payment_token, ev.price, ev.validity, ev.sender) == (
            managed, kind, token.address, price, validity, sender,
        )  # fmt: skip
    for kind in (INFERENCE, FINE_TUNE, COMMERCIAL):
        assert tuple(nft.terms(managed, kind)) == (
            (kind + 1) * UNIT,
            token.address,
            (kind + 1) * 3_600,
        )
        t = nft.sale_terms(managed, kind)
        assert (t.exists, t.delisted, t.price, t.validity, t.token_allowed) == (
            True, False, (kind + 1) * UNIT, (kind + 1) * 3_600, True,
        )  # fmt: skip
    # A zero price takes a kind off sale and clears its token and validity; others stay.
    with boa.env.prank(trainer):
        nft.set_terms(managed, FINE_TUNE, 0, token.address, 123)
    assert events(nft, "TermsSet")[0].payment_token == ZERO_ADDRESS
    assert tuple(nft.terms(managed, FINE_TUNE)) == (0, ZERO_ADDRESS, 0)
    assert tuple(nft.terms(managed, COMMERCIAL)) == (3 * UNIT, token.address, 3 * 3_600)
    assert nft.model(managed).royalty_bps == 1_000  # the other fields of the state word stay


@pytest.mark.parametrize(
    ("kind", "price", "validity", "reason"),
    [
        (3, UNIT, 60, "modelnft: unknown licence kind"),
        (0, 2**96, 60, "modelnft: price exceeds uint96"),
        (0, UNIT, 0, "modelnft: validity is zero"),
        (0, UNIT, 2**32, "modelnft: validity exceeds uint32"),
    ],
)
def test_set_terms_rejects_bad_terms(
    models, token, trainer, model_id, kind, price, validity, reason
):
    with boa.reverts(reason), boa.env.prank(trainer):
        models.nft.set_terms(model_id, kind, price, token.address, validity)


def test_set_terms_rejects_bad_callers_and_tokens(
    models, token, trainer, stranger, other_token, model_id
):
    with boa.reverts("modelnft: payment token not allowed"), boa.env.prank(trainer):
        models.nft.set_terms(model_id, 0, UNIT, other_token.address, 60)
    with boa.reverts(NOT_MANAGER), boa.env.prank(stranger):
        models.nft.set_terms(model_id, 0, UNIT, token.address, 60)
    with boa.reverts(UNKNOWN), boa.env.prank(trainer):
        models.nft.set_terms(model_id + 1, 0, UNIT, token.address, 60)
    with boa.env.prank(trainer):
        models.nft.set_terms(model_id, 0, 2**96 - 1, token.address, 2**32 - 1)


def test_set_manager(models, trainer, manager, model_id):
    with boa.env.prank(trainer):
        models.nft.set_manager(model_id, manager)
    (ev,) = events(models.nft, "ManagerSet")
    assert (ev.model_id, ev.manager, ev.generation) == (model_id, manager, 0)
    assert models.nft.manager_of(model_id) == manager
    with boa.env.prank(trainer):
        models.nft.set_manager(model_id, ZERO_ADDRESS)
    assert models.nft.manager_of(model_id) == ZERO_ADDRESS


def test_set_manager_rejects_bad_calls(models, trainer, manager, model_id):
    with boa.reverts("modelnft: caller is not the owner"), boa.env.prank(manager):
        models.nft.set_manager(model_id, manager)
    with boa.reverts(UNKNOWN), boa.env.prank(trainer):
        models.nft.set_manager(model_id + 1, manager)


# --- transfers -----------------------------------------------------------------------------------


def test_a_transfer_starts_a_new_generation(models, trainer, manager, stranger, managed):
    nft = models.nft
    with boa.env.prank(trainer):
        nft.approve(manager, managed)
        nft.transferFrom(trainer, stranger, managed)
    (ev,) = events(nft, "Transfer")
    assert (ev.sender, ev.receiver, ev.token_id) == (trainer, stranger, managed)
    assert nft.ownerOf(managed) == stranger
    assert (nft.balanceOf(trainer), nft.balanceOf(stranger)) == (0, 1)
    assert nft.getApproved(managed) == ZERO_ADDRESS
    assert nft.generation(managed) == 1
    assert nft.manager_of(managed) == ZERO_ADDRESS
    with boa.reverts(NOT_MANAGER), boa.env.prank(manager):
        nft.set_metadata(managed, cid_bytes("x"))
    # Transferring back does not revive the old manager; the split stays the same.
    with boa.env.prank(stranger):
        nft.transferFrom(stranger, trainer, managed)
    assert (nft.generation(managed), nft.manager_of(managed)) == (2, ZERO_ADDRESS)
    assert nft.splits_hash(managed) == splits_hash([(trainer, 10_000)], [])


def test_an_approved_account_transfers(models, trainer, manager, stranger, model_id):
    with boa.env.prank(trainer):
        models.nft.setApprovalForAll(manager, True)
    with boa.env.prank(manager):
        models.nft.safeTransferFrom(trainer, stranger, model_id)
    assert models.nft.ownerOf(model_id) == stranger


def test_safe_transfer_checks_the_receiver(models, trainer, receiver_deployer, model_id):
    accepting, rejecting = receiver_deployer.deploy(True), receiver_deployer.deploy(False)
    rejected = "erc721: transfer to non-IERC721Receiver implementer"
    with boa.reverts(rejected), boa.env.prank(trainer):
        models.nft.safeTransferFrom(trainer, rejecting.address, model_id, b"")
    with boa.env.prank(trainer):
        models.nft.safeTransferFrom(trainer, accepting.address, model_id, b"hello")
    assert models.nft.ownerOf(model_id) == accepting.address


def test_transfers_reject_bad_calls(models, trainer, stranger, model_id):
    nft = models.nft
    with boa.reverts("modelnft: caller is not token owner or approved"), boa.env.prank(stranger):
        nft.transferFrom(trainer, stranger, model_id)
    with boa.reverts("modelnft: caller is not token owner or approved"), boa.env.prank(stranger):
        nft.safeTransferFrom(trainer, stranger, model_id)
    with boa.reverts("modelnft: transfer from incorrect owner"), boa.env.prank(trainer):
        nft.transferFrom(stranger, trainer, model_id)
    with boa.reverts("modelnft: transfer to the zero address"), boa.env.prank(trainer):
        nft.transferFrom(trainer, ZERO_ADDRESS, model_id)


# --- delisting -----------------------------------------------------------------------------------


def test_delist_and_relist(models, deployer, model_id):
    nft = models.nft
    with boa.env.prank(deployer):
        nft.delist(model_id, "bafy-reason")
    (ev,) = events(nft, "Delisted")
    assert (ev.model_id, ev.admin, ev.reason_cid) == (model_id, deployer, "bafy-reason")
    assert nft.delist_reason(model_id) == "bafy-reason"
    assert nft.model(model_id).delisted
    assert nft.model_status(model_id) == (True, True)
    assert nft.sale_terms(model_id, 0).delisted
    with boa.env.prank(deployer):
        nft.relist(model_id)
    (ev,) = events(nft, "Relisted")
    assert (ev.model_id, ev.admin) == (model_id, deployer)
    assert nft.delist_reason(model_id) == ""
    assert nft.model_status(model_id) == (True, False)


def test_delist_and_relist_reject_bad_calls(models, deployer, stranger, model_id):
    nft = models.nft
    with boa.reverts(MISSING_ROLE), boa.env.prank(stranger):
        nft.delist(model_id, "bafy-reason")
    with boa.reverts("modelnft: empty reason CID"), boa.env.prank(deployer):
        nft.delist(model_id, "")
    with boa.reverts(UNKNOWN), boa.env.prank(deployer):
        nft.delist(model_id + 1, "bafy-reason")
    with boa.reverts("modelnft: not delisted"), boa.env.prank(deployer):
        nft.relist(model_id)
    with boa.env.prank(deployer):
        nft.delist(model_id, "bafy-reason")
    with boa.reverts("modelnft: already delisted"), boa.env.prank(deployer):
        nft.delist(model_id, "bafy-reason")
    with boa.reverts(MISSING_ROLE), boa.env.prank(stranger):
        nft.relist(model_id)
    with boa.reverts(UNKNOWN), boa.env.prank(deployer):
        nft.relist(model_id + 1)


# --- royalties and views -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("royalty", "price", "amount"), [(1_000, 10 * UNIT, UNIT), (0, UNIT, 0), (333, 999, 33)]
)
def test_royalty_info(models, trainer, royalty, price, amount):
    model_id = models.register(trainer, royalty_bps=royalty)
    assert models.nft.royaltyInfo(model_id, price) == (models.licences.address, amount)


def test_views_of_an_unknown_model(models, model_id):
    nft, unknown = models.nft, model_id + 1
    for view in (nft.model, nft.artifact_cid, nft.metadata_cid, nft.tokenURI, nft.manager_of,
                 nft.generation):  # fmt: skip
        with boa.reverts(UNKNOWN):
            view(unknown)
    with boa.reverts(UNKNOWN):
        nft.terms(unknown, 0)
    with boa.reverts(UNKNOWN):
        nft.royaltyInfo(unknown, UNIT)
    with boa.reverts("modelnft: unknown licence kind"):
        nft.terms(model_id, 3)
    assert nft.model_status(unknown) == (False, False)
    assert not nft.sale_terms(unknown, 0).exists
    assert nft.splits_hash(unknown) == ZERO32
    t = nft.sale_terms(model_id, 3)
    assert (t.exists, t.price, t.token_allowed) == (True, 0, False)


# --- gas -----------------------------------------------------------------------------------------


def test_gas_of_register(
    noos_deployer, datanft_deployer, licences_deployer, modelnft_deployer,
    model_licences_deployer, deployer,
):  # fmt: skip
    """Register with 2 ordered datasets + 1 parent and 4 recipients: <= 250 k."""
    # A throwaway environment: committing storage would break the snapshots that isolate tests.
    with boa.swap_env(boa.Env()):
        with boa.env.prank(deployer):
            token = noos_deployer.deploy(NAME, SYMBOL, CAP, deployer, INITIAL_SUPPLY)
        market = deploy_market(
            token, deployer, boa.env.generate_address(), datanft_deployer, licences_deployer
        )
        models = deploy_models(
            market, boa.env.generate_address(), modelnft_deployer, model_licences_deployer
        )
        publisher = boa.env.generate_address()
        trainer = models.fund(boa.env.generate_address())
        data_ids = [market.publish(publisher), market.publish(publisher)]
        parent = models.register(trainer, royalty_bps=1_000)
        gas = {}
        for label in ("steady", "second"):
            orders = [models.data_order(trainer, d) for d in data_ids]
            provenance = Provenance(
                datasets=[(d, o, ZERO32) for d, o in zip(data_ids, orders, strict=True)],
                parents=[parent],
                compute_job=7,
                netuid=3,
                epoch=1_200,
            )
            recipients = [(boa.env.generate_address(), bps) for bps in (4_000, 3_000, 2_000, 1_000)]
            args = (cid_bytes(f"a-{label}"), cid_bytes(f"m-{label}"), provenance.args(), recipients,
                    500)  # fmt: skip
            gas[label] = tx_gas(models.nft, models.nft.register, *args, sender=trainer)
        assert models.nft.model_count() == 3
        # A registrant's first model also creates its ERC-721 balance.
        newcomer = models.fund(boa.env.generate_address())
        orders = [models.data_order(newcomer, d) for d in data_ids]
        with boa.env.prank(trainer):
            models.nft.transferFrom(trainer, newcomer, parent)
        provenance = Provenance(
            datasets=[(d, o, ZERO32) for d, o in zip(data_ids, orders, strict=True)],
            parents=[parent],
        )
        recipients = [(boa.env.generate_address(), 2_500) for _ in range(4)]
        args = (cid_bytes("a-new"), cid_bytes("m-new"), provenance.args(), recipients, 500)
        gas["newcomer"] = tx_gas(models.nft, models.nft.register, *args, sender=newcomer)
    assert all(g <= 250_000 for g in gas.values()), gas
