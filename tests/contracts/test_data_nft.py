"""DataNFT: publication, terms, roles and generations, delisting, transfers, views and gas."""

from __future__ import annotations

import boa
import pytest
from eth_account import Account

pytest.register_assert_rewrite("tests.contracts.conftest_data")
from tests.contracts._boa_helpers import events, tx_gas  # noqa: E402
from tests.contracts.conftest import CAP, INITIAL_SUPPLY, NAME, SYMBOL, domain  # noqa: E402
from tests.contracts.conftest_data import (  # noqa: E402
    COMMERCIAL,
    CONTENT_CID,
    ENDPOINT,
    INFERENCE,
    METADATA_CID,
    NEW_METADATA_CID,
    PRICE,
    RECIPES,
    TRAINING,
    VALIDITY,
    ZERO_ADDRESS,
    deploy_market,
    publish_args,
    recipe,
)

pytest_plugins = ["tests.contracts.conftest_data"]

MISSING_ROLE = "access_control: account is missing role"
NOT_MANAGER = "datanft: caller is not the owner or manager"
UNKNOWN = "datanft: unknown data id"
ZERO32 = b"\x00" * 32


@pytest.fixture
def manager() -> str:
    return boa.env.generate_address("manager")


@pytest.fixture
def managed(market, publisher, manager, data_id) -> int:
    """Dataset 1 with ``manager`` appointed in generation 0."""
    with boa.env.prank(publisher):
        market.nft.set_manager(data_id, manager)
    return data_id


# --- deployment ----------------------------------------------------------------------------------


def test_deployment(market, deployer, token):
    nft = market.nft
    assert nft.name() == "Noosphere Data"
    assert nft.symbol() == "NDATA"
    assert nft.hasRole(nft.DEFAULT_ADMIN_ROLE(), deployer)
    assert nft.payment_token_allowed(token.address)
    assert nft.data_count() == 0
    assert (nft.USE_TRAINING(), nft.USE_INFERENCE(), nft.USE_COMMERCIAL()) == (1, 2, 4)
    assert nft.MAX_RECIPES() == 16


def test_deployment_rejects_a_zero_token(datanft_deployer):
    with boa.reverts("datanft: zero address"):
        datanft_deployer.deploy("Noosphere Data", "NDATA", ZERO_ADDRESS)


@pytest.mark.parametrize(
    ("interface_id", "supported"),
    [
        (bytes.fromhex("01ffc9a7"), True),  # ERC-165
        (bytes.fromhex("80ac58cd"), True),  # ERC-721
        (bytes.fromhex("5b5e139f"), True),  # ERC-721 metadata
        (bytes.fromhex("589c5ce2"), True),  # ERC-4494
        (bytes.fromhex("49064906"), True),  # ERC-4906
        (bytes.fromhex("7965db0b"), True),  # IAccessControl
        (bytes.fromhex("780e9d63"), False),  # ERC-721 enumeration: left out
        (bytes.fromhex("ffffffff"), False),
    ],
)
def test_supports_interface(market, interface_id, supported):
    assert market.nft.supportsInterface(interface_id) is supported


# --- publish -------------------------------------------------------------------------------------


def test_publish_mints_the_dataset_with_its_terms(market, publisher, token):
    nft = market.nft
    with boa.env.prank(publisher):
        data_id = nft.publish(*publish_args(token.address))
    (transfer,) = events(nft, "Transfer")
    assert (transfer.sender, transfer.receiver, transfer.token_id) == (ZERO_ADDRESS, publisher, 1)
    (ev,) = events(nft, "Published")
    assert (ev.data_id, ev.owner, ev.payment_token) == (1, publisher, token.address)
    assert (ev.metadata_cid, ev.content_cid, ev.endpoint) == (METADATA_CID, CONTENT_CID, ENDPOINT)
    assert (ev.price, ev.validity, ev.uses) == (PRICE, VALIDITY, TRAINING | INFERENCE)
    assert list(ev.recipes) == RECIPES
    assert data_id == 1
    assert nft.data_count() == 1
    assert nft.ownerOf(1) == publisher
    assert nft.balanceOf(publisher) == 1

    d = nft.dataset(1)
    assert (d.owner, d.manager) == (publisher, ZERO_ADDRESS)
    assert (d.metadata_cid, d.content_cid, d.endpoint) == (METADATA_CID, CONTENT_CID, ENDPOINT)
    assert (d.price, d.payment_token, d.validity, d.uses) == (PRICE, token.address, VALIDITY, 3)
    assert list(d.recipes) == RECIPES
    assert (d.deprecated, d.delisted, d.generation) == (False, False, 0)
    assert nft.metadata_cid(1) == METADATA_CID
    assert nft.content_cid(1) == CONTENT_CID
    assert nft.endpoint(1) == ENDPOINT
    assert nft.tokenURI(1) == "ipfs://" + METADATA_CID
    assert list(nft.recipes(1)) == RECIPES
    t = nft.terms(1)
    assert (t.owner, t.payment_token, t.price, t.validity, t.uses) == (
        publisher,
        token.address,
        PRICE,
        VALIDITY,
        3,
    )
    assert (t.deprecated, t.delisted, t.token_allowed) == (False, False, True)


def test_publish_numbers_datasets_in_order(market, publisher, stranger):
    assert market.publish(publisher) == 1
    assert market.publish(stranger) == 2
    assert market.publish(publisher) == 3
    assert market.nft.balanceOf(publisher) == 2
    assert market.nft.ownerOf(2) == stranger


@pytest.mark.parametrize("length", [1, 31, 32, 33, 63, 64, 65, 96, 127, 128])
def test_texts_of_every_length_round_trip(market, publisher, length):
    text = "".join(chr(ord("a") + i % 26) for i in range(length))
    data_id = market.publish(publisher, metadata_cid=text, content_cid=text[::-1], endpoint=text)
    assert market.nft.metadata_cid(data_id) == text
    assert market.nft.content_cid(data_id) == text[::-1]
    assert market.nft.endpoint(data_id) == text


@pytest.mark.parametrize("count", [0, 1, 16])
def test_publish_accepts_zero_to_sixteen_recipes(market, publisher, count):
    hashes = [recipe(i) for i in range(count)]
    data_id = market.publish(publisher, recipes=hashes)
    assert list(market.nft.recipes(data_id)) == hashes


def test_publish_accepts_the_bounds(market, publisher):
    data_id = market.publish(
        publisher, price=2**96 - 1, validity=2**32 - 1, uses=TRAINING | INFERENCE | COMMERCIAL
    )
    t = market.nft.terms(data_id)
    assert (t.price, t.validity, t.uses) == (2**96 - 1, 2**32 - 1, 7)
    assert market.publish(publisher, price=1, validity=1, uses=COMMERCIAL) == data_id + 1


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"metadata_cid": ""}, "datanft: empty metadata CID"),
        ({"content_cid": ""}, "datanft: empty content CID"),
        ({"endpoint": ""}, "datanft: empty endpoint"),
        ({"price": 0}, "datanft: price is zero"),
        ({"price": 2**96}, "datanft: price exceeds uint96"),
        ({"validity": 0}, "datanft: validity is zero"),
        ({"validity": 2**32}, "datanft: validity exceeds uint32"),
        ({"uses": 0}, "datanft: uses is zero"),
        ({"uses": 8}, "datanft: unknown uses"),
        ({"uses": 2**255 | 1}, "datanft: unknown uses"),
        ({"recipes": [recipe(i) for i in range(17)]}, "datanft: too many recipes"),
        ({"recipes": [recipe(1), ZERO32]}, "datanft: zero recipe hash"),
    ],
)
def test_publish_rejects_bad_input(market, publisher, changes, reason):
    with boa.reverts(reason), boa.env.prank(publisher):
        market.nft.publish(*publish_args(market.token.address, **changes))


def test_publish_stops_at_the_last_data_id(market, publisher):
    nft = market.nft
    # Licences packs data ids in 40 bits; no gas budget reaches 2**40 publications, so the
    # counter is set directly.
    boa.env.set_storage(nft.address, nft._storage.data_count.slot, 2**40 - 2)
    assert market.publish(publisher) == 2**40 - 1
    with boa.reverts("datanft: data ids exhausted"):
        market.publish(publisher)


def test_publish_rejects_a_token_not_allowed(market, publisher, other_token):
    with boa.reverts("datanft: payment token not allowed"), boa.env.prank(publisher):
        market.nft.publish(*publish_args(other_token.address))


# --- updates by the owner or manager -------------------------------------------------------------


def test_set_metadata(market, publisher, data_id):
    nft = market.nft
    with boa.env.prank(publisher):
        nft.set_metadata(data_id, NEW_METADATA_CID)
    (ev,) = events(nft, "MetadataSet")
    assert (ev.data_id, ev.sender, ev.metadata_cid) == (data_id, publisher, NEW_METADATA_CID)
    (update,) = events(nft, "MetadataUpdate")
    assert tuple(update) == (nft.address, data_id)  # ERC-4906 (`_tokenId`, renamed by boa)
    assert nft.metadata_cid(data_id) == NEW_METADATA_CID
    assert nft.tokenURI(data_id) == "ipfs://" + NEW_METADATA_CID
    with boa.env.prank(publisher):
        nft.set_metadata(data_id, "bafy-short")  # a shorter text over longer words
    assert nft.metadata_cid(data_id) == "bafy-short"
    assert nft.content_cid(data_id) == CONTENT_CID


def test_texts_cannot_be_emptied(market, publisher, data_id):
    with boa.env.prank(publisher):
        with boa.reverts("datanft: empty metadata CID"):
            market.nft.set_metadata(data_id, "")
        with boa.reverts("datanft: empty endpoint"):
            market.nft.set_endpoint(data_id, "")


def test_set_endpoint(market, publisher, data_id):
    nft = market.nft
    url = "https://a-much-longer-provider-host-name.example.org:8443/noosphere/v2/data"
    with boa.env.prank(publisher):
        nft.set_endpoint(data_id, url)
    (ev,) = events(nft, "EndpointSet")
    assert (ev.data_id, ev.sender, ev.endpoint) == (data_id, publisher, url)
    assert nft.endpoint(data_id) == url
    assert nft.metadata_cid(data_id) == METADATA_CID


def test_set_price(market, publisher, data_id, other_token, deployer):
    nft = market.nft
    with boa.env.prank(deployer):
        nft.set_payment_token(other_token.address, True)
    with boa.env.prank(publisher):
        nft.set_price(data_id, 7, other_token.address)
    (ev,) = events(nft, "PriceSet")
    assert (ev.data_id, ev.sender, ev.payment_token, ev.price) == (
        data_id,
        publisher,
        other_token.address,
        7,
    )
    t = nft.terms(data_id)
    assert (t.price, t.payment_token, t.validity) == (7, other_token.address, VALIDITY)


@pytest.mark.parametrize(
    ("price", "reason"),
    [(0, "datanft: price is zero"), (2**96, "datanft: price exceeds uint96")],
)
def test_set_price_rejects_a_price_out_of_range(market, publisher, data_id, price, reason):
    with boa.reverts(reason), boa.env.prank(publisher):
        market.nft.set_price(data_id, price, market.token.address)


def test_set_price_rejects_a_token_not_allowed(market, publisher, data_id, other_token):
    with boa.reverts("datanft: payment token not allowed"), boa.env.prank(publisher):
        market.nft.set_price(data_id, PRICE, other_token.address)


def test_set_licence_terms(market, publisher, data_id):
    nft = market.nft
    with boa.env.prank(publisher):
        nft.set_licence_terms(data_id, 3_600, COMMERCIAL)
    (ev,) = events(nft, "LicenceTermsSet")
    assert (ev.data_id, ev.sender, ev.validity, ev.uses) == (data_id, publisher, 3_600, COMMERCIAL)
    d = nft.dataset(data_id)
    assert (d.validity, d.uses, d.price, d.generation) == (3_600, COMMERCIAL, PRICE, 0)
    assert list(d.recipes) == RECIPES


@pytest.mark.parametrize(
    ("validity", "uses", "reason"),
    [
        (0, 1, "datanft: validity is zero"),
        (2**32, 1, "datanft: validity exceeds uint32"),
        (1, 0, "datanft: uses is zero"),
        (1, 9, "datanft: unknown uses"),
    ],
)
def test_set_licence_terms_rejects_bad_input(market, publisher, data_id, validity, uses, reason):
    with boa.reverts(reason), boa.env.prank(publisher):
        market.nft.set_licence_terms(data_id, validity, uses)


@pytest.mark.parametrize("new", [[], [recipe(9)], [recipe(i) for i in range(16)]])
def test_set_recipes(market, publisher, data_id, new):
    nft = market.nft
    with boa.env.prank(publisher):
        nft.set_recipes(data_id, new)
    (ev,) = events(nft, "RecipesSet")
    assert (ev.data_id, ev.sender, list(ev.recipes)) == (data_id, publisher, new)
    assert list(nft.recipes(data_id)) == new
    assert nft.recipe_allowed(data_id, RECIPES[0]) is (RECIPES[0] in new)


@pytest.mark.parametrize(
    ("new", "reason"),
    [
        ([recipe(i) for i in range(17)], "datanft: too many recipes"),
        ([ZERO32], "datanft: zero recipe hash"),
    ],
)
def test_set_recipes_rejects_bad_input(market, publisher, data_id, new, reason):
    with boa.reverts(reason), boa.env.prank(publisher):
        market.nft.set_recipes(data_id, new)


def test_recipe_allowed(market, data_id):
    nft = market.nft
    assert all(nft.recipe_allowed(data_id, r) for r in RECIPES)
    assert not nft.recipe_allowed(data_id, recipe(99))
    assert not nft.recipe_allowed(data_id, ZERO32)


def test_set_deprecated(market, publisher, data_id):
    nft = market.nft
    with boa.env.prank(publisher):
        nft.set_deprecated(data_id, True)
    (ev,) = events(nft, "DeprecationSet")
    assert (ev.data_id, ev.sender, ev.deprecated) == (data_id, publisher, True)
    assert nft.terms(data_id).deprecated
    assert nft.dataset(data_id).deprecated
    with boa.env.prank(publisher):
        nft.set_deprecated(data_id, False)
    assert not nft.terms(data_id).deprecated


UPDATES = [
    ("set_metadata", (NEW_METADATA_CID,)),
    ("set_endpoint", ("https://other.example",)),
    ("set_price", (1, None)),
    ("set_licence_terms", (60, TRAINING)),
    ("set_recipes", ([recipe(7)],)),
    ("set_deprecated", (True,)),
]


def _update(market, name: str, data_id: int, args: tuple) -> None:
    args = tuple(market.token.address if a is None else a for a in args)
    getattr(market.nft, name)(data_id, *args)


@pytest.mark.parametrize(("name", "args"), UPDATES)
def test_the_manager_can_update(market, managed, manager, name, args):
    with boa.env.prank(manager):
        _update(market, name, managed, args)


@pytest.mark.parametrize(("name", "args"), UPDATES)
def test_others_cannot_update(market, managed, stranger, deployer, name, args):
    for account in (stranger, deployer):  # not even the admin
        with boa.reverts(NOT_MANAGER), boa.env.prank(account):
            _update(market, name, managed, args)


@pytest.mark.parametrize(("name", "args"), UPDATES)
def test_updates_of_an_unknown_dataset_revert(market, publisher, data_id, name, args):
    with boa.reverts(UNKNOWN), boa.env.prank(publisher):
        _update(market, name, data_id + 1, args)


# --- managers and generations --------------------------------------------------------------------


def test_set_manager(market, publisher, manager, data_id):
    nft = market.nft
    with boa.env.prank(publisher):
        nft.set_manager(data_id, manager)
    (ev,) = events(nft, "ManagerSet")
    assert (ev.data_id, ev.manager, ev.generation) == (data_id, manager, 0)
    assert nft.manager_of(data_id) == manager
    assert nft.dataset(data_id).manager == manager


def test_the_owner_removes_the_manager(market, publisher, manager, managed):
    with boa.env.prank(publisher):
        market.nft.set_manager(managed, ZERO_ADDRESS)
    assert market.nft.manager_of(managed) == ZERO_ADDRESS
    with boa.reverts(NOT_MANAGER), boa.env.prank(manager):
        market.nft.set_endpoint(managed, "https://x.example")


def test_only_the_owner_appoints_a_manager(market, manager, managed, stranger):
    for account in (manager, stranger):
        with boa.reverts("datanft: caller is not the owner"), boa.env.prank(account):
            market.nft.set_manager(managed, account)


def test_set_manager_of_an_unknown_dataset_reverts(market, publisher, data_id, manager):
    with boa.reverts(UNKNOWN), boa.env.prank(publisher):
        market.nft.set_manager(data_id + 1, manager)


def test_a_transfer_resets_the_roles(market, publisher, manager, managed, stranger):
    nft = market.nft
    with boa.env.prank(publisher):
        nft.transferFrom(publisher, stranger, managed)
    (transfer,) = events(nft, "Transfer")
    assert (transfer.sender, transfer.receiver, transfer.token_id) == (publisher, stranger, managed)
    assert nft.ownerOf(managed) == stranger
    assert (nft.balanceOf(publisher), nft.balanceOf(stranger)) == (0, 1)
    assert nft.generation(managed) == 1
    assert nft.manager_of(managed) == ZERO_ADDRESS
    for account in (manager, publisher):
        with boa.reverts(NOT_MANAGER), boa.env.prank(account):
            nft.set_endpoint(managed, "https://x.example")
    with boa.reverts("datanft: caller is not the owner"), boa.env.prank(publisher):
        nft.set_manager(managed, manager)
    # The new owner re-appoints the same manager: valid again, in generation 1.
    with boa.env.prank(stranger):
        nft.set_manager(managed, manager)
    assert events(nft, "ManagerSet")[0].generation == 1
    with boa.env.prank(manager):
        nft.set_endpoint(managed, "https://x.example")
    # The terms and texts travel with the token.
    d = nft.dataset(managed)
    assert (d.owner, d.manager, d.metadata_cid, d.price) == (stranger, manager, METADATA_CID, PRICE)
    assert (d.endpoint, d.generation) == ("https://x.example", 1)


def test_a_transfer_back_does_not_revive_an_old_manager(
    market, publisher, manager, managed, stranger
):
    nft = market.nft
    with boa.env.prank(publisher):
        nft.transferFrom(publisher, stranger, managed)
    with boa.env.prank(stranger):
        nft.transferFrom(stranger, publisher, managed)
    assert nft.generation(managed) == 2
    assert nft.manager_of(managed) == ZERO_ADDRESS


def test_a_transfer_to_oneself_starts_a_generation(market, publisher, managed):
    with boa.env.prank(publisher):
        market.nft.transferFrom(publisher, publisher, managed)
    assert market.nft.generation(managed) == 1
    assert market.nft.manager_of(managed) == ZERO_ADDRESS
    assert market.nft.balanceOf(publisher) == 1


# --- transfers -----------------------------------------------------------------------------------


def test_an_approved_account_transfers_and_the_approval_is_cleared(
    market, publisher, data_id, stranger, manager
):
    nft = market.nft
    with boa.env.prank(publisher):
        nft.approve(stranger, data_id)
    with boa.env.prank(stranger):
        nft.transferFrom(publisher, manager, data_id)
    assert nft.ownerOf(data_id) == manager
    assert nft.getApproved(data_id) == ZERO_ADDRESS


def test_an_operator_transfers(market, publisher, data_id, stranger):
    with boa.env.prank(publisher):
        market.nft.setApprovalForAll(stranger, True)
    with boa.env.prank(stranger):
        market.nft.safeTransferFrom(publisher, stranger, data_id)
    assert market.nft.ownerOf(data_id) == stranger


def test_the_manager_cannot_transfer(market, publisher, manager, managed):
    for fn in (market.nft.transferFrom, market.nft.safeTransferFrom):
        with boa.reverts("datanft: caller is not token owner or approved"), boa.env.prank(manager):
            fn(publisher, manager, managed)


def test_transfer_rejects_a_wrong_owner_and_the_zero_address(market, publisher, data_id, stranger):
    with boa.reverts("datanft: transfer from incorrect owner"), boa.env.prank(publisher):
        market.nft.transferFrom(stranger, publisher, data_id)
    with boa.reverts("datanft: transfer to the zero address"), boa.env.prank(publisher):
        market.nft.transferFrom(publisher, ZERO_ADDRESS, data_id)


def test_transfer_of_an_unknown_dataset_reverts(market, publisher, data_id):
    with boa.reverts("erc721: invalid token ID"), boa.env.prank(publisher):
        market.nft.transferFrom(publisher, publisher, data_id + 1)


def test_safe_transfer_calls_the_receiver(market, publisher, data_id, receiver_deployer):
    accepting = receiver_deployer.deploy(True)
    with boa.env.prank(publisher):
        market.nft.safeTransferFrom(publisher, accepting.address, data_id, b"hello")
    assert market.nft.ownerOf(data_id) == accepting.address
    assert market.nft.generation(data_id) == 1


def test_safe_transfer_to_a_rejecting_receiver_reverts(
    market, publisher, data_id, receiver_deployer
):
    rejecting = receiver_deployer.deploy(False)
    reason = "erc721: transfer to non-IERC721Receiver implementer"
    with boa.reverts(reason), boa.env.prank(publisher):
        market.nft.safeTransferFrom(publisher, rejecting.address, data_id)
    assert market.nft.ownerOf(data_id) == publisher


def test_a_permit_approves_a_spender(market, alice, stranger):
    nft = market.nft
    data_id = market.publish(alice.address)
    deadline = boa.env.evm.patch.timestamp + 3_600
    signed = Account.sign_typed_data(
        alice.key,
        domain_data=domain(nft),
        message_types={
            "Permit": [
                {"name": "spender", "type": "address"},
                {"name": "tokenId", "type": "uint256"},
                {"name": "nonce", "type": "uint256"},
                {"name": "deadline", "type": "uint256"},
            ]
        },
        message_data={"spender": stranger, "tokenId": data_id, "nonce": 0, "deadline": deadline},
    )
    r, s = signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")
    with boa.env.prank(stranger):
        nft.permit(stranger, data_id, deadline, signed.v, r, s)
        nft.transferFrom(alice.address, stranger, data_id)
    assert nft.ownerOf(data_id) == stranger
    assert nft.nonces(data_id) == 1


# --- admin: delisting and payment tokens ---------------------------------------------------------


def test_delist_and_relist(market, deployer, data_id):
    nft = market.nft
    with boa.env.prank(deployer):
        nft.delist(data_id, "bafy-reason")
    (ev,) = events(nft, "Delisted")
    assert (ev.data_id, ev.admin, ev.reason_cid) == (data_id, deployer, "bafy-reason")
    assert nft.delist_reason(data_id) == "bafy-reason"
    assert nft.terms(data_id).delisted
    assert nft.dataset(data_id).delisted
    with boa.env.prank(deployer):
        nft.relist(data_id)
    (ev,) = events(nft, "Relisted")
    assert (ev.data_id, ev.admin) == (data_id, deployer)
    assert nft.delist_reason(data_id) == ""
    assert not nft.terms(data_id).delisted


def test_delist_rejects_bad_calls(market, deployer, publisher, data_id):
    nft = market.nft
    with boa.reverts(MISSING_ROLE), boa.env.prank(publisher):
        nft.delist(data_id, "bafy-reason")
    with boa.env.prank(deployer):
        with boa.reverts(UNKNOWN):
            nft.delist(data_id + 1, "bafy-reason")
        with boa.reverts("datanft: empty reason CID"):
            nft.delist(data_id, "")
        nft.delist(data_id, "bafy-reason")
        with boa.reverts("datanft: already delisted"):
            nft.delist(data_id, "bafy-again")


def test_relist_rejects_bad_calls(market, deployer, publisher, data_id):
    nft = market.nft
    with boa.env.prank(deployer):
        with boa.reverts("datanft: not delisted"):
            nft.relist(data_id)
        with boa.reverts(UNKNOWN):
            nft.relist(data_id + 1)
        nft.delist(data_id, "bafy-reason")
    with boa.reverts(MISSING_ROLE), boa.env.prank(publisher):
        nft.relist(data_id)


def test_the_owner_keeps_managing_a_delisted_dataset(market, deployer, publisher, data_id):
    with boa.env.prank(deployer):
        market.nft.delist(data_id, "bafy-reason")
    with boa.env.prank(publisher):
        market.nft.set_endpoint(data_id, "https://moved.example")
    assert market.nft.terms(data_id).delisted


def test_set_payment_token(market, deployer, other_token, data_id):
    nft = market.nft
    with boa.env.prank(deployer):
        nft.set_payment_token(other_token.address, True)
    (ev,) = events(nft, "PaymentTokenSet")
    assert (ev.token, ev.allowed) == (other_token.address, True)
    assert nft.payment_token_allowed(other_token.address)
    with boa.env.prank(deployer):
        nft.set_payment_token(market.token.address, False)
    assert not nft.terms(data_id).token_allowed


def test_set_payment_token_rejects_bad_calls(market, deployer, publisher, other_token):
    with boa.reverts(MISSING_ROLE), boa.env.prank(publisher):
        market.nft.set_payment_token(other_token.address, True)
    with boa.reverts("datanft: zero address"), boa.env.prank(deployer):
        market.nft.set_payment_token(ZERO_ADDRESS, True)


def test_the_admin_role_can_be_handed_over(market, deployer, stranger, data_id):
    nft = market.nft
    role = nft.DEFAULT_ADMIN_ROLE()
    with boa.env.prank(deployer):
        nft.grantRole(role, stranger)
        nft.renounceRole(role, deployer)
    with boa.reverts(MISSING_ROLE), boa.env.prank(deployer):
        nft.delist(data_id, "bafy-reason")
    with boa.env.prank(stranger):
        nft.delist(data_id, "bafy-reason")


# --- views ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "view",
    ["dataset", "metadata_cid", "content_cid", "endpoint", "tokenURI", "recipes", "manager_of",
     "generation"],
)  # fmt: skip
def test_views_of_an_unknown_dataset_revert(market, data_id, view):
    with boa.reverts(UNKNOWN):
        getattr(market.nft, view)(data_id + 1)
    with boa.reverts(UNKNOWN):
        getattr(market.nft, view)(0)


def test_recipe_allowed_of_an_unknown_dataset_reverts(market, data_id):
    with boa.reverts(UNKNOWN):
        market.nft.recipe_allowed(data_id + 1, RECIPES[0])


def test_terms_of_an_unknown_dataset_has_no_owner(market, data_id):
    t = market.nft.terms(data_id + 1)
    assert (t.owner, t.price, t.validity) == (ZERO_ADDRESS, 0, 0)


# --- gas -----------------------------------------------------------------------------------------


def test_gas_of_publish(noos_deployer, datanft_deployer, licences_deployer, deployer):
    """Publish with CIDv1 + CIDv0 + a 42-character URL and 3 recipes: <= 400 k, first or not."""
    # A throwaway environment: committing storage would break the snapshots that isolate tests.
    with boa.swap_env(boa.Env()):
        with boa.env.prank(deployer):
            token = noos_deployer.deploy(NAME, SYMBOL, CAP, deployer, INITIAL_SUPPLY)
        treasury = boa.env.generate_address()
        market = deploy_market(token, deployer, treasury, datanft_deployer, licences_deployer)
        publisher = boa.env.generate_address()
        nft, args = market.nft, publish_args(token.address)
        first = tx_gas(nft, nft.publish, *args, sender=publisher)
        again = tx_gas(nft, nft.publish, *args, sender=publisher)
        assert nft.data_count() == 2
    assert first <= 400_000, first
    assert again <= 400_000, again
