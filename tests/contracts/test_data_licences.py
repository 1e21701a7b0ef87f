"""Licences: buying, orders and their validity, buy-and-order, pull payments, fees and gas."""

from __future__ import annotations

import boa
import pytest

pytest.register_assert_rewrite("tests.contracts.conftest_data")
from tests.contracts._boa_helpers import events, tx_gas  # noqa: E402
from tests.contracts.conftest import CAP, INITIAL_SUPPLY, NAME, SYMBOL  # noqa: E402
from tests.contracts.conftest_data import (  # noqa: E402
    BASE_URI,
    FEE_BPS,
    PRICE,
    UNIT,
    VALIDITY,
    ZERO_ADDRESS,
    deploy_market,
)

pytest_plugins = ["tests.contracts.conftest_data"]

MISSING_ROLE = "access_control: account is missing role"
FEE = PRICE * FEE_BPS // 10_000
SERVICE = 2


def now() -> int:
    return int(boa.env.evm.patch.timestamp)


def buy(market, account: str, data_id: int, amount: int = 1, max_price: int = PRICE) -> None:
    with boa.env.prank(account):
        market.licences.buy(data_id, amount, max_price)


def order(market, account: str, data_id: int, consumer: str) -> int:
    with boa.env.prank(account):
        return market.licences.start_order(data_id, consumer, SERVICE)


@pytest.fixture
def flaky_data(market, deployer, publisher, flaky_token, buyer) -> int:
    """A dataset priced in the flaky token, which the buyer holds (it does not fail yet)."""
    with boa.env.prank(deployer):
        market.nft.set_payment_token(flaky_token.address, True)
    flaky_token.mint(buyer, 100 * UNIT)
    return market.publish(publisher, payment_token=flaky_token.address)


# --- deployment and admin ------------------------------------------------------------------------


def test_deployment(market, deployer, treasury):
    lic = market.licences
    assert lic.datanft() == market.nft.address
    assert lic.treasury() == treasury
    assert lic.fee_bps() == FEE_BPS
    assert lic.MAX_FEE_BPS() == 1_000
    assert lic.hasRole(lic.DEFAULT_ADMIN_ROLE(), deployer)
    assert lic.order_count() == 0
    assert lic.uri(7) == BASE_URI  # clients replace `{id}` (ERC-1155)


@pytest.mark.parametrize(
    ("nft", "treasury", "fee", "reason"),
    [
        (ZERO_ADDRESS, "0x" + "11" * 20, 0, "licences: zero address"),
        ("0x" + "22" * 20, ZERO_ADDRESS, 0, "licences: zero treasury"),
        ("0x" + "22" * 20, "0x" + "11" * 20, 1_001, "licences: fee exceeds maximum"),
    ],
)
def test_deployment_rejects_bad_arguments(licences_deployer, nft, treasury, fee, reason):
    with boa.reverts(reason):
        licences_deployer.deploy(nft, treasury, fee, BASE_URI)


@pytest.mark.parametrize(
    ("interface_id", "supported"),
    [
        (bytes.fromhex("01ffc9a7"), True),  # ERC-165
        (bytes.fromhex("d9b67a26"), True),  # ERC-1155
        (bytes.fromhex("0e89341c"), True),  # ERC-1155 metadata URI
        (bytes.fromhex("7965db0b"), True),  # IAccessControl
        (bytes.fromhex("80ac58cd"), False),
    ],
)
def test_supports_interface(market, interface_id, supported):
    assert market.licences.supportsInterface(interface_id) is supported


@pytest.mark.parametrize("fee", [0, 1, 1_000])
def test_set_fee(market, deployer, fee):
    with boa.env.prank(deployer):
        market.licences.set_fee(fee)
    assert events(market.licences, "FeeSet")[0].fee_bps == fee
    assert market.licences.fee_bps() == fee
    assert market.licences.treasury() == market.treasury


def test_set_fee_rejects_bad_calls(market, deployer, stranger):
    with boa.reverts("licences: fee exceeds maximum"), boa.env.prank(deployer):
        market.licences.set_fee(1_001)
    with boa.reverts(MISSING_ROLE), boa.env.prank(stranger):
        market.licences.set_fee(100)


def test_set_treasury(market, deployer, stranger):
    with boa.env.prank(deployer):
        market.licences.set_treasury(stranger)
    assert events(market.licences, "TreasurySet")[0].treasury == stranger
    assert market.licences.treasury() == stranger
    assert market.licences.fee_bps() == FEE_BPS


def test_set_treasury_rejects_bad_calls(market, deployer, stranger):
    with boa.reverts("licences: zero treasury"), boa.env.prank(deployer):
        market.licences.set_treasury(ZERO_ADDRESS)
    with boa.reverts(MISSING_ROLE), boa.env.prank(stranger):
        market.licences.set_treasury(stranger)


# --- buy -----------------------------------------------------------------------------------------


def test_buy_mints_licences_and_splits_the_payment(market, buyer, publisher, data_id):
    lic, token = market.licences, market.token
    balance = token.balanceOf(buyer)
    buy(market, buyer, data_id, 3, PRICE)
    (ev,) = events(lic, "LicencesBought")
    assert (ev.data_id, ev.buyer, ev.owner, ev.payment_token) == (
        data_id,
        buyer,
        publisher,
        token.address,
    )
    assert (ev.amount, ev.paid, ev.fee) == (3, 3 * PRICE, 3 * FEE)
    (mint,) = events(lic, "TransferSingle")  # ERC-1155 field names start with `_`: boa drops them
    assert tuple(mint) == (lic.address, buyer, ZERO_ADDRESS, buyer, data_id, 3)
    assert lic.balanceOf(buyer, data_id) == 3
    assert lic.total_supply(data_id) == 3
    assert token.balanceOf(buyer) == balance - 3 * PRICE
    assert token.balanceOf(lic.address) == 3 * PRICE
    assert lic.pending(publisher, token.address) == 3 * (PRICE - FEE)
    assert lic.fees(token.address) == 3 * FEE


def test_buy_at_a_lower_price_than_the_maximum(market, buyer, data_id):
    buy(market, buyer, data_id, 1, 10 * PRICE)
    assert events(market.licences, "LicencesBought")[0].paid == PRICE


def test_buy_without_fee(market, deployer, buyer, publisher, data_id):
    with boa.env.prank(deployer):
        market.licences.set_fee(0)
    buy(market, buyer, data_id)
    assert market.licences.fees(market.token.address) == 0
    assert market.licences.pending(publisher, market.token.address) == PRICE


def test_the_fee_rounds_down(market, publisher, buyer):
    data_id = market.publish(publisher, price=39)  # 2.5 % of 39 is 0.975
    buy(market, buyer, data_id, 1, 39)
    assert market.licences.fees(market.token.address) == 0
    assert market.licences.pending(publisher, market.token.address) == 39


def test_a_contract_buyer_must_accept_licences(market, receiver_deployer, data_id):
    accepting = market.fund(receiver_deployer.deploy(True).address)
    buy(market, accepting, data_id)
    assert market.licences.balanceOf(accepting, data_id) == 1
    rejecting = market.fund(receiver_deployer.deploy(False).address)
    with boa.reverts("erc1155: transfer to non-IERC1155Receiver implementer"):
        buy(market, rejecting, data_id)


def test_buy_rejects_a_zero_amount(market, buyer, data_id):
    with boa.reverts("licences: amount is zero"):
        buy(market, buyer, data_id, 0)


def test_buy_rejects_an_unknown_dataset(market, buyer, data_id):
    with boa.reverts("licences: unknown data id"):
        buy(market, buyer, data_id + 1)
    with boa.reverts("licences: unknown data id"):
        buy(market, buyer, 0)


def test_buy_rejects_a_delisted_dataset(market, deployer, buyer, data_id):
    with boa.env.prank(deployer):
        market.nft.delist(data_id, "bafy-reason")
    with boa.reverts("licences: data is delisted"):
        buy(market, buyer, data_id)


def test_buy_rejects_a_deprecated_dataset(market, publisher, buyer, data_id):
    with boa.env.prank(publisher):
        market.nft.set_deprecated(data_id, True)
    with boa.reverts("licences: data is deprecated"):
        buy(market, buyer, data_id)
    with boa.env.prank(publisher):
        market.nft.set_deprecated(data_id, False)
    buy(market, buyer, data_id)


def test_buy_rejects_a_token_no_longer_allowed(market, deployer, buyer, data_id):
    with boa.env.prank(deployer):
        market.nft.set_payment_token(market.token.address, False)
    with boa.reverts("licences: payment token not allowed"):
        buy(market, buyer, data_id)


def test_max_price_protects_against_a_price_raise(market, publisher, buyer, data_id):
    with boa.env.prank(publisher):
        market.nft.set_price(data_id, PRICE + 1, market.token.address)
    with boa.reverts("licences: price above max_price"):
        buy(market, buyer, data_id, 1, PRICE)


def test_buy_without_allowance_reverts(market, stranger, data_id):
    with boa.env.prank(market.admin):
        market.token.transfer(stranger, 100 * UNIT)
    with boa.reverts("erc20: insufficient allowance"):
        buy(market, stranger, data_id)


def test_buy_reverts_when_the_token_returns_false(market, buyer, flaky_token, flaky_data):
    buy(market, buyer, flaky_data)
    flaky_token.set_fail(True)
    with boa.reverts("licences: payment failed"):
        buy(market, buyer, flaky_data)


# --- start_order and order validity --------------------------------------------------------------


def test_start_order_burns_a_licence_and_starts_an_order(market, buyer, consumer, data_id):
    lic = market.licences
    buy(market, buyer, data_id, 2)
    started = now()
    order_id = order(market, buyer, data_id, consumer)
    (burn,) = events(lic, "TransferSingle")
    assert tuple(burn) == (lic.address, buyer, buyer, ZERO_ADDRESS, data_id, 1)
    (ev,) = events(lic, "OrderStarted")
    assert (ev.order_id, ev.data_id, ev.consumer, ev.payer) == (1, data_id, consumer, buyer)
    assert (ev.service, ev.expiry) == (SERVICE, started + VALIDITY)
    assert order_id == 1
    assert lic.order_count() == 1
    assert lic.balanceOf(buyer, data_id) == 1
    assert lic.total_supply(data_id) == 1
    o = lic.order(order_id)
    assert (o.data_id, o.consumer, o.expiry, o.service) == (
        data_id,
        consumer,
        started + VALIDITY,
        SERVICE,
    )
    assert lic.order_valid(order_id, consumer)
    assert order(market, buyer, data_id, buyer) == 2


def test_an_order_is_valid_until_its_expiry(market, buyer, consumer, data_id):
    buy(market, buyer, data_id)
    order_id = order(market, buyer, data_id, consumer)
    boa.env.time_travel(seconds=VALIDITY - 1)
    assert market.licences.order_valid(order_id, consumer)
    boa.env.time_travel(seconds=1)
    assert not market.licences.order_valid(order_id, consumer)
    assert market.licences.order(order_id).consumer == consumer  # still readable


def test_an_order_is_valid_only_for_its_consumer(market, buyer, consumer, data_id):
    buy(market, buyer, data_id)
    order_id = order(market, buyer, data_id, consumer)
    assert not market.licences.order_valid(order_id, buyer)
    assert not market.licences.order_valid(order_id, ZERO_ADDRESS)


def test_an_unknown_order_is_not_valid(market, consumer):
    assert not market.licences.order_valid(1, consumer)
    assert not market.licences.order_valid(0, ZERO_ADDRESS)
    with boa.reverts("licences: unknown order"):
        market.licences.order(1)


def test_delisting_suspends_started_orders(market, deployer, buyer, consumer, data_id):
    buy(market, buyer, data_id)
    order_id = order(market, buyer, data_id, consumer)
    with boa.env.prank(deployer):
        market.nft.delist(data_id, "bafy-reason")
    assert not market.licences.order_valid(order_id, consumer)
    with boa.env.prank(deployer):
        market.nft.relist(data_id)
    assert market.licences.order_valid(order_id, consumer)


def test_deprecation_keeps_started_orders(market, publisher, buyer, consumer, data_id):
    buy(market, buyer, data_id)
    order_id = order(market, buyer, data_id, consumer)
    with boa.env.prank(publisher):
        market.nft.set_deprecated(data_id, True)
    assert market.licences.order_valid(order_id, consumer)


def test_the_expiry_uses_the_validity_at_order_time(market, publisher, buyer, consumer, data_id):
    buy(market, buyer, data_id, 2)
    first = order(market, buyer, data_id, consumer)
    with boa.env.prank(publisher):
        market.nft.set_licence_terms(data_id, 60, 1)
    second = order(market, buyer, data_id, consumer)
    assert market.licences.order(first).expiry == now() + VALIDITY
    assert market.licences.order(second).expiry == now() + 60


def test_an_expiry_past_40_bits_reverts(market, buyer, consumer, data_id):
    buy(market, buyer, data_id, 1)
    # Expiries are packed in 40 bits: about the year 36,800.
    boa.env.time_travel(seconds=2**40 - VALIDITY - now() + 1)
    with boa.reverts("licences: expiry overflows"):
        order(market, buyer, data_id, consumer)


def test_start_order_rejects_a_zero_consumer(market, buyer, data_id):
    buy(market, buyer, data_id)
    with boa.reverts("licences: zero consumer"):
        order(market, buyer, data_id, ZERO_ADDRESS)


def test_start_order_rejects_an_unknown_dataset(market, buyer, consumer, data_id):
    with boa.reverts("licences: unknown data id"):
        order(market, buyer, data_id + 1, consumer)


def test_start_order_without_a_licence_reverts(market, publisher, buyer, consumer, data_id):
    other = market.publish(publisher)
    buy(market, buyer, other)  # a licence of another dataset does not count
    with boa.reverts("licences: no licence held"):
        order(market, buyer, data_id, consumer)
    buy(market, buyer, data_id)
    order(market, buyer, data_id, consumer)
    with boa.reverts("licences: no licence held"):
        order(market, buyer, data_id, consumer)


def test_start_order_rejects_a_delisted_dataset(market, deployer, buyer, consumer, data_id):
    buy(market, buyer, data_id)
    with boa.env.prank(deployer):
        market.nft.delist(data_id, "bafy-reason")
    with boa.reverts("licences: data is delisted"):
        order(market, buyer, data_id, consumer)


def test_start_order_rejects_a_deprecated_dataset(market, publisher, buyer, consumer, data_id):
    buy(market, buyer, data_id)
    with boa.env.prank(publisher):
        market.nft.set_deprecated(data_id, True)
    with boa.reverts("licences: data is deprecated"):
        order(market, buyer, data_id, consumer)


def test_a_transferred_licence_can_be_ordered(market, buyer, stranger, consumer, data_id):
    lic = market.licences
    buy(market, buyer, data_id, 2)
    with boa.env.prank(buyer):
        lic.safeTransferFrom(buyer, stranger, data_id, 1, b"")
    assert (lic.balanceOf(buyer, data_id), lic.balanceOf(stranger, data_id)) == (1, 1)
    order_id = order(market, stranger, data_id, consumer)
    assert events(lic, "OrderStarted")[0].payer == stranger
    assert lic.order_valid(order_id, consumer)


# --- buy_and_order -------------------------------------------------------------------------------


def test_buy_and_order_pays_and_starts_an_order(market, buyer, publisher, consumer, data_id):
    lic, token = market.licences, market.token
    balance = token.balanceOf(buyer)
    with boa.env.prank(buyer):
        order_id = lic.buy_and_order(data_id, consumer, SERVICE, PRICE)
    (bought,) = events(lic, "LicencesBought")
    assert (bought.data_id, bought.buyer, bought.owner, bought.amount) == (
        data_id,
        buyer,
        publisher,
        1,
    )
    assert (bought.paid, bought.fee) == (PRICE, FEE)
    (ev,) = events(lic, "OrderStarted")
    assert (ev.order_id, ev.data_id, ev.consumer, ev.payer) == (order_id, data_id, consumer, buyer)
    assert (ev.service, ev.expiry) == (SERVICE, now() + VALIDITY)
    assert events(lic, "TransferSingle") == []  # nothing minted or burnt
    assert order_id == 1
    assert lic.order_valid(order_id, consumer)
    assert lic.total_supply(data_id) == 0
    assert lic.balanceOf(buyer, data_id) == 0
    assert token.balanceOf(buyer) == balance - PRICE
    assert lic.pending(publisher, token.address) == PRICE - FEE
    assert lic.fees(token.address) == FEE


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("unknown", "licences: unknown data id"),
        ("delisted", "licences: data is delisted"),
        ("deprecated", "licences: data is deprecated"),
        ("disallowed", "licences: payment token not allowed"),
        ("price", "licences: price above max_price"),
    ],
)
def test_buy_and_order_rejects_what_cannot_be_bought(
    market, deployer, publisher, buyer, consumer, data_id, change, reason
):
    target = data_id
    if change == "unknown":
        target = data_id + 1
    elif change == "delisted":
        with boa.env.prank(deployer):
            market.nft.delist(data_id, "bafy-reason")
    elif change == "deprecated":
        with boa.env.prank(publisher):
            market.nft.set_deprecated(data_id, True)
    elif change == "disallowed":
        with boa.env.prank(deployer):
            market.nft.set_payment_token(market.token.address, False)
    else:
        with boa.env.prank(publisher):
            market.nft.set_price(data_id, PRICE + 1, market.token.address)
    with boa.reverts(reason), boa.env.prank(buyer):
        market.licences.buy_and_order(target, consumer, SERVICE, PRICE)


def test_buy_and_order_rejects_a_zero_consumer(market, buyer, data_id):
    with boa.reverts("licences: zero consumer"), boa.env.prank(buyer):
        market.licences.buy_and_order(data_id, ZERO_ADDRESS, SERVICE, PRICE)


def test_buy_and_order_reverts_when_the_token_returns_false(
    market, buyer, consumer, flaky_token, flaky_data
):
    flaky_token.set_fail(True)
    with boa.reverts("licences: payment failed"), boa.env.prank(buyer):
        market.licences.buy_and_order(flaky_data, consumer, SERVICE, PRICE)


# --- pull payments and fees ----------------------------------------------------------------------


def test_sales_credit_the_owner_at_the_time_of_sale(market, publisher, stranger, buyer, data_id):
    lic, token = market.licences, market.token
    buy(market, buyer, data_id)
    with boa.env.prank(publisher):
        market.nft.transferFrom(publisher, stranger, data_id)
    buy(market, buyer, data_id, 2)
    assert lic.pending(publisher, token.address) == PRICE - FEE
    assert lic.pending(stranger, token.address) == 2 * (PRICE - FEE)


def test_withdraw_pays_the_owner(market, publisher, buyer, data_id):
    lic, token = market.licences, market.token
    buy(market, buyer, data_id, 2)
    with boa.env.prank(publisher):
        amount = lic.withdraw(token.address)
    (ev,) = events(lic, "Withdrawn")
    assert (ev.account, ev.token, ev.amount) == (publisher, token.address, 2 * (PRICE - FEE))
    assert amount == 2 * (PRICE - FEE)
    assert token.balanceOf(publisher) == amount
    assert lic.pending(publisher, token.address) == 0
    assert token.balanceOf(lic.address) == 2 * FEE  # the uncollected fees


def test_withdraw_of_nothing_reverts(market, publisher, buyer, data_id, stranger):
    buy(market, buyer, data_id)
    for account in (stranger, market.treasury):  # the treasury is paid by collect_fees
        with boa.reverts("licences: nothing to withdraw"), boa.env.prank(account):
            market.licences.withdraw(market.token.address)
    with boa.env.prank(publisher):
        market.licences.withdraw(market.token.address)
    with boa.reverts("licences: nothing to withdraw"), boa.env.prank(publisher):
        market.licences.withdraw(market.token.address)


def test_withdraw_reverts_when_the_token_returns_false(
    market, publisher, buyer, flaky_token, flaky_data
):
    buy(market, buyer, flaky_data)
    flaky_token.set_fail(True)
    with boa.reverts("licences: transfer failed"), boa.env.prank(publisher):
        market.licences.withdraw(flaky_token.address)
    assert market.licences.pending(publisher, flaky_token.address) == PRICE - FEE


def test_collect_fees_pays_the_treasury(market, buyer, stranger, consumer, data_id):
    lic, token = market.licences, market.token
    buy(market, buyer, data_id, 3)
    with boa.env.prank(buyer):
        lic.buy_and_order(data_id, consumer, SERVICE, PRICE)
    with boa.env.prank(stranger):  # anyone
        amount = lic.collect_fees(token.address)
    (ev,) = events(lic, "FeesCollected")
    assert (ev.token, ev.treasury, ev.amount) == (token.address, market.treasury, 4 * FEE)
    assert amount == 4 * FEE
    assert token.balanceOf(market.treasury) == 4 * FEE
    assert lic.fees(token.address) == 0
    with boa.reverts("licences: no fees to collect"):
        lic.collect_fees(token.address)


def test_collect_fees_pays_the_current_treasury(market, deployer, buyer, stranger, data_id):
    buy(market, buyer, data_id)
    with boa.env.prank(deployer):
        market.licences.set_treasury(stranger)
    market.licences.collect_fees(market.token.address)
    assert market.token.balanceOf(stranger) == FEE


def test_collect_fees_reverts_when_the_token_returns_false(market, buyer, flaky_token, flaky_data):
    buy(market, buyer, flaky_data)
    flaky_token.set_fail(True)
    with boa.reverts("licences: transfer failed"):
        market.licences.collect_fees(flaky_token.address)


def test_a_new_fee_applies_to_later_sales(market, deployer, publisher, buyer, data_id):
    buy(market, buyer, data_id)
    with boa.env.prank(deployer):
        market.licences.set_fee(1_000)
    buy(market, buyer, data_id)
    assert market.licences.fees(market.token.address) == FEE + PRICE // 10
    assert market.licences.pending(publisher, market.token.address) == 2 * PRICE - FEE - PRICE // 10


# --- gas -----------------------------------------------------------------------------------------


def test_gas_of_buy_and_order(noos_deployer, datanft_deployer, licences_deployer, deployer):
    """One licence bought and ordered in one transaction: <= 150 k (first-time and repeat buyer)."""
    # A throwaway environment: committing storage would break the snapshots that isolate tests.
    with boa.swap_env(boa.Env()):
        with boa.env.prank(deployer):
            token = noos_deployer.deploy(NAME, SYMBOL, CAP, deployer, INITIAL_SUPPLY)
        treasury = boa.env.generate_address()
        market = deploy_market(token, deployer, treasury, datanft_deployer, licences_deployer)
        publisher, consumer = boa.env.generate_address(), boa.env.generate_address()
        first_buyer, buyer = (
            market.fund(boa.env.generate_address()),
            market.fund(boa.env.generate_address()),
        )
        data_id = market.publish(publisher)
        lic = market.licences
        args = (data_id, consumer, SERVICE, PRICE)
        # The protocol's first sale ever also creates the contract's token balance, the fee
        # accrual and the order counter (171 k): a one-off, outside the target.
        with boa.env.prank(buyer):
            lic.buy_and_order(*args)
        gas = {"repeat buyer": tx_gas(lic, lic.buy_and_order, *args, sender=buyer)}
        gas["first-time buyer"] = tx_gas(lic, lic.buy_and_order, *args, sender=first_buyer)
        with boa.env.prank(publisher):
            lic.withdraw(token.address)
        gas["owner credit after a withdrawal"] = tx_gas(lic, lic.buy_and_order, *args, sender=buyer)
        assert lic.order_count() == 4
    assert all(g <= 150_000 for g in gas.values()), gas
