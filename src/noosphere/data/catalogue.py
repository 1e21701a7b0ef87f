"""The catalogue: a local SQLite index of the datasets of the data market, for search.

:meth:`Catalogue.sync` reads the events of the Data NFT and licences contracts through the
project's :class:`~noosphere.chain.events.EventIndex` (incremental, reorg-safe, in the same
SQLite file), folds them into one row per dataset (terms, status, owner, licences sold), and
fetches each metadata document by CID through the store (every block verified). A document that
cannot be fetched is recorded as ``unavailable`` and retried by a later sync; one that is not a
valid metadata document is recorded as ``malformed`` (its CID names fixed bytes: it is never
retried). Neither stops the sync.

The catalogue remembers the last event it applied (block, log index, block hash). When a reorg
or a chain reset removes that event from the event index, it rebuilds every dataset row from
the events left, which are local; metadata documents are kept, being content-addressed. A
different deployment (other contract addresses) starts the catalogue afresh.

:meth:`Catalogue.search` matches words against title, description, tags and column names with
SQLite FTS5 (prefix match, ranked by BM25) where SQLite has it, else with ``LIKE``; and filters
by allowed uses, price, row count and availability.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.exc import OperationalError

from noosphere.chain.data import listing_status
from noosphere.chain.events import Event, EventIndex, open_engine
from noosphere.chain.events import metadata as event_tables
from noosphere.errors import (
    BlockNotFoundError,
    InputError,
    IntegrityError,
    InvalidCidError,
    MetadataError,
    StoreError,
)

if TYPE_CHECKING:
    from noosphere.chain.protocol import Protocol
    from noosphere.storage import Store

ZERO_ADDRESS = "0x" + "00" * 20
_PRICE_DIGITS = 30  # prices are below 2**96 (29 digits): zero-padded text sorts as numbers
_WORD = re.compile(r"\w+", re.UNICODE)
_MAX_WORDS = 16

tables = MetaData()
state = Table(
    "catalogue_state",
    tables,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
datasets = Table(
    "catalogue_datasets",
    tables,
    Column("data_id", BigInteger, primary_key=True),
    Column("owner", String(42), nullable=False),
    Column("metadata_cid", Text, nullable=False),
    Column("content_cid", Text, nullable=False),
    Column("endpoint", Text, nullable=False),
    Column("price", String(_PRICE_DIGITS), nullable=False),
    Column("payment_token", String(42), nullable=False),
    Column("validity", BigInteger, nullable=False),
    Column("uses", Integer, nullable=False),
    Column("recipes", Text, nullable=False),  # JSON list of 0x hashes
    Column("deprecated", Boolean, nullable=False, default=False),
    Column("delisted", Boolean, nullable=False, default=False),
    Column("delist_reason", Text, nullable=False, default=""),
    Column("licences_sold", Text, nullable=False, default="0"),
    Column("published_block", BigInteger, nullable=False),
    Column("updated_block", BigInteger, nullable=False),
)
documents = Table(
    "catalogue_metadata",
    tables,
    Column("cid", Text, primary_key=True),
    Column("status", String(16), nullable=False),  # ok | unavailable | malformed
    Column("error", Text, nullable=False, default=""),
    Column("title", Text, nullable=False, default=""),
    Column("description", Text, nullable=False, default=""),
    Column("tags", Text, nullable=False, default="[]"),
    Column("columns", Text, nullable=False, default="[]"),
    Column("rows", BigInteger, nullable=True),
    Column("n_columns", Integer, nullable=True),
    Column("size", BigInteger, nullable=True),
    Column("format", String(16), nullable=False, default=""),
    Column("task", String(32), nullable=False, default=""),
    Column("fetched_at", Float, nullable=False),
)
plain_search = Table(  # the fallback when SQLite has no FTS5
    "catalogue_search_plain",
    tables,
    Column("data_id", BigInteger, primary_key=True),
    Column("body", Text, nullable=False),
)

_FTS_SQL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS catalogue_search USING fts5("
    "title, description, tags, columns, tokenize = 'unicode61 remove_diacritics 2')"
)


@dataclass(frozen=True)
class CatalogueEntry:
    """One dataset as the catalogue knows it (its metadata fields are empty when unavailable)."""

    data_id: int
    owner: str
    metadata_cid: str
    content_cid: str
    endpoint: str
    price: int
    payment_token: str
    validity: int
    uses: frozenset[str]
    recipes: tuple[str, ...]
    deprecated: bool
    delisted: bool
    delist_reason: str
    licences_sold: int
    metadata_status: str  # ok | unavailable | malformed | pending
    metadata_error: str
    title: str
    description: str
    tags: tuple[str, ...]
    columns: tuple[str, ...]
    rows: int | None
    size: int | None
    format: str
    task: str

    @property
    def available(self) -> bool:
        """True when licences can be bought and orders started."""
        return not (self.deprecated or self.delisted)

    @property
    def status(self) -> str:
        """``listed``, ``deprecated`` or ``delisted``."""
        return listing_status(self.deprecated, self.delisted)


@dataclass
class SyncReport:
    """What one :meth:`Catalogue.sync` did."""

    events: int = 0
    datasets: int = 0
    fetched: int = 0
    unavailable: list[tuple[str, str]] = field(default_factory=list)  # (cid, error)
    malformed: list[tuple[str, str]] = field(default_factory=list)
    rebuilt: bool = False


class Catalogue:
    """The local dataset index in the SQLite file ``db_path`` (created if missing)."""

    def __init__(self, db_path: Path) -> None:
        self.path = Path(db_path)
        self.engine = open_engine(self.path)
        tables.create_all(self.engine)
        event_tables.create_all(self.engine)  # the event index shares the file
        self.fts = True
        try:
            with self.engine.begin() as conn:
                conn.exec_driver_sql(_FTS_SQL)
        except OperationalError:  # built without FTS5: search with LIKE
            self.fts = False

    # --- syncing -------------------------------------------------------------------------------
    def sync(self, protocol: Protocol, store: Store, *, retry_after: float = 60.0) -> SyncReport:
        """Index new events, fold them into datasets and fetch new metadata documents.

        Unavailable documents are retried when ``retry_after`` seconds passed since the last
        attempt. Safe to run from several processes at once (a file lock serialises them).
        """
        from noosphere.chain.artifacts import load_artifact

        report = SyncReport()
        records = {name: protocol.manifest.contracts.get(name) for name in ("datanft", "licences")}
        with self._lock():
            chain_id = protocol.chain.chain_id
            if records["datanft"] is None or records["licences"] is None:
                return report  # a deployment without a data market: nothing to index
            deployment = f"{chain_id}:{records['datanft'].address}:{records['licences'].address}"
            if self._get("deployment") != deployment:
                self._reset(chain_id)
                self._set("deployment", deployment)
            index = EventIndex(protocol.chain, self.path, chunk=protocol.log_chunk)
            for name, record in records.items():
                assert record is not None
                index.watch(name, record.address, load_artifact(record.artifact).abi)
            start = min(r.block_number for r in records.values() if r is not None)
            addresses = {r.address for r in records.values() if r is not None}
            try:
                index.sync(start_block=start)
                dirty = self._apply(index, addresses, report)
            finally:
                index.engine.dispose()  # one engine per sync: release its connections
            dirty |= self._fetch(store, retry_after, report)
            self._reindex(dirty)
            with self.engine.connect() as conn:
                report.datasets = len(conn.execute(select(datasets.c.data_id)).all())
        return report

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        try:
            import fcntl
        except ImportError:  # not on POSIX: SQLite's own locking has to do
            yield
            return
        with open(self.path.with_suffix(self.path.suffix + ".lock"), "a") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def _get(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            value = conn.execute(select(state.c.value).where(state.c.key == key)).scalar()
        return None if value is None else str(value)

    def _set(self, key: str, value: str, conn: Any = None) -> None:
        if conn is None:
            with self.engine.begin() as own:
                self._set(key, value, own)
            return
        conn.execute(insert(state).prefix_with("OR REPLACE"), {"key": key, "value": value})

    def _reset(self, chain_id: int) -> None:
        """Forget every dataset and indexed event (a new deployment); keep metadata documents."""
        from noosphere.chain import events as ev

        with self.engine.begin() as conn:
            conn.execute(delete(datasets))
            conn.execute(delete(state))
            conn.execute(delete(plain_search))
            if self.fts:
                conn.exec_driver_sql("DELETE FROM catalogue_search")
            for table in (ev.logs, ev.blocks, ev.cursors):
                conn.execute(delete(table).where(table.c.chain_id == chain_id))

    def _apply(self, index: EventIndex, addresses: set[str], report: SyncReport) -> set[int]:
        """Fold the events not applied yet into dataset rows; returns the ids to reindex."""
        raw = self._get("last_event")
        last = json.loads(raw) if raw else None
        found = [
            e for e in index.events(from_block=last[0] if last else 0) if e.address in addresses
        ]
        if last is not None and not any(
            (e.block_number, e.log_index, e.block_hash) == tuple(last) for e in found
        ):
            report.rebuilt = True  # the last applied event is gone (reorg or reset): rebuild
            with self.engine.begin() as conn:
                conn.execute(delete(datasets))
            found = [e for e in index.events() if e.address in addresses]
            last = None
        if last is not None:
            found = [e for e in found if (e.block_number, e.log_index) > (last[0], last[1])]
        dirty: set[int] = set()
        with self.engine.begin() as conn:
            for event in found:
                touched = _fold(conn, event)
                if touched is not None:
                    dirty.add(touched)
            if found:
                tail = found[-1]
                self._set("last_event", json.dumps(
                    [tail.block_number, tail.log_index, tail.block_hash]), conn)  # fmt: skip
        report.events = len(found)
        if report.rebuilt:
            with self.engine.connect() as conn:
                dirty = {int(r[0]) for r in conn.execute(select(datasets.c.data_id))}
        return dirty

    def _fetch(self, store: Store, retry_after: float, report: SyncReport) -> set[int]:
        """Fetch the metadata documents not fetched yet; returns the datasets to reindex."""
        now = time.time()
        with self.engine.connect() as conn:
            wanted = {str(r[0]) for r in conn.execute(select(datasets.c.metadata_cid).distinct())}
            known = {
                str(r.cid): (str(r.status), float(r.fetched_at))
                for r in conn.execute(select(documents.c.cid, documents.c.status,
                                             documents.c.fetched_at))
            }  # fmt: skip
        todo = sorted(
            cid for cid in wanted
            if cid not in known
            or (known[cid][0] == "unavailable" and now - known[cid][1] >= retry_after)
        )  # fmt: skip
        fetched: set[str] = set()
        for cid in todo:
            row = _fetch_document(store, cid)
            row["fetched_at"] = time.time()
            with self.engine.begin() as conn:
                conn.execute(delete(documents).where(documents.c.cid == cid))
                conn.execute(insert(documents), row)
            if row["status"] == "ok":
                report.fetched += 1
                fetched.add(cid)
            elif row["status"] == "unavailable":
                report.unavailable.append((cid, row["error"]))
            else:
                report.malformed.append((cid, row["error"]))
        if not fetched:
            return set()
        with self.engine.connect() as conn:
            query = select(datasets.c.data_id).where(datasets.c.metadata_cid.in_(fetched))
            return {int(r[0]) for r in conn.execute(query)}

    def _reindex(self, data_ids: set[int]) -> None:
        """Rewrite the search rows of ``data_ids`` from their current metadata documents."""
        if not data_ids:
            return
        with self.engine.begin() as conn:
            for data_id in sorted(data_ids):
                if self.fts:
                    conn.exec_driver_sql("DELETE FROM catalogue_search WHERE rowid = ?", (data_id,))
                conn.execute(delete(plain_search).where(plain_search.c.data_id == data_id))
                doc = conn.execute(
                    select(documents)
                    .join(datasets, datasets.c.metadata_cid == documents.c.cid)
                    .where(datasets.c.data_id == data_id, documents.c.status == "ok")
                ).first()
                if doc is None:
                    continue
                tags = " ".join(json.loads(doc.tags))
                columns = " ".join(json.loads(doc.columns))
                if self.fts:
                    conn.exec_driver_sql(
                        "INSERT INTO catalogue_search (rowid, title, description, tags, columns) "
                        "VALUES (?, ?, ?, ?, ?)",
                        (data_id, doc.title, doc.description, tags, columns),
                    )
                else:
                    body = "\n".join((doc.title, doc.description, tags, columns)).lower()
                    conn.execute(insert(plain_search), {"data_id": data_id, "body": body})

    # --- querying ------------------------------------------------------------------------------
    def get(self, data_id: int) -> CatalogueEntry | None:
        """The entry of ``data_id``, or None if the catalogue has not seen it."""
        found = self._entries("d.data_id = :data_id", {"data_id": data_id}, "", 1)
        return found[0] if found else None

    def entries(self, *, include_unavailable: bool = True) -> list[CatalogueEntry]:
        """Every dataset, newest first."""
        where = "1 = 1" if include_unavailable else "d.deprecated = 0 AND d.delisted = 0"
        return self._entries(where, {}, "", None)

    def search(
        self,
        text: str | None = None,
        *,
        uses: Iterable[str] = (),
        max_price: int | None = None,
        min_rows: int | None = None,
        max_rows: int | None = None,
        include_unavailable: bool = False,
        limit: int = 50,
    ) -> list[CatalogueEntry]:
        """Datasets matching every word of ``text`` (prefixes; in title, description, tags or
        column names), allowing every use in ``uses``, priced at most ``max_price`` base units,
        with ``min_rows`` … ``max_rows`` rows; listed ones only unless ``include_unavailable``.
        Best matches first when ``text`` is given, else newest first."""
        from noosphere.chain.data import uses_flags

        if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
            raise InputError(f"limit: {limit!r} is not a positive number")
        clauses: list[str] = ["1 = 1"]
        params: dict[str, Any] = {}
        wanted = list(uses)
        if wanted:
            params["flags"] = uses_flags(wanted)
            clauses.append("(d.uses & :flags) = :flags")
        if max_price is not None:
            if isinstance(max_price, bool) or not isinstance(max_price, int) or max_price < 0:
                raise InputError(f"max price: {max_price!r} is not a non-negative amount")
            params["max_price"] = _padded(min(max_price, 10**_PRICE_DIGITS - 1))
            clauses.append("d.price <= :max_price")
        for name, bound, op in (("min_rows", min_rows, ">="), ("max_rows", max_rows, "<=")):
            if bound is not None:
                if isinstance(bound, bool) or not isinstance(bound, int) or bound < 0:
                    raise InputError(f"{name.replace('_', ' ')}: {bound!r} is not a row count")
                params[name] = bound
                clauses.append(f"m.rows IS NOT NULL AND m.rows {op} :{name}")
        if not include_unavailable:
            clauses.append("d.deprecated = 0 AND d.delisted = 0")
        join = ""
        if text is not None and text.strip():
            words = [w.lower() for w in _WORD.findall(text)][:_MAX_WORDS]
            if not words:
                raise InputError(f"search text {text!r} has no words to look for")
            if self.fts:
                join = "JOIN catalogue_search s ON s.rowid = d.data_id"
                params["match"] = " ".join(f'"{w}"*' for w in words)
                clauses.append("catalogue_search MATCH :match")
            else:
                join = "JOIN catalogue_search_plain s ON s.data_id = d.data_id"
                for i, word in enumerate(words):
                    params[f"w{i}"] = "%" + re.sub(r"([%_\\])", r"\\\1", word) + "%"
                    clauses.append(f"s.body LIKE :w{i} ESCAPE '\\'")
        order = "bm25(catalogue_search), d.data_id DESC" if join and self.fts else ""
        return self._entries(" AND ".join(clauses), params, join, limit, order)

    def _entries(
        self, where: str, params: dict[str, Any], join: str, limit: int | None, order: str = ""
    ) -> list[CatalogueEntry]:
        sql = (
            "SELECT d.*, m.status AS m_status, m.error AS m_error, m.title, m.description, "
            "m.tags, m.columns, m.rows, m.size, m.format, m.task "
            f"FROM catalogue_datasets d {join} "
            "LEFT JOIN catalogue_metadata m ON m.cid = d.metadata_cid "
            f"WHERE {where} ORDER BY {order or 'd.data_id DESC'}"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self.engine.connect() as conn:
            rows = conn.execute(sql_text(sql), params).mappings().all()
        return [_entry(row) for row in rows]

    def close(self) -> None:
        """Release the database."""
        self.engine.dispose()


# --- folding events ------------------------------------------------------------------------------
def _padded(price: int) -> str:
    return str(int(price)).zfill(_PRICE_DIGITS)


def _fold(conn: Any, event: Event) -> int | None:
    """Apply one event to the dataset rows; returns the data id whose search row is stale."""
    args, block = event.args, event.block_number
    name = event.event
    if event.contract == "licences":
        if name == "LicencesBought":
            data_id = int(args["data_id"])
            sold = conn.execute(
                select(datasets.c.licences_sold).where(datasets.c.data_id == data_id)
            ).scalar()
            if sold is not None:
                total = str(int(sold) + int(args["amount"]))
                conn.execute(update(datasets).where(datasets.c.data_id == data_id)
                             .values(licences_sold=total))  # fmt: skip
        return None
    if name == "Published":
        data_id = int(args["data_id"])
        conn.execute(delete(datasets).where(datasets.c.data_id == data_id))
        conn.execute(insert(datasets), {
            "data_id": data_id, "owner": args["owner"], "metadata_cid": args["metadata_cid"],
            "content_cid": args["content_cid"], "endpoint": args["endpoint"],
            "price": _padded(args["price"]), "payment_token": args["payment_token"],
            "validity": int(args["validity"]), "uses": int(args["uses"]),
            "recipes": json.dumps(list(args["recipes"])), "deprecated": False,
            "delisted": False, "delist_reason": "", "licences_sold": "0",
            "published_block": block, "updated_block": block,
        })  # fmt: skip
        return data_id
    key = "token_id" if name == "Transfer" else "data_id"
    if key not in args:
        return None
    data_id = int(args[key])
    values: dict[str, Any] = {}
    if name == "Transfer":
        if str(args.get("sender", ZERO_ADDRESS)).lower() == ZERO_ADDRESS:
            return None  # the mint: Published follows
        values = {"owner": args["receiver"]}
    elif name == "MetadataSet":
        values = {"metadata_cid": args["metadata_cid"]}
    elif name == "EndpointSet":
        values = {"endpoint": args["endpoint"]}
    elif name == "PriceSet":
        values = {"price": _padded(args["price"]), "payment_token": args["payment_token"]}
    elif name == "LicenceTermsSet":
        values = {"validity": int(args["validity"]), "uses": int(args["uses"])}
    elif name == "RecipesSet":
        values = {"recipes": json.dumps(list(args["recipes"]))}
    elif name == "DeprecationSet":
        values = {"deprecated": bool(args["deprecated"])}
    elif name == "Delisted":
        values = {"delisted": True, "delist_reason": args["reason_cid"]}
    elif name == "Relisted":
        values = {"delisted": False, "delist_reason": ""}
    if not values:
        return None
    values["updated_block"] = block
    conn.execute(update(datasets).where(datasets.c.data_id == data_id).values(**values))
    return data_id if name == "MetadataSet" else None


def _fetch_document(store: Store, cid: str) -> dict[str, Any]:
    """The catalogue row of one metadata document: fetched and checked, or why not."""
    from noosphere.data.metadata import MAX_METADATA_BYTES, load_metadata

    row: dict[str, Any] = {"cid": cid, "status": "ok", "error": ""}
    try:
        metadata = load_metadata(store.read_bytes(cid, max_size=MAX_METADATA_BYTES))
    except (InvalidCidError, MetadataError) as error:
        return {**row, "status": "malformed", "error": error.user_message}
    except (BlockNotFoundError, IntegrityError) as error:
        return {**row, "status": "unavailable", "error": error.user_message}
    except StoreError as error:  # e.g. larger than a metadata document may be
        return {**row, "status": "malformed", "error": error.user_message}
    except Exception as exc:  # a gateway or disk failure: retried by a later sync
        return {**row, "status": "unavailable", "error": f"{type(exc).__name__}: {exc}"}
    return {
        **row,
        "title": metadata.title,
        "description": metadata.description,
        "tags": json.dumps(list(metadata.tags)),
        "columns": json.dumps(metadata.column_names),
        "rows": metadata.rows,
        "n_columns": len(metadata.column_names),
        "size": metadata.size,
        "format": metadata.format,
        "task": metadata.task or "",
    }


def _entry(row: Any) -> CatalogueEntry:
    from noosphere.chain.data import uses_names

    status = row["m_status"] or "pending"
    ok = status == "ok"
    return CatalogueEntry(
        data_id=int(row["data_id"]), owner=row["owner"], metadata_cid=row["metadata_cid"],
        content_cid=row["content_cid"], endpoint=row["endpoint"], price=int(row["price"]),
        payment_token=row["payment_token"], validity=int(row["validity"]),
        uses=uses_names(int(row["uses"])), recipes=tuple(json.loads(row["recipes"])),
        deprecated=bool(row["deprecated"]), delisted=bool(row["delisted"]),
        delist_reason=row["delist_reason"], licences_sold=int(row["licences_sold"]),
        metadata_status=status, metadata_error=row["m_error"] or "",
        title=row["title"] if ok else "", description=row["description"] if ok else "",
        tags=tuple(json.loads(row["tags"])) if ok else (),
        columns=tuple(json.loads(row["columns"])) if ok else (),
        rows=row["rows"] if ok else None, size=row["size"] if ok else None,
        format=row["format"] if ok else "", task=row["task"] if ok else "",
    )  # fmt: skip


__all__ = ["Catalogue", "CatalogueEntry", "SyncReport"]
