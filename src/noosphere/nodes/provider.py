"""The data provider node: dataset keys, order checks on chain, downloads and compute-to-data.

A :class:`ProviderNode` holds what the HTTP app (:func:`create_provider_app`, in
:mod:`noosphere.nodes.provider_app`) serves:

- **keys** (:mod:`~noosphere.nodes.provider_keys`): a dataset's owner or manager registers its
  key, sealed to the provider; the provider checks on chain that the signer owns or manages the
  dataset, fetches the content CID from its store (or its gateways), checks that the key opens
  the envelope (key commitment: a wrong key is named before any chunk is read) and that every
  chunk authenticates, and keeps the key wrapped under its master key;
- **orders** (:class:`DataMarket`): ``licences.order`` and ``order_valid`` at one block. An
  order is served to its consumer only, until its expiry, unless the DAO delisted the dataset
  (``order_valid`` is false then). Deprecation by the owner stops new orders, not started ones;
- **downloads**: the plaintext streamed chunk by chunk, each chunk authenticated before it
  leaves (:func:`~noosphere.storage.envelope.iter_decrypt`);
- **compute-to-data** (:mod:`~noosphere.nodes.provider_jobs`): jobs on allow-listed recipes, run
  one at a time in the sandbox, with a signed receipt (:mod:`noosphere.data.receipts`).

One node per state directory: :meth:`ProviderNode.start` takes a lock on it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_utils import to_checksum_address

from noosphere import __version__
from noosphere.chain.data import Order
from noosphere.chain.events import open_engine
from noosphere.errors import (
    BlockNotFoundError,
    EnvelopeError,
    EnvelopeTamperedError,
    InputError,
    NoosphereError,
    StoreError,
    TransactionRevertedError,
    WrongKeyError,
)
from noosphere.nodes.errors import NodeError
from noosphere.nodes.provider_jobs import JobBook, JobRecord, JobWorker, RecipeBook
from noosphere.nodes.provider_keys import (
    KeyRecord,
    KeyRing,
    master_key,
    open_sealed_key,
    public_key,
)
from noosphere.storage.envelope import iter_decrypt

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount
    from fastapi import FastAPI

    from noosphere.chain.data import DataMarket
    from noosphere.ml.c2d import JobLimits
    from noosphere.storage import Store

log = logging.getLogger("noosphere.provider")

STATE_FILE = "provider.sqlite"
REPLAY_FILE = "replay.sqlite"


class ProviderRefusal(NodeError):
    """A request the provider refuses, answered with ``http_status`` and the message."""

    def __init__(self, status: int, message: str, *, hint: str | None = None) -> None:
        self.http_status = status
        super().__init__(message, hint=hint)


def _iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def check_order(market: DataMarket, order_id: int, caller: str) -> Order:
    """The order ``order_id`` if ``caller`` may be served under it now.

    ``licences.order`` and ``order_valid`` are read at one block. Refuses with 404 (no such
    order), 403 (another consumer's order, or the dataset is delisted) or 410 (expired).
    """
    fns = [
        market.licences.functions.order(order_id),
        market.licences.functions.order_valid(order_id, caller),
    ]
    try:
        raw, valid = market.chain.call_many(fns)
    except TransactionRevertedError as exc:
        if "unknown order" in exc.reason:
            raise ProviderRefusal(
                404,
                f"unknown order {order_id}: no such order on chain {market.chain.chain_id}",
                hint="buy a licence and start an order first: noos data order",
            ) from None
        raise
    order = Order(order_id, int(raw[0]), to_checksum_address(raw[1]), int(raw[2]), int(raw[3]))
    if order.consumer != caller:
        raise ProviderRefusal(
            403,
            f"order {order_id} is not yours: it was started for {order.consumer}, and this "
            f"request is signed by {caller}",
        )
    if valid:
        return order
    dataset = market.dataset(order.data_id)
    if dataset.delisted:
        raise ProviderRefusal(
            403,
            f"dataset {order.data_id} is delisted by the DAO (reason {dataset.delist_reason}): "
            "it is no longer served",
        )
    now = int(market.chain.w3.eth.get_block("latest")["timestamp"])
    if now >= order.expiry:
        raise ProviderRefusal(
            410,
            f"order {order_id} expired at {_iso(order.expiry)} (chain time is {_iso(now)})",
            hint="start a new order to be served again",
        )
    raise ProviderRefusal(403, f"order {order_id} is not valid for {caller}")


def _sniff_format(head: bytes) -> str:
    """The table format of a dataset from its first bytes (what the sandbox's reader needs)."""
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "npz"
    first = head.split(b"\n", 1)[0]
    return "tsv" if b"\t" in first and b"," not in first else "csv"


@dataclass(frozen=True)
class Download:
    """A download ready to stream: what is sent (the record) and the verified plaintext."""

    order: Order
    record: KeyRecord
    chunks: Iterator[bytes]


class ProviderNode:
    """A data provider: its identity, keys, chain view, store, recipes and job queue.

    ``account`` (the hotkey) signs answers and receipts and derives the master key (unless
    ``master`` is given); ``market`` reads the Data NFT and licences contracts; ``store`` holds
    (or fetches from its gateways) the encrypted datasets and receives the models;
    ``state_dir`` holds ``provider.sqlite`` (keys and jobs, 0600), the replay database, saved
    recipes and the scratch dir of jobs. ``limits`` bound each job.
    """

    def __init__(
        self,
        account: LocalAccount,
        market: DataMarket,
        *,
        store: Store,
        state_dir: Path,
        master: bytes | None = None,
        limits: JobLimits | None = None,
    ) -> None:
        self.account = account
        self.address: str = account.address
        self.market = market
        self.chain = market.chain
        self.store = store
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.state_dir, 0o700)
        db = self.state_dir / STATE_FILE
        self.engine = open_engine(db)
        self.datanft: str = market.nft.address
        self.licences: str = market.licences.address
        self.keys = KeyRing(
            self.engine, master or master_key(account), self.chain.chain_id, self.datanft
        )
        os.chmod(db, 0o600)
        self.jobs = JobBook(self.engine)
        self.recipes = RecipeBook(self.state_dir / "recipes")
        self.scratch_dir = self.state_dir / "scratch"
        self.replay_db = self.state_dir / REPLAY_FILE
        self.limits = limits
        self.worker = JobWorker(self.jobs, self.run_job)
        self._lock: int | None = None

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Lock the state dir, clear the scratch dir, requeue interrupted jobs, start the worker."""
        if self._lock is None:
            fd = os.open(self.state_dir / "provider.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                raise InputError(
                    f"another provider node is running on {self.state_dir}",
                    hint="stop it first, or give this one another state dir",
                ) from None
            self._lock = fd
        shutil.rmtree(self.scratch_dir, ignore_errors=True)  # plaintext left by a crash
        self.scratch_dir.mkdir(mode=0o700)
        for job_id in self.jobs.requeue_running():
            log.info("requeued job %s, interrupted by a stop", job_id)
        self.worker.start()

    def close(self, timeout: float = 10.0) -> None:
        """Stop the worker, release the lock and the database.

        A job still running after ``timeout`` seconds is left ``running``: the next start puts
        it back in the queue (its sandbox dies with this process).
        """
        self.worker.stop(timeout)
        if self.worker.alive:
            log.warning("a compute-to-data job is still running; it is requeued at the next start")
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            os.close(self._lock)
            self._lock = None
        self.engine.dispose()

    def info(self) -> dict[str, Any]:
        """Who this provider is and what it runs (the public ``GET /provider``)."""
        return {
            "hotkey": self.address,
            "public_key": "0x" + public_key(self.account).hex(),
            "chain_id": self.chain.chain_id,
            "datanft": self.datanft,
            "licences": self.licences,
            "version": __version__,
            "recipes": {r.name: h for h, r in self.recipes.builtin.items()},
            "queued_jobs": self.jobs.queued(),
        }

    # --- keys --------------------------------------------------------------------------------
    def register_key(self, data_id: int, sealed: bytes, signer: str) -> KeyRecord:
        """Check and keep the key of ``data_id``, sealed to this provider by ``signer``."""
        dataset = self.market.dataset(data_id)
        if signer not in (dataset.owner, dataset.manager):
            raise ProviderRefusal(
                403,
                f"only the owner ({dataset.owner}) or manager of dataset {data_id} may register "
                f"its key; {signer} is neither",
            )
        try:
            key = open_sealed_key(self.account, sealed, self.keys.context(data_id))
        except WrongKeyError as exc:
            raise ProviderRefusal(400, exc.message) from None
        record = self._measure(dataset, key, signer)
        self.keys.put(record, key)
        log.info(
            "registered the key of dataset %d (%s) from %s", data_id, record.content_cid, signer
        )
        return record

    def _measure(self, dataset: Any, key: bytes, signer: str) -> KeyRecord:
        """Decrypt the whole content once: the key must open it and every chunk verify."""
        digest, size, head = hashlib.sha256(), 0, b""
        cid = dataset.content_cid
        with self._open_content(dataset.data_id, cid) as src:
            try:
                for piece in iter_decrypt(src, key):
                    if len(head) < 4096:
                        head += piece[: 4096 - len(head)]
                    digest.update(piece)
                    size += len(piece)
            except WrongKeyError as exc:
                reason = exc.message.removeprefix("wrong key for this envelope: ")
                raise ProviderRefusal(
                    400, f"wrong key for dataset {dataset.data_id}: {reason}"
                ) from None
            except EnvelopeTamperedError as exc:
                raise ProviderRefusal(
                    400,
                    f"the content {cid} of dataset {dataset.data_id} is tampered: {exc.message}",
                ) from None
            except EnvelopeError as exc:
                raise ProviderRefusal(
                    400,
                    f"the content {cid} of dataset {dataset.data_id} is not a valid "
                    f"envelope: {exc.message}",
                ) from None
        return KeyRecord(
            dataset.data_id,
            cid,
            size,
            "0x" + digest.hexdigest(),
            _sniff_format(head),
            signer,
            int(time.time()),
        )

    @contextlib.contextmanager
    def _open_content(self, data_id: int, cid: str) -> Iterator[Any]:
        try:
            src = self.store.open(cid)
        except BlockNotFoundError as exc:
            raise ProviderRefusal(
                404,
                f"the content {cid} of dataset {data_id} is not available to this provider: "
                f"{exc.message}",
                hint="add the envelope to the provider's store or a gateway it reads",
            ) from None
        with src:
            yield src

    def _key_record(self, data_id: int) -> KeyRecord:
        record = self.keys.get(data_id)
        if record is None:
            raise ProviderRefusal(
                404,
                f"this provider holds no key for dataset {data_id}",
                hint="the dataset's owner registers it (noos data register-key)",
            )
        return record

    def _key(self, data_id: int) -> bytes:
        try:
            return self.keys.key(data_id)
        except EnvelopeError as exc:  # another master key (hotkey rotated), or an altered row
            raise ProviderRefusal(
                500,
                f"this provider cannot unwrap the key of dataset {data_id}: {exc.message}",
                hint="the dataset's owner registers the key again (noos data register-key)",
            ) from None

    # --- downloads ---------------------------------------------------------------------------
    def download(self, order_id: int, caller: str) -> Download:
        """Check the order and open the plaintext stream (the key is checked before it starts)."""
        order = check_order(self.market, order_id, caller)
        record = self._key_record(order.data_id)
        key = self._key(order.data_id)
        stack = contextlib.ExitStack()
        src = stack.enter_context(self._open_content(order.data_id, record.content_cid))
        try:
            chunks = iter_decrypt(src, key)
        except EnvelopeError as exc:
            stack.close()
            raise ProviderRefusal(
                500, f"dataset {order.data_id} cannot be opened: {exc.message}"
            ) from None

        def stream() -> Iterator[bytes]:
            sent = 0
            with stack:
                try:
                    for piece in chunks:
                        sent += len(piece)
                        yield piece
                except (NoosphereError, OSError) as exc:  # abort: the client sees a cut stream
                    log.error(
                        "download of order %d aborted after %d bytes: %s", order_id, sent, exc
                    )
                    raise
            log.info(
                "served order %d (dataset %d, %d bytes) to %s",
                order_id,
                order.data_id,
                sent,
                caller,
            )

        return Download(order, record, stream())

    # --- compute-to-data ---------------------------------------------------------------------
    def submit_job(
        self,
        order_id: int,
        caller: str,
        recipe_hash: str,
        params: Mapping[str, Any] | None,
        *,
        recipe_source: str | None = None,
        recipe_name: str | None = None,
    ) -> JobRecord:
        """Check the order, the recipe and the parameters, and queue a job."""
        from noosphere.ml.c2d import RecipeNotAllowedError, canonical_params, check_params
        from noosphere.ml.c2d.recipe import normalize_hash, sha256_hex

        order = check_order(self.market, order_id, caller)
        dataset = self.market.dataset(order.data_id)
        if "training" not in dataset.uses:
            raise ProviderRefusal(
                403,
                f"dataset {dataset.data_id} does not allow training (allowed uses: "
                f"{', '.join(sorted(dataset.uses))})",
            )
        digest = normalize_hash(recipe_hash)
        if digest not in dataset.recipes:
            raise RecipeNotAllowedError(
                f"recipe {digest} is not on the allow-list of dataset {dataset.data_id} "
                f"({len(dataset.recipes)} allowed); nothing was run",
                hint="the data owner adds recipe hashes to the Data NFT's allow-list",
            )
        recipe = self.recipes.get(digest)
        if recipe is None:
            if recipe_source is None:
                raise ProviderRefusal(
                    404,
                    f"this provider does not know recipe {digest}",
                    hint="send the recipe's source with the job (recipe_source)",
                )
            source = recipe_source.encode("utf-8")
            if sha256_hex(source) != digest:
                raise ProviderRefusal(
                    400, f"the recipe source hashes to {sha256_hex(source)}, not to {digest}"
                )
            recipe = self.recipes.add(recipe_name or "recipe", source)
        checked = check_params(params)
        self._key_record(dataset.data_id)
        job = self.jobs.create(
            order_id=order_id,
            data_id=dataset.data_id,
            consumer=caller,
            recipe_hash=digest,
            recipe_name=recipe.name,
            params_json=canonical_params(checked).decode(),
        )
        log.info(
            "queued job %s: recipe %s on dataset %d for %s",
            job.id,
            recipe.name,
            dataset.data_id,
            caller,
        )
        self.worker.wake()
        return job

    def job_for(self, job_id: str, caller: str) -> JobRecord:
        """The job ``job_id`` if ``caller`` is its consumer (404 unknown, 403 someone else's)."""
        job = self.jobs.get(job_id)
        if job is None:
            raise ProviderRefusal(404, f"unknown job {job_id}")
        if job.consumer != caller:
            raise ProviderRefusal(
                403, f"job {job_id} belongs to the consumer of order {job.order_id}, not {caller}"
            )
        return job

    def job_output(self, job_id: str, caller: str) -> tuple[JobRecord, bytes]:
        """The ONNX model of a finished job (409 while it is not done)."""
        job = self.job_for(job_id, caller)
        if job.status != "done" or job.output_cid is None:
            raise ProviderRefusal(
                409, f"job {job_id} is {job.status}: it has no output", hint="wait until it is done"
            )
        return job, self.store.read_bytes(job.output_cid)

    def run_job(self, job: JobRecord) -> None:
        """Run one claimed job to ``done`` or ``failed`` (the worker calls this)."""
        try:
            self._run(job)
        except NoosphereError as exc:
            log.info("job %s failed: %s", job.id, exc.user_message)
            self.jobs.fail(job.id, exc.user_message, sandbox_log=getattr(exc, "log", "") or "")

    def _published_label(self, metadata_cid: str) -> str | None:
        """The label column the publisher named in the dataset's metadata (None: let the job
        look for label/target/y)."""
        from noosphere.data.metadata import load_metadata

        try:
            return load_metadata(self.store.read_bytes(metadata_cid, max_size=4 << 20)).label
        except NoosphereError as exc:
            log.warning("metadata %s unreadable (%s); the job guesses the label", metadata_cid,
                        exc.user_message)  # fmt: skip
            return None

    def _run(self, job: JobRecord) -> None:
        from noosphere.data.receipts import ComputeReceipt, metrics_hash, sign_receipt
        from noosphere.ml.c2d import run_job
        from noosphere.storage import display

        dataset = self.market.dataset(job.data_id)
        if dataset.delisted:
            raise ProviderRefusal(403, f"dataset {job.data_id} was delisted by the DAO")
        recipe = self.recipes.get(job.recipe_hash)
        if recipe is None:
            raise InputError(f"recipe {job.recipe_hash} is no longer known to this provider")
        record = self._key_record(job.data_id)
        label = self._published_label(dataset.metadata_cid)
        with self._plaintext(record) as path:
            self.jobs.note(job.id, f"running recipe {recipe.name} in the sandbox")
            result = run_job(
                path,
                recipe,
                dict(job.params),
                allow_list=dataset.recipes,
                label=label,
                limits=self.limits,
                workdir=self.scratch_dir,
                dataset_cid=record.content_cid,
            )
        if result.dataset_sha256 != record.plaintext_sha256:
            raise EnvelopeTamperedError(
                f"dataset {job.data_id} decrypted to other bytes than when its key was registered"
            )
        cid = display(self.store.put_bytes(result.onnx, name=f"c2d-{job.id}.onnx"))
        if cid != result.output_cid:
            raise StoreError(f"the model was stored as {cid}, not as {result.output_cid}")
        receipt = sign_receipt(
            self.account,
            ComputeReceipt(
                chain_id=self.chain.chain_id,
                licences=self.licences,
                data_id=job.data_id,
                dataset_cid=record.content_cid,
                recipe_hash=result.recipe_hash,
                params_hash=result.params_hash,
                output_cid=cid,
                metrics_hash=metrics_hash(result.metrics),
                order_id=job.order_id,
                provider=self.address,
                finished_at=int(time.time()),
                metrics=result.metrics,
            ),
        )
        self.jobs.finish(
            job.id,
            output_cid=cid,
            metrics=result.metrics,
            receipt_json=receipt.to_json(),
            sandbox_log=result.log,
        )
        log.info("job %s done: model %s", job.id, cid)

    @contextlib.contextmanager
    def _plaintext(self, record: KeyRecord) -> Iterator[Path]:
        """The dataset decrypted to a private file (0400 in a 0700 dir), deleted afterwards."""
        directory = Path(tempfile.mkdtemp(prefix="plain-", dir=self.scratch_dir))
        path = directory / f"dataset.{record.format}"
        try:
            key = self._key(record.data_id)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with (
                os.fdopen(fd, "wb") as out,
                self._open_content(record.data_id, record.content_cid) as src,
            ):
                for piece in iter_decrypt(src, key):
                    out.write(piece)
            os.chmod(path, 0o400)
            yield path
        finally:
            shutil.rmtree(directory, ignore_errors=True)


def create_provider_app(node: ProviderNode, *, start: bool = True, **options: Any) -> FastAPI:
    """The FastAPI app of ``node`` (see :mod:`noosphere.nodes.provider_app`); ``start`` starts
    the node's job worker (:meth:`ProviderNode.start`). ``options`` go to ``create_axon``."""
    from noosphere.nodes.provider_app import build_app

    if start:
        node.start()
    return build_app(node, **options)
