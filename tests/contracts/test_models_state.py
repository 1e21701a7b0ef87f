"""The model contracts against a Python model: random registrations (splits, parents, royalties),
licence sales, royalty payments, distributions, withdrawals, delistings and transfers.

The model keeps each model's owner, split, parents' shares and terms, every licence's expiry,
each model's undistributed balance, every account's credit, and the fees. Invariants compare the
contracts with it after every step:

- every payment is fully split: paid = fees + model balances + credits + withdrawn;
- nothing is stuck: the contract holds exactly the model balances, the credits and the
  uncollected fees, and after ``distribute_everything`` (every model, children before parents)
  no model balance is left, so credits + withdrawn + fees = paid;
- nothing is paid twice: each account has received exactly what was credited to it, and a
  withdrawal with nothing new reverts;
- licences are valid until their expiry unless the model is delisted.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boa
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

pytest.register_assert_rewrite("tests.contracts.conftest_data", "tests.contracts.conftest_models")
from tests.contracts.conftest_models import Provenance, cid_bytes, digest  # noqa: E402

pytest_plugins = ["tests.contracts.conftest_data", "tests.contracts.conftest_models"]

ADMIN = "0x" + "a0" * 20
TREASURY = "0x" + "ee" * 20
ACCOUNTS = ["0x" + f"{n:02x}" * 20 for n in (0x11, 0x22, 0x33, 0x44)]
FUNDS = 10**24
FEE_BPS = 250
VALIDITY = 3_600
FINE_TUNE = 1
NOT_MANAGER = "modelnft: caller is not the owner or manager"

accounts = st.sampled_from(ACCOUNTS)
kinds = st.integers(min_value=0, max_value=2)
prices = st.integers(min_value=1, max_value=10**21)
amounts = st.integers(min_value=1, max_value=10**21)


@st.composite
def splits(draw: st.DrawFn) -> list[tuple[str, int]]:
    """1 to 4 recipients (repeats allowed) with non-zero shares summing to 10,000."""
    count = draw(st.integers(min_value=1, max_value=4))
    cuts = sorted(draw(st.sets(st.integers(1, 9_999), min_size=count - 1, max_size=count - 1)))
    bounds = [0, *cuts, 10_000]
    shares = [b - a for a, b in itertools.pairwise(bounds)]
    return [(draw(accounts), bps) for bps in shares]


@dataclass
class Model:
    owner: str
    recipients: list[tuple[str, int]]
    parents: list[tuple[int, int]]
    royalty: int
    prices: list[int] = field(default_factory=lambda: [0, 0, 0])
    delisted: bool = False


@dataclass
class Deployment:
    token: Any
    nft: Any
    lic: Any


@pytest.fixture(scope="module", autouse=True)
def deployment(
    noos_deployer, datanft_deployer, licences_deployer, modelnft_deployer, model_licences_deployer
) -> Iterator[None]:
    """NOOS, the data market and the model contracts (2.5 % fee), deployed once; one dataset
    exists for receipt-only provenance. Each example starts from here."""
    with boa.env.prank(ADMIN):
        token = noos_deployer.deploy("Noosphere", "NOOS", 10**30, ADMIN, 10**28)
        datanft = datanft_deployer.deploy("Noosphere Data", "NDATA", token.address)
        data_licences = licences_deployer.deploy(datanft.address, TREASURY, 250, "")
        nft = modelnft_deployer.deploy("Models", "NMOD", token.address, data_licences.address)
        lic = model_licences_deployer.deploy(nft.address, TREASURY, FEE_BPS, "")
        nft.set_licences(lic.address)
        datanft.publish("m", "c", "e", 1, token.address, 60, 1, [])
        for account in ACCOUNTS:
            token.transfer(account, FUNDS)
    for account in ACCOUNTS:
        with boa.env.prank(account):
            token.approve(lic.address, 2**256 - 1)
    ModelsModel.deployment = Deployment(token, nft, lic)
    yield
    del ModelsModel.deployment


class ModelsModel(RuleBasedStateMachine):
    """Drives the deployment through one example; titanoboa reverts it afterwards."""

    deployment: Deployment

    @initialize(owner=accounts, recipients=splits(), royalty=st.integers(0, 2_000))
    def start(self, owner: str, recipients: list[tuple[str, int]], royalty: int) -> None:
        self.token = self.deployment.token
        self.nft = self.deployment.nft
        self.lic = self.deployment.lic
        self.fee_bps = FEE_BPS
        self.models: dict[int, Model] = {}
        self.expiry: dict[tuple[str, int, int], int] = {}
        self.balances: dict[int, int] = {}
        self.pending: dict[str, int] = {}
        self.credited: dict[str, int] = {}
        self.received: dict[str, int] = {}
        self.paid = self.fees = self.collected = self.withdrawn = 0
        self.unchanged = False
        self.register(owner, recipients, royalty, [])

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
        return data.draw(st.sampled_from(sorted(self.models)), label="model_id")

    def _pay(self, model_id: int, amount: int) -> None:
        fee = amount * self.fee_bps // 10_000
        self.paid += amount
        self.fees += fee
        self.balances[model_id] = self.balances.get(model_id, 0) + amount - fee

    def _entitled(self, account: str, parent: int) -> bool:
        return self.models[parent].owner == account or (account, parent, FINE_TUNE) in self.expiry

    def _distribute(self, model_id: int) -> None:
        m = self.models[model_id]
        recipients, parents = m.recipients, m.parents
        amount = self.balances.get(model_id, 0)
        if amount == 0:
            with self._rejected("model_licences: nothing to distribute"):
                self.lic.distribute(model_id, self.token.address, recipients, parents)
            return
        assert self.lic.distribute(model_id, self.token.address, recipients, parents) == amount
        self.balances[model_id] = 0
        to_parents = 0
        for parent, bps in parents:
            share = amount * bps // 10_000
            self.balances[parent] = self.balances.get(parent, 0) + share
            to_parents += share
        rest = left = amount - to_parents
        for i, (account, bps) in enumerate(recipients):
            share = left if i == len(recipients) - 1 else rest * bps // 10_000
            left -= share
            self.pending[account] = self.pending.get(account, 0) + share
            self.credited[account] = self.credited.get(account, 0) + share

    # --- registration and models -------------------------------------------------------------

    @rule(data=st.data(), owner=accounts, recipients=splits(), royalty=st.integers(0, 2_000))
    def register_model(
        self, data: st.DataObject, owner: str, recipients: list[tuple[str, int]], royalty: int
    ) -> None:
        existing = st.sampled_from(sorted(self.models))
        parents = data.draw(st.lists(existing, max_size=3, unique=True), label="parents")
        self.register(owner, recipients, royalty, parents)

    def register(
        self, owner: str, recipients: list[tuple[str, int]], royalty: int, parents: list[int]
    ) -> None:
        model_id = len(self.models) + 1
        chosen = sorted(parents)
        provenance = Provenance(datasets=[(1, 0, digest(f"receipt {model_id}"))], parents=chosen)
        args = (cid_bytes(f"artifact {model_id}"), cid_bytes("meta"), provenance.args(),
                recipients, royalty)  # fmt: skip
        reason = ""
        for parent in chosen:
            if self.models[parent].delisted:
                reason = reason or "modelnft: parent is delisted"
            elif not self._entitled(owner, parent):
                reason = reason or "modelnft: parent not owned or licensed for fine-tuning"
        shares = [(p, self.models[p].royalty) for p in chosen]
        if not reason and sum(bps for _, bps in shares) > 5_000:
            reason = "modelnft: parents' royalties exceed maximum"
        if reason:
            with self._rejected(reason, owner):
                self.nft.register(*args)
            return
        with boa.env.prank(owner):
            assert self.nft.register(*args) == model_id
        self.models[model_id] = Model(owner, recipients, shares, royalty)

    @rule(data=st.data(), caller=accounts, kind=kinds, price=st.one_of(st.just(0), prices))
    def set_terms(self, data: st.DataObject, caller: str, kind: int, price: int) -> None:
        model_id = self._pick(data)
        m = self.models[model_id]
        args = (model_id, kind, price, self.token.address, VALIDITY)
        if caller != m.owner:
            with self._rejected(NOT_MANAGER, caller):
                self.nft.set_terms(*args)
            return
        with boa.env.prank(caller):
            self.nft.set_terms(*args)
        m.prices[kind] = price

    @rule(data=st.data(), to=accounts)
    def transfer_model(self, data: st.DataObject, to: str) -> None:
        model_id = self._pick(data)
        m = self.models[model_id]
        with boa.env.prank(m.owner):
            self.nft.transferFrom(m.owner, to, model_id)
        m.owner = to  # the split does not change

    @rule(data=st.data())
    def toggle_delisting(self, data: st.DataObject) -> None:
        model_id = self._pick(data)
        m = self.models[model_id]
        with boa.env.prank(ADMIN):
            if m.delisted:
                self.nft.relist(model_id)
            else:
                self.nft.delist(model_id, "bafy-reason")
        m.delisted = not m.delisted

    @rule(fee_bps=st.integers(min_value=0, max_value=1_000))
    def set_fee(self, fee_bps: int) -> None:
        with boa.env.prank(ADMIN):
            self.lic.set_fee(fee_bps)
        self.fee_bps = fee_bps

    # --- payments ----------------------------------------------------------------------------

    @rule(data=st.data(), buyer=accounts, kind=kinds, slack=st.sampled_from([-1, 0, 1]))
    def buy(self, data: st.DataObject, buyer: str, kind: int, slack: int) -> None:
        model_id = self._pick(data)
        m = self.models[model_id]
        price = m.prices[kind]
        max_price = max(price + slack, 0)
        if m.delisted:
            reason = "model_licences: model is delisted"
        elif price == 0:
            reason = "model_licences: licence kind not for sale"
        elif slack < 0:
            reason = "model_licences: price above max_price"
        else:
            reason = ""
        if reason:
            with self._rejected(reason, buyer):
                self.lic.buy(model_id, kind, max_price)
            return
        with boa.env.prank(buyer):
            expiry = self.lic.buy(model_id, kind, max_price)
        held = self.expiry.get((buyer, model_id, kind), 0)
        assert expiry == max(held, self._now()) + VALIDITY
        self.expiry[buyer, model_id, kind] = expiry
        self._pay(model_id, price)

    @rule(data=st.data(), payer=accounts, amount=amounts)
    def pay_royalty(self, data: st.DataObject, payer: str, amount: int) -> None:
        model_id = self._pick(data)
        with boa.env.prank(payer):
            self.lic.pay_royalty(model_id, self.token.address, amount)
        self._pay(model_id, amount)

    @rule(data=st.data())
    def distribute(self, data: st.DataObject) -> None:
        self._distribute(self._pick(data))

    @rule()
    def distribute_everything(self) -> None:
        """Every model with a balance, children first: a parent's id is smaller than its
        children's, so one pass in decreasing id order empties every balance."""
        for model_id in sorted(self.models, reverse=True):
            if self.balances.get(model_id, 0):
                self._distribute(model_id)
        self.unchanged = False
        assert all(self.lic.model_balance(i, self.token.address) == 0 for i in self.models)

    @rule(account=accounts)
    def withdraw(self, account: str) -> None:
        amount = self.pending.get(account, 0)
        if amount == 0:
            with self._rejected("model_licences: nothing to withdraw", account):
                self.lic.withdraw(self.token.address)
            return
        with boa.env.prank(account):
            assert self.lic.withdraw(self.token.address) == amount
        self.pending[account] = 0
        self.withdrawn += amount
        self.received[account] = self.received.get(account, 0) + amount

    @rule()
    def collect_fees(self) -> None:
        if self.fees == self.collected:
            with self._rejected("model_licences: no fees to collect"):
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
        self.payments_are_fully_split_and_held()
        self.nothing_is_paid_twice()
        self.licences_are_valid_until_expiry_unless_delisted()

    def payments_are_fully_split_and_held(self) -> None:
        token, lic = self.token.address, self.lic
        balances = {i: lic.model_balance(i, token) for i in self.models}
        assert balances == {i: self.balances.get(i, 0) for i in self.models}
        pending = {a: lic.pending(a, token) for a in ACCOUNTS}
        assert pending == {a: self.pending.get(a, 0) for a in ACCOUNTS}
        uncollected = lic.fees(token)
        assert uncollected == self.fees - self.collected
        held = sum(balances.values()) + sum(pending.values()) + uncollected
        assert self.token.balanceOf(lic.address) == held
        assert (
            self.paid == self.fees + sum(balances.values()) + sum(pending.values()) + self.withdrawn
        )
        assert self.token.balanceOf(TREASURY) == self.collected

    def nothing_is_paid_twice(self) -> None:
        for account in ACCOUNTS:
            received = self.received.get(account, 0)
            assert received + self.pending.get(account, 0) == self.credited.get(account, 0)
        # No token is created or lost: the accounts, the treasury and the contract hold it all.
        total_out = sum(self.token.balanceOf(a) for a in ACCOUNTS) + self.token.balanceOf(TREASURY)
        assert total_out + self.token.balanceOf(self.lic.address) == len(ACCOUNTS) * FUNDS

    def licences_are_valid_until_expiry_unless_delisted(self) -> None:
        now = self._now()
        for (holder, model_id, kind), expiry in self.expiry.items():
            expected = now < expiry and not self.models[model_id].delisted
            assert self.lic.licence_valid(holder, model_id, kind) is expected
            assert self.lic.licence_expiry(holder, model_id, kind) == expiry


ModelsModel.TestCase.settings = settings(
    max_examples=20,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestModelsModel = ModelsModel.TestCase
