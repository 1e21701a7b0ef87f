"""Shared pieces of the model-market tests on anvil: the actors, deterministic CIDs, and data
market datasets with orders to put in a provenance."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from eth_account.signers.local import LocalAccount

from noosphere.chain.accounts import dev_account
from noosphere.chain.client import Chain
from noosphere.chain.data import DataMarket
from noosphere.chain.models import ModelMarket
from noosphere.chain.protocol import Protocol
from noosphere.storage.cid import RAW, block_cid

NOOS = 10**18
DATA_PRICE = 2 * NOOS
DATA_METADATA = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
DATA_CONTENT = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"
ENDPOINT = "https://provider.example:8443"


def cid(label: str) -> str:
    """The CIDv1 (raw) text of a deterministic block."""
    return str(block_cid(label.encode(), RAW))


def digest(label: str) -> bytes:
    """A deterministic 32-byte hash."""
    return hashlib.sha256(label.encode()).digest()


@dataclass
class ModelActors:
    """The model market and its accounts: the admin (treasury), a trainer, a licensee, a data
    publisher and a stranger; the buyers hold NOOS."""

    chain: Chain
    protocol: Protocol
    models: ModelMarket
    data: DataMarket
    admin: LocalAccount
    trainer: LocalAccount
    licensee: LocalAccount
    publisher: LocalAccount
    stranger: LocalAccount

    def dataset(self) -> int:
        """A dataset of the publisher's, for training."""
        return self.data.publish(self.publisher, DATA_METADATA, DATA_CONTENT, ENDPOINT,
                                 DATA_PRICE, uses=("training",))  # fmt: skip

    def order(self, account: LocalAccount, data_id: int) -> int:
        """Buy and start an order of ``data_id`` for ``account``; its order id."""
        return self.data.buy_and_order(account, data_id).order_id

    def noos(self, account: LocalAccount | str) -> int:
        """NOOS balance."""
        address = account if isinstance(account, str) else account.address
        return self.protocol.token.balance_of(address)


def model_actors(protocol: Protocol) -> ModelActors:
    """The actors on a fresh snapshot, the trainer, licensee and stranger funded with NOOS."""
    admin = dev_account(0)
    others = (dev_account(1), dev_account(2), dev_account(3), dev_account(4))
    actors = ModelActors(protocol.chain, protocol, protocol.models, protocol.data, admin, *others)
    for account in (actors.trainer, actors.licensee, actors.stranger):
        protocol.token.transfer(admin, account.address, 1_000 * NOOS)
    return actors
