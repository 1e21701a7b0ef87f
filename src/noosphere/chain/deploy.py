"""Deploying the protocol to a chain and recording it in a manifest."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount

from noosphere.chain.admin import ADMIN_ROLE
from noosphere.chain.artifacts import artifacts_version, load_artifact
from noosphere.chain.client import Chain, Receipt
from noosphere.chain.manifest import DeployedContract, Manifest, code_hash
from noosphere.errors import ChainError

ZERO_ADDRESS = "0x" + "00" * 20

TOKEN_NAME = "Noosphere"
TOKEN_SYMBOL = "NOOS"
TOKEN_CAP = 21_000_000 * 10**18
DATA_NFT_NAME = "Noosphere Data"
DATA_NFT_SYMBOL = "NDATA"
LICENCE_URI = "noosphere://data/{id}"
MODEL_NFT_NAME = "Noosphere Model"
MODEL_NFT_SYMBOL = "NMOD"
MODEL_LICENCE_URI = "noosphere://model/{id}"
GOVERNOR_NAME = "Noosphere DAO"


@dataclass(frozen=True)
class DeployParams:
    """Parameters of a protocol deployment (block counts assume ~12 s blocks)."""

    initial_supply: int = 1_000_000 * 10**18
    cap: int = TOKEN_CAP
    treasury: str | None = None  # receives the initial supply; the deployer if None
    halving_interval: int = 10_512_000  # about four years
    min_stake: int = 10**18
    unstake_cooldown: int = 7_200  # about a day
    challenge_window: int = 300
    attest_window: int = 7_200
    subnet_lock_cost: int = 100 * 10**18
    burn_half_life: int = 1_000
    data_fee_bps: int = 100  # the data market's protocol fee, to the treasury
    model_fee_bps: int = 100  # the model licences' protocol fee, to the treasury
    voting_delay: int = 7_200  # blocks between a proposal and its snapshot (about a day)
    voting_period: int = 50_400  # blocks a vote lasts (about a week)
    proposal_threshold: int = 10_000 * 10**18  # votes needed to propose
    quorum_numerator: int = 4  # percent of the past total supply
    timelock_delay: int = 172_800  # seconds between queueing and executing (two days)
    dao_treasury: int = 400_000 * 10**18  # NOOS moved from the deployer-holder to the timelock
    guardian: str | None = None  # may pause; the deployer if None
    hand_over_to_dao: bool = True  # give every admin role and the treasury to the timelock

    @classmethod
    def devnet(cls) -> DeployParams:
        """Short windows for a local chain where blocks are mined on demand."""
        return cls(
            unstake_cooldown=20,
            challenge_window=2,
            attest_window=200,
            subnet_lock_cost=10 * 10**18,
            burn_half_life=50,
            voting_delay=1,
            voting_period=20,
            proposal_threshold=10**18,
            timelock_delay=10,
        )


def _record(chain: Chain, artifact: str, receipt: Receipt) -> DeployedContract:
    address = receipt.contract_address
    if address is None:
        raise ChainError(f"deploying {artifact} produced no contract address")
    code = chain.code(address)
    runtime = load_artifact(artifact).deployed_bytecode
    if not code or code[: len(runtime)] != runtime:
        raise ChainError(f"code at {address} does not look like the {artifact} artifact")
    return DeployedContract(
        artifact=artifact,
        address=address,
        tx_hash=receipt.tx_hash,
        block_number=receipt.block_number,
        code_hash=code_hash(code),
        integrity=load_artifact(artifact).integrity,
    )


def deploy_protocol(
    chain: Chain,
    deployer: LocalAccount,
    home: Path,
    params: DeployParams | None = None,
    progress: Callable[[str], Any] | None = None,
) -> Manifest:
    """Deploy every protocol contract, save the manifest under ``home`` and return it."""
    params = params or DeployParams()
    say = progress or (lambda _msg: None)
    manifest = Manifest(
        chain_id=chain.chain_id, deployer=deployer.address, artifacts_version=artifacts_version()
    )
    holder = params.treasury or deployer.address
    say("deploying the NOOS token")
    receipt = chain.deploy(
        deployer, "noos", TOKEN_NAME, TOKEN_SYMBOL, params.cap, holder, params.initial_supply
    )
    manifest.contracts["noos"] = _record(chain, "noos", receipt)
    token = manifest.contracts["noos"].address

    def deploy(name: str, *args: Any) -> str:
        say(f"deploying {name}")
        manifest.contracts[name] = _record(chain, name, chain.deploy(deployer, name, *args))
        return manifest.contracts[name].address

    timelock = deploy("timelock", params.timelock_delay, [], [ZERO_ADDRESS], deployer.address)
    governor = deploy(
        "governor",
        GOVERNOR_NAME,
        token,
        timelock,
        params.voting_delay,
        params.voting_period,
        params.proposal_threshold,
        params.quorum_numerator,
    )
    fee_treasury = timelock if params.hand_over_to_dao else holder
    emitter = deploy("emitter", token, params.halving_interval)
    staking = deploy("staking", token, params.min_stake, params.unstake_cooldown)
    epochs = deploy("epochs", token, params.challenge_window, params.attest_window)
    registry = deploy("subnets", token, params.subnet_lock_cost, params.burn_half_life)
    deploy("weights", registry)
    deploy("commitments", registry)
    datanft = deploy("datanft", DATA_NFT_NAME, DATA_NFT_SYMBOL, token)
    data_licences = deploy("licences", datanft, fee_treasury, params.data_fee_bps, LICENCE_URI)
    modelnft = deploy("modelnft", MODEL_NFT_NAME, MODEL_NFT_SYMBOL, token, data_licences)
    deploy("model_licences", modelnft, fee_treasury, params.model_fee_bps, MODEL_LICENCE_URI)

    say("wiring the contracts together")
    contract = chain.contract
    emitter_c = contract("emitter", emitter)
    timelock_c = contract("timelock", timelock)
    epochs_c = contract("epochs", epochs)
    for fn in (
        contract("noos", token).functions.set_minter(emitter, True),
        emitter_c.functions.grantRole(emitter_c.functions.SETTLEMENT_ROLE().call(), epochs),
        contract("staking", staking).functions.wire(registry),
        epochs_c.functions.wire(registry, staking, emitter),
        contract("subnets", registry).functions.wire(staking, epochs),
        contract("modelnft", modelnft).functions.set_licences(
            manifest.contracts["model_licences"].address
        ),
        epochs_c.functions.grantRole(
            epochs_c.functions.GUARDIAN_ROLE().call(), params.guardian or deployer.address
        ),
        timelock_c.functions.grantRole(timelock_c.functions.PROPOSER_ROLE().call(), governor),
        timelock_c.functions.grantRole(timelock_c.functions.CANCELLER_ROLE().call(), governor),
    ):
        chain.transact(deployer, fn)
    if params.hand_over_to_dao:
        say("handing the protocol over to the DAO's timelock")
        to_timelock = min(params.dao_treasury, params.initial_supply)
        hand_over_to_dao(
            chain, deployer, manifest, to_timelock if holder == deployer.address else 0
        )
    manifest.save(home)
    return manifest


# Contracts administered through snekmate's `access_control` (DEFAULT_ADMIN_ROLE); NOOS is the
# one whose `ownable` owner has powers (its minters). The others keep `ownable` unexported.
_ROLE_ADMINISTERED = (
    "emitter",
    "staking",
    "epochs",
    "subnets",
    "commitments",
    "datanft",
    "licences",
    "modelnft",
    "model_licences",
)


def hand_over_to_dao(
    chain: Chain, deployer: LocalAccount, manifest: Manifest, treasury_amount: int
) -> None:
    """Give the timelock every admin role, ownership and ``treasury_amount`` NOOS.

    The deployer renounces its own roles last, the timelock's admin role included, so that
    from then on every protocol parameter changes only through a passed proposal.
    """
    timelock = manifest.contracts["timelock"].address
    calls: list[Any] = []
    for name in _ROLE_ADMINISTERED:
        functions = chain.contract(name, manifest.contracts[name].address).functions
        calls.append(functions.grantRole(ADMIN_ROLE, timelock))
    token = chain.contract("noos", manifest.contracts["noos"].address).functions
    calls.append(token.transfer_ownership(timelock))
    if treasury_amount:
        calls.append(token.transfer(timelock, treasury_amount))
    for name in (*_ROLE_ADMINISTERED, "timelock"):
        functions = chain.contract(name, manifest.contracts[name].address).functions
        calls.append(functions.renounceRole(ADMIN_ROLE, deployer.address))
    for fn in calls:
        chain.transact(deployer, fn)
