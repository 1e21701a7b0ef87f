"""Opening the deployed protocol: which chain, which manifest, which contracts.

:func:`resolve_rpc_url` picks the chain (the ``rpc_url`` setting, else the running devnet);
:func:`open_protocol` connects, loads and verifies the manifest, and hands out the typed
contract clients every command uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from noosphere.chain.client import Chain
from noosphere.chain.events import EventIndex
from noosphere.chain.manifest import Manifest, load_manifest
from noosphere.chain.token import NoosToken
from noosphere.config import Config
from noosphere.errors import ConfigError

if TYPE_CHECKING:
    from noosphere.chain.commitments import ModelCommitments
    from noosphere.chain.data import DataMarket
    from noosphere.chain.models import ModelMarket


def resolve_rpc_url(config: Config) -> str:
    """The RPC URL to use: the configured one, else the running devnet's."""
    if config.rpc_url:
        return str(config.rpc_url)
    from noosphere.chain.devnet import Devnet

    info = Devnet(config.home).info()
    if info is None:
        raise ConfigError(
            "no chain to talk to: rpc_url is not set and no devnet is running",
            hint="run `noos devnet start`, or pass --rpc URL (or set NOOS_RPC_URL)",
        )
    return info.rpc_url


def connect(config: Config) -> Chain:
    """Connect to the configured chain."""
    return Chain.connect(resolve_rpc_url(config), tx_timeout=float(config.tx_timeout))


@dataclass
class Protocol:
    """The protocol deployed on one chain: its manifest and typed contract clients."""

    chain: Chain
    manifest: Manifest
    home: Path
    log_chunk: int = 2000

    @cached_property
    def token(self) -> NoosToken:
        """The NOOS token."""
        return NoosToken(self.chain, self.manifest.address("noos"))

    @cached_property
    def commitments(self) -> ModelCommitments:
        """Miners' model commitments (subnets in ``submission`` mode)."""
        from noosphere.chain.commitments import ModelCommitments

        return ModelCommitments(self.chain, self.manifest)

    @cached_property
    def data(self) -> DataMarket:
        """The data market: Data NFTs and their licences."""
        from noosphere.chain.data import DataMarket

        return DataMarket(self.chain, self.manifest)

    @cached_property
    def models(self) -> ModelMarket:
        """The model market: Model NFTs, their licences and revenue."""
        from noosphere.chain.models import ModelMarket

        return ModelMarket(self.chain, self.manifest)

    @cached_property
    def events(self) -> EventIndex:
        """The event index of this chain's protocol contracts (``<home>/index/<chain>.db``)."""
        from noosphere.chain.artifacts import load_artifact

        index = EventIndex(
            self.chain, self.home / "index" / f"{self.chain.chain_id}.sqlite", chunk=self.log_chunk
        )
        for name, record in self.manifest.contracts.items():
            index.watch(name, record.address, load_artifact(record.artifact).abi)
        return index

    @property
    def start_block(self) -> int:
        """The block of the earliest protocol deployment (where indexing starts)."""
        return min((c.block_number for c in self.manifest.contracts.values()), default=0)


def open_protocol(config: Config, chain: Chain | None = None) -> Protocol:
    """Connect to the configured chain and load its verified manifest."""
    chain = chain or connect(config)
    manifest = load_manifest(config.home, chain)
    return Protocol(chain, manifest, config.home, int(config.log_chunk))
