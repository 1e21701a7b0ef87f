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


@dataclass(frozen=True)
class DeployParams:
    """Parameters of a protocol deployment."""

    initial_supply: int = 1_000_000 * 10**18
    cap: int = TOKEN_CAP
    treasury: str | None = None  # receives the initial supply; the deployer if None


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
    manifest.save(home)
    return manifest
