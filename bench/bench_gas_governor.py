"""Gas of the governor's lifecycle vs OpenZeppelin 5's Governor, on one anvil in the same run.

Two DAOs are deployed on the same anvil (the protocol's hardfork): NOOS + the Vyper governor +
snekmate's timelock, and OpenZeppelin's ERC20Votes token + Governor (GovernorSettings,
GovernorCountingSimple, GovernorVotes, GovernorVotesQuorumFraction, GovernorTimelockControl) +
TimelockController. Both get the same parameters (voting delay 1 block, period 50 blocks, no
proposal threshold, quorum 4 %, timelock delay 1 hour) and are driven through the same sequence
by the same fresh accounts, so calldata and intrinsic gas are identical; the figures are the
receipts' ``gasUsed`` (whole transaction, 21,000 included).

The measured proposal is OpenZeppelin's gas-test shape: one action (a token transfer out of the
timelock's treasury) and a short description. ``castVote`` is measured in four situations,
since the two governors store ballots differently (see docs/governance.md): the first ballot on
a proposal writes its tally word, and the Vyper governor records ballots in a per-voter bitmap
whose word is fresh only at a voter's first ballot.

Targets (issue): propose <= 69,000, castVote <= 70,000, queue <= 148,000, execute <= 149,000
(the issue measured OpenZeppelin at 68.8 k for propose and 83.4 k for castVote).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address
from web3.contract import Contract
from web3.contract.contract import ContractFunction

from bench._gas import check, fresh_accounts
from bench._report import record, table
from bench._solidity import compile_solidity, deploy_compiled, package_version
from noosphere.chain.accounts import dev_account
from noosphere.chain.artifacts import load_artifact
from noosphere.chain.client import Chain
from noosphere.chain.devnet import HARDFORK
from noosphere.chain.throwaway import spawn_anvil

BENCH = "gas_governor"
SUPPLY = 1_000_000 * 10**18
CAP = 21_000_000 * 10**18
VOTER_FUNDS = (200_000 * 10**18, 100_000 * 10**18, 50_000 * 10**18)
TREASURY = 10_000 * 10**18
GRANT = 10**18  # what the measured proposal transfers out of the treasury
VOTING_DELAY = 1  # blocks
VOTING_PERIOD = 50  # blocks
THRESHOLD = 0
QUORUM = 4  # percent
TIMELOCK_DELAY = 3_600  # seconds
GAS_LIMIT = 1_000_000  # fixed: gasUsed does not depend on it
FOR = 1
ZERO = "0x" + "00" * 20
IGOVERNOR_ID = bytes.fromhex("cdbdfcee")
STATES = ("Pending", "Active", "Canceled", "Defeated", "Succeeded", "Queued", "Expired", "Executed")


@dataclass(frozen=True)
class Operation:
    """One measured operation: its key, label, target (if any) and the issue's OZ figure."""

    key: str
    label: str
    target: int | None = None
    issue_oz: str = ""


OPERATIONS = [
    Operation("propose", "propose (one action, short description)", 69_000, "68.8 k"),
    Operation("vote_first", "castVote: 1st ballot on proposal, returning voter", 70_000, "83.4 k"),
    Operation("vote_first_ever", "castVote: 1st ballot on proposal, new voter"),
    Operation("vote_later", "castVote: later ballot, returning voter"),
    Operation("vote_later_first_ever", "castVote: later ballot, new voter"),
    Operation("queue", "queue (timelock scheduleBatch)", 148_000),
    Operation("execute", "execute (timelock executeBatch + transfer)", 149_000),
]


@dataclass(frozen=True)
class Dao:
    """One DAO under measurement: its token, timelock and governor."""

    label: str
    token: Contract
    timelock: Contract
    governor: Contract


def _at(chain: Chain, name: str, address: str) -> Contract:
    return chain.w3.eth.contract(address=to_checksum_address(address), abi=load_artifact(name).abi)


def _deploy_vyper(chain: Chain, deployer: LocalAccount) -> Dao:
    """NOOS, snekmate's timelock and the Vyper governor, wired as docs/governance.md says."""
    receipt = chain.deploy(deployer, "noos", "Noosphere", "NOOS", CAP, deployer.address, SUPPLY)
    token = _at(chain, "noos", str(receipt.contract_address))
    receipt = chain.deploy(deployer, "timelock", TIMELOCK_DELAY, [], [ZERO], deployer.address)
    timelock = _at(chain, "timelock", str(receipt.contract_address))
    receipt = chain.deploy(
        deployer,
        "governor",
        "Noosphere Governor",
        token.address,
        timelock.address,
        VOTING_DELAY,
        VOTING_PERIOD,
        THRESHOLD,
        QUORUM,
    )
    governor = _at(chain, "governor", str(receipt.contract_address))
    _grant_governor_roles(chain, deployer, timelock, governor)
    return Dao("Vyper", token, timelock, governor)


def _deploy_oz(chain: Chain, deployer: LocalAccount) -> Dao:
    """OpenZeppelin's token, TimelockController and Governor, wired the same way."""
    token, _ = deploy_compiled(
        chain, deployer, compile_solidity("OZVotesToken.sol", "OZVotesToken"), SUPPLY
    )
    timelock, _ = deploy_compiled(
        chain,
        deployer,
        compile_solidity("OZGovernor.sol", "OZTimelock"),
        TIMELOCK_DELAY,
        [],
        [ZERO],
        deployer.address,
    )
    governor, _ = deploy_compiled(
        chain,
        deployer,
        compile_solidity("OZGovernor.sol", "OZGovernor"),
        token.address,
        timelock.address,
        VOTING_DELAY,
        VOTING_PERIOD,
        THRESHOLD,
        QUORUM,
    )
    _grant_governor_roles(chain, deployer, timelock, governor)
    return Dao("OpenZeppelin", token, timelock, governor)


def _grant_governor_roles(
    chain: Chain, deployer: LocalAccount, timelock: Contract, governor: Contract
) -> None:
    """Give the governor the proposer and canceller roles, then drop the deployer's admin role."""
    fn = timelock.functions
    for role in (fn.PROPOSER_ROLE().call(), fn.CANCELLER_ROLE().call()):
        chain.transact(deployer, fn.grantRole(role, governor.address))
    chain.transact(deployer, fn.renounceRole(fn.DEFAULT_ADMIN_ROLE().call(), deployer.address))


def _mine(chain: Chain, blocks: int, seconds: int = 0) -> None:
    if seconds:
        chain.rpc("evm_increaseTime", [seconds])
    chain.rpc("anvil_mine", [hex(blocks)])


def measure_dao(
    chain: Chain, dao: Dao, holder: LocalAccount, accounts: list[LocalAccount]
) -> dict[str, int]:
    """Run the measured sequence on ``dao`` and return gas used per operation key.

    ``holder`` owns the token supply; ``accounts`` are four fresh accounts (three voters and the
    grant's recipient) that hold nothing of this token. Each measured step's effect is checked.
    """
    alice, bob, carol, recipient = accounts
    token, governor = dao.token.functions, dao.governor.functions

    def send(account: LocalAccount, call: ContractFunction) -> int:
        return chain.transact(account, call, gas=GAS_LIMIT).gas_used

    for voter, amount in zip((alice, bob, carol), VOTER_FUNDS, strict=True):
        send(holder, token.transfer(voter.address, amount))
        send(voter, token.delegate(voter.address))
    send(holder, token.transfer(dao.timelock.address, TREASURY))

    grant = bytes.fromhex(
        token.transfer(recipient.address, GRANT)._encode_transaction_data()[2:]  # type: ignore[attr-defined]
    )
    action: tuple[list[str], list[int], list[bytes]] = ([dao.token.address], [0], [grant])
    gas: dict[str, int] = {}

    # A first proposal, on which alice casts the first ballot of her life; bob votes too, so that
    # both have voted before the measured proposal (the steady state of a DAO's voters).
    warmup = "Proposal #0: warm up the voters"
    gas["propose_warmup"] = send(alice, governor.propose(*action, warmup))
    warmup_id = governor.hashProposal(*action, keccak(text=warmup)).call()
    _mine(chain, VOTING_DELAY + 1)
    gas["vote_first_ever"] = send(alice, governor.castVote(warmup_id, FOR))
    send(bob, governor.castVote(warmup_id, FOR))

    # The measured proposal: one action, a short description (OpenZeppelin's gas-test shape).
    description = "Proposal #1: give grant to team"
    gas["propose"] = send(alice, governor.propose(*action, description))
    proposal_id = governor.hashProposal(*action, keccak(text=description)).call()
    check(governor.state(proposal_id), 0)
    _mine(chain, VOTING_DELAY + 1)
    check(governor.state(proposal_id), 1)
    gas["vote_first"] = send(alice, governor.castVote(proposal_id, FOR))
    gas["vote_later"] = send(bob, governor.castVote(proposal_id, FOR))
    gas["vote_later_first_ever"] = send(carol, governor.castVote(proposal_id, FOR))
    check(governor.hasVoted(proposal_id, carol.address), True)
    check(governor.proposalVotes(proposal_id), [0, sum(VOTER_FUNDS), 0])

    _mine(chain, VOTING_PERIOD)
    check(governor.state(proposal_id), 4)
    description_hash = keccak(text=description)
    gas["queue"] = send(alice, governor.queue(*action, description_hash))
    check(governor.state(proposal_id), 5)
    _mine(chain, 1, TIMELOCK_DELAY)
    gas["execute"] = send(alice, governor.execute(*action, description_hash))
    check(governor.state(proposal_id), 7)
    check(token.balanceOf(recipient.address), GRANT)
    check(token.balanceOf(dao.timelock.address), TREASURY - GRANT)
    return gas


def _signatures(abi: list[dict[str, Any]]) -> set[str]:
    """``kind name(types) -> outputs mutability`` of every function and event of an ABI."""
    out = set()
    for item in abi:
        if item["type"] not in ("function", "event"):
            continue
        inputs = ",".join(
            i["type"] + (" indexed" if i.get("indexed") else "") for i in item["inputs"]
        )
        outputs = ",".join(o["type"] for o in item.get("outputs", []))
        mutability = item.get("stateMutability", "")
        out.add(f"{item['type']} {item['name']}({inputs}) -> ({outputs}) {mutability}")
    return out


def _cross_check(vyper: Dao, oz: Dao) -> None:
    """Fail unless both governors agree where a tool would look: ABI, ids, modes, interfaces."""
    ours, theirs = _signatures(vyper.governor.abi), _signatures(oz.governor.abi)
    if ours != theirs:
        raise RuntimeError(
            f"ABI differs: only OpenZeppelin {sorted(theirs - ours)}, "
            f"only Vyper {sorted(ours - theirs)}"
        )
    action: tuple[Any, ...] = ([vyper.token.address], [7], [b"\x12\x34"], keccak(text="x"))
    views = {
        "hashProposal": lambda g: g.functions.hashProposal(*action).call(),
        "COUNTING_MODE": lambda g: g.functions.COUNTING_MODE().call(),
        "CLOCK_MODE": lambda g: g.functions.CLOCK_MODE().call(),
        "BALLOT_TYPEHASH": lambda g: g.functions.BALLOT_TYPEHASH().call(),
        "EXTENDED_BALLOT_TYPEHASH": lambda g: g.functions.EXTENDED_BALLOT_TYPEHASH().call(),
        "version": lambda g: g.functions.version().call(),
        "quorumDenominator": lambda g: g.functions.quorumDenominator().call(),
        "supportsInterface": lambda g: g.functions.supportsInterface(IGOVERNOR_ID).call(),
    }
    for name, view in views.items():
        ours, theirs = view(vyper.governor), view(oz.governor)
        if ours != theirs:
            raise RuntimeError(f"{name}: Vyper governor {ours!r}, OpenZeppelin {theirs!r}")


def main() -> None:
    """Measure both DAOs on one anvil and print the comparison."""
    deployer = dev_account(0)
    with spawn_anvil() as (_process, url):
        chain = Chain.connect(url, tx_timeout=120)
        accounts = fresh_accounts(chain, deployer, BENCH, 4)
        vyper_dao = _deploy_vyper(chain, deployer)
        oz_dao = _deploy_oz(chain, deployer)
        _cross_check(vyper_dao, oz_dao)
        ours = measure_dao(chain, vyper_dao, deployer, accounts)
        theirs = measure_dao(chain, oz_dao, deployer, accounts)

    rows: list[list[object]] = []
    for op in OPERATIONS:
        ratio = ours[op.key] / theirs[op.key]
        ok = op.target is None or ours[op.key] <= op.target
        verdict = "" if op.target is None else ("OK" if ok else "MISSED")
        rows.append([
            op.label, f"{ours[op.key]:,}", f"{theirs[op.key]:,}", f"{ratio:.3f}",
            "" if op.target is None else f"<= {op.target:,}", verdict, op.issue_oz,
        ])  # fmt: skip
        extra = {"target": op.target, "ok": ok} if op.target is not None else {}
        record(BENCH, f"{op.key}.vyper", ours[op.key], "gas", **extra)
        record(BENCH, f"{op.key}.oz", theirs[op.key], "gas")
        record(BENCH, f"{op.key}.ratio", ratio, "vyper/oz")
    table(
        "Governor gas per transaction (receipt gasUsed), Vyper vs OpenZeppelin, same anvil",
        ["operation", "Vyper gas", "OZ gas", "Vyper/OZ", "target", "status", "OZ (issue)"],
        rows,
    )
    compiled = compile_solidity("OZGovernor.sol", "OZGovernor")
    print(
        f"  baseline: OpenZeppelin {package_version('@openzeppelin/contracts')} Governor + "
        f"Settings + CountingSimple + Votes + VotesQuorumFraction + TimelockControl, "
        f"TimelockController, ERC20Votes; solc {compiled.solc_version.split('+')[0]}, "
        f"optimizer {compiled.optimizer_runs} runs, EVM {compiled.evm_version}; "
        f"anvil hardfork {HARDFORK}"
    )
    print(
        "  ballots: a returning voter voted on an earlier proposal, a new voter never did; the "
        "Vyper governor's ballot bitmap word of a voter is fresh only at the voter's first ballot "
        "in a run of 256 proposals (docs/governance.md); OpenZeppelin writes a fresh hasVoted "
        "slot per ballot"
    )


if __name__ == "__main__":
    main()
