"""Compute-to-data jobs at a data provider: the job book in SQLite, known recipes, the worker.

A job row is written (``queued``) before ``POST /compute`` answers, so an accepted job is never
lost. One worker thread runs the jobs one at a time, oldest first: it marks the job ``running``,
decrypts the dataset to a private file (mode 0400 in a fresh 0700 directory under the node's
scratch dir), runs the recipe in the sandbox (:func:`noosphere.ml.c2d.run_job`), deletes the
plaintext whatever happened, stores the ONNX model in the provider's content store and signs
the receipt; then the job is ``done``, or ``failed`` with the error's message.

A provider killed mid-job leaves the job ``running``: on start the node puts such jobs back in
the queue (``attempts`` counts the starts) and removes the scratch dir, so no plaintext
survives a crash for longer than the restart. Jobs are deterministic (same inputs, same model),
so running one again gives the same output CID.

Each job keeps a short event log written by the provider (queued, started, finished, failed).
The sandbox's own stdout/stderr is kept in the database for the operator but never served: a
recipe can print dataset rows into it.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine

from noosphere.errors import InputError
from noosphere.wallet import atomic_write

log = logging.getLogger("noosphere.provider")

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
MAX_EVENTS = 200
MAX_EVENT_CHARS = 2000
MAX_ERROR_CHARS = 4000
MAX_SANDBOX_LOG = 64 * 1024

metadata = MetaData()
jobs_table = Table(
    "provider_jobs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("order_id", BigInteger, nullable=False),
    Column("data_id", BigInteger, nullable=False),
    Column("consumer", String(42), nullable=False, index=True),
    Column("recipe_hash", String(66), nullable=False),
    Column("recipe_name", String(64), nullable=False),
    Column("params", Text, nullable=False),  # canonical JSON
    Column("status", String(16), nullable=False, index=True),
    Column("created", Float, nullable=False, index=True),
    Column("started", Float),
    Column("finished", Float),
    Column("attempts", Integer, nullable=False, default=0),
    Column("metrics", Text),  # JSON
    Column("output_cid", String(128)),
    Column("receipt", Text),  # the receipt's canonical JSON
    Column("error", Text),
    Column("sandbox_log", Text),  # for the operator only
)
events_table = Table(
    "provider_job_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", String(32), nullable=False, index=True),
    Column("time", Float, nullable=False),
    Column("line", Text, nullable=False),
)


@dataclass(frozen=True)
class JobRecord:
    """A compute-to-data job as the provider recorded it."""

    id: str
    order_id: int
    data_id: int
    consumer: str
    recipe_hash: str
    recipe_name: str
    params: Mapping[str, Any]
    status: str
    created: float
    started: float | None
    finished: float | None
    attempts: int
    metrics: Mapping[str, Any] | None
    output_cid: str | None
    receipt: Mapping[str, Any] | None
    error: str | None

    def public(self) -> dict[str, Any]:
        """The JSON the consumer sees (everything but the sandbox's log)."""
        return {
            "job_id": self.id,
            "order_id": self.order_id,
            "data_id": self.data_id,
            "consumer": self.consumer,
            "recipe_hash": self.recipe_hash,
            "recipe_name": self.recipe_name,
            "params": dict(self.params),
            "status": self.status,
            "created": self.created,
            "started": self.started,
            "finished": self.finished,
            "attempts": self.attempts,
            "metrics": None if self.metrics is None else dict(self.metrics),
            "output_cid": self.output_cid,
            "receipt": None if self.receipt is None else dict(self.receipt),
            "error": self.error,
        }


def _event(conn: Connection, job_id: str, now: float, line: str) -> None:
    conn.execute(insert(events_table).values(job_id=job_id, time=now, line=line[:MAX_EVENT_CHARS]))


def _record(row: Any) -> JobRecord:
    return JobRecord(
        id=row["id"],
        order_id=int(row["order_id"]),
        data_id=int(row["data_id"]),
        consumer=row["consumer"],
        recipe_hash=row["recipe_hash"],
        recipe_name=row["recipe_name"],
        params=json.loads(row["params"]),
        status=row["status"],
        created=row["created"],
        started=row["started"],
        finished=row["finished"],
        attempts=int(row["attempts"] or 0),
        metrics=None if row["metrics"] is None else json.loads(row["metrics"]),
        output_cid=row["output_cid"],
        receipt=None if row["receipt"] is None else json.loads(row["receipt"]),
        error=row["error"],
    )


class JobBook:
    """The jobs of one provider in SQLite; every change is one transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        metadata.create_all(engine)
        self._claim_lock = threading.Lock()

    def create(
        self,
        *,
        order_id: int,
        data_id: int,
        consumer: str,
        recipe_hash: str,
        recipe_name: str,
        params_json: str,
    ) -> JobRecord:
        """Record a new ``queued`` job and return it."""
        job_id = secrets.token_hex(16)
        now = time.time()
        with self.engine.begin() as conn:
            conn.execute(
                insert(jobs_table).values(
                    id=job_id,
                    order_id=order_id,
                    data_id=data_id,
                    consumer=consumer,
                    recipe_hash=recipe_hash,
                    recipe_name=recipe_name,
                    params=params_json,
                    status=QUEUED,
                    created=now,
                    attempts=0,
                )
            )
            line = f"queued: recipe {recipe_name} ({recipe_hash}) on dataset {data_id}, order "
            _event(conn, job_id, now, line + str(order_id))
        job = self.get(job_id)
        if job is None:
            raise InputError(f"job {job_id} vanished from the database as it was created")
        return job

    def get(self, job_id: str) -> JobRecord | None:
        """The job ``job_id``, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(jobs_table).where(jobs_table.c.id == job_id)).mappings()
            first = row.first()
        return None if first is None else _record(first)

    def for_consumer(self, consumer: str, limit: int = 100) -> list[JobRecord]:
        """The latest jobs of ``consumer``, newest first."""
        query = (
            select(jobs_table)
            .where(jobs_table.c.consumer == consumer)
            .order_by(jobs_table.c.created.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [_record(row) for row in conn.execute(query).mappings()]

    def claim_next(self) -> JobRecord | None:
        """Mark the oldest queued job ``running`` and return it (None if the queue is empty)."""
        with self._claim_lock, self.engine.begin() as conn:
            row = conn.execute(
                select(jobs_table.c.id)
                .where(jobs_table.c.status == QUEUED)
                .order_by(jobs_table.c.created)
                .limit(1)
            ).first()
            if row is None:
                return None
            now = time.time()
            conn.execute(
                update(jobs_table)
                .where(jobs_table.c.id == row.id, jobs_table.c.status == QUEUED)
                .values(status=RUNNING, started=now, attempts=jobs_table.c.attempts + 1)
            )
            _event(conn, row.id, now, "started")
        return self.get(row.id)

    def finish(
        self,
        job_id: str,
        *,
        output_cid: str,
        metrics: Mapping[str, Any],
        receipt_json: str,
        sandbox_log: str,
    ) -> None:
        """Record a job's success."""
        now = time.time()
        with self.engine.begin() as conn:
            conn.execute(
                update(jobs_table)
                .where(jobs_table.c.id == job_id)
                .values(
                    status=DONE,
                    finished=now,
                    output_cid=output_cid,
                    receipt=receipt_json,
                    metrics=json.dumps(dict(metrics), sort_keys=True),
                    error=None,
                    sandbox_log=sandbox_log[-MAX_SANDBOX_LOG:],
                )
            )
            _event(conn, job_id, now, f"done: model {output_cid}, receipt signed")

    def fail(self, job_id: str, error: str, *, sandbox_log: str = "") -> None:
        """Record a job's failure with the error's message."""
        now = time.time()
        error = error[:MAX_ERROR_CHARS]
        with self.engine.begin() as conn:
            conn.execute(
                update(jobs_table)
                .where(jobs_table.c.id == job_id)
                .values(
                    status=FAILED,
                    finished=now,
                    error=error,
                    sandbox_log=sandbox_log[-MAX_SANDBOX_LOG:],
                )
            )
            _event(conn, job_id, now, f"failed: {error}")

    def note(self, job_id: str, line: str) -> None:
        """Add a line to the job's event log."""
        with self.engine.begin() as conn:
            _event(conn, job_id, time.time(), line)

    def events(self, job_id: str, limit: int = MAX_EVENTS) -> list[tuple[float, str]]:
        """The last ``limit`` event lines of a job, oldest first."""
        query = (
            select(events_table.c.time, events_table.c.line)
            .where(events_table.c.job_id == job_id)
            .order_by(events_table.c.id.desc())
            .limit(max(1, min(limit, MAX_EVENTS)))
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [(float(t), str(line)) for t, line in reversed(rows)]

    def requeue_running(self) -> list[str]:
        """Put the jobs left ``running`` by a stopped provider back in the queue."""
        now = time.time()
        with self.engine.begin() as conn:
            ids = [
                r.id
                for r in conn.execute(select(jobs_table.c.id).where(jobs_table.c.status == RUNNING))
            ]
            for job_id in ids:
                conn.execute(
                    update(jobs_table)
                    .where(jobs_table.c.id == job_id)
                    .values(status=QUEUED, started=None)
                )
                _event(conn, job_id, now, "requeued: the provider stopped while the job ran")
        return ids

    def queued(self) -> int:
        """How many jobs wait in the queue."""
        query = select(func.count()).select_from(jobs_table).where(jobs_table.c.status == QUEUED)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())


class RecipeBook:
    """The recipes a provider can run: the built-in ones and ``*.py`` files in its recipe dir.

    A recipe is looked up by hash, and a file is used only if its bytes hash to what was asked.
    Recipes that consumers send with a job (whose hash the dataset allow-lists) are saved in
    the directory as ``<hash>.py``.
    """

    def __init__(self, directory: Path) -> None:
        from noosphere.ml.c2d import builtin_recipes

        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.builtin = {r.hash: r for r in builtin_recipes().values()}

    def get(self, recipe_hash: str) -> Any:
        """The :class:`~noosphere.ml.c2d.Recipe` of ``recipe_hash``, or None if unknown."""
        from noosphere.ml.c2d import Recipe
        from noosphere.ml.c2d.recipe import MAX_RECIPE_BYTES

        if recipe_hash in self.builtin:
            return self.builtin[recipe_hash]
        named = self.directory / f"{recipe_hash[2:]}.py"
        candidates = [named] if named.is_file() else []
        candidates += [p for p in sorted(self.directory.glob("*.py")) if p != named]
        for path in candidates:
            try:
                if path.stat().st_size > MAX_RECIPE_BYTES:
                    continue
                recipe = Recipe.from_file(path)
            except (OSError, InputError):
                continue
            if recipe.hash == recipe_hash:
                return recipe
        return None

    def add(self, name: str, source: bytes) -> Any:
        """Save a recipe's source under its hash and return the recipe."""
        from noosphere.ml.c2d import Recipe

        recipe = Recipe(name, source)
        path = self.directory / f"{recipe.hash[2:]}.py"
        if not path.exists():
            atomic_write(path, source, overwrite=True)
        return recipe


class JobWorker:
    """A thread that runs queued jobs one at a time with ``run(job)`` until stopped."""

    def __init__(self, book: JobBook, run: Callable[[JobRecord], None], *, poll: float = 1.0):
        self.book = book
        self._run = run
        self.poll = poll
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="c2d-worker", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        """Tell the worker a job was queued."""
        self._wake.set()

    @property
    def alive(self) -> bool:
        """True while the thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float | None = None) -> None:
        """Stop after the current job (a running sandbox is not interrupted)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                job = self.book.claim_next()
            except Exception:  # the database is busy or gone: wait, try again
                log.exception("cannot read the job queue")
                job = None
            if job is None:
                self._wake.wait(self.poll)
                self._wake.clear()
                continue
            try:
                self._run(job)
            except Exception:  # never let one job kill the worker, nor stay "running"
                log.exception("job %s crashed the runner", job.id)
                try:
                    self.book.fail(job.id, "internal error of the provider while running the job")
                except Exception:
                    log.exception("cannot record the failure of job %s", job.id)
