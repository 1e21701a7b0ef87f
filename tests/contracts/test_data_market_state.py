"""The data market against a Python model: random publications, sales, orders and role changes.

The model keeps each dataset's owner, manager, generation, price and flags, every account's
licences, credits and the fees, and the orders. Invariants compare the contracts with it after
every step: licences minted = held + consumed (per data id); payments conserved (paid by buyers
= fees + owner credits; credits = withdrawn + pending; fees = collected + uncollected; the
contract holds exactly the pending credits and uncollected fees); the roles reset on transfer;
orders are valid until their expiry unless delisted. Rules that try to buy or order a delisted
or deprecated dataset expect the revert, so nothing is ever paid for one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boa
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

pytest_plugins = ["tests.contracts.conftest_data"]

ADMIN = "0x" + "a0" * 20
TREASURY = "0x" + "ee" * 20
ACCOUNTS = ["0x" + f"{n:02x}" * 20 for n in (0x11, 0x22, 0x33, 0x44)]
ZERO_ADDRESS = "0x" + "00" * 20
FUNDS = 10**24
VALIDITY = 3_600
RECIPE = b"\x01" * 32
NOT_MANAGER = "datanft: caller is not the owner or manager"

accounts = st.sampled_from(ACCOUNTS)
prices = st.integers(min_value=1, max_value=10**20)
# How the buyer's max_price compares with the price: below (must revert), equal, above.
slacks = st.sampled_from([-1, 0, 1])


@dataclass
class Dataset:
    """The model of one dataset."""

    owner: str
    price: int
    manager: str = ZERO_ADDRESS
    generation: int = 0
    deprecated: bool = False
    delisted: bool = False


@dataclass
class Order:
    consumer: str
    data_id: int
    expiry: int


@dataclass
class Deployment:
    token: Any
    nft: Any
    lic: Any


@pytest.fixture(scope="module", autouse=True)
def deployment(noos_deployer, datanft_deployer, licences_deployer) -> Iterator[None]:
    """NOOS, DataNFT and Licences (2.5 % fee), deployed once: each example starts from here."""
    with boa.env.prank(ADMIN):
        token = noos_deployer.deploy("Noosphere", "NOOS", 10**30, ADMIN, 10**28)
        nft = datanft_deployer.deploy("Noosphere Data", "NDATA", token.address)
        lic = licences_deployer.deploy(nft.address, TREASURY, 250, "")
        for account in ACCOUNTS:
            token.transfer(account, FUNDS)
    for account in ACCOUNTS:
        with boa.env.prank(account):
            token.approve(lic.address, 2**256 - 1)
    MarketModel.deployment = Deployment(token, nft, lic)
    yield
    del MarketModel.deployment


class MarketModel(RuleBasedStateMachine):
    """Drives the deployment through one example; titanoboa reverts it afterwards."""

    deployment: Deployment

    @initialize(owner=accounts, price=prices)
    def start(self, owner: str, price: int) -> None:
        self.token = self.deployment.token
        self.nft = self.deployment.nft
        self.lic = self.deployment.lic
        self.fee_bps = 250
        self.datasets: dict[int, Dataset] = {}
        self.licences: dict[tuple[str, int], int] = {}
        self.minted: dict[int, int] = {}
        self.consumed: dict[int, int] = {}
        self.pending: dict[str, int] = {}
        self.paid = self.fees = self.collected = self.credited = self.withdrawn = 0
        self.orders: dict[int, Order] = {}
        self.live: set[int] = set()  # orders not yet seen expired
        self.unchanged = False  # the last step was a rejected call
        self.publish(owner, price)

    # --- helpers -----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _rejected(self, reason: str, sender: str = ADMIN) -> Iterator[None]:
        """Expect a revert with ``reason``; the step then changes nothing (the EVM undoes it)."""
        with boa.reverts(reason), boa.env.prank(sender):
            yield
        self.unchanged = True

    def _now(self) -> int:
        return int(boa.env.evm.patch.timestamp)

    def _pick(self, data: st.DataObject) -> int:
        return data.draw(st.sampled_from(sorted(self.datasets)), label="data_id")

    def _unavailable(self, data_id: int) -> str:
        """The revert reason of buying or ordering ``data_id``, or "" if it is available."""
        d = self.datasets[data_id]
        if d.delisted:
            return "licences: data is delisted"
        if d.deprecated:
            return "licences: data is deprecated"
        return ""

    def _can_manage(self, data_id: int, account: str) -> bool:
        d = self.datasets[data_id]
        return account in (d.owner, d.manager)

    def _pay(self, data_id: int, amount: int) -> None:
        d = self.datasets[data_id]
        paid = d.price * amount
        fee = paid * self.fee_bps // 10_000
        self.paid += paid
        self.fees += fee
        self.credited += paid - fee
        self.pending[d.owner] = self.pending.get(d.owner, 0) + paid - fee
        self.minted[data_id] = self.minted.get(data_id, 0) + amount

    def _order(self, order_id: int, consumer: str, data_id: int) -> None:
        assert order_id == len(self.orders) + 1
        self.orders[order_id] = Order(consumer, data_id, self._now() + VALIDITY)
        self.live.add(order_id)
        self.consumed[data_id] = self.consumed.get(data_id, 0) + 1

    # --- datasets ----------------------------------------------------------------------------

    @rule(owner=accounts, price=prices)
    def publish(self, owner: str, price: int) -> None:
        with boa.env.prank(owner):
            data_id = self.nft.publish(
                "bafy-meta", "bafy-content", "https://p", price, self.token.address, VALIDITY, 3,
                [RECIPE],
            )  # fmt: skip
        assert data_id == len(self.datasets) + 1
        self.datasets[data_id] = Dataset(owner, price)

    @rule(data=st.data(), to=accounts)
    def transfer_dataset(self, data: st.DataObject, to: str) -> None:
        data_id = self._pick(data)
        d = self.datasets[data_id]
        with boa.env.prank(d.owner):
            self.nft.transferFrom(d.owner, to, data_id)
        d.owner, d.manager, d.generation = to, ZERO_ADDRESS, d.generation + 1

    @rule(data=st.data(), caller=accounts, manager=st.sampled_from([*ACCOUNTS, ZERO_ADDRESS]))
    def set_manager(self, data: st.DataObject, caller: str, manager: str) -> None:
        data_id = self._pick(data)
        d = self.datasets[data_id]
        if caller != d.owner:
            with self._rejected("datanft: caller is not the owner", caller):
                self.nft.set_manager(data_id, manager)
            return
        with boa.env.prank(caller):
            self.nft.set_manager(data_id, manager)
        d.manager = manager

    @rule(data=st.data(), caller=accounts, price=prices)
    def set_price(self, data: st.DataObject, caller: str, price: int) -> None:
        data_id = self._pick(data)
        if not self._can_manage(data_id, caller):
            with self._rejected(NOT_MANAGER, caller):
                self.nft.set_price(data_id, price, self.token.address)
            return
        with boa.env.prank(caller):
            self.nft.set_price(data_id, price, self.token.address)
        self.datasets[data_id].price = price

    @rule(data=st.data(), caller=accounts, deprecated=st.booleans())
    def set_deprecated(self, data: st.DataObject, caller: str, deprecated: bool) -> None:
        data_id = self._pick(data)
        if not self._can_manage(data_id, caller):
            with self._rejected(NOT_MANAGER, caller):
                self.nft.set_deprecated(data_id, deprecated)
            return
        with boa.env.prank(caller):
            self.nft.set_deprecated(data_id, deprecated)
        self.datasets[data_id].deprecated = deprecated

    @rule(data=st.data())
    def toggle_delisting(self, data: st.DataObject) -> None:
        data_id = self._pick(data)
        d = self.datasets[data_id]
        with boa.env.prank(ADMIN):
            if d.delisted:
                self.nft.relist(data_id)
            else:
                self.nft.delist(data_id, "bafy-reason")
        d.delisted = not d.delisted

    @rule(fee_bps=st.integers(min_value=0, max_value=1_100))
    def set_fee(self, fee_bps: int) -> None:
        if fee_bps > 1_000:
            with self._rejected("licences: fee exceeds maximum", ADMIN):
                self.lic.set_fee(fee_bps)
            return
        with boa.env.prank(ADMIN):
            self.lic.set_fee(fee_bps)
        self.fee_bps = fee_bps

    # --- licences and orders -----------------------------------------------------------------

    @rule(data=st.data(), buyer=accounts, amount=st.integers(1, 3), slack=slacks)
    def buy(self, data: st.DataObject, buyer: str, amount: int, slack: int) -> None:
        data_id = self._pick(data)
        max_price = self.datasets[data_id].price + slack
        reason = self._unavailable(data_id) or ("licences: price above max_price" * (slack < 0))
        if reason:
            with self._rejected(reason, buyer):
                self.lic.buy(data_id, amount, max_price)
            return
        with boa.env.prank(buyer):
            self.lic.buy(data_id, amount, max_price)
        self._pay(data_id, amount)
        self.licences[buyer, data_id] = self.licences.get((buyer, data_id), 0) + amount

    @rule(data=st.data(), holder=accounts, consumer=accounts)
    def start_order(self, data: st.DataObject, holder: str, consumer: str) -> None:
        data_id = self._pick(data)
        held = self.licences.get((holder, data_id), 0)
        reason = self._unavailable(data_id) or ("licences: no licence held" * (held == 0))
        if reason:
            with self._rejected(reason, holder):
                self.lic.start_order(data_id, consumer, 0)
            return
        with boa.env.prank(holder):
            order_id = self.lic.start_order(data_id, consumer, 0)
        self.licences[holder, data_id] = held - 1
        self._order(order_id, consumer, data_id)

    @rule(data=st.data(), buyer=accounts, consumer=accounts, slack=slacks)
    def buy_and_order(self, data: st.DataObject, buyer: str, consumer: str, slack: int) -> None:
        data_id = self._pick(data)
        max_price = self.datasets[data_id].price + slack
        reason = self._unavailable(data_id) or ("licences: price above max_price" * (slack < 0))
        if reason:
            with self._rejected(reason, buyer):
                self.lic.buy_and_order(data_id, consumer, 1, max_price)
            return
        with boa.env.prank(buyer):
            order_id = self.lic.buy_and_order(data_id, consumer, 1, max_price)
        self._pay(data_id, 1)
        self._order(order_id, consumer, data_id)

    @rule(data=st.data(), source=accounts, to=accounts, amount=st.integers(1, 2))
    def transfer_licences(self, data: st.DataObject, source: str, to: str, amount: int) -> None:
        data_id = self._pick(data)
        held = self.licences.get((source, data_id), 0)
        if held < amount:
            with self._rejected("erc1155: insufficient balance for transfer", source):
                self.lic.safeTransferFrom(source, to, data_id, amount, b"")
            return
        with boa.env.prank(source):
            self.lic.safeTransferFrom(source, to, data_id, amount, b"")
        self.licences[source, data_id] = held - amount
        self.licences[to, data_id] = self.licences.get((to, data_id), 0) + amount

    # --- payments ----------------------------------------------------------------------------

    @rule(account=accounts)
    def withdraw(self, account: str) -> None:
        amount = self.pending.get(account, 0)
        if amount == 0:
            with self._rejected("licences: nothing to withdraw", account):
                self.lic.withdraw(self.token.address)
            return
        with boa.env.prank(account):
            assert self.lic.withdraw(self.token.address) == amount
        self.pending[account] = 0
        self.withdrawn += amount

    @rule()
    def collect_fees(self) -> None:
        if self.fees == self.collected:
            with self._rejected("licences: no fees to collect"):
                self.lic.collect_fees(self.token.address)
            return
        assert self.lic.collect_fees(self.token.address) == self.fees - self.collected
        self.collected = self.fees

    @rule(seconds=st.integers(min_value=1, max_value=2 * VALIDITY))
    def wait(self, seconds: int) -> None:
        boa.env.time_travel(seconds=seconds)

    # --- invariants --------------------------------------------------------------------------

    @invariant()
    def contracts_match_the_model(self) -> None:
        """Every check below, after every step that was not a rejected call (which the EVM
        undoes, so re-reading every view after it only costs time)."""
        if self.unchanged:
            self.unchanged = False
            return
        self.licences_minted_are_held_or_consumed()
        self.payments_are_conserved()
        self.roles_match()
        self.orders_are_valid_until_expiry_unless_delisted()

    def licences_minted_are_held_or_consumed(self) -> None:
        pairs = [(a, data_id) for data_id in self.datasets for a in ACCOUNTS]
        held = self.lic.balanceOfBatch([a for a, _ in pairs], [i for _, i in pairs])
        assert list(held) == [self.licences.get(pair, 0) for pair in pairs]
        for data_id in self.datasets:
            minted, consumed = self.minted.get(data_id, 0), self.consumed.get(data_id, 0)
            total = sum(self.licences.get((a, data_id), 0) for a in ACCOUNTS)
            # buy_and_order mints nothing, so its licences count as minted and consumed at once.
            assert self.lic.total_supply(data_id) == total == minted - consumed

    def payments_are_conserved(self) -> None:
        lic, token = self.lic.address, self.token.address
        pending = {a: self.lic.pending(a, token) for a in ACCOUNTS}
        assert pending == {a: self.pending.get(a, 0) for a in ACCOUNTS}
        assert self.paid == self.fees + self.credited
        assert self.credited == self.withdrawn + sum(pending.values())
        uncollected = self.lic.fees(token)
        assert self.fees == self.collected + uncollected
        assert self.token.balanceOf(lic) == sum(pending.values()) + uncollected
        assert self.token.balanceOf(TREASURY) == self.collected

    def roles_match(self) -> None:
        assert self.nft.data_count() == len(self.datasets)
        for data_id, d in self.datasets.items():
            assert self.nft.ownerOf(data_id) == d.owner
            assert self.nft.generation(data_id) == d.generation
            assert self.nft.manager_of(data_id) == d.manager

    def orders_are_valid_until_expiry_unless_delisted(self) -> None:
        now = self._now()
        assert self.lic.order_count() == len(self.orders)
        for order_id in sorted(self.live):
            o = self.orders[order_id]
            expected = now < o.expiry and not self.datasets[o.data_id].delisted
            assert self.lic.order_valid(order_id, o.consumer) is expected
            if now >= o.expiry:  # checked invalid once expired: time only moves on
                self.live.discard(order_id)


MarketModel.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestMarketModel = MarketModel.TestCase
