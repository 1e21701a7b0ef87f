"""NOOS token against a Python model: random mints, transfers, burns, delegations and blocks.

The model keeps balances, allowances, delegates and, for every block in which something
changed, the total supply and each delegate's votes at the end of that block. Invariants
compare the contract with the model after every step; past lookups are checked as blocks
become past, and over every block of the run at teardown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import boa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

NOOS_SOURCE = Path(__file__).resolve().parents[2] / "contracts" / "token" / "noos.vy"
NOOS = boa.load_partial(str(NOOS_SOURCE))

CAP = 1_000_000
MINTER = "0x" + "a0" * 20
ACCOUNTS = ["0x" + f"{n:02x}" * 20 for n in (0x11, 0x22, 0x33, 0x44)]
ZERO_ADDRESS = "0x" + "00" * 20

accounts = st.sampled_from(ACCOUNTS)
delegatees = st.sampled_from([*ACCOUNTS, ZERO_ADDRESS])
# A share of a balance or allowance, in percent; above 100 the call must revert.
shares = st.integers(min_value=0, max_value=110)


@dataclass
class Snapshot:
    """The model's total supply and votes per delegate at the end of one block."""

    supply: int
    votes: dict[str, int] = field(default_factory=dict)


class NoosModel(RuleBasedStateMachine):
    """Drives one fresh NOOS deployment per example; titanoboa reverts it afterwards."""

    @initialize(
        amounts=st.lists(st.integers(min_value=1, max_value=200_000), min_size=4, max_size=4)
    )
    def deploy(self, amounts: list[int]) -> None:
        """Deploy, then mint a starting balance to every account in the deployment block."""
        with boa.env.prank(MINTER):
            self.token = NOOS.deploy("Noosphere", "NOOS", CAP, ZERO_ADDRESS, 0)
            for account, amount in zip(ACCOUNTS, amounts, strict=True):
                self.token.mint(account, amount)
        self.first_block = self.token.clock()
        self.balances = dict(zip(ACCOUNTS, amounts, strict=True))
        self.allowances: dict[tuple[str, str], int] = {}
        self.delegates = dict.fromkeys(ACCOUNTS, ZERO_ADDRESS)
        self.history: dict[int, Snapshot] = {}
        self.checked_until = self.first_block
        self._record()

    # --- model -----------------------------------------------------------------------

    def _votes(self) -> dict[str, int]:
        votes = dict.fromkeys(ACCOUNTS, 0)
        for account, delegate in self.delegates.items():
            if delegate != ZERO_ADDRESS:
                votes[delegate] += self.balances[account]
        return votes

    def _record(self) -> None:
        """Record the state at the end of the current block (the last change wins)."""
        self.history[self.token.clock()] = Snapshot(sum(self.balances.values()), self._votes())

    def _at(self, block: int) -> Snapshot:
        """The model's state at the end of ``block``."""
        known = [b for b in self.history if b <= block]
        return self.history[max(known)] if known else Snapshot(0, dict.fromkeys(ACCOUNTS, 0))

    def _check_past(self, block: int) -> None:
        expected = self._at(block)
        assert self.token.getPastTotalSupply(block) == expected.supply
        for account in ACCOUNTS:
            assert self.token.getPastVotes(account, block) == expected.votes[account]

    # --- rules -----------------------------------------------------------------------

    @rule(to=accounts, amount=st.integers(min_value=0, max_value=400_000))
    def mint(self, to: str, amount: int) -> None:
        if sum(self.balances.values()) + amount > CAP:
            with boa.reverts("noos: cap exceeded"), boa.env.prank(MINTER):
                self.token.mint(to, amount)
            return
        with boa.env.prank(MINTER):
            self.token.mint(to, amount)
        self.balances[to] += amount
        self._record()

    @rule(source=accounts, to=accounts, share=shares)
    def transfer(self, source: str, to: str, share: int) -> None:
        amount = self.balances[source] * share // 100 + (share > 100)
        if amount > self.balances[source]:
            with boa.reverts("erc20: transfer amount exceeds balance"), boa.env.prank(source):
                self.token.transfer(to, amount)
            return
        with boa.env.prank(source):
            self.token.transfer(to, amount)
        self.balances[source] -= amount
        self.balances[to] += amount
        self._record()

    @rule(owner=accounts, spender=accounts, amount=st.integers(min_value=0, max_value=500_000))
    def approve(self, owner: str, spender: str, amount: int) -> None:
        with boa.env.prank(owner):
            self.token.approve(spender, amount)
        self.allowances[owner, spender] = amount

    @rule(data=st.data(), to=accounts, share=shares)
    def transfer_from(self, data: st.DataObject, to: str, share: int) -> None:
        # Prefer pairs with an allowance, so that most calls get past the allowance check.
        approved = sorted(pair for pair, amount in self.allowances.items() if amount)
        pairs = st.sampled_from(approved) if approved else st.tuples(accounts, accounts)
        owner, spender = data.draw(pairs, label="owner, spender")
        allowance = self.allowances.get((owner, spender), 0)
        amount = min(allowance, self.balances[owner]) * share // 100 + (share > 100)
        if amount > allowance:
            with boa.reverts("erc20: insufficient allowance"), boa.env.prank(spender):
                self.token.transferFrom(owner, to, amount)
            return
        if amount > self.balances[owner]:
            with boa.reverts("erc20: transfer amount exceeds balance"), boa.env.prank(spender):
                self.token.transferFrom(owner, to, amount)
            return
        with boa.env.prank(spender):
            self.token.transferFrom(owner, to, amount)
        self.allowances[owner, spender] = allowance - amount
        self.balances[owner] -= amount
        self.balances[to] += amount
        self._record()

    @rule(owner=accounts, share=shares)
    def burn(self, owner: str, share: int) -> None:
        amount = self.balances[owner] * share // 100 + (share > 100)
        if amount > self.balances[owner]:
            with boa.reverts("erc20: burn amount exceeds balance"), boa.env.prank(owner):
                self.token.burn(amount)
            return
        with boa.env.prank(owner):
            self.token.burn(amount)
        self.balances[owner] -= amount
        self._record()

    @rule(account=accounts, delegatee=delegatees)
    def delegate(self, account: str, delegatee: str) -> None:
        with boa.env.prank(account):
            self.token.delegate(delegatee)
        self.delegates[account] = delegatee
        self._record()

    @rule(blocks=st.integers(min_value=1, max_value=3))
    def mine(self, blocks: int) -> None:
        boa.env.time_travel(blocks=blocks)

    # --- invariants ------------------------------------------------------------------

    @invariant()
    def supply_is_the_sum_of_balances(self) -> None:
        for account in ACCOUNTS:
            assert self.token.balanceOf(account) == self.balances[account]
        assert self.token.totalSupply() == sum(self.balances.values())

    @invariant()
    def votes_are_the_delegated_balances(self) -> None:
        votes = {account: self.token.getVotes(account) for account in ACCOUNTS}
        assert votes == self._votes()
        delegated = sum(b for a, b in self.balances.items() if self.delegates[a] != ZERO_ADDRESS)
        assert sum(votes.values()) == delegated
        for account in ACCOUNTS:
            assert self.token.delegates(account) == self.delegates[account]

    @invariant()
    def blocks_that_became_past_match_the_model(self) -> None:
        now = self.token.clock()
        for block in range(self.checked_until, now):
            self._check_past(block)
        self.checked_until = max(self.checked_until, now)

    def teardown(self) -> None:
        if "first_block" not in vars(self):
            return
        for block in range(self.first_block - 1, self.token.clock()):
            self._check_past(block)


NoosModel.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestNoosModel = NoosModel.TestCase
