"""The data market in the simulation: a provider sells the task's public data, miners train on it
through compute-to-data and serve the model the provider's sandbox returned.

Before the epochs start, a data provider (an account, not a UID on the subnet) runs a real
:class:`~noosphere.nodes.provider.ProviderNode` in-process, served by uvicorn on a free loopback
port with its own chain connection, and publishes the task's *public* training split (what
miners train on anyway; the validators' held-out pool never enters it) as a Data NFT priced in
NOOS, with the built-in ``logreg`` and ``mlp`` recipes on its allow-list. Each buying miner pays
for a licence and starts an order in one transaction and queues a compute-to-data job through
:class:`~noosphere.data.provider_client.ProviderClient`; the jobs run in the provider's worker
while the subnet is set up and the first epochs pass, and :meth:`ComputeToData.collect` waits
for one only when its miner is about to serve the model. It fetches the ONNX model and keeps
the job's signed receipt (verified against the provider's hotkey, chain and licences contract)
for the model's provenance.

Every failure is a :class:`~noosphere.errors.NoosphereError` naming the step: the story is part
of the simulation, which never falls back to a locally trained model.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import numpy as np

from noosphere.errors import NoosphereError

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from noosphere.chain.protocol import Protocol
    from noosphere.data.provider_client import ProviderClient
    from noosphere.data.receipts import ComputeReceipt
    from noosphere.ml.c2d import JobLimits
    from noosphere.ml.datasets import Subset

NOOS = 10**18
PRICE = 5 * NOOS
"""Price of one licence of the simulation's dataset."""
RECIPES = ("logreg", "mlp")
"""Built-in recipes on the dataset's allow-list."""
MAX_JOBS = 2
"""At most this many compute-to-data jobs (each costs seconds of sandbox)."""
JOB_TIMEOUT = 300.0
"""Seconds to wait for one job once its model is needed."""
C2D_TAG = "(compute-to-data)"
"""Ends the name of every model a miner serves that came out of a compute-to-data job."""

Note = Callable[[str], None]


@dataclass(frozen=True)
class TrainedModel:
    """What one miner got from compute-to-data: its order, job, receipt and the ONNX model."""

    miner: str
    buyer: str  # the miner's coldkey: it paid, and the order serves it
    order_id: int
    order_tx: str | None
    job_id: str
    recipe: str
    receipt: ComputeReceipt = field(repr=False)
    verified_signer: str
    onnx: bytes = field(repr=False)

    @property
    def metrics(self) -> dict[str, Any]:
        """The aggregate metrics the provider measured on the job's held-out rows."""
        return dict(self.receipt.metrics or {})


@dataclass
class DataStory:
    """The dataset the provider published, what it sold and the models trained on it."""

    provider: str  # the provider's account: it owns the Data NFT and is the node's hotkey
    endpoint: str
    data_id: int
    content_cid: str
    metadata_cid: str
    price: int  # base units of NOOS
    owner: str
    rows: int
    n_features: int
    n_classes: int
    recipes: dict[str, str]  # allow-listed recipe name -> hash
    chain_id: int
    licences: str
    orders: dict[str, int] = field(default_factory=dict)  # miner -> order id
    models: list[TrainedModel] = field(default_factory=list)
    earnings: int = 0  # base units of NOOS the provider withdrew
    seconds: float = 0.0  # wall time spent waiting on the data market (not overlapped)


@dataclass
class _Pending:
    miner: str
    account: LocalAccount
    recipe: str
    order_id: int
    order_tx: str | None
    job_id: str
    client: ProviderClient


class _ThreadServer:
    """uvicorn serving ``app`` in a background thread, on a loopback port bound beforehand."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                timeout_graceful_shutdown=1)  # fmt: skip
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self._sock]},
                                       name="sim-provider", daemon=True)  # fmt: skip

    def start(self, timeout: float = 15.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise NoosphereError(f"its HTTP server did not start on {self.url}")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self._sock.close()


class ComputeToData:
    """A data provider node serving over HTTP for the length of a simulation, and its sales.

    Use as a context manager (the node and its server stop on exit), then :meth:`publish`,
    :meth:`order` per buying miner, :meth:`collect` per miner when its model is needed, and
    :meth:`withdraw`. ``story`` holds what happened.
    """

    def __init__(
        self,
        protocol: Protocol,
        work: Path,
        provider: LocalAccount,
        *,
        note: Note = lambda _: None,
        limits: JobLimits | None = None,
    ) -> None:
        self.protocol = protocol
        self.market = protocol.data
        self.work = work
        self.provider = provider
        self.note = note
        self.limits = limits
        self.story: DataStory | None = None
        self.pending: dict[str, _Pending] = {}
        self._stack = contextlib.ExitStack()
        self._url = ""
        self._store: Any = None
        self._waited = 0.0

    # --- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> ComputeToData:
        try:
            with self._step("starting the data provider node"):
                self._start()
        except BaseException:
            self._stack.close()
            raise
        return self

    def _start(self) -> None:
        from noosphere.chain.client import Chain
        from noosphere.chain.data import DataMarket
        from noosphere.nodes.provider import ProviderNode, create_provider_app
        from noosphere.storage import Store

        self.work.mkdir(parents=True, exist_ok=True)
        self._store = Store(self.work / "store", sync=False)
        chain = Chain.connect(self.protocol.chain.rpc_url)  # the provider is another party
        market = DataMarket(chain, self.protocol.manifest)
        node = ProviderNode(self.provider, market, store=self._store,
                            state_dir=self.work / "provider", limits=self.limits)  # fmt: skip
        self._stack.callback(node.close)
        server = _ThreadServer(create_provider_app(node))
        self._stack.callback(server.stop)
        server.start()
        self._url = server.url

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for pending in self.pending.values():
            pending.client.close()
        self._stack.close()

    @contextlib.contextmanager
    def _step(self, what: str) -> Iterator[None]:
        try:
            yield
        except NoosphereError as error:
            raise NoosphereError(f"the simulation's data market failed while {what}: "
                                 f"{error.message}", hint=error.hint) from error  # fmt: skip
        except Exception as error:  # a bug or an OS error: still say which step
            raise NoosphereError(f"the simulation's data market failed while {what}: "
                                 f"{type(error).__name__}: {error}") from error  # fmt: skip

    # --- the provider ------------------------------------------------------------------------
    def publish(self, public: Subset, n_classes: int, title: str) -> DataStory:
        """Publish ``public`` (a task's public training split) as a Data NFT; register its key."""
        with self._step("publishing the dataset"):
            self.story = self._publish(public, n_classes, title)
        self.note(f"data provider: dataset {self.story.data_id} published "
                  f"({self.story.rows} public rows, {PRICE // NOOS} NOOS a licence)")  # fmt: skip
        return self.story

    def _publish(self, public: Subset, n_classes: int, title: str) -> DataStory:
        from noosphere.chain.data import DEFAULT_VALIDITY
        from noosphere.data.publish import prepare_dataset, publish_dataset
        from noosphere.ml.c2d import builtin_recipes

        path = self.work / "public-training-split.npz"
        np.savez(path, X=np.asarray(public.X, np.float32), y=np.asarray(public.y, np.int64))
        prepared = prepare_dataset(
            path, title=f"{title}: public training split", store=self._store,
            description=f"The public training split of the {title} task; the validators' "
                        "held-out pool is not in it.",
            licence="training only", tags=("simulation",), label="y",
        )  # fmt: skip
        builtin = builtin_recipes()
        recipes = {name: builtin[name].hash for name in RECIPES}
        publication = publish_dataset(
            self.market, self.provider, prepared, keys_dir=self.work / "data-keys",
            endpoint=self._url, price=PRICE, validity=DEFAULT_VALIDITY, uses=("training",),
            recipes=list(recipes.values()),
        )  # fmt: skip
        if publication.error is not None:
            raise NoosphereError(f"the provider did not take the key of dataset "
                                 f"{publication.data_id}: {publication.error.message}")  # fmt: skip
        dataset = self.market.dataset(publication.data_id)
        return DataStory(
            provider=self.provider.address, endpoint=self._url, data_id=publication.data_id,
            content_cid=dataset.content_cid, metadata_cid=dataset.metadata_cid,
            price=dataset.price, owner=dataset.owner, rows=int(public.y.shape[0]),
            n_features=int(public.X.shape[1]), n_classes=n_classes, recipes=recipes,
            chain_id=self.protocol.chain.chain_id, licences=self.market.licences.address,
        )  # fmt: skip

    def withdraw(self) -> int:
        """Send the provider what its sales earned; returns the amount (base units)."""
        story = self._published()
        with self._step("withdrawing the provider's earnings"):
            if self.market.pending(self.provider.address) > 0:
                story.earnings = self.market.withdraw(self.provider)
        return story.earnings

    def _published(self) -> DataStory:
        if self.story is None:
            raise NoosphereError("the simulation's data market has published nothing yet")
        return self.story

    # --- the buyers --------------------------------------------------------------------------
    def order(self, miner: str, account: LocalAccount, recipe: str) -> int:
        """``account`` (the miner's coldkey) buys a licence and orders in one transaction, then
        queues a job of ``recipe`` at the provider; returns the order id."""
        story = self._published()
        if len(story.orders) >= MAX_JOBS:
            raise NoosphereError(f"the simulation runs at most {MAX_JOBS} compute-to-data jobs")
        from noosphere.data.provider_client import ProviderClient

        with self._step(f"ordering {miner}'s compute-to-data job ({recipe})"):
            order = self.market.buy_and_order(account, story.data_id, max_price=story.price)
            client = ProviderClient(story.endpoint, account, provider=story.provider,
                                    timeout=30)  # fmt: skip
            try:
                job_id = client.compute(order.order_id, recipe)
            except BaseException:
                client.close()
                raise
        story.orders[miner] = order.order_id
        self.pending[miner] = _Pending(miner, account, recipe, order.order_id, order.tx_hash,
                                       job_id, client)  # fmt: skip
        self.note(f"{miner}: bought a licence of dataset {story.data_id} (order "
                  f"{order.order_id}) and queued a {recipe} job")  # fmt: skip
        return order.order_id

    def collect(self, miner: str) -> TrainedModel:
        """Wait for ``miner``'s job, fetch its model and verify its receipt."""
        story = self._published()
        done = next((m for m in story.models if m.miner == miner), None)
        if done is not None:
            return done
        pending = self.pending.get(miner)
        if pending is None:
            raise NoosphereError(f"{miner} ordered no compute-to-data job")
        started = time.monotonic()
        with self._step(f"running {miner}'s compute-to-data job ({pending.recipe})"):
            model = self._collect(story, pending)
        self._waited += time.monotonic() - started
        story.seconds = self._waited
        story.models.append(model)
        pending.client.close()
        del self.pending[miner]
        self.note(f"{miner}: compute-to-data job {model.job_id} done, model "
                  f"{model.receipt.output_cid}")  # fmt: skip
        return model

    def _collect(self, story: DataStory, pending: _Pending) -> TrainedModel:
        from noosphere.data.receipts import verify_receipt

        client, job_id = pending.client, pending.job_id
        job = client.wait(job_id, timeout=JOB_TIMEOUT, interval=0.2)
        if job.status != "done" or job.receipt is None or job.output_cid is None:
            raise NoosphereError(f"job {job_id} ended {job.status}: "
                                 f"{job.error or 'no model and no receipt'}")  # fmt: skip
        onnx = client.output(job_id, self.work / f"{pending.miner}.onnx").read_bytes()
        receipt = job.receipt
        signer = verify_receipt(receipt, story.provider, chain_id=story.chain_id,
                                licences=story.licences)  # fmt: skip
        if (receipt.order_id, receipt.data_id) != (pending.order_id, story.data_id):
            raise NoosphereError(f"the receipt of job {job_id} names order {receipt.order_id} "
                                 f"of dataset {receipt.data_id}")  # fmt: skip
        if receipt.dataset_cid != story.content_cid:
            raise NoosphereError(f"the receipt of job {job_id} names dataset content "
                                 f"{receipt.dataset_cid}, not {story.content_cid}")  # fmt: skip
        classes = (receipt.metrics or {}).get("n_classes")
        if classes != story.n_classes:
            raise NoosphereError(f"the model of job {job_id} has {classes} classes, the task "
                                 f"{story.n_classes}")  # fmt: skip
        return TrainedModel(pending.miner, pending.account.address, pending.order_id,
                            pending.order_tx, job_id, pending.recipe, receipt, signer,
                            onnx)  # fmt: skip
