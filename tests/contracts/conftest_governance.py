"""Fixtures of the governance tests (a pytest plugin module).

Test modules load it with ``pytest_plugins = ["tests.contracts.conftest_governance"]``. It builds
a DAO the way docs/governance.md deploys one: NOOS (the deployer holds what it does not hand
out), snekmate's timelock holding a treasury, and the governor, which gets the timelock's
proposer and canceller roles before the deployer renounces its admin role. Voters have keys
(``castVoteBySig``) and have delegated to themselves one block before the tests start.

Helpers build proposals, move a proposal through its phases block by block, and sign ballots.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import boa
import pytest
from eth_abi import encode
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from tests.contracts._boa_helpers import mine, mine_to
from tests.contracts.conftest import CAP, NAME, SYMBOL, _key

ROOT = Path(__file__).resolve().parents[2]
GOVERNANCE = ROOT / "contracts" / "governance"
NOOS_SOURCE = ROOT / "contracts" / "token" / "noos.vy"

UNIT = 10**18
SUPPLY = 1_000_000 * UNIT
# Votes of the voters (each delegates to itself); the deployer keeps the rest undelegated.
ALICE_VOTES = 300_000 * UNIT
BOB_VOTES = 300_000 * UNIT
CAROL_VOTES = 30_000 * UNIT
DAVE_VOTES = 40_000 * UNIT  # exactly the quorum: 4 % of the supply
TREASURY = 100_000 * UNIT

GOVERNOR_NAME = "Noosphere Governor"
VOTING_DELAY = 10  # blocks
VOTING_PERIOD = 100  # blocks
THRESHOLD = 1_000 * UNIT
QUORUM_NUMERATOR = 4  # percent
QUORUM = SUPPLY * QUORUM_NUMERATOR // 100
TIMELOCK_DELAY = 86_400  # seconds

AGAINST, FOR, ABSTAIN = 0, 1, 2
PENDING, ACTIVE, CANCELED, DEFEATED, SUCCEEDED, QUEUED, EXPIRED, EXECUTED = range(8)
ZERO_ADDRESS = "0x" + "00" * 20

BALLOT_TYPES = {
    "Ballot": [
        {"name": "proposalId", "type": "uint256"},
        {"name": "support", "type": "uint8"},
        {"name": "voter", "type": "address"},
        {"name": "nonce", "type": "uint256"},
    ]
}
EXTENDED_BALLOT_TYPES = {
    "ExtendedBallot": [
        {"name": "proposalId", "type": "uint256"},
        {"name": "support", "type": "uint8"},
        {"name": "voter", "type": "address"},
        {"name": "nonce", "type": "uint256"},
        {"name": "reason", "type": "string"},
        {"name": "params", "type": "bytes"},
    ]
}

# A contract voter (ERC-1271): it accepts a signature of its owner's key over the digest, holds
# tokens and delegates them to itself.
WALLET_SOURCE = """
# pragma version ~=0.4.3
interface IVotes:
    def delegate(delegatee: address): nonpayable

owner: public(address)

@deploy
def __init__(owner_: address):
    self.owner = owner_

@external
def delegate_to_self(token: address):
    extcall IVotes(token).delegate(self)

@external
@view
def isValidSignature(hash: bytes32, signature: Bytes[1024]) -> bytes4:
    if len(signature) != 65:
        return 0xffffffff
    r: uint256 = extract32(signature, 0, output_type=uint256)
    s: uint256 = extract32(signature, 32, output_type=uint256)
    v: uint256 = convert(slice(signature, 64, 1), uint256)
    if ecrecover(hash, v, r, s) == self.owner:
        return 0x1626ba7e
    return 0xffffffff
"""

# A target whose function reverts with a reason, to check that execution bubbles it up.
REVERTER_SOURCE = """
# pragma version ~=0.4.3
@external
def fail():
    raise "reverter: no"
"""


@dataclass(frozen=True)
class Proposal:
    """The actions and description of a proposal, with its id and the argument tuples."""

    targets: tuple[str, ...]
    values: tuple[int, ...]
    calldatas: tuple[bytes, ...]
    description: str

    @property
    def description_hash(self) -> bytes:
        return keccak(text=self.description)

    @property
    def id(self) -> int:
        """``keccak256(abi.encode(targets, values, calldatas, descriptionHash))``."""
        encoded = encode(
            ["address[]", "uint256[]", "bytes[]", "bytes32"],
            [list(self.targets), list(self.values), list(self.calldatas), self.description_hash],
        )
        return int.from_bytes(keccak(encoded), "big")

    @property
    def propose_args(self) -> tuple[Any, ...]:
        return list(self.targets), list(self.values), list(self.calldatas), self.description

    @property
    def args(self) -> tuple[Any, ...]:
        """The arguments of ``queue``, ``execute`` and ``cancel``."""
        return list(self.targets), list(self.values), list(self.calldatas), self.description_hash


def calldata(contract: Any, function: str, *args: Any) -> bytes:
    """The calldata of ``contract.function(*args)``."""
    return bytes(getattr(contract, function).prepare_calldata(*args))


def timelock_salt(governor: Any, proposal: Proposal) -> bytes:
    """The timelock salt of a proposal: ``bytes20(governor) ^ descriptionHash``."""
    salt = int(governor.address, 16) << 96 ^ int.from_bytes(proposal.description_hash, "big")
    return salt.to_bytes(32, "big")


def transfer_proposal(token: Any, to: str, amount: int, description: str) -> Proposal:
    """A proposal that transfers ``amount`` NOOS from the timelock's treasury to ``to``."""
    return Proposal((token.address,), (0,), (calldata(token, "transfer", to, amount),), description)


def governor_proposal(governor: Any, function: str, value: int, description: str) -> Proposal:
    """A proposal that calls one of the governor's governance-only setters."""
    return Proposal((governor.address,), (0,), (calldata(governor, function, value),), description)


def sign_ballot(
    account: LocalAccount,
    governor: Any,
    proposal_id: int,
    support: int,
    nonce: int,
    voter: str | None = None,
) -> bytes:
    """A 65-byte EIP-712 ``Ballot`` signature (``r || s || v``) by ``account``'s key."""
    message = {
        "proposalId": proposal_id,
        "support": support,
        "voter": voter or account.address,
        "nonce": nonce,
    }
    return _sign(account, governor, BALLOT_TYPES, message)


def sign_extended_ballot(
    account: LocalAccount,
    governor: Any,
    proposal_id: int,
    support: int,
    nonce: int,
    reason: str,
    params: bytes,
) -> bytes:
    """A 65-byte EIP-712 ``ExtendedBallot`` signature by ``account``'s key."""
    message = {
        "proposalId": proposal_id,
        "support": support,
        "voter": account.address,
        "nonce": nonce,
        "reason": reason,
        "params": params,
    }
    return _sign(account, governor, EXTENDED_BALLOT_TYPES, message)


def _sign(account: LocalAccount, governor: Any, types: dict, message: dict) -> bytes:
    _, name, version, chain_id, verifying_contract, _, _ = governor.eip712Domain()
    domain = {
        "name": name,
        "version": version,
        "chainId": chain_id,
        "verifyingContract": verifying_contract,
    }
    signed = account.sign_typed_data(domain_data=domain, message_types=types, message_data=message)
    return signed.r.to_bytes(32, "big") + signed.s.to_bytes(32, "big") + bytes([signed.v])


def propose(governor: Any, proposal: Proposal, proposer: str) -> int:
    """Submit ``proposal`` from ``proposer``; returns its id."""
    with boa.env.prank(proposer):
        return int(governor.propose(*proposal.propose_args))


def to_active(governor: Any, proposal_id: int) -> None:
    """Advance to the first block of the vote (the block after the snapshot)."""
    mine_to(governor.proposalSnapshot(proposal_id) + 1)


def to_end(governor: Any, proposal_id: int) -> None:
    """Advance to the first block after the vote's deadline."""
    mine_to(governor.proposalDeadline(proposal_id) + 1)


def vote(governor: Any, proposal_id: int, voter: str, support: int) -> int:
    """Cast ``voter``'s ballot; returns the weight counted."""
    with boa.env.prank(voter):
        return int(governor.castVote(proposal_id, support))


def pass_proposal(governor: Any, proposal: Proposal, proposer: str, voters: dict[str, int]) -> int:
    """Propose, vote with ``voters`` (address -> support) and end the vote; returns the id."""
    proposal_id = propose(governor, proposal, proposer)
    to_active(governor, proposal_id)
    for voter, support in voters.items():
        vote(governor, proposal_id, voter, support)
    to_end(governor, proposal_id)
    return proposal_id


def queue_and_wait(governor: Any, proposal: Proposal) -> None:
    """Queue a succeeded proposal and let the timelock delay pass."""
    governor.queue(*proposal.args)
    boa.env.time_travel(seconds=TIMELOCK_DELAY)


def enact(governor: Any, proposal: Proposal, proposer: str, voters: dict[str, int]) -> int:
    """Take ``proposal`` through propose, vote, queue and execute; returns its id."""
    proposal_id = pass_proposal(governor, proposal, proposer, voters)
    queue_and_wait(governor, proposal)
    governor.execute(*proposal.args)
    return proposal_id


@cache
def deployer_of(name: str) -> Any:
    """Contract ``name`` ("noos", "timelock" or "governor") compiled once per process."""
    sources = {
        "noos": NOOS_SOURCE,
        "timelock": GOVERNANCE / "timelock.vy",
        "governor": GOVERNANCE / "governor.vy",
    }
    return boa.load_partial(str(sources[name]))


@pytest.fixture(scope="session")
def gov_deployer() -> str:
    """Deploys the DAO: NOOS's owner, temporary timelock admin, holder of undelegated supply."""
    return _key(11).address


@pytest.fixture(scope="session")
def dave() -> LocalAccount:
    """A fourth voter (``conftest.py`` has ``alice``, ``bob`` and ``carol``)."""
    return _key(15)


@pytest.fixture(scope="session")
def voters(alice, bob, carol, dave) -> dict[str, LocalAccount]:
    """The four voters with keys, by name."""
    return {"alice": alice, "bob": bob, "carol": carol, "dave": dave}


@pytest.fixture(scope="session")
def outsider() -> LocalAccount:
    """An account with a key and no tokens."""
    return _key(16)


@pytest.fixture(scope="session")
def governor_deployer():
    """The governor compiled once."""
    return deployer_of("governor")


@pytest.fixture(scope="session")
def timelock_deployer():
    """The timelock compiled once."""
    return deployer_of("timelock")


@pytest.fixture(scope="session")
def dao(gov_deployer, voters, governor_deployer, timelock_deployer) -> tuple[Any, Any, Any]:
    """``(token, timelock, governor)`` wired as in production, voters' votes one block old."""
    with boa.env.prank(gov_deployer):
        token = deployer_of("noos").deploy(NAME, SYMBOL, CAP, gov_deployer, SUPPLY)
        timelock = timelock_deployer.deploy(TIMELOCK_DELAY, [], [ZERO_ADDRESS], gov_deployer)
        governor = governor_deployer.deploy(
            GOVERNOR_NAME,
            token.address,
            timelock.address,
            VOTING_DELAY,
            VOTING_PERIOD,
            THRESHOLD,
            QUORUM_NUMERATOR,
        )
        timelock.grantRole(timelock.PROPOSER_ROLE(), governor.address)
        timelock.grantRole(timelock.CANCELLER_ROLE(), governor.address)
        timelock.renounceRole(timelock.DEFAULT_ADMIN_ROLE(), gov_deployer)
        amounts = (ALICE_VOTES, BOB_VOTES, CAROL_VOTES, DAVE_VOTES)
        for account, amount in zip(voters.values(), amounts, strict=True):
            token.transfer(account.address, amount)
        token.transfer(timelock.address, TREASURY)
    for account in voters.values():
        with boa.env.prank(account.address):
            token.delegate(account.address)
    mine()
    return token, timelock, governor


@pytest.fixture(scope="session")
def gov_token(dao):
    """NOOS of the DAO (not ``conftest.py``'s ``token``)."""
    return dao[0]


@pytest.fixture(scope="session")
def timelock(dao):
    return dao[1]


@pytest.fixture(scope="session")
def governor(dao):
    return dao[2]


@pytest.fixture(scope="session")
def grant(gov_token, outsider) -> Proposal:
    """A proposal that pays 1,000 NOOS from the treasury to the outsider."""
    return transfer_proposal(
        gov_token, outsider.address, 1_000 * UNIT, "Grant #1: pay the outsider"
    )
