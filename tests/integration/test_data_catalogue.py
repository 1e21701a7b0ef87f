"""Publishing real files and the catalogue built from chain events, on anvil.

Publishing: a file is profiled, encrypted into the store (and decrypts back), its key saved in
the owner's wallet before minting and handed to the provider after; a refusal mints nothing and
a provider that cannot be reached loses nothing. Catalogue: sync and search (FTS5 and the LIKE
fallback), incremental resync, metadata unavailable or malformed, a reorg, a new deployment.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from eth_account.signers.local import LocalAccount

from noosphere.chain.accounts import dev_account
from noosphere.chain.protocol import Protocol
from noosphere.data import (
    Catalogue,
    Prepared,
    load_dataset_key,
    load_metadata,
    prepare_dataset,
    publish_dataset,
    register_saved_key,
)
from noosphere.errors import EnvelopeTamperedError, InputError, KeyNotRegisteredError
from noosphere.ml.errors import DatasetFormatError, DatasetTooLargeError
from noosphere.storage import Store
from noosphere.storage.envelope import iter_decrypt

pytestmark = pytest.mark.anvil
NOOS = 10**18
ENDPOINT = "http://provider.test:8080"


def _csv(path: Path, header: str, rows: int, row: Any) -> Path:
    path.write_text(header + "\n" + "".join(row(i) + "\n" for i in range(rows)))
    return path


class Registry:
    """A stand-in provider: records registered keys, or fails while ``down``."""

    def __init__(self) -> None:
        self.keys: dict[int, bytes] = {}
        self.down = False

    def __call__(self, endpoint: str, owner: LocalAccount, data_id: int, cid: str,
                 key: bytes) -> None:  # fmt: skip
        if self.down:
            raise ConnectionError(f"cannot reach {endpoint}")
        self.keys[data_id] = key


class World:
    def __init__(self, protocol: Protocol, tmp_path: Path) -> None:
        self.protocol = protocol
        self.chain = protocol.chain
        self.market = protocol.data
        self.store = Store(tmp_path / "store", sync=False)
        self.files = tmp_path / "files"
        self.files.mkdir()
        self.keys_dir = tmp_path / "wallet" / "data-keys"
        self.owner = dev_account(1)
        self.buyer = dev_account(2)
        self.registry = Registry()
        protocol.token.transfer(dev_account(0), self.buyer.address, 100 * NOOS)

    def prepare(self, name: str, title: str, rows: int = 30, **kw: Any) -> Prepared:
        if name.startswith("iris"):
            path = _csv(self.files / name, "sepal_length,petal_width,species", rows,
                        lambda i: f"{4 + i % 7 * 0.5},{i % 5 * 0.25},{'setosa' if i % 2 else 'virginica'}")  # noqa: E501  # fmt: skip
        else:
            path = _csv(self.files / name, "rooms,area,price", rows,
                        lambda i: f"{1 + i % 6},{30 + i * 3},{100_000 + i * 1_000}")  # fmt: skip
        return prepare_dataset(path, title=title, store=self.store, **kw)

    def publish(self, prepared: Prepared, *, price: int = 5 * NOOS, uses: str = "training",
                **kw: Any) -> int:  # fmt: skip
        published = publish_dataset(
            self.market, self.owner, prepared, keys_dir=self.keys_dir, endpoint=ENDPOINT,
            price=price, validity=86_400, uses=uses, register=self.registry, **kw,
        )  # fmt: skip
        return published.data_id


@pytest.fixture
def world(protocol: Protocol, tmp_path: Path) -> World:
    return World(protocol, tmp_path)


# --- publishing ----------------------------------------------------------------------------------
def test_a_file_is_profiled_encrypted_minted_and_its_key_registered(world: World) -> None:
    w = world
    prepared = w.prepare(
        "iris.csv", "Iris petals", tags=["botany"], description="Flowers.", label="species"
    )
    plain = (w.files / "iris.csv").read_bytes()
    assert b"".join(iter_decrypt(w.store.open(prepared.content_cid), prepared.key)) == plain
    assert plain not in b"".join(w.store.cat(prepared.content_cid))
    meta = load_metadata(w.store.read_bytes(prepared.metadata_cid))
    assert meta == prepared.metadata and meta.rows == 30 and meta.size == len(plain)
    assert meta.label == "species" and meta.tags == ("botany",) and meta.format == "csv"
    assert meta.envelope.ciphertext_size == w.store.stat(prepared.content_cid).size

    published = publish_dataset(
        w.market, w.owner, prepared, keys_dir=w.keys_dir, endpoint=ENDPOINT, price=NOOS,
        validity=3_600, uses=["training", "inference"], register=w.registry,
    )  # fmt: skip
    assert published.registered and w.registry.keys[published.data_id] == prepared.key
    ds = w.market.dataset(published.data_id)
    assert (ds.metadata_cid, ds.content_cid) == (prepared.metadata_cid, prepared.content_cid)
    saved = load_dataset_key(w.keys_dir, w.owner, w.chain.chain_id, prepared.content_cid)
    assert saved.key == prepared.key and saved.registered and saved.data_id == published.data_id
    assert published.key_file.stat().st_mode & 0o077 == 0
    assert prepared.key.hex() not in published.key_file.read_text()
    with pytest.raises(InputError, match="saved by"):
        load_dataset_key(w.keys_dir, w.buyer, w.chain.chain_id, prepared.content_cid)


def test_an_unreachable_provider_loses_nothing(world: World) -> None:
    w = world
    w.registry.down = True
    prepared = w.prepare("houses.csv", "Houses")
    published = publish_dataset(
        w.market, w.owner, prepared, keys_dir=w.keys_dir, endpoint=ENDPOINT, price=NOOS,
        validity=3_600, uses="training", register=w.registry,
    )  # fmt: skip
    assert not published.registered and "cannot reach" in str(published.error)
    assert w.market.dataset(published.data_id).content_cid == prepared.content_cid
    saved = load_dataset_key(w.keys_dir, w.owner, w.chain.chain_id, prepared.content_cid)
    assert not saved.registered and saved.key == prepared.key
    with pytest.raises(KeyNotRegisteredError, match="register-key"):
        register_saved_key(w.market, w.owner, published.data_id, keys_dir=w.keys_dir,
                           register=w.registry)  # fmt: skip
    w.registry.down = False
    again = register_saved_key(w.market, w.owner, published.data_id, keys_dir=w.keys_dir,
                               register=w.registry)  # fmt: skip
    assert again.registered and w.registry.keys[published.data_id] == prepared.key
    record = json.loads(saved.path.read_text())
    record["wrapped_key"] = record["wrapped_key"][:-2] + (
        "00" if record["wrapped_key"][-2:] != "00" else "01"
    )
    saved.path.write_text(json.dumps(record))
    with pytest.raises(EnvelopeTamperedError):  # an altered key file is never used
        register_saved_key(w.market, w.owner, published.data_id, keys_dir=w.keys_dir,
                           register=w.registry)  # fmt: skip


def test_a_refused_publication_mints_nothing_and_keeps_no_key(world: World) -> None:
    w = world
    prepared = w.prepare("iris.csv", "Iris")
    count = w.market.data_count()
    with pytest.raises(InputError, match="price: must be above 0"):
        w.publish(prepared, price=0)
    with pytest.raises(InputError, match="endpoint"):
        publish_dataset(w.market, w.owner, prepared, keys_dir=w.keys_dir, endpoint="nope",
                        price=NOOS, validity=60, uses="training")  # fmt: skip
    with pytest.raises(InputError, match="payment token"):
        w.publish(prepared, payment_token="0x" + "12" * 20)
    assert w.market.data_count() == count and not list(w.keys_dir.glob("*.json"))


def test_bad_files_are_refused_before_anything_is_stored(world: World) -> None:
    w = world
    roots = len(w.store.roots())
    corrupt = w.files / "corrupt.parquet"
    corrupt.write_bytes(b"PAR1 this is not parquet")
    truncated = w.files / "cut.npz"
    np.savez(truncated, x=np.arange(1_000))
    truncated.write_bytes(truncated.read_bytes()[:300])
    ragged = w.files / "ragged.csv"
    ragged.write_text("a,b\n1,2\n3\n")
    for path in (corrupt, truncated, ragged):
        with pytest.raises(DatasetFormatError):
            prepare_dataset(path, title="bad", store=w.store)
    with pytest.raises(InputError, match="no such file"):
        prepare_dataset(w.files / "missing.csv", title="bad", store=w.store)
    with pytest.raises(DatasetTooLargeError):
        w.prepare("iris.csv", "Iris", rows=200, max_bytes=100)
    with pytest.raises(InputError, match="title is empty"):
        w.prepare("iris.csv", "  ")
    assert len(w.store.roots()) == roots


def test_npz_and_parquet_files_are_published(world: World) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    w = world
    npz = w.files / "points.npz"
    np.savez(npz, X=np.arange(40.0).reshape(20, 2), y=np.arange(20) % 2)
    parquet = w.files / "table.parquet"
    pq.write_table(pa.table({"a": list(range(12)), "b": [f"v{i % 3}" for i in range(12)]}),
                   parquet)  # fmt: skip
    for path, rows in ((npz, 20), (parquet, 12)):
        prepared = prepare_dataset(path, title=path.stem, store=w.store)
        assert prepared.metadata.rows == rows
        assert w.publish(prepared) == w.market.data_count()


# --- the catalogue -------------------------------------------------------------------------------
@pytest.fixture(params=["fts5", "like"])
def catalogue(request: pytest.FixtureRequest, tmp_path: Path) -> Catalogue:
    found = Catalogue(tmp_path / "catalogue.sqlite")
    if request.param == "like":
        found.fts = False
    elif not found.fts:
        pytest.skip("this SQLite has no FTS5")
    return found


def test_sync_and_search(world: World, catalogue: Catalogue) -> None:
    w = world
    iris = w.publish(w.prepare("iris.csv", "Iris petals", tags=["botany"]), price=2 * NOOS,
                     uses="training,inference")  # fmt: skip
    flats = w.prepare("houses.csv", "Housing prices", rows=500, description="Flats in Lyon")
    houses = w.publish(flats, uses="commercial")
    small = w.publish(w.prepare("iris_small.csv", "Tiny iris sample", rows=10), price=NOOS)
    report = catalogue.sync(w.protocol, w.store)
    assert (report.datasets, report.fetched, report.rebuilt) == (3, 3, False)
    assert not report.unavailable and not report.malformed

    def ids(*args: Any, **kwargs: Any) -> list[int]:
        return [e.data_id for e in catalogue.search(*args, **kwargs)]

    assert set(ids("iris")) == {iris, small}
    assert ids("IRIS petals") == [iris]
    assert set(ids("petal_width")) == {iris, small}
    assert ids("hous") == [houses]  # a prefix
    assert ids("lyon") == [houses]  # the description
    assert ids("botany") == [iris]  # a tag
    assert ids("rooms") == [houses]  # a column name
    assert ids("nothing like this") == []
    assert set(ids(uses={"training"})) == {iris, small}
    assert ids(uses={"commercial"}) == [houses]
    assert ids(uses={"training", "inference"}) == [iris]
    assert set(ids(max_price=2 * NOOS)) == {iris, small}
    assert ids(max_price=NOOS) == [small]
    assert ids(min_rows=100) == [houses]
    assert set(ids(max_rows=30)) == {iris, small}
    assert ids("iris", max_rows=10) == [small]
    assert ids() == [small, houses, iris]  # newest first
    assert len(ids(limit=1)) == 1
    entry = catalogue.get(houses)
    assert entry is not None and entry.title == "Housing prices" and entry.rows == 500
    assert entry.columns == ("rooms", "area", "price") and entry.uses == frozenset({"commercial"})
    assert entry.metadata_status == "ok" and entry.owner == w.owner.address
    assert catalogue.get(999) is None
    with pytest.raises(InputError, match="no words"):
        catalogue.search("!!!")
    with pytest.raises(InputError, match="limit"):
        catalogue.search(limit=0)
    with pytest.raises(InputError, match="unknown use"):
        catalogue.search(uses={"gaming"})


def test_an_incremental_sync_applies_only_new_events(world: World, catalogue: Catalogue) -> None:
    w = world
    first = w.publish(w.prepare("iris.csv", "Iris petals"))
    catalogue.sync(w.protocol, w.store)
    w.market.buy(w.buyer, first, 3)
    w.market.buy_and_order(w.buyer, first)
    w.market.update(w.owner, first, price=9 * NOOS, uses="commercial")
    second = w.publish(w.prepare("houses.csv", "Housing prices"))
    w.market.deprecate(w.owner, second)
    renamed = w.prepare("iris_v2.csv", "Iris sepals, second edition")
    w.market.update(w.owner, first, metadata_cid=renamed.metadata_cid)
    report = catalogue.sync(w.protocol, w.store)
    assert not report.rebuilt and report.datasets == 2 and report.fetched == 2
    entry = catalogue.get(first)
    assert entry is not None and entry.licences_sold == 4 and entry.price == 9 * NOOS
    assert entry.uses == frozenset({"commercial"}) and entry.title.startswith("Iris sepals")
    assert [e.data_id for e in catalogue.search("sepals")] == [first]
    assert catalogue.search("petals") == []  # the old title is gone from the index
    assert [e.data_id for e in catalogue.search("housing")] == []  # deprecated
    assert [e.data_id for e in catalogue.search("housing", include_unavailable=True)] == [second]
    assert catalogue.sync(w.protocol, w.store).events == 0  # nothing new: nothing applied
    w.market.delist(dev_account(0), first, renamed.metadata_cid)
    catalogue.sync(w.protocol, w.store)
    delisted = catalogue.get(first)
    assert delisted is not None and delisted.status == "delisted"
    assert delisted.delist_reason == renamed.metadata_cid
    assert [e.data_id for e in catalogue.entries(include_unavailable=False)] == []


def test_unavailable_and_malformed_metadata_never_stop_a_sync(
    world: World, catalogue: Catalogue
) -> None:
    w = world
    good = w.publish(w.prepare("iris.csv", "Iris petals"))
    later = replace(w.prepare("houses.csv", "Houses").metadata, title="Found later").to_json()
    missing_cid = str(w.store.put_bytes(later, hash_only=True))  # its CID, not stored yet
    junk_cid = str(w.store.put_bytes(b"not json at all"))
    content = w.market.dataset(good).content_cid
    for cid in (missing_cid, junk_cid):
        w.market.publish(w.owner, cid, content, ENDPOINT, NOOS)
    report = catalogue.sync(w.protocol, w.store, retry_after=0)
    assert report.datasets == 3 and report.fetched == 1
    assert [cid for cid, _ in report.unavailable] == [missing_cid]
    assert [cid for cid, _ in report.malformed] == [junk_cid]
    assert "not valid JSON" in report.malformed[0][1]
    statuses = {e.metadata_cid: e.metadata_status for e in catalogue.search()}
    assert statuses[missing_cid] == "unavailable" and statuses[junk_cid] == "malformed"
    assert [e.data_id for e in catalogue.search("iris")] == [good]

    assert catalogue.sync(w.protocol, w.store).unavailable == []  # not retried so soon
    w.store.put_bytes(later)
    again = catalogue.sync(w.protocol, w.store, retry_after=0)
    assert again.fetched == 1 and again.unavailable == []
    assert again.malformed == []  # a malformed document names fixed bytes: never refetched
    assert [e.data_id for e in catalogue.search("found later")] == [2]


def test_a_reorg_rebuilds_the_datasets(world: World, catalogue: Catalogue) -> None:
    w = world
    first = w.publish(w.prepare("iris.csv", "Iris petals"))
    snapshot = w.chain.snapshot()
    w.publish(w.prepare("houses.csv", "Housing prices"))
    assert catalogue.sync(w.protocol, w.store).datasets == 2
    w.chain.revert_to(snapshot)
    w.chain.mine(3)
    replacement = w.publish(w.prepare("iris_b.csv", "Iris replacement", rows=12))
    report = catalogue.sync(w.protocol, w.store)
    assert report.rebuilt and report.datasets == 2
    assert [e.data_id for e in catalogue.search("housing")] == []
    assert [e.data_id for e in catalogue.search("replacement")] == [replacement]
    assert catalogue.get(first) is not None


def test_a_new_deployment_starts_afresh(world: World, catalogue: Catalogue) -> None:
    w = world
    w.publish(w.prepare("iris.csv", "Iris petals"))
    catalogue.sync(w.protocol, w.store)
    catalogue._set("deployment", "another chain")
    report = catalogue.sync(w.protocol, w.store)
    assert report.datasets == 1 and report.events > 0 and not report.rebuilt
    assert [e.title for e in catalogue.search("iris")] == ["Iris petals"]
