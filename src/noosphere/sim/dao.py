"""The DAO in the simulation: the subnet is funded by a vote.

The simulation's chain is deployed as a real one is: every admin role, NOOS's ownership and a
treasury are handed to the DAO's timelock (:data:`SIM_DEPLOY` only shortens the vote and the
timelock delay). So the simulated subnet's emission share, the settlement windows the
simulation runs with and the role that registers the subnet's community model come from one
proposal, which the subnet's owner, the largest holder, carries through OpenZeppelin's whole
lifecycle: delegate, propose, vote, queue in the timelock, wait for the delay, execute.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_account.signers.local import LocalAccount

from noosphere.chain.dao import Dao
from noosphere.chain.dao_actions import parse_action
from noosphere.chain.deploy import DeployParams
from noosphere.chain.protocol import Protocol
from noosphere.errors import NoosphereError

NOOS = 10**18
SIM_DEPLOY = DeployParams(voting_delay=1, voting_period=5, proposal_threshold=NOOS,
                          timelock_delay=10)  # fmt: skip
"""A production deployment with a vote of a few blocks and a ten-second timelock."""
CHALLENGE_WINDOW, ATTEST_WINDOW = 5, 200
"""The settlement windows (blocks) the simulation's epochs run with."""


@dataclass(frozen=True)
class DaoVote:
    """The proposal that funded the simulated subnet, as executed."""

    proposal_id: int
    title: str
    actions: tuple[str, ...]
    votes_for: int
    quorum: int
    executed_block: int

    def as_json(self) -> dict[str, object]:
        """The report's form."""
        return {"proposal_id": hex(self.proposal_id), "title": self.title,
                "actions": list(self.actions), "votes_for": self.votes_for,
                "quorum": self.quorum, "executed_block": self.executed_block}  # fmt: skip


def fund_subnet_by_vote(protocol: Protocol, holder: LocalAccount, netuid: int) -> DaoVote:
    """Pass the proposal funding ``netuid`` with ``holder``'s votes; return what passed."""
    chain, manifest = protocol.chain, protocol.manifest
    dao = Dao(chain, manifest)
    protocol.token.delegate(holder, holder.address)
    role = chain.call(chain.contract("modelnft", manifest.address("modelnft")).functions
                      .COMMUNITY_ROLE())  # fmt: skip
    texts = (f"emitter.set_share({netuid}, 10000)",
             f"epochs.set_windows({CHALLENGE_WINDOW}, {ATTEST_WINDOW})",
             f"modelnft.grantRole(0x{bytes(role).hex()}, {holder.address})")  # fmt: skip
    title = f"Fund subnet {netuid}"
    description = (f"# {title}\n\nAll of the emission to subnet {netuid}, its settlement "
                   "windows, and its owner registers its community models.")  # fmt: skip
    params = dao.params()
    chain.mine(1)  # the votes a proposer holds count from the block after its delegation
    pid, _ = dao.propose(holder, [parse_action(t, manifest) for t in texts], description)
    chain.mine(params.voting_delay + 1)
    dao.cast_vote(holder, pid, "for", "the simulated subnet needs its emission")
    chain.mine(params.voting_period + 1)
    dao.queue(holder, dao.proposal(pid))
    chain.rpc("evm_increaseTime", [params.timelock_delay + 1])
    chain.mine(1)
    receipt = dao.execute(holder, dao.proposal(pid))
    if dao.state(pid) != "Executed":
        raise NoosphereError(f"the proposal funding subnet {netuid} is {dao.state(pid)}")
    snapshot = dao.proposal(pid).snapshot
    return DaoVote(pid, title, texts, dao.votes(pid).for_votes, dao.quorum(snapshot),
                   receipt.block_number)  # fmt: skip
