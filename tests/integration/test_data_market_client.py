"""The data market through its typed client on anvil: publish, buy, order, withdraw and collect
fees; the refusals (delisted, deprecated, price, licence, someone else's order, expiry), each a
specific error, and bad inputs refused before anything is sent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from noosphere.chain.accounts import dev_account
from noosphere.chain.client import Chain
from noosphere.chain.data import MAX_PRICE, DataMarket, Dataset, Order
from noosphere.chain.protocol import Protocol
from noosphere.errors import (
    DataMarketError,
    DataNotAvailableError,
    DataNotFoundError,
    InputError,
    NoLicenceError,
    NotDataOwnerError,
    PriceAboveMaxError,
)

pytestmark = pytest.mark.anvil
NOOS = 10**18
PRICE = 5 * NOOS
METADATA = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
CONTENT = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"
REASON = "QmPZ9gcCEpqKTo6aq61g2nXGUhM4iCL3ewB6LDXZCtioEB"
ENDPOINT = "https://provider.example:8443"
RECIPE = "0x" + "ab" * 32


@dataclass
class Market:
    """The market and its actors: the admin (also the treasury), an owner, two buyers."""

    chain: Chain
    protocol: Protocol
    data: DataMarket
    admin: LocalAccount
    owner: LocalAccount
    buyer: LocalAccount
    other: LocalAccount

    def publish(self, **terms: Any) -> int:
        args: dict[str, Any] = {"price": PRICE, "uses": ("training", "inference"),
                                "recipes": [RECIPE]}  # fmt: skip
        args.update(terms)
        return self.data.publish(self.owner, METADATA, CONTENT, ENDPOINT, **args)

    def noos(self, account: LocalAccount) -> int:
        return self.protocol.token.balance_of(account.address)


@pytest.fixture
def market(protocol: Protocol) -> Market:
    admin = dev_account(0)
    m = Market(protocol.chain, protocol, protocol.data, admin, dev_account(1), dev_account(2),
               dev_account(3))  # fmt: skip
    for account in (m.buyer, m.other):
        protocol.token.transfer(admin, account.address, 100 * NOOS)
    return m


def _nothing_sent(m: Market, call: Any, error: type[Exception], fragment: str) -> None:
    before = m.chain.block_number
    with pytest.raises(error) as info:
        call()
    assert fragment in str(info.value)
    assert m.chain.block_number == before


def test_a_dataset_is_published_and_read_back(market: Market) -> None:
    m = market
    assert m.protocol.data is m.data
    data_id = m.publish(validity=7 * 86_400)
    ds = m.data.dataset(data_id)
    assert ds == Dataset(
        data_id=data_id, owner=m.owner.address, manager=None, metadata_cid=METADATA,
        content_cid=CONTENT, endpoint=ENDPOINT, price=PRICE,
        payment_token=m.protocol.token.address, validity=7 * 86_400,
        uses=frozenset({"training", "inference"}), recipes=(RECIPE,), deprecated=False,
        delisted=False, delist_reason="", generation=0,
    )  # fmt: skip
    assert ds.available and ds.status == "listed"
    assert m.data.data_count() == data_id and m.data.exists(data_id)
    assert m.data.recipe_allowed(data_id, RECIPE)
    assert not m.data.recipe_allowed(data_id, "0x" + "cd" * 32)
    with pytest.raises(DataNotFoundError, match=f"no dataset {data_id + 1}"):
        m.data.dataset(data_id + 1)


def test_buy_order_withdraw_and_collect_fees(market: Market) -> None:
    m = market
    data_id = m.publish()
    assert m.data.fee_bps() == 100 and m.data.treasury() == m.admin.address
    m.data.buy(m.buyer, data_id, 2)
    assert m.data.licences_held(m.buyer.address, data_id) == 2
    assert m.noos(m.buyer) == 100 * NOOS - 2 * PRICE
    fee = 2 * PRICE // 100
    assert m.data.pending(m.owner.address) == 2 * PRICE - fee and m.data.fees() == fee

    first = m.data.start_order(m.buyer, data_id)
    assert m.data.licences_held(m.buyer.address, data_id) == 1
    assert first.consumer == m.buyer.address and first.payer == m.buyer.address
    assert first.data_id == data_id and first.service == 0 and first.tx_hash
    assert m.data.order(first.order_id) == Order(first.order_id, data_id, m.buyer.address,
                                                 first.expiry, 0)  # fmt: skip
    assert m.data.order_valid(first.order_id, m.buyer.address)

    second = m.data.buy_and_order(m.other, data_id, consumer=m.buyer.address, service=3)
    assert second.order_id == first.order_id + 1 and second.payer == m.other.address
    assert second.consumer == m.buyer.address and second.service == 3
    assert m.data.licences_held(m.other.address, data_id) == 0  # nothing minted
    assert m.data.order_valid(second.order_id, m.buyer.address)

    owed = m.data.pending(m.owner.address)
    assert owed == 3 * PRICE - 3 * PRICE // 100
    before = m.noos(m.owner)
    assert m.data.withdraw(m.owner) == owed
    assert m.noos(m.owner) == before + owed and m.data.pending(m.owner.address) == 0
    _nothing_sent(m, lambda: m.data.withdraw(m.owner), InputError, "nothing to withdraw")

    treasury = m.noos(m.admin)
    assert m.data.collect_fees(m.other) == 3 * PRICE // 100  # anyone may send it
    assert m.noos(m.admin) == treasury + 3 * PRICE // 100 and m.data.fees() == 0
    _nothing_sent(m, lambda: m.data.collect_fees(m.other), InputError, "no protocol fees")


def test_the_fee_is_set_by_the_admin_within_bounds(market: Market) -> None:
    m = market
    m.data.set_fee(m.admin, 1_000)
    assert m.data.fee_bps() == 1_000
    data_id = m.publish()
    m.data.buy(m.buyer, data_id)
    assert m.data.fees() == PRICE // 10
    _nothing_sent(m, lambda: m.data.set_fee(m.admin, 1_001), InputError, "fee: 1001")
    _nothing_sent(m, lambda: m.data.set_fee(m.admin, -1), InputError, "out of bounds")
    _nothing_sent(m, lambda: m.data.set_fee(m.owner, 10), NotDataOwnerError, "not the data")


@pytest.mark.parametrize(
    ("terms", "fragment"),
    [
        ({"price": 0}, "price: must be above 0"),
        ({"price": MAX_PRICE + 1}, "price: 79,228,162,514.264337593543950336 is too large"),
        ({"price": -5}, "price: must be above 0"),
        ({"validity": 0}, "validity: 0 seconds is out of bounds"),
        ({"validity": 2**32}, "validity"),
        ({"uses": "training,gaming"}, "uses: unknown use 'gaming'"),
        ({"uses": ()}, "uses: give at least one use"),
        ({"recipes": [f"0x{i:064x}" for i in range(1, 18)]}, "recipes: 17 recipes"),
        ({"recipes": ["0x" + "00" * 32]}, "recipes: the zero hash"),
        ({"recipes": ["0x1234"]}, "recipes: '0x1234' is not a recipe hash"),
        ({"payment_token": "0x" + "12" * 20}, "payment token: 0x1212"),
        ({"payment_token": "nope"}, "payment token 'nope' is not an EVM address"),
    ],
)
def test_bad_terms_are_refused_before_sending(
    market: Market, terms: dict[str, Any], fragment: str
) -> None:
    _nothing_sent(market, lambda: market.publish(**terms), InputError, fragment)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("not-a-cid", CONTENT, ENDPOINT), "metadata CID: 'not-a-cid' is not a valid CID"),
        ((METADATA, "Qm123", ENDPOINT), "content CID: 'Qm123'"),
        ((METADATA, CONTENT, "ftp://provider.example"), "endpoint: 'ftp://provider.example'"),
        ((METADATA, CONTENT, "https://" + "p" * 130), "endpoint: 138 characters"),
        ((METADATA, CONTENT, ""), "endpoint: give the provider's"),
    ],
)
def test_bad_cids_and_endpoints_are_refused(
    market: Market, args: tuple[str, str, str], fragment: str
) -> None:
    m = market
    _nothing_sent(m, lambda: m.data.publish(m.owner, *args, PRICE), InputError, fragment)


def test_deprecated_data_cannot_be_bought_or_ordered(market: Market) -> None:
    m = market
    data_id = m.publish()
    m.data.buy(m.buyer, data_id, 2)
    running = m.data.start_order(m.buyer, data_id)
    m.data.deprecate(m.owner, data_id)
    assert m.data.dataset(data_id).status == "deprecated"
    for call in (lambda: m.data.buy(m.buyer, data_id),
                 lambda: m.data.start_order(m.buyer, data_id),
                 lambda: m.data.buy_and_order(m.buyer, data_id)):  # fmt: skip
        _nothing_sent(m, call, DataNotAvailableError, f"dataset {data_id} is deprecated")
    # the contract's own refusal (a race with the owner) decodes to the same error
    with pytest.raises(DataNotAvailableError) as info:
        m.data._send(m.buyer, m.data.licences.functions.start_order(data_id, m.buyer.address, 0),
                     data_id)  # fmt: skip
    assert info.value.status == "deprecated"
    assert m.data.order_valid(running.order_id, m.buyer.address)  # started orders run on
    _nothing_sent(m, lambda: m.data.deprecate(m.owner, data_id), InputError, "already")
    m.data.deprecate(m.owner, data_id, False)
    assert m.data.start_order(m.buyer, data_id).order_id == running.order_id + 1


def test_delisted_data_names_the_reason_and_ends_orders(market: Market) -> None:
    m = market
    data_id = m.publish()
    running = m.data.buy_and_order(m.buyer, data_id)
    _nothing_sent(m, lambda: m.data.delist(m.owner, data_id, REASON), NotDataOwnerError,
                  "is not the data market's admin")  # fmt: skip
    _nothing_sent(m, lambda: m.data.delist(m.admin, data_id, "because"), InputError,
                  "reason CID")  # fmt: skip
    m.data.delist(m.admin, data_id, REASON)
    ds = m.data.dataset(data_id)
    assert ds.delisted and ds.delist_reason == REASON and ds.status == "delisted"
    assert not m.data.order_valid(running.order_id, m.buyer.address)
    with pytest.raises(DataNotAvailableError, match=REASON) as info:
        m.data.buy(m.buyer, data_id)
    assert info.value.reason_cid == REASON and info.value.status == "delisted"
    with pytest.raises(DataNotAvailableError, match=REASON):
        m.data._send(m.buyer, m.data.licences.functions.buy(data_id, 1, PRICE), data_id)
    _nothing_sent(m, lambda: m.data.delist(m.admin, data_id, REASON), InputError, "already")
    m.data.relist(m.admin, data_id)
    assert m.data.order_valid(running.order_id, m.buyer.address)
    _nothing_sent(m, lambda: m.data.relist(m.admin, data_id), InputError, "not delisted")


def test_a_price_above_max_price_is_refused(market: Market) -> None:
    m = market
    data_id = m.publish()
    _nothing_sent(m, lambda: m.data.buy(m.buyer, data_id, max_price=PRICE - 1),
                  PriceAboveMaxError, "above your maximum of 4.999999999999999999")  # fmt: skip
    _nothing_sent(m, lambda: m.data.buy_and_order(m.buyer, data_id, max_price=NOOS),
                  PriceAboveMaxError, "costs 5 per licence")  # fmt: skip
    m.data.approve_payment(m.buyer, m.protocol.token.address, PRICE)
    with pytest.raises(PriceAboveMaxError):  # the owner raised the price in front of the buyer
        m.data._send(m.buyer, m.data.licences.functions.buy(data_id, 1, NOOS), data_id)
    m.data.buy(m.buyer, data_id, max_price=PRICE)
    assert m.data.licences_held(m.buyer.address, data_id) == 1


def test_an_order_needs_a_licence_and_funds(market: Market) -> None:
    m = market
    data_id = m.publish()
    _nothing_sent(m, lambda: m.data.start_order(m.buyer, data_id), NoLicenceError,
                  "holds no licence of dataset")  # fmt: skip
    with pytest.raises(NoLicenceError):
        m.data._send(m.buyer, m.data.licences.functions.start_order(data_id, m.buyer.address, 0),
                     data_id)  # fmt: skip
    poor = Account.create()
    m.chain.transact(m.admin, to=poor.address, value=NOOS, gas=21_000)
    _nothing_sent(m, lambda: m.data.buy(poor, data_id), InputError, "has 0")
    _nothing_sent(m, lambda: m.data.buy(m.buyer, data_id, 0), InputError, "amount: 0")
    _nothing_sent(m, lambda: m.data.buy(m.buyer, 99), DataNotFoundError, "no dataset 99")
    _nothing_sent(m, lambda: m.data.buy_and_order(m.buyer, data_id, consumer="0x" + "00" * 20),
                  InputError, "zero address")  # fmt: skip


def test_an_order_serves_only_its_consumer_until_it_expires(market: Market) -> None:
    m = market
    data_id = m.publish(validity=3_600)
    started = m.data.buy_and_order(m.buyer, data_id)
    assert m.data.order_valid(started.order_id, m.buyer.address)
    assert not m.data.order_valid(started.order_id, m.other.address)
    assert m.data.order(started.order_id + 1) is None and m.data.order(0) is None
    assert not m.data.order_valid(started.order_id + 1, m.buyer.address)
    now = int(m.chain.w3.eth.get_block("latest")["timestamp"])
    assert started.expiry == now + 3_600
    m.chain.rpc("evm_increaseTime", [3_601])
    m.chain.mine(1)
    assert not m.data.order_valid(started.order_id, m.buyer.address)
    assert m.data.order(started.order_id) is not None  # the order is kept, just expired


def test_the_owner_and_manager_update_terms(market: Market) -> None:
    m = market
    data_id = m.publish()
    receipts = m.data.update(m.owner, data_id, price=7 * NOOS, validity=600, uses="commercial",
                             endpoint="http://new.example", recipes=[])  # fmt: skip
    assert len(receipts) == 4
    ds = m.data.dataset(data_id)
    assert (ds.price, ds.validity, ds.uses, ds.endpoint, ds.recipes) == (
        7 * NOOS,
        600,
        frozenset({"commercial"}),
        "http://new.example",
        (),
    )
    m.data.update(m.owner, data_id, uses="training")  # validity is kept
    assert m.data.dataset(data_id).validity == 600
    _nothing_sent(m, lambda: m.data.update(m.other, data_id, price=NOOS), NotDataOwnerError,
                  "is neither the owner")  # fmt: skip
    _nothing_sent(m, lambda: m.data.update(m.owner, data_id), InputError, "nothing to update")
    _nothing_sent(m, lambda: m.data.update(m.owner, data_id, price=0, endpoint="http://x.io"),
                  InputError, "price: must be above 0")  # fmt: skip
    _nothing_sent(m, lambda: m.data.deprecate(m.other, data_id), NotDataOwnerError, "neither")
    m.data.set_manager(m.owner, data_id, m.other.address)
    m.data.update(m.other, data_id, metadata_cid=REASON)
    assert m.data.dataset(data_id).metadata_cid == REASON
    assert m.data.dataset(data_id).manager == m.other.address


def test_buying_approves_the_token_once(market: Market) -> None:
    m = market
    data_id = m.publish()
    erc20 = m.protocol.token.contract.functions
    assert m.chain.call(erc20.allowance(m.buyer.address, m.data.licences.address)) == 0
    m.data.buy(m.buyer, data_id)
    assert m.chain.call(erc20.allowance(m.buyer.address, m.data.licences.address)) > PRICE
    before = m.chain.block_number
    m.data.buy(m.buyer, data_id)
    assert m.chain.block_number == before + 1  # one transaction: no second approval


def test_a_payment_token_the_admin_disallowed_is_named(market: Market) -> None:
    m = market
    data_id = m.publish()
    noos = m.protocol.token.address
    _nothing_sent(m, lambda: m.data.set_payment_token(m.owner, noos, False), NotDataOwnerError,
                  "admin")  # fmt: skip
    m.data.set_payment_token(m.admin, noos, False)
    _nothing_sent(m, lambda: m.data.buy(m.buyer, data_id), DataMarketError, "no longer allows")
    _nothing_sent(m, lambda: m.publish(), InputError, "is not allowed by the data market")
    m.data.set_payment_token(m.admin, noos, True)
    m.data.buy(m.buyer, data_id)
