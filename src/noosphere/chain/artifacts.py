"""Compiled contract artifacts shipped inside the package (built by ``make contracts``)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from eth_hash.auto import keccak

from noosphere.errors import ManifestError


@dataclass(frozen=True)
class Artifact:
    """ABI and bytecode of one contract."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: bytes
    deployed_bytecode: bytes
    integrity: str
    compiler: str

    @property
    def runtime_prefix_hash(self) -> str:
        """keccak of the runtime code as compiled (before immutables are appended)."""
        return "0x" + keccak(self.deployed_bytecode).hex()


@cache
def load_artifact(name: str) -> Artifact:
    """Load the artifact of contract ``name`` (e.g. ``"noos"``)."""
    try:
        text = resources.files("noosphere.artifacts").joinpath(f"{name}.json").read_text()
    except FileNotFoundError:
        raise ManifestError(
            f"no compiled artifact for contract {name!r}",
            hint="run `make contracts` in a source checkout",
        ) from None
    data = json.loads(text)
    return Artifact(
        name=data["contractName"],
        abi=data["abi"],
        bytecode=bytes.fromhex(data["bytecode"].removeprefix("0x")),
        deployed_bytecode=bytes.fromhex(data["deployedBytecode"].removeprefix("0x")),
        integrity=data["integrity"],
        compiler=data["compiler"],
    )


def artifacts_version() -> str:
    """A short hash over every shipped artifact's integrity hash: the protocol's code version."""
    names = sorted(
        p.name.removesuffix(".json")
        for p in resources.files("noosphere.artifacts").iterdir()
        if p.name.endswith(".json")
    )
    digest = hashlib.sha256("".join(load_artifact(n).integrity for n in names).encode())
    return digest.hexdigest()[:16]
