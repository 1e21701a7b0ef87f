"""The one storage API: :class:`Store` over a local blockstore plus optional gateways.

Everything in Noosphere that stores or reads content goes through :class:`Store`::

    store = Store.from_config()
    cid = store.put_file("model.onnx")          # CIDv0, the same as `ipfs add`
    for piece in store.cat(cid): ...            # streamed and verified block by block
    store.get(cid, Path("copy.onnx"))          # atomic write

Blocks missing locally are fetched from the configured trustless gateways (every block verified
before it is stored); a block corrupt on disk is re-fetched when gateways are configured and
reported as :class:`IntegrityError` otherwise. Roots added with ``put_*`` are recorded in
``<home>/roots.jsonl`` so ``noos store ls`` can list them.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from multiformats import CID

from noosphere.config import Config, load_config
from noosphere.errors import BlockNotFoundError, InputError, IntegrityError, StoreError
from noosphere.storage import exporter
from noosphere.storage.blockstore import Blockstore
from noosphere.storage.car import CarReader, write_car
from noosphere.storage.cid import (
    CidLike,
    binary_cid,
    display,
    display_binary,
    make_cid,
    parse_cid,
)
from noosphere.storage.cid import split_binary_cid as _split
from noosphere.storage.importer import ImportResult, import_file, import_stream
from noosphere.storage.streams import PiecesReader

if TYPE_CHECKING:
    from noosphere.storage.client import GatewayClient

ROOTS_FILE = "roots.jsonl"
BLOCKS_DIR = "blocks"


@dataclass(frozen=True, slots=True)
class RootRecord:
    """A root added to this store with ``put_*``: its CID, file size, name and time added."""

    cid: CID
    size: int
    name: str | None
    added: float


def _bcid(cid: CID) -> bytes:
    return binary_cid(cid.codec.code, bytes(cid.raw_digest))


class Store:
    """Content-addressed storage under ``home``: put, read, list and fetch UnixFS files."""

    def __init__(
        self,
        home: Path,
        *,
        gateways: Sequence[str] = (),
        sync: bool = True,
        timeout: float = 30.0,
        client: GatewayClient | None = None,
    ) -> None:
        """Open the store in data directory ``home`` (blocks in ``home/blocks``).

        ``gateways`` are trustless-gateway base URLs to fetch missing blocks from, in order;
        ``sync=False`` skips fsync (throwaway stores); ``timeout`` is per HTTP operation;
        ``client`` replaces the gateway client built from ``gateways`` (e.g. with a test
        transport).
        """
        self.home = Path(home)
        self.blockstore = Blockstore(self.home / BLOCKS_DIR, sync=sync)
        self._client: GatewayClient | None = client
        self.gateways = tuple(client.gateways if client is not None else gateways)
        self.timeout = timeout

    @classmethod
    def from_config(cls, config: Config | None = None, **kwargs: Any) -> Store:
        """A store in the configured data directory using the configured ``gateways``."""
        cfg = config or load_config()
        kwargs.setdefault("gateways", cfg.gateways)
        return cls(cfg.home, **kwargs)

    # --- adding ----------------------------------------------------------------------------
    def put_file(self, path: str | Path, *, hash_only: bool = False) -> CID:
        """Add a file (streamed) and return its root CID; ``hash_only`` stores nothing."""
        result = import_file(path, None if hash_only else self.blockstore)
        if not hash_only:
            self._record(result, Path(path).name)
        return result.cid

    def put_stream(self, stream: Any, *, name: str | None = None, hash_only: bool = False) -> CID:
        """Add everything read from a binary stream and return its root CID."""
        result = import_stream(stream, None if hash_only else self.blockstore)
        if not hash_only:
            self._record(result, name)
        return result.cid

    def put_bytes(self, data: bytes, *, name: str | None = None, hash_only: bool = False) -> CID:
        """Add a byte string and return its root CID."""
        return self.put_stream(io.BytesIO(data), name=name, hash_only=hash_only)

    def _record(self, result: ImportResult, name: str | None) -> None:
        line = {"cid": str(result.cid), "size": result.size, "name": name, "added": time.time()}
        path = self.home / ROOTS_FILE
        try:
            self.home.mkdir(parents=True, exist_ok=True)
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(line) + "\n")
                fh.flush()
                if self.blockstore.sync:
                    os.fsync(fh.fileno())
        except OSError as exc:
            raise StoreError(
                f"{result.cid} is stored but could not be recorded in {path}: {exc.strerror or exc}"
            ) from None

    def roots(self) -> list[RootRecord]:
        """The roots added with ``put_*``, oldest first, one entry per CID (latest name wins)."""
        path = self.home / ROOTS_FILE
        if not path.exists():
            return []
        found: dict[str, RootRecord] = {}
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from None
        for line in text.splitlines():
            try:
                row = json.loads(line)
                record = RootRecord(
                    parse_cid(row["cid"]), int(row["size"]), row.get("name"), float(row["added"])
                )
            except (ValueError, KeyError, TypeError, StoreError):
                continue  # a line cut short by a crash: skip it, keep the rest
            found.pop(str(record.cid), None)
            found[str(record.cid)] = record
        return list(found.values())

    # --- reading ---------------------------------------------------------------------------
    def has(self, cid: CidLike) -> bool:
        """True if every block of the DAG under ``cid`` is stored locally."""
        return not exporter.find_missing(_bcid(parse_cid(cid)), self.blockstore, limit=1)

    def fetch_missing(self, cid: CidLike) -> int:
        """Fetch the blocks of ``cid`` that are not stored locally; return how many were stored.

        Raises :class:`BlockNotFoundError` when blocks are missing and no gateway has them (or
        none is configured), :class:`IntegrityError` when gateways only sent tampered data.
        """
        parsed = parse_cid(cid)
        missing = exporter.find_missing(_bcid(parsed), self.blockstore, limit=1)
        if not missing:
            return 0
        if not self.gateways:
            if missing[0] == _bcid(parsed):
                what = f"{display(parsed)} is not in the local store"
            else:
                what = (
                    f"{display(parsed)} is incomplete in the local store "
                    f"(block {display_binary(missing[0])} is missing)"
                )
            raise BlockNotFoundError(
                f"{what} and no gateway is configured to fetch it from",
                hint="set gateways in config.toml or NOOS_GATEWAYS (comma-separated URLs)",
            )
        return self.client.fetch_dag(parsed, self.blockstore)

    def _loader(self) -> exporter.Loader:
        local = exporter.blockstore_loader(self.blockstore)
        if not self.gateways:
            return local

        def load(bcid: bytes) -> bytes:
            try:
                return local(bcid)
            except (BlockNotFoundError, IntegrityError):
                codec, digest = _split(bcid)
                cid = make_cid(digest, codec)
                block = self.client.get_block(cid)
                self.blockstore.put(cid, block, replace=True)  # repairs a corrupt copy
                return block

        return load

    def cat(self, cid: CidLike, *, fetch: bool = True) -> Iterator[bytes]:
        """Stream the bytes of the file ``cid``, each block verified before it is used.

        With ``fetch`` (the default) missing blocks are first fetched from the gateways, so a
        missing block fails before any byte is produced.
        """
        parsed = parse_cid(cid)
        if fetch:
            self.fetch_missing(parsed)
        loader = self._loader() if fetch else exporter.blockstore_loader(self.blockstore)
        return exporter.iter_file(_bcid(parsed), loader)

    def read_bytes(self, cid: CidLike, *, max_size: int = 64 << 20) -> bytes:
        """The whole content of a (small) file; refuses files over ``max_size`` bytes."""
        info = self.stat(cid)
        if info.size is not None and info.size > max_size:
            raise StoreError(
                f"{display(info.cid)} holds {info.size} bytes, more than the {max_size} allowed",
                hint="stream it with Store.cat or Store.open instead",
            )
        return b"".join(self.cat(cid))

    def open(self, cid: CidLike) -> io.BufferedReader:
        """A read-only binary file object over the file ``cid`` (streamed, verified)."""
        return io.BufferedReader(PiecesReader(self.cat(cid)), buffer_size=1 << 18)

    def get(self, cid: CidLike, dest: str | Path) -> Path:
        """Write the file ``cid`` to ``dest`` atomically; return the path written.

        If ``dest`` is a directory the file is named after the CID inside it. The data goes to a
        temporary file in the same directory which is fsynced and renamed into place, so
        ``dest`` never holds partial or unverified content.
        """
        parsed = parse_cid(cid)
        dest = Path(dest)
        if dest.is_dir():
            dest = dest / display(parsed)
        if not dest.parent.is_dir():
            raise InputError(f"cannot write {dest}: {dest.parent} is not a directory")
        tmp = dest.parent / f".{dest.name}.{secrets.token_hex(4)}.part"
        try:
            with open(tmp, "xb") as fh:
                for piece in self.cat(parsed):
                    fh.write(piece)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, dest)
        except OSError as exc:
            raise StoreError(f"cannot write {dest}: {exc.strerror or exc}") from None
        finally:
            if tmp.exists():
                tmp.unlink()
        return dest

    def ls(self, cid: CidLike) -> list[exporter.DagLink]:
        """The links of the root block of ``cid`` (a file's chunks, a directory's entries)."""
        parsed = parse_cid(cid)
        return exporter.list_links(_bcid(parsed), self._root_loader(parsed))

    def stat(self, cid: CidLike) -> exporter.NodeInfo:
        """What the root block of ``cid`` says: kind, file size, block size, link count."""
        parsed = parse_cid(cid)
        return exporter.node_info(_bcid(parsed), self._root_loader(parsed))

    def _root_loader(self, cid: CID) -> exporter.Loader:
        if not self.gateways or self.blockstore.has_digest(bytes(cid.raw_digest)):
            return exporter.blockstore_loader(self.blockstore)
        return self._loader()

    # --- CAR -------------------------------------------------------------------------------
    def export_car(self, cid: CidLike) -> Iterator[bytes]:
        """The DAG under ``cid`` as a CARv1 stream (depth-first, no duplicate blocks)."""
        parsed = parse_cid(cid)
        self.fetch_missing(parsed)
        root = _bcid(parsed)
        return write_car([root], exporter.iter_blocks(root, self._loader()))

    def import_car(self, source: Any, *, origin: str = "CAR") -> list[CID]:
        """Store every block of a CARv1 stream or file object after verifying it; return roots.

        A block that does not hash to its CID raises :class:`IntegrityError` naming it; blocks
        read before it are kept (each is valid on its own).
        """
        reader = CarReader(source, origin=origin)
        with self.blockstore.writer() as writer:
            for bcid, block in reader:
                writer.put(_split(bcid)[1], (block,))
        return reader.roots

    # --- gateways --------------------------------------------------------------------------
    @property
    def client(self) -> GatewayClient:
        """The gateway client for the configured gateways (created on first use)."""
        if self._client is None:
            from noosphere.storage.client import GatewayClient

            self._client = GatewayClient(self.gateways, timeout=self.timeout)
        return self._client

    def close(self) -> None:
        """Close the gateway client's connections, if one was opened."""
        if self._client is not None:
            self._client.close()
            self._client = None
