"""Deploying the protocol to a chain and recording it in a manifest."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount

from noosphere.chain.artifacts import artifacts_version, load_artifact
from noosphere.chain.client import Chain, Receipt
from noosphere.chain.manifest import DeployedContract, Manifest, code_hash
from noosphere.errors import ChainError

TOKEN_NAME = "Noosphere"
TOKEN_SYMBOL = "NOOS"
TOKEN_CAP = 21_000_000 * 10**18
DATA_NFT_NAME = "Noosphere Data"
DATA_NFT_SYMBOL = "NDATA"
LICENCE_URI = "noosphere://data/{id}"


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

    @classmethod
    def devnet(cls) -> DeployParams:
        """Short windows for a local chain where blocks are mined on demand."""
        return cls(
            unstake_cooldown=20,
            challenge_window=2,
            attest_window=200,
            subnet_lock_cost=10 * 10**18,
            burn_half_life=50,
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

    emitter = deploy("emitter", token, params.halving_interval)
    staking = deploy("staking", token, params.min_stake, params.unstake_cooldown)
    epochs = deploy("epochs", token, params.challenge_window, params.attest_window)
    registry = deploy("subnets", token, params.subnet_lock_cost, params.burn_half_life)
    deploy("weights", registry)
    deploy("commitments", registry)
    datanft = deploy("datanft", DATA_NFT_NAME, DATA_NFT_SYMBOL, token)
    deploy("licences", datanft, holder, params.data_fee_bps, LICENCE_URI)

    say("wiring the contracts together")
    contract = chain.contract
    emitter_c = contract("emitter", emitter)
    for fn in (
        contract("noos", token).functions.set_minter(emitter, True),
        emitter_c.functions.grantRole(emitter_c.functions.SETTLEMENT_ROLE().call(), epochs),
        contract("staking", staking).functions.wire(registry),
        contract("epochs", epochs).functions.wire(registry, staking, emitter),
        contract("subnets", registry).functions.wire(staking, epochs),
    ):
        chain.transact(deployer, fn)
    manifest.save(home)
    return manifest
