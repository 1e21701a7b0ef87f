"""Per-node state in SQLite, written transactionally so a node killed at any point resumes.

A validator records each weight commitment (with its salt) *before* sending it, each
attestation and claim before and after sending, and its moving scores. On restart it reads
these rows back and asks the chain what actually happened, so a pending commit is revealed
and what is owed is claimed.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    and_,
    insert,
    select,
    update,
)

from noosphere.chain.events import open_engine

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
commits = Table(
    "commits",
    metadata,
    Column("netuid", Integer, primary_key=True),
    Column("epoch", BigInteger, primary_key=True),
    Column("hotkey", String(42), primary_key=True),
    Column("packed", LargeBinary, nullable=False),
    Column("salt", LargeBinary, nullable=False),
    Column("status", String(16), nullable=False),  # prepared | committed | revealed | expired
    Column("updated", BigInteger, nullable=False),
)
results = Table(
    "results",
    metadata,
    Column("netuid", Integer, primary_key=True),
    Column("epoch", BigInteger, primary_key=True),
    Column("payouts_root", LargeBinary, nullable=False),
    Column("aux_hash", LargeBinary, nullable=False),
    Column("bonds_digest", LargeBinary, nullable=False),
    Column("bonds_file", LargeBinary, nullable=False),
    Column("payouts", Text, nullable=False),  # JSON {account: amount as string}
    Column("status", String(16), nullable=False),  # computed | attested | final
)
claims = Table(
    "claims",
    metadata,
    Column("netuid", Integer, primary_key=True),
    Column("epoch", BigInteger, primary_key=True),
    Column("account", String(42), primary_key=True),
    Column("amount", Text, nullable=False),
    Column("status", String(16), nullable=False),  # sending | claimed
)


@dataclass(frozen=True)
class CommitRecord:
    """A weight commitment as the node recorded it."""

    netuid: int
    epoch: int
    hotkey: str
    packed: bytes
    salt: bytes
    status: str


class NodeState:
    """The SQLite file holding one node's state."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.engine = open_engine(path)
        metadata.create_all(self.engine)

    # --- meta ----------------------------------------------------------------------------------
    def get(self, key: str, default: Any = None) -> Any:
        """A JSON value stored under ``key``."""
        with self.engine.connect() as conn:
            row = conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()
        return default if row is None else json.loads(row)

    def put(self, key: str, value: Any) -> None:
        """Store a JSON value under ``key``."""
        with self.engine.begin() as conn:
            conn.execute(insert(meta).prefix_with("OR REPLACE"),
                         {"key": key, "value": json.dumps(value)})  # fmt: skip

    # --- commits -------------------------------------------------------------------------------
    def record_commit(self, netuid: int, epoch: int, hotkey: str, packed: bytes,
                      salt: bytes) -> None:  # fmt: skip
        """Record a commitment (status ``prepared``) before it is sent."""
        with self.engine.begin() as conn:
            conn.execute(insert(commits).prefix_with("OR REPLACE"), {
                "netuid": netuid, "epoch": epoch, "hotkey": hotkey.lower(), "packed": packed,
                "salt": salt, "status": "prepared", "updated": int(time.time()),
            })  # fmt: skip

    def set_commit_status(self, netuid: int, epoch: int, hotkey: str, status: str) -> None:
        """Move a commitment to ``status``."""
        with self.engine.begin() as conn:
            conn.execute(update(commits).where(and_(
                commits.c.netuid == netuid, commits.c.epoch == epoch,
                commits.c.hotkey == hotkey.lower())).values(status=status,
                                                            updated=int(time.time())))  # fmt: skip

    def open_commits(self, netuid: int, hotkey: str) -> list[CommitRecord]:
        """Commitments not yet revealed or expired, oldest first."""
        query = select(commits).where(and_(
            commits.c.netuid == netuid, commits.c.hotkey == hotkey.lower(),
            commits.c.status.in_(("prepared", "committed")))).order_by(commits.c.epoch)  # fmt: skip
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [CommitRecord(r["netuid"], r["epoch"], r["hotkey"], r["packed"], r["salt"],
                             r["status"]) for r in rows]  # fmt: skip

    def has_commit(self, netuid: int, epoch: int, hotkey: str) -> bool:
        """True when a commitment for ``epoch`` was recorded."""
        query = select(commits.c.status).where(and_(
            commits.c.netuid == netuid, commits.c.epoch == epoch,
            commits.c.hotkey == hotkey.lower()))  # fmt: skip
        with self.engine.connect() as conn:
            return conn.execute(query).scalar() is not None

    # --- results -------------------------------------------------------------------------------
    def save_result(
        self,
        netuid: int,
        epoch: int,
        payouts_root: bytes,
        aux_hash: bytes,
        bonds_digest: bytes,
        bonds_file: bytes,
        payouts: dict[str, int],
    ) -> None:
        """Record a computed epoch result."""
        with self.engine.begin() as conn:
            conn.execute(insert(results).prefix_with("OR REPLACE"), {
                "netuid": netuid, "epoch": epoch, "payouts_root": payouts_root,
                "aux_hash": aux_hash, "bonds_digest": bonds_digest, "bonds_file": bonds_file,
                "payouts": json.dumps({k: str(v) for k, v in payouts.items()}),
                "status": "computed",
            })  # fmt: skip

    def set_result_status(self, netuid: int, epoch: int, status: str) -> None:
        """Move a result to ``status``."""
        with self.engine.begin() as conn:
            conn.execute(
                update(results)
                .where(and_(results.c.netuid == netuid, results.c.epoch == epoch))
                .values(status=status)
            )

    def result(self, netuid: int, epoch: int) -> dict[str, Any] | None:
        """A recorded result, or None."""
        query = select(results).where(and_(results.c.netuid == netuid, results.c.epoch == epoch))
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        if row is None:
            return None
        out = dict(row)
        out["payouts"] = {k: int(v) for k, v in json.loads(row["payouts"]).items()}
        return out

    def bonds_by_digest(self, digest: bytes) -> bytes | None:
        """A bonds file this node computed, by its digest."""
        query = select(results.c.bonds_file).where(results.c.bonds_digest == digest)
        with self.engine.connect() as conn:
            return conn.execute(query).scalar()

    # --- claims --------------------------------------------------------------------------------
    def claim_status(self, netuid: int, epoch: int, account: str) -> str | None:
        """``sending``, ``claimed`` or None."""
        query = select(claims.c.status).where(and_(
            claims.c.netuid == netuid, claims.c.epoch == epoch,
            claims.c.account == account.lower()))  # fmt: skip
        with self.engine.connect() as conn:
            return conn.execute(query).scalar()

    def set_claim(self, netuid: int, epoch: int, account: str, amount: int, status: str) -> None:
        """Record a claim being sent or done."""
        with self.engine.begin() as conn:
            conn.execute(insert(claims).prefix_with("OR REPLACE"), {
                "netuid": netuid, "epoch": epoch, "account": account.lower(),
                "amount": str(amount), "status": status,
            })  # fmt: skip
