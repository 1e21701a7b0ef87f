"""The event index: contract events read over block ranges, cached in SQLite.

``EventIndex.sync`` reads logs of the watched contracts in chunks of ``chunk`` blocks, decodes
them with the contracts' ABIs and stores them; the next sync resumes where the last one
stopped. Before resuming it checks that the last indexed block is still on the chain: if a
reorg replaced it, the index walks back to the newest block whose hash still matches and
drops everything above it. Later capabilities query events through :meth:`EventIndex.events`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_utils import event_abi_to_log_topic, to_checksum_address
from hexbytes import HexBytes
from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    create_engine,
    delete,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine
from web3._utils.events import get_event_data
from web3.exceptions import Web3RPCError

from noosphere.chain.client import Chain
from noosphere.errors import ChainError, TransientRpcError

metadata = MetaData()

cursors = Table(
    "cursors",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("address", String(42), primary_key=True),
    Column("last_block", BigInteger, nullable=False),
)
blocks = Table(
    "blocks",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("number", BigInteger, primary_key=True),
    Column("hash", String(66), nullable=False),
)
logs = Table(
    "logs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("chain_id", BigInteger, nullable=False, index=True),
    Column("address", String(42), nullable=False, index=True),
    Column("contract", String(64), nullable=False),
    Column("event", String(64), nullable=False, index=True),
    Column("block_number", BigInteger, nullable=False, index=True),
    Column("block_hash", String(66), nullable=False),
    Column("tx_hash", String(66), nullable=False),
    Column("log_index", Integer, nullable=False),
    Column("args", Text, nullable=False),
    UniqueConstraint("chain_id", "block_hash", "log_index"),
)


@dataclass(frozen=True)
class Event:
    """One decoded contract event."""

    contract: str
    event: str
    args: dict[str, Any]
    address: str
    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | HexBytes):
        return "0x" + bytes(value).hex()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**53:
        return {"int": str(value)}
    return value


def _restore(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"int"}:
            return int(value["int"])
        return {k: _restore(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_restore(v) for v in value]
    return value


def open_engine(path: Path) -> Engine:
    """A SQLite engine in WAL mode for the file at ``path`` (created if missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}", future=True)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


class EventIndex:
    """Indexes the events of watched contracts of one chain into SQLite."""

    def __init__(self, chain: Chain, db_path: Path, *, chunk: int = 2000) -> None:
        self.chain = chain
        self.chunk = max(1, chunk)
        self.engine = open_engine(db_path)
        metadata.create_all(self.engine)
        self._watched: dict[str, tuple[str, dict[bytes, dict[str, Any]]]] = {}
        self._lock = threading.Lock()

    def watch(self, name: str, address: str, abi: Iterable[Mapping[str, Any]]) -> None:
        """Index the events of contract ``name`` at ``address`` (decoded with ``abi``)."""
        by_topic = {
            bytes(event_abi_to_log_topic(item)): dict(item)  # type: ignore[arg-type]
            for item in abi
            if item.get("type") == "event" and not item.get("anonymous")
        }
        self._watched[to_checksum_address(address)] = (name, by_topic)

    # --- syncing -------------------------------------------------------------------------------
    def sync(self, to_block: int | None = None, start_block: int = 0) -> int:
        """Index new logs up to ``to_block`` (default: latest). Returns how many were added."""
        with self._lock:
            head = self.chain.block_number if to_block is None else to_block
            added = 0
            for address in self._watched:
                added += self._sync_address(address, head, start_block)
            return added

    def _sync_address(self, address: str, head: int, start_block: int) -> int:
        chain_id = self.chain.chain_id
        last = self._cursor(address)
        if last is not None:
            last = self._undo_reorg(address, last)
        start = start_block if last is None else last + 1
        added = 0
        while start <= head:
            end = min(start + self.chunk - 1, head)
            try:
                raw_logs = self.chain.w3.eth.get_logs(
                    {"address": to_checksum_address(address), "fromBlock": start, "toBlock": end}
                )
            except (TransientRpcError, ValueError, Web3RPCError) as exc:
                if self.chunk > 1 and _too_large(exc):
                    self.chunk = max(1, self.chunk // 2)
                    continue
                raise ChainError(f"eth_getLogs {start}..{end} failed: {exc}") from exc
            end_hash = "0x" + bytes(self.chain.w3.eth.get_block(end)["hash"]).hex()
            rows = [self._decode(address, log) for log in raw_logs]
            with self.engine.begin() as conn:
                if rows:
                    conn.execute(insert(logs).prefix_with("OR IGNORE"), rows)
                seen = {(r["block_number"], r["block_hash"]) for r in rows}
                seen.add((end, end_hash))
                for number, block_hash in seen:
                    conn.execute(
                        insert(blocks).prefix_with("OR REPLACE"),
                        {"chain_id": chain_id, "number": number, "hash": block_hash},
                    )
                self._set_cursor(conn, address, end)
            added += len(rows)
            start = end + 1
        return added

    def _undo_reorg(self, address: str, last: int) -> int:
        """Walk back from ``last`` until a stored block hash matches the chain; drop the rest."""
        chain_id = self.chain.chain_id
        with self.engine.connect() as conn:
            known = conn.execute(
                select(blocks.c.number, blocks.c.hash)
                .where(and_(blocks.c.chain_id == chain_id, blocks.c.number <= last))
                .order_by(blocks.c.number.desc())
            ).all()
        good = -1
        head = self.chain.block_number
        for number, block_hash in known:
            if number <= head:
                block = self.chain.w3.eth.get_block(number)
                if "0x" + bytes(block["hash"]).hex() == block_hash:
                    good = number
                    break
        if good == last:
            return last
        with self.engine.begin() as conn:
            conn.execute(
                delete(logs).where(and_(logs.c.chain_id == chain_id, logs.c.block_number > good))
            )
            conn.execute(
                delete(blocks).where(and_(blocks.c.chain_id == chain_id, blocks.c.number > good))
            )
            for other in self._watched:
                conn.execute(
                    update(cursors)
                    .where(
                        and_(
                            cursors.c.chain_id == chain_id,
                            cursors.c.address == other,
                            cursors.c.last_block > good,
                        )
                    )
                    .values(last_block=good)
                )
        return good

    def _cursor(self, address: str) -> int | None:
        with self.engine.connect() as conn:
            value = conn.execute(
                select(cursors.c.last_block).where(
                    and_(cursors.c.chain_id == self.chain.chain_id, cursors.c.address == address)
                )
            ).scalar()
        return None if value is None or value < 0 else int(value)

    def _set_cursor(self, conn: Any, address: str, block: int) -> None:
        conn.execute(
            insert(cursors).prefix_with("OR REPLACE"),
            {"chain_id": self.chain.chain_id, "address": address, "last_block": block},
        )

    def _decode(self, address: str, log: Any) -> dict[str, Any]:
        name, by_topic = self._watched[address]
        topics = log.get("topics") or []
        abi = by_topic.get(bytes(topics[0])) if topics else None
        if abi is None:
            event_name, args = (
                "<unknown>",
                {"topics": _jsonable(topics), "data": _jsonable(log["data"])},
            )
        else:
            decoded = get_event_data(self.chain.w3.codec, abi, log)  # type: ignore[arg-type]
            event_name, args = decoded["event"], _jsonable(dict(decoded["args"]))
        return {
            "chain_id": self.chain.chain_id,
            "address": address,
            "contract": name,
            "event": event_name,
            "block_number": int(log["blockNumber"]),
            "block_hash": "0x" + bytes(log["blockHash"]).hex(),
            "tx_hash": "0x" + bytes(log["transactionHash"]).hex(),
            "log_index": int(log["logIndex"]),
            "args": json.dumps(args, sort_keys=True),
        }

    # --- querying ------------------------------------------------------------------------------
    def events(
        self,
        contract: str | None = None,
        event_name: str | None = None,
        *,
        from_block: int = 0,
        to_block: int | None = None,
        where: Mapping[str, Any] | None = None,
    ) -> list[Event]:
        """Indexed events in chain order, filtered by contract name, event name, blocks, args."""
        query = select(logs).where(
            and_(logs.c.chain_id == self.chain.chain_id, logs.c.block_number >= from_block)
        )
        if contract is not None:
            query = query.where(logs.c.contract == contract)
        if event_name is not None:
            query = query.where(logs.c.event == event_name)
        if to_block is not None:
            query = query.where(logs.c.block_number <= to_block)
        query = query.order_by(logs.c.block_number, logs.c.log_index)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        found = []
        for row in rows:
            args = _restore(json.loads(row["args"]))
            if where and any(_norm(args.get(k)) != _norm(v) for k, v in where.items()):
                continue
            found.append(
                Event(
                    row["contract"],
                    row["event"],
                    args,
                    row["address"],
                    row["block_number"],
                    row["block_hash"],
                    row["tx_hash"],
                    row["log_index"],
                )
            )
        return found

    def last_block(self, address: str) -> int | None:
        """The last block indexed for ``address``, or None."""
        return self._cursor(to_checksum_address(address))


def _norm(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _too_large(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(s in text for s in ("too many", "limit", "range", "exceed", "larger than"))
