"""Publishing names the provider's signing key: ``publish_dataset`` asks the provider node at the
endpoint for its hotkey (``GET /provider``) and stores the metadata naming it before minting, so
an audit can accept receipts that hotkey signs; a provider that cannot be reached leaves the
metadata as prepared, and nothing else changes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from noosphere.chain.accounts import dev_account
from noosphere.chain.protocol import Protocol
from noosphere.data.metadata import ProviderBinding, load_metadata
from noosphere.data.publish import Prepared, Publication, prepare_dataset, publish_dataset
from noosphere.nodes.provider import ProviderNode, create_provider_app
from noosphere.storage import Store
from tests._servers import ThreadServer

pytestmark = pytest.mark.anvil
NOOS = 10**18
HOTKEY: LocalAccount = Account.from_key("0x" + "6b" * 32)  # the node's key, not the owner's
OWNER = dev_account(1)


@dataclass
class World:
    protocol: Protocol
    store: Store
    server: ThreadServer
    tmp: Path

    def prepare(self, **kw: object) -> Prepared:
        path = self.tmp / "houses.csv"
        path.write_text("rooms,area,price\n" + "".join(
            f"{1 + i % 6},{30 + i * 3},{100_000 + i * 1_000}\n" for i in range(40)))  # fmt: skip
        return prepare_dataset(path, title="Houses", store=self.store, **kw)  # type: ignore[arg-type]

    def publish(self, prepared: Prepared, endpoint: str | None = None) -> Publication:
        return publish_dataset(self.protocol.data, OWNER, prepared, keys_dir=self.tmp / "keys",
                               endpoint=endpoint or self.server.url, price=NOOS,
                               validity=3_600, uses="training")  # fmt: skip


@pytest.fixture
def world(protocol: Protocol, tmp_path: Path) -> Iterator[World]:
    store = Store(tmp_path / "store", sync=False)
    node = ProviderNode(HOTKEY, protocol.data, store=store, state_dir=tmp_path / "provider")
    server = ThreadServer(create_provider_app(node))
    try:
        yield World(protocol, store, server, tmp_path)
    finally:
        server.stop()
        node.close()


def test_the_metadata_names_the_provider_hotkey(world: World) -> None:
    prepared = world.prepare()
    assert prepared.metadata.provider is None
    published = world.publish(prepared)
    assert published.registered, published.error
    assert published.signer == HOTKEY.address != OWNER.address
    on_chain = world.protocol.data.dataset(published.data_id)
    assert on_chain.metadata_cid == published.prepared.metadata_cid != prepared.metadata_cid
    assert on_chain.content_cid == prepared.content_cid
    stored = load_metadata(world.store.read_bytes(on_chain.metadata_cid))
    assert stored.provider == ProviderBinding(world.server.url, HOTKEY.address)
    assert replace(stored, provider=None) == prepared.metadata  # nothing else changed


def test_a_binding_is_kept_when_right_and_corrected_when_wrong(world: World) -> None:
    right = world.prepare(provider=ProviderBinding(world.server.url, HOTKEY.address))
    assert world.publish(right).prepared.metadata_cid == right.metadata_cid
    stale = world.prepare(provider=ProviderBinding(world.server.url, OWNER.address))
    published = world.publish(stale)
    assert published.prepared.metadata_cid != stale.metadata_cid
    assert published.prepared.metadata.provider_signer == HOTKEY.address == published.signer


def test_an_unreachable_provider_leaves_the_metadata_as_prepared(world: World) -> None:
    prepared = world.prepare()
    url = world.server.url
    world.server.stop()  # nothing answers at the endpoint any more
    published = world.publish(prepared, url)
    assert not published.registered and published.signer is None
    on_chain = world.protocol.data.dataset(published.data_id)
    assert on_chain.metadata_cid == prepared.metadata_cid == published.prepared.metadata_cid
