"""Deployment manifests: where the protocol lives on each chain.

One JSON file per chain id under ``<data dir>/deployments/``. Every command that needs the
protocol loads the manifest of the chain it is connected to and checks that each contract's
code on chain still hashes to what was deployed, so a command pointed at the wrong chain, or
at a devnet that was reset, fails with a clear message instead of calling garbage.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from eth_hash.auto import keccak

from noosphere import __version__
from noosphere.chain.client import Chain
from noosphere.errors import ChainMismatchError, ManifestError
from noosphere.fsutil import atomic_write_json

MANIFEST_FORMAT = 1


@dataclass
class DeployedContract:
    """One deployed contract as the manifest records it."""

    artifact: str
    address: str
    tx_hash: str
    block_number: int
    code_hash: str
    integrity: str


@dataclass
class Manifest:
    """The protocol's contracts on one chain."""

    chain_id: int
    deployer: str
    artifacts_version: str
    package_version: str = __version__
    created_at: float = field(default_factory=time.time)
    contracts: dict[str, DeployedContract] = field(default_factory=dict)
    format: int = MANIFEST_FORMAT

    def address(self, name: str) -> str:
        """Address of contract ``name``; ManifestError if the manifest has none."""
        if name not in self.contracts:
            raise ManifestError(
                f"the deployment on chain {self.chain_id} has no contract {name!r}",
                hint="known: " + ", ".join(sorted(self.contracts)) if self.contracts else None,
            )
        return self.contracts[name].address

    def to_json(self) -> dict[str, Any]:
        """The manifest as a JSON-ready dictionary."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        """Parse a manifest dictionary (as written by :meth:`save`)."""
        contracts = {k: DeployedContract(**v) for k, v in data.pop("contracts", {}).items()}
        return cls(**data, contracts=contracts)

    def save(self, home: Path) -> Path:
        """Write the manifest atomically to ``home/deployments/<chain_id>.json``."""
        path = manifest_path(home, self.chain_id)
        atomic_write_json(path, self.to_json())
        return path


def manifest_path(home: Path, chain_id: int) -> Path:
    """Where the manifest of ``chain_id`` lives."""
    return home / "deployments" / f"{chain_id}.json"


def code_hash(code: bytes) -> str:
    """keccak256 of runtime code, 0x-prefixed."""
    return "0x" + keccak(code).hex()


def load_manifest(home: Path, chain: Chain, *, verify: bool = True) -> Manifest:
    """Load and (by default) verify the manifest of the chain ``chain`` is connected to."""
    path = manifest_path(home, chain.chain_id)
    if not path.exists():
        raise ManifestError(
            f"Noosphere is not deployed on chain {chain.chain_id} ({chain.rpc_url}): "
            f"no manifest at {path}",
            hint="for a local chain run `noos devnet start`; otherwise `noos deploy --rpc URL`",
        )
    try:
        manifest = Manifest.from_json(json.loads(path.read_text()))
    except (ValueError, TypeError, KeyError) as exc:
        raise ManifestError(
            f"manifest {path} is malformed: {exc}", hint="redeploy or restore the file"
        ) from None
    if manifest.chain_id != chain.chain_id:
        raise ChainMismatchError(
            f"manifest {path} is for chain {manifest.chain_id} but {chain.rpc_url} is chain "
            f"{chain.chain_id}",
        )
    if verify:
        verify_manifest(manifest, chain)
    return manifest


def verify_manifest(manifest: Manifest, chain: Chain) -> None:
    """Check every contract's code on chain against the recorded code hash."""
    for name, record in manifest.contracts.items():
        actual = code_hash(chain.code(record.address))
        if actual != record.code_hash:
            what = "no code" if actual == code_hash(b"") else "different code"
            raise ChainMismatchError(
                f"contract {name} at {record.address} on chain {manifest.chain_id} has {what} "
                "than the manifest records",
                hint="the chain was reset or this is another chain with the same id: redeploy "
                "(`noos devnet reset` for the devnet)",
            )
