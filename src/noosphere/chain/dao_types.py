"""The DAO's values: proposals, tallies, statuses, parameters, and small conversions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils import keccak, to_checksum_address

from noosphere.chain.subnet_guard import utc_time as utc_time  # re-exported for the DAO's views
from noosphere.errors import InputError

STATES = ("Pending", "Active", "Canceled", "Defeated", "Succeeded", "Queued", "Expired", "Executed")
SUPPORT = {"against": 0, "for": 1, "abstain": 2}
MAX_ACTIONS = 10
MAX_CALLDATA = 1_024
MAX_DESCRIPTION = 16_384
MAX_REASON = 2_048
DEFAULT_BLOCK_SECONDS = 12.0
BALLOT_TYPES = {
    "Ballot": [
        {"name": "proposalId", "type": "uint256"},
        {"name": "support", "type": "uint8"},
        {"name": "voter", "type": "address"},
        {"name": "nonce", "type": "uint256"},
    ]
}


@dataclass(frozen=True)
class Proposal:
    """A proposal as ``ProposalCreated`` recorded it."""

    proposal_id: int
    proposer: str
    targets: tuple[str, ...]
    values: tuple[int, ...]
    calldatas: tuple[bytes, ...]
    description: str
    snapshot: int
    deadline: int
    block_number: int

    @property
    def description_hash(self) -> bytes:
        """``keccak256(description)``, the last argument of queue, execute and cancel."""
        return keccak(text=self.description)

    @property
    def title(self) -> str:
        """The description's first line without Markdown heading marks."""
        first = self.description.strip().splitlines()[0] if self.description.strip() else ""
        return first.lstrip("#").strip() or "(untitled)"

    @property
    def short_id(self) -> str:
        """The first 8 hex digits of the id, ``0x``-prefixed (accepted as an id prefix)."""
        return f"0x{self.proposal_id:064x}"[:10]

    @property
    def call_args(self) -> tuple[list[str], list[int], list[bytes], bytes]:
        """``(targets, values, calldatas, descriptionHash)``."""
        return list(self.targets), list(self.values), list(self.calldatas), self.description_hash


@dataclass(frozen=True)
class Tally:
    """Votes for, against and abstaining (in NOOS base units)."""

    for_votes: int
    against: int
    abstain: int


@dataclass(frozen=True)
class ProposalStatus:
    """Where a proposal stands at ``block``."""

    proposal: Proposal
    state: str
    tally: Tally
    quorum: int
    eta: int
    block: int

    @property
    def quorum_votes(self) -> int:
        """Votes counting towards the quorum: for + abstain."""
        return self.tally.for_votes + self.tally.abstain


@dataclass(frozen=True)
class DaoParams:
    """The governor's settings and the timelock's delay."""

    name: str
    voting_delay: int
    voting_period: int
    proposal_threshold: int
    quorum_numerator: int
    quorum_denominator: int
    timelock_delay: int
    timelock: str
    token: str


def proposal_id(targets: Sequence[str], values: Sequence[int], calldatas: Sequence[bytes],
                description: str) -> int:  # fmt: skip
    """``hashProposal``: keccak256(abi.encode(targets, values, calldatas, descriptionHash))."""
    from eth_abi import encode

    encoded = encode(
        ["address[]", "uint256[]", "bytes[]", "bytes32"],
        [list(targets), list(values), list(calldatas), keccak(text=description)],
    )
    return int.from_bytes(keccak(encoded), "big")


def support_code(support: str | int) -> int:
    """``for`` → 1, ``against`` → 0, ``abstain`` → 2 (Governor Bravo's order)."""
    if isinstance(support, int) and support in SUPPORT.values():
        return support
    code = SUPPORT.get(str(support).strip().lower())
    if code is None:
        raise InputError(f"vote {support!r} is not one of for, against, abstain")
    return code


def approx_duration(seconds: float) -> str:
    """``"3 h 20 min"``, ``"45 s"``: a rough human duration."""
    seconds = max(int(seconds), 0)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def proposal_from_log(log: Any) -> Proposal:
    """A :class:`Proposal` from a decoded ``ProposalCreated`` log."""
    args = log["args"]
    return Proposal(
        proposal_id=int(args["proposalId"]),
        proposer=to_checksum_address(args["proposer"]),
        targets=tuple(to_checksum_address(t) for t in args["targets"]),
        values=tuple(int(v) for v in args["values"]),
        calldatas=tuple(bytes(c) for c in args["calldatas"]),
        description=str(args["description"]),
        snapshot=int(args["voteStart"]),
        deadline=int(args["voteEnd"]),
        block_number=int(log["blockNumber"]),
    )
