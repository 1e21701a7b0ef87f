"""Typed client of the DAO: the governor (OpenZeppelin v5 semantics) and its timelock.

Proposals are read from the governor's ``ProposalCreated`` events (actions, description,
proposer, snapshot and deadline), their state, tallies, quorum and ETA from its views. Every
transaction is checked first (threshold, state, ballot already cast, ETA, proposer), so a
refusal is a specific :class:`~noosphere.errors.DaoError` before anything is signed; the
governor's own ``"governor: ..."`` reverts map to the same errors. See docs/governance.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from noosphere.chain.client import Chain, Receipt
from noosphere.chain.dao_actions import Action
from noosphere.chain.dao_types import (  # re-exported
    BALLOT_TYPES,
    DEFAULT_BLOCK_SECONDS,
    MAX_ACTIONS,
    MAX_CALLDATA,
    MAX_DESCRIPTION,
    MAX_REASON,
    STATES,
    SUPPORT,
    DaoParams,
    Proposal,
    ProposalStatus,
    Tally,
    approx_duration,
    proposal_from_log,
    proposal_id,
    support_code,
    utc_time,
)
from noosphere.chain.manifest import Manifest
from noosphere.chain.token import NoosToken, checked_address, format_amount
from noosphere.errors import (
    AlreadyVotedError,
    BelowProposalThresholdError,
    DaoError,
    InputError,
    InvalidBallotSignatureError,
    ProposalNotFoundError,
    ProposalStateError,
    TransactionRevertedError,
)


class Dao:
    """The governor and timelock of one deployment."""

    def __init__(self, chain: Chain, manifest: Manifest) -> None:
        self.chain = chain
        self.manifest = manifest
        self.governor = chain.contract("governor", manifest.address("governor"))
        self.timelock = chain.contract("timelock", manifest.address("timelock"))
        self.token = NoosToken(chain, manifest.address("noos"))
        self._start = manifest.contracts["governor"].block_number

    # --- reading -------------------------------------------------------------------------------
    def params(self) -> DaoParams:
        """Voting delay and period (blocks), threshold, quorum fraction, timelock delay (s)."""
        g = self.governor.functions
        values = self.chain.call_many([
            g.name(), g.votingDelay(), g.votingPeriod(), g.proposalThreshold(),
            g.quorumNumerator(), g.quorumDenominator(), self.timelock.functions.get_minimum_delay(),
        ])  # fmt: skip
        delay, period, threshold, numerator, denominator, timelock_delay = map(int, values[1:])
        return DaoParams(
            name=str(values[0]), voting_delay=delay, voting_period=period,
            proposal_threshold=threshold, quorum_numerator=numerator,
            quorum_denominator=denominator, timelock_delay=timelock_delay,
            timelock=self.timelock.address, token=self.token.address,
        )  # fmt: skip

    def proposals(self) -> list[Proposal]:
        """Every proposal ever made, oldest first."""
        event = self.governor.events.ProposalCreated()
        logs = event.get_logs(from_block=self._start, to_block=self.chain.block_number)
        return [proposal_from_log(log) for log in logs]

    def proposal(self, pid: int) -> Proposal:
        """The proposal ``pid``; ProposalNotFoundError if none has this id."""
        for found in self.proposals():
            if found.proposal_id == pid:
                return found
        raise ProposalNotFoundError(f"no proposal has id {pid}", hint="see `noos dao list`")

    def resolve_id(self, text: str) -> Proposal:
        """The proposal whose id is ``text`` (decimal or hex), or starts with it (unique)."""
        clean = text.strip().lower()
        if not clean or not all(c in "0123456789abcdefx" for c in clean):
            raise InputError(f"proposal id {text!r} is not a number", hint="e.g. 0x1a2b3c4d")
        known = self.proposals()
        if clean.startswith("0x"):
            digits = clean[2:]
            matches = [p for p in known if f"{p.proposal_id:064x}".startswith(digits)]
            exact = [p for p in known if digits and p.proposal_id == int(digits, 16)]
        elif clean.isdigit():
            matches = [p for p in known if str(p.proposal_id).startswith(clean)]
            exact = [p for p in known if p.proposal_id == int(clean)]
        else:
            raise InputError(f"proposal id {text!r} is neither decimal nor 0x hex")
        if exact:
            return exact[0]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise ProposalNotFoundError(f"no proposal id starts with {text!r}",
                                        hint="see `noos dao list`")  # fmt: skip
        shown = ", ".join(p.short_id for p in matches[:5])
        raise ProposalNotFoundError(f"proposal id {text!r} is ambiguous ({shown}, ...)",
                                    hint="give more digits")  # fmt: skip

    def state(self, pid: int) -> str:
        """OpenZeppelin's state name (``Pending``, ``Active``, ... ``Executed``)."""
        return STATES[int(self._view(self.governor.functions.state(pid)))]

    def votes(self, pid: int) -> Tally:
        """The tallies of proposal ``pid``."""
        against, for_votes, abstain = self._view(self.governor.functions.proposalVotes(pid))
        return Tally(int(for_votes), int(against), int(abstain))

    def quorum(self, snapshot: int) -> int:
        """Votes (for + abstain) needed at ``snapshot``; read at the latest block until then."""
        block = self.chain.block_number
        return int(self._view(self.governor.functions.quorum(min(snapshot, block - 1))))

    def status(self, proposal: Proposal) -> ProposalStatus:
        """State, tallies, quorum and ETA of ``proposal``, read at one block."""
        block = self.chain.block_number
        g, pid = self.governor.functions, proposal.proposal_id
        state, votes, quorum, eta = self.chain.call_many(
            [g.state(pid), g.proposalVotes(pid), g.quorum(min(proposal.snapshot, block - 1)),
             g.proposalEta(pid)], block=block,
        )  # fmt: skip
        against, for_votes, abstain = (int(v) for v in votes)
        return ProposalStatus(proposal, STATES[int(state)], Tally(for_votes, against, abstain),
                              int(quorum), int(eta), block)  # fmt: skip

    def has_voted(self, pid: int, account: str) -> bool:
        """True if ``account`` cast a ballot on ``pid``."""
        fn = self.governor.functions.hasVoted(pid, checked_address(account))
        return bool(self._view(fn))

    def ballot(self, proposal: Proposal, voter: str) -> tuple[str, int, str] | None:
        """``(support, weight, reason)`` of ``voter``'s ballot on ``proposal``, None if none."""
        event = self.governor.events.VoteCast()
        logs = event.get_logs(from_block=proposal.block_number, to_block=self.chain.block_number,
                              argument_filters={"voter": checked_address(voter)})  # fmt: skip
        for log in logs:
            if int(log["args"]["proposalId"]) == proposal.proposal_id:
                names = {code: name for name, code in SUPPORT.items()}
                args = log["args"]
                return names[int(args["support"])], int(args["weight"]), str(args["reason"])
        return None

    def eta(self, pid: int) -> int:
        """The unix time from which a queued proposal may be executed (0 if not queued)."""
        return int(self._view(self.governor.functions.proposalEta(pid)))

    def block_seconds(self, sample: int = 100) -> float:
        """Average seconds per block over the last ``sample`` blocks (12 s if unknown)."""
        head = self.chain.w3.eth.get_block("latest")
        start = max(int(head["number"]) - sample, 0)
        if int(head["number"]) == start:
            return DEFAULT_BLOCK_SECONDS
        first = self.chain.w3.eth.get_block(start)
        spent = int(head["timestamp"]) - int(first["timestamp"])
        return max(spent / (int(head["number"]) - start), 1.0) if spent > 0 else 1.0

    def now(self) -> int:
        """The latest block's timestamp."""
        return int(self.chain.w3.eth.get_block("latest")["timestamp"])

    def treasury(self) -> tuple[int, int]:
        """``(NOOS, native)`` held by the timelock, in base units."""
        return self.token.balance_of(self.timelock.address), self.chain.balance(
            self.timelock.address
        )

    def voting_power(self, account: str) -> tuple[int, int, str]:
        """``(NOOS balance, current votes, delegate)`` of ``account``."""
        return (self.token.balance_of(account), self.token.votes(account),
                self.token.delegates(account))  # fmt: skip

    # --- checks --------------------------------------------------------------------------------
    def check_can_propose(self, proposer: str, actions: Sequence[Action], description: str) -> int:
        """Refuse what the governor would refuse; returns the proposal id it would get."""
        if not actions:
            raise InputError("a proposal needs at least one action", hint="add --action")
        if len(actions) > MAX_ACTIONS:
            raise InputError(f"a proposal has at most {MAX_ACTIONS} actions, not {len(actions)}")
        for action in actions:
            if len(action.calldata) > MAX_CALLDATA:
                raise InputError(f"action {action.preview} has {len(action.calldata)} bytes of "
                                 f"calldata, more than {MAX_CALLDATA}")  # fmt: skip
        if len(description.encode()) > MAX_DESCRIPTION:
            raise InputError(f"the description is longer than {MAX_DESCRIPTION:,} bytes")
        threshold = int(self._view(self.governor.functions.proposalThreshold()))
        votes = self.token.votes(proposer)
        if votes < threshold:
            balance = self.token.balance_of(proposer)
            raise BelowProposalThresholdError(
                f"{proposer} has {format_amount(votes)} votes, below the proposal threshold of "
                f"{format_amount(threshold)} NOOS",
                hint="delegate to yourself first (`noos dao delegate`): it holds "
                f"{format_amount(balance)} NOOS" if balance >= threshold else
                "gather delegations from other holders (`noos dao delegate ADDRESS` on theirs)",
            )  # fmt: skip
        pid = proposal_id([a.target for a in actions], [a.value for a in actions],
                          [a.calldata for a in actions], description)  # fmt: skip
        if any(p.proposal_id == pid for p in self.proposals()):
            raise DaoError(
                f"this proposal already exists (id {pid:#x})",
                hint="change the description to propose the same actions again",
            )
        return pid

    def check_can_vote(self, pid: int, voter: str) -> None:
        """Refuse a ballot the governor would refuse: not open, or already cast."""
        state = self.state(pid)
        if state == "Pending":
            proposal = self.proposal(pid)
            left = proposal.snapshot + 1 - self.chain.block_number
            raise ProposalStateError(
                f"voting on {proposal.short_id} has not started: it opens at block "
                f"{proposal.snapshot + 1} (in {left} block(s), about "
                f"{approx_duration(left * self.block_seconds())})"
            )
        if state != "Active":
            raise ProposalStateError(f"voting on proposal {pid:#x} is closed (it is {state})")
        if self.has_voted(pid, voter):
            raise AlreadyVotedError(f"{voter} already voted on proposal {pid:#x}",
                                    hint="a ballot cannot be changed")  # fmt: skip

    def check_state(self, proposal: Proposal, action: str, wanted: str) -> None:
        """Refuse ``action`` unless ``proposal`` is in state ``wanted``."""
        state = self.state(proposal.proposal_id)
        if state != wanted:
            raise ProposalStateError(
                f"cannot {action} proposal {proposal.short_id}: it is {state}, not {wanted}",
                hint=_STATE_HINTS.get((action, state)),
            )

    def check_ready(self, proposal: Proposal) -> None:
        """Refuse to execute before the ETA (and outside the Queued state)."""
        self.check_state(proposal, "execute", "Queued")
        eta, now = self.eta(proposal.proposal_id), self.now()
        if now < eta:
            raise ProposalStateError(
                f"proposal {proposal.short_id} cannot be executed before its ETA, "
                f"{utc_time(eta)} (in about {approx_duration(eta - now)})",
                hint="the timelock delay protects holders who disagree; try again then",
            )

    # --- transactions --------------------------------------------------------------------------
    def propose(self, account: LocalAccount, actions: Sequence[Action], description: str
                ) -> tuple[int, Receipt]:  # fmt: skip
        """Submit a proposal of ``actions``; returns its id and the receipt."""
        pid = self.check_can_propose(account.address, actions, description)
        fn = self.governor.functions.propose(
            [a.target for a in actions], [a.value for a in actions],
            [a.calldata for a in actions], description,
        )  # fmt: skip
        return pid, self._send(account, fn)

    def cast_vote(self, account: LocalAccount, pid: int, support: str | int,
                  reason: str = "") -> Receipt:  # fmt: skip
        """Cast ``account``'s ballot (``for``, ``against`` or ``abstain``) with a reason."""
        code = support_code(support)
        if len(reason.encode()) > MAX_REASON:
            raise InputError(f"the reason is longer than {MAX_REASON:,} bytes")
        self.check_can_vote(pid, account.address)
        g = self.governor.functions
        fn = g.castVoteWithReason(pid, code, reason) if reason else g.castVote(pid, code)
        return self._send(account, fn)

    def sign_ballot(self, voter: LocalAccount, pid: int, support: str | int,
                    nonce: int | None = None) -> bytes:  # fmt: skip
        """A 65-byte EIP-712 ``Ballot`` signature by ``voter`` (nonce: its next by default)."""
        _, name, version, chain_id, contract, _, _ = self._view(
            self.governor.functions.eip712Domain()
        )
        if nonce is None:
            nonce = int(self._view(self.governor.functions.nonces(voter.address)))
        message = {"proposalId": pid, "support": support_code(support),
                   "voter": voter.address, "nonce": nonce}  # fmt: skip
        domain = {"name": name, "version": version, "chainId": chain_id,
                  "verifyingContract": contract}  # fmt: skip
        signed = voter.sign_typed_data(domain_data=domain, message_types=BALLOT_TYPES,
                                       message_data=message)  # fmt: skip
        return signed.r.to_bytes(32, "big") + signed.s.to_bytes(32, "big") + bytes([signed.v])

    def cast_vote_by_sig(self, sender: LocalAccount, pid: int, support: str | int, voter: str,
                         signature: bytes) -> Receipt:  # fmt: skip
        """Submit (and pay for) ``voter``'s signed ballot."""
        voter = checked_address(voter, "voter")
        self.check_can_vote(pid, voter)
        fn = self.governor.functions.castVoteBySig(pid, support_code(support), voter, signature)
        return self._send(sender, fn)

    def queue(self, account: LocalAccount, proposal: Proposal) -> Receipt:
        """Queue a succeeded proposal in the timelock."""
        self.check_state(proposal, "queue", "Succeeded")
        return self._send(account, self.governor.functions.queue(*proposal.call_args))

    def execute(self, account: LocalAccount, proposal: Proposal) -> Receipt:
        """Execute a queued proposal whose ETA has come (its actions' value is sent along)."""
        self.check_ready(proposal)
        fn = self.governor.functions.execute(*proposal.call_args)
        try:
            return self.chain.transact(account, fn, value=sum(proposal.values))
        except TransactionRevertedError as error:
            raise self._refusal(error) from None

    def check_can_cancel(self, proposal: Proposal, account: str) -> None:
        """Refuse unless ``account`` proposed ``proposal`` and it is still Pending."""
        if to_checksum_address(account) != proposal.proposer:
            raise DaoError(f"only the proposer {proposal.proposer} can cancel {proposal.short_id}")
        self.check_state(proposal, "cancel", "Pending")

    def cancel(self, account: LocalAccount, proposal: Proposal) -> Receipt:
        """Cancel a pending proposal (its proposer only)."""
        self.check_can_cancel(proposal, account.address)
        return self._send(account, self.governor.functions.cancel(*proposal.call_args))

    # --- helpers -------------------------------------------------------------------------------
    def _view(self, fn: Any) -> Any:
        try:
            return self.chain.call(fn)
        except TransactionRevertedError as error:
            raise self._refusal(error) from None

    def _send(self, account: LocalAccount, fn: Any) -> Receipt:
        try:
            return self.chain.transact(account, fn)
        except TransactionRevertedError as error:
            raise self._refusal(error) from None

    @staticmethod
    def _refusal(error: TransactionRevertedError) -> Exception:
        """Map a ``"governor: ..."`` revert to a specific DaoError."""
        reason = error.reason
        if not reason.startswith("governor: "):
            return error
        what = reason.removeprefix("governor: ")
        if what == "unknown proposal id":
            return ProposalNotFoundError("no proposal has this id", hint="see `noos dao list`")
        if what == "vote already cast":
            return AlreadyVotedError("this account already voted on the proposal")
        if what == "invalid signature":
            return InvalidBallotSignatureError(
                "the ballot signature is invalid: malformed, by another key, or already used"
            )
        if what == "proposer votes below threshold":
            return BelowProposalThresholdError("the proposer's votes are below the threshold",
                                               hint="delegate to yourself first")  # fmt: skip
        if what.startswith(("voting ", "proposal ", "only a pending")):
            return ProposalStateError(what)
        return DaoError(what)


_STATE_HINTS = {
    ("queue", "Active"): "wait for the vote to end",
    ("queue", "Pending"): "the vote has not started yet",
    ("queue", "Defeated"): "a defeated proposal cannot be queued; propose again",
    ("queue", "Queued"): "it is queued already: execute it after its ETA",
    ("execute", "Succeeded"): "queue it first (`noos dao queue ID`)",
    ("execute", "Defeated"): "a defeated proposal cannot be executed",
    ("cancel", "Active"): "only a pending proposal can be canceled",
}


__all__ = ["DEFAULT_BLOCK_SECONDS", "SUPPORT", "Dao", "approx_duration", "support_code", "utc_time"]
