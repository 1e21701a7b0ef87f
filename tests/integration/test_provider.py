"""A data provider node over real HTTP against anvil: keys, downloads, compute-to-data jobs.

A dataset is encrypted into the provider's store and published as a Data NFT; its owner hands
the key to the provider, a consumer buys and starts an order, downloads the plaintext and runs
compute-to-data jobs. Every refusal is checked for its HTTP status and message: wrong key,
tampered content, unknown or someone else's or expired order, delisted data, unsigned, altered
and replayed requests, a recipe off the allow-list, recipes that try the network, a file or too
much memory, a model that holds dataset rows, a stream cut mid-way. Jobs left queued or running
survive a restart of the node.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from noosphere.chain.accounts import dev_account
from noosphere.chain.data import DataMarket
from noosphere.chain.protocol import Protocol
from noosphere.data.provider_client import ProviderClient
from noosphere.data.receipts import ComputeReceipt, verify_receipt
from noosphere.errors import (
    DataNotAvailableError,
    DownloadIncompleteError,
    InputError,
    ProviderError,
)
from noosphere.ml.c2d import JobLimits, builtin_recipes
from noosphere.nodes.auth import sign_request
from noosphere.nodes.provider import ProviderNode, create_provider_app
from noosphere.nodes.provider_jobs import jobs_table
from noosphere.storage import Store, display, import_bytes
from noosphere.storage.envelope import encrypting_reader, generate_key
from tests._servers import ThreadServer

pytestmark = pytest.mark.anvil

NOOS = 10**18
VALIDITY = 3_600
ADMIN = dev_account(0)
OWNER = dev_account(1)
CONSUMER = dev_account(2)
STRANGER = dev_account(3)
PROVIDER: LocalAccount = Account.from_key("0x" + "7e" * 32)
LOGREG = builtin_recipes()["logreg"]
MLP = builtin_recipes()["mlp"]
NETWORK_RECIPE = (
    b"import socket\n\n\ndef train(X, y, params, seed):\n"
    b"    socket.create_connection(('1.1.1.1', 80), timeout=1)\n"
)
KNN_RECIPE = (  # a k-NN model holds every training row: it must not leave the provider
    b"from sklearn.neighbors import KNeighborsClassifier\n\n\n"
    b"def train(X, y, params, seed):\n    return KNeighborsClassifier(n_neighbors=3).fit(X, y)\n"
)
FILE_RECIPE = b"def train(X, y, params, seed):\n    return open('/etc/passwd').read()\n"
MEMORY_RECIPE = b"def train(X, y, params, seed):\n    return bytearray(3 << 30)\n"
UNSAFE = {"net": NETWORK_RECIPE, "knn": KNN_RECIPE, "file": FILE_RECIPE, "memory": MEMORY_RECIPE}
LIMITS = JobLimits(max_wall_seconds=60, max_cpu_seconds=60, max_memory=1 << 30)


def _hash(source: bytes) -> str:
    return "0x" + hashlib.sha256(source).hexdigest()


def table(rows: int = 160) -> bytes:
    """A small labelled CSV (two classes a logistic regression separates)."""
    lines = ["a,b,c,label"]
    for i in range(rows):
        a, b, c = (i * 37) % 101 / 10, (i * 53) % 89 / 10, (i * 11) % 7
        lines.append(f"{a:.1f},{b:.1f},{c},{int(a + b > 9.5)}")
    return ("\n".join(lines) + "\n").encode()


@dataclass
class World:
    """The market on anvil, a provider node serving over HTTP, and the first dataset."""

    protocol: Protocol
    market: DataMarket
    store: Store
    state_dir: Path
    node: ProviderNode
    server: ThreadServer
    data_id: int
    key: bytes
    plaintext: bytes
    clients: list[ProviderClient] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    def client(self, account: LocalAccount) -> ProviderClient:
        client = ProviderClient(self.url, account, provider=PROVIDER.address, timeout=30)
        self.clients.append(client)
        return client

    def publish(self, plaintext: bytes, *, tamper: bool = False) -> tuple[int, bytes]:
        key = generate_key()
        envelope = encrypting_reader(io.BytesIO(plaintext), key, chunk_size=4096).read()
        if tamper:  # one bit of the last chunk flipped
            envelope = envelope[:-20] + bytes([envelope[-20] ^ 1]) + envelope[-19:]
        content = str(self.store.put_bytes(envelope))
        data_id = self.market.publish(
            OWNER,
            str(self.store.put_bytes(b'{"title": "test"}')),
            content,
            self.url,
            NOOS,
            validity=VALIDITY,
            uses=("training",),
            recipes=[LOGREG.hash, *(_hash(source) for source in UNSAFE.values())],
        )
        return data_id, key

    def order(self, data_id: int | None = None, consumer: LocalAccount = CONSUMER) -> int:
        started = self.market.buy_and_order(consumer, data_id or self.data_id)
        return started.order_id


def _node(market: DataMarket, store: Store, state_dir: Path) -> ProviderNode:
    return ProviderNode(PROVIDER, market, store=store, state_dir=state_dir, limits=LIMITS)


@pytest.fixture
def world(protocol: Protocol, tmp_path: Path) -> Iterator[World]:
    market = protocol.data
    for account in (CONSUMER, STRANGER):
        protocol.token.transfer(ADMIN, account.address, 100 * NOOS)
    store = Store(tmp_path / "store", sync=False)
    node = _node(market, store, tmp_path / "provider")
    server = ThreadServer(create_provider_app(node))
    world = World(protocol, market, store, tmp_path / "provider", node, server, 0, b"", table())
    world.data_id, world.key = world.publish(world.plaintext)
    try:
        yield world
    finally:
        for client in world.clients:
            client.close()
        world.server.stop()
        world.node.close()


def _refused(error: pytest.ExceptionInfo[ProviderError], status: int, text: str) -> None:
    assert error.value.status == status, error.value
    assert text in error.value.error, error.value


def test_register_key_then_download(world: World, tmp_path: Path) -> None:
    owner = world.client(OWNER)
    with pytest.raises(ProviderError) as wrong:
        owner.register_key(world.data_id, generate_key())
    _refused(wrong, 400, f"wrong key for dataset {world.data_id}")
    with pytest.raises(ProviderError) as stranger:
        world.client(STRANGER).register_key(world.data_id, world.key)
    _refused(stranger, 403, f"only the owner ({OWNER.address}) or manager")
    with pytest.raises(ProviderError) as unknown:
        owner.register_key(999, world.key)
    _refused(unknown, 404, "no dataset 999")

    record = owner.register_key(world.data_id, world.key)
    assert record["plaintext_size"] == len(world.plaintext)
    assert record["plaintext_sha256"] == "0x" + hashlib.sha256(world.plaintext).hexdigest()
    assert record["format"] == "csv"

    order_id = world.order()
    consumer = world.client(CONSUMER)
    got = consumer.download(order_id, tmp_path / "data.csv")
    assert (tmp_path / "data.csv").read_bytes() == world.plaintext
    assert got.size == len(world.plaintext) and got.data_id == world.data_id
    again = consumer.download(order_id, tmp_path)  # served until it expires
    assert again.path == tmp_path / f"dataset-{world.data_id}.csv" and again.format == "csv"
    assert again.path.read_bytes() == world.plaintext

    # The provider keeps the key wrapped: the database does not hold it in the clear.
    raw = (world.state_dir / "provider.sqlite").read_bytes()
    assert world.key not in raw
    assert (world.state_dir / "provider.sqlite").stat().st_mode & 0o077 == 0
    docs = httpx.get(world.url + "/openapi.json").json()
    assert {"/keys", "/download", "/compute", "/jobs/{job_id}"} <= set(docs["paths"])
    assert httpx.get(world.url + "/docs").status_code == 200


def test_download_refusals(world: World, tmp_path: Path) -> None:
    world.client(OWNER).register_key(world.data_id, world.key)
    order_id = world.order()
    consumer = world.client(CONSUMER)
    dest = tmp_path / "out" / "data.csv"
    dest.parent.mkdir()

    with pytest.raises(ProviderError) as unknown:
        consumer.download(999, dest)
    _refused(unknown, 404, "unknown order 999")
    with pytest.raises(ProviderError) as theirs:
        world.client(STRANGER).download(order_id, dest)
    _refused(theirs, 403, f"order {order_id} is not yours")

    url = world.url + "/download"
    body = json.dumps({"order_id": order_id}).encode()
    unsigned = httpx.post(url, content=body)
    assert unsigned.status_code == 401 and "unsigned request" in unsigned.json()["error"]
    other = json.dumps({"order_id": order_id + 1}).encode()
    headers = sign_request(CONSUMER, "POST", "/download", other, PROVIDER.address)
    altered = httpx.post(url, content=body, headers=headers)
    assert altered.status_code == 401 and "bad signature" in altered.json()["error"]
    headers = sign_request(CONSUMER, "POST", "/download", body, PROVIDER.address)
    first = httpx.post(url, content=body, headers=headers)
    assert first.status_code == 200 and first.content == world.plaintext
    replayed = httpx.post(url, content=body, headers=headers)
    assert replayed.status_code == 409 and "replayed request" in replayed.json()["error"]
    huge = b" " * (2 << 20)
    too_large = httpx.post(
        url,
        content=huge,
        headers=sign_request(CONSUMER, "POST", "/download", huge, PROVIDER.address),
    )
    assert too_large.status_code == 413 and "over this axon's limit" in too_large.json()["error"]
    elsewhere = sign_request(CONSUMER, "POST", "/download", body, STRANGER.address)
    misdirected = httpx.post(url, content=body, headers=elsewhere)
    assert misdirected.status_code == 401  # signed for another provider

    # Deprecation stops new orders, not started ones.
    world.market.deprecate(OWNER, world.data_id)
    assert consumer.download(order_id, dest).size == len(world.plaintext)
    with pytest.raises(DataNotAvailableError, match="deprecated"):
        world.order()
    dest.unlink()

    world.protocol.chain.rpc("evm_increaseTime", [VALIDITY + 1])
    world.protocol.chain.mine()
    with pytest.raises(ProviderError) as expired:
        consumer.download(order_id, dest)
    _refused(expired, 410, f"order {order_id} expired at")

    world.market.deprecate(OWNER, world.data_id, False)
    fresh = world.order()
    world.market.delist(ADMIN, world.data_id, str(world.store.put_bytes(b"reason")))
    with pytest.raises(ProviderError) as delisted:
        consumer.download(fresh, dest)
    _refused(delisted, 403, f"dataset {world.data_id} is delisted")
    with pytest.raises(DataNotAvailableError, match="delisted"):
        world.order()
    assert list(dest.parent.iterdir()) == []  # nothing written by any refused download


def test_tampered_content_and_cut_stream(world: World, tmp_path: Path) -> None:
    owner = world.client(OWNER)
    tampered_id, tampered_key = world.publish(table(40), tamper=True)
    with pytest.raises(ProviderError) as tampered:
        owner.register_key(tampered_id, tampered_key)
    _refused(tampered, 400, f"dataset {tampered_id} is tampered")

    big = bytes(range(256)) * 3_000  # 768 KB: several blocks in the store
    data_id, key = world.publish(big)
    owner.register_key(data_id, key)
    order_id = world.order(data_id)
    content = world.market.dataset(data_id).content_cid
    last = world.store.ls(content)[-1].cid
    block = world.store.blockstore.path_for(bytes(last.raw_digest))
    block.chmod(0o600)
    data = bytearray(block.read_bytes())
    data[-100] ^= 1  # corrupt on the provider's disk after the key was checked
    block.write_bytes(bytes(data))

    dest = tmp_path / "out" / "big.bin"
    dest.parent.mkdir()
    with pytest.raises(DownloadIncompleteError, match="was cut after"):
        world.client(CONSUMER).download(order_id, dest)
    assert list(dest.parent.iterdir()) == []  # no partial file, no temporary file


def test_compute_to_data(world: World, tmp_path: Path) -> None:
    world.client(OWNER).register_key(world.data_id, world.key)
    order_id = world.order()
    consumer = world.client(CONSUMER)

    with pytest.raises(ProviderError) as off_list:
        consumer.compute(order_id, "mlp")
    _refused(off_list, 403, f"recipe {MLP.hash} is not on the allow-list of dataset")
    with pytest.raises(ProviderError) as bad_params:
        consumer.compute(order_id, "logreg", {"C": [[[[1]]]]})
    _refused(bad_params, 422, "nests lists too deeply")
    with pytest.raises(ProviderError) as theirs:
        world.client(STRANGER).compute(order_id, "logreg")
    _refused(theirs, 403, "is not yours")
    with pytest.raises(InputError, match="unknown recipe"):
        consumer.compute(order_id, "no-such-recipe")
    assert consumer.jobs() == []  # nothing was queued by a refusal

    job_id = consumer.compute(order_id, "logreg", {"C": 0.5})
    unsafe = {
        name: consumer.compute(order_id, name, recipe_source=source)
        for name, source in UNSAFE.items()
    }
    done = consumer.wait(job_id, timeout=60, interval=0.2)
    assert done.status == "done", done.error
    assert done.metrics is not None and done.metrics["accuracy"] > 0.7
    assert done.receipt is not None
    receipt = done.receipt
    info = consumer.info
    assert (
        verify_receipt(receipt, PROVIDER.address, chain_id=info.chain_id, licences=info.licences)
        == PROVIDER.address
    )
    assert (receipt.order_id, receipt.data_id, receipt.recipe_hash) == (
        order_id,
        world.data_id,
        LOGREG.hash,
    )
    assert receipt.dataset_cid == world.market.dataset(world.data_id).content_cid
    assert ComputeReceipt.from_json(receipt.to_json()) == receipt

    model = consumer.output(job_id, tmp_path / "model.onnx")
    assert display(import_bytes(model.read_bytes()).cid) == receipt.output_cid
    import onnx

    onnx.checker.check_model(onnx.load_from_string(model.read_bytes()))
    lines = consumer.logs(job_id)
    assert any("queued" in x for x in lines) and any("done: model" in x for x in lines)

    expected = {
        "net": "network access is not allowed in the sandbox",
        "knn": "rows of the dataset verbatim",
        "file": "file access is not allowed in the sandbox",
        "memory": "memory",
    }
    for name, job in unsafe.items():
        failed = consumer.wait(job, timeout=60, interval=0.2)
        assert failed.status == "failed" and failed.receipt is None and not failed.output_cid
        assert expected[name] in str(failed.error), (name, failed.error)
    with pytest.raises(ProviderError) as no_output:
        consumer.output(unsafe["net"], tmp_path / "none.onnx")
    assert "has no output" in str(no_output.value)
    assert {j.job_id for j in consumer.jobs()} == {job_id, *unsafe.values()}

    # A receipt altered at the provider (here: in its database) is refused by the client.
    altered = json.loads(receipt.to_json())
    altered["message"]["outputCid"] = receipt.dataset_cid
    with world.node.engine.begin() as conn:
        conn.execute(
            jobs_table.update().where(jobs_table.c.id == job_id).values(receipt=json.dumps(altered))
        )
    with pytest.raises(ProviderError, match=r"bad receipt for job .* forged or altered receipt"):
        consumer.job(job_id)

    with pytest.raises(ProviderError) as peek:
        world.client(STRANGER).job(job_id)
    _refused(peek, 403, f"job {job_id} belongs to the consumer of order {order_id}")
    with pytest.raises(ProviderError) as unknown:
        consumer.job("0" * 32)
    _refused(unknown, 404, "unknown job")


def test_jobs_survive_a_restart(world: World, tmp_path: Path) -> None:
    world.client(OWNER).register_key(world.data_id, world.key)
    order_id = world.order()
    world.server.stop()
    world.node.close()

    # A node whose worker never runs: jobs stay queued, one is then caught mid-run.
    node = _node(world.market, world.store, world.state_dir)
    world.node, world.server = node, ThreadServer(create_provider_app(node, start=False))
    consumer = world.client(CONSUMER)
    first = consumer.compute(order_id, "logreg")
    second = consumer.compute(order_id, "logreg", {"C": 2.0})
    claimed = node.jobs.claim_next()
    assert claimed is not None and claimed.id == first
    world.server.stop()
    node.close()
    leftover = world.state_dir / "scratch" / "plain-crashed"
    leftover.mkdir(parents=True)
    (leftover / "dataset.csv").write_bytes(world.plaintext)

    node = _node(world.market, world.store, world.state_dir)
    world.node, world.server = node, ThreadServer(create_provider_app(node))
    consumer = world.client(CONSUMER)
    assert not leftover.exists()  # plaintext left by a crash is removed on start
    intruder = _node(world.market, world.store, world.state_dir)
    with pytest.raises(InputError, match="another provider node is running"):
        intruder.start()  # one node per state dir: it would requeue the live node's jobs
    intruder.close()
    for job_id in (first, second):
        job = consumer.wait(job_id, timeout=60, interval=0.2)
        assert job.status == "done", job.error
    assert consumer.job(first).attempts == 2
    assert any("requeued" in line for line in consumer.logs(first))
    assert consumer.job(first).output_cid != consumer.job(second).output_cid
