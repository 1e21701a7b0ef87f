"""IPFS-compatible content storage: kubo-identical CIDs, a local blockstore, trustless gateways.

Use :class:`Store` for everything (put, cat, get, ls, fetch); the pieces it is built from are
exported for tools and tests. The HTTP gateway (:func:`create_app`, needs FastAPI) and the
gateway client (:class:`GatewayClient`, needs httpx) are imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from noosphere.storage.blockstore import Blockstore, BlockWriter
from noosphere.storage.car import CarReader, car_header, write_car
from noosphere.storage.cid import (
    DAG_PB,
    RAW,
    CidLike,
    block_cid,
    digest_of,
    display,
    make_cid,
    parse_cid,
    to_v0,
    to_v1,
)
from noosphere.storage.exporter import DagLink, NodeInfo, iter_blocks, iter_file
from noosphere.storage.importer import ImportResult, import_bytes, import_file, import_stream
from noosphere.storage.store import RootRecord, Store
from noosphere.storage.unixfs import CHUNK_SIZE, MAX_LINKS

if TYPE_CHECKING:
    from noosphere.storage.client import GatewayClient
    from noosphere.storage.gateway import create_app

__all__ = [
    "CHUNK_SIZE",
    "DAG_PB",
    "MAX_LINKS",
    "RAW",
    "BlockWriter",
    "Blockstore",
    "CarReader",
    "CidLike",
    "DagLink",
    "GatewayClient",
    "ImportResult",
    "NodeInfo",
    "RootRecord",
    "Store",
    "block_cid",
    "car_header",
    "create_app",
    "digest_of",
    "display",
    "import_bytes",
    "import_file",
    "import_stream",
    "iter_blocks",
    "iter_file",
    "make_cid",
    "parse_cid",
    "to_v0",
    "to_v1",
    "write_car",
]


def __getattr__(name: str) -> Any:
    if name == "GatewayClient":
        from noosphere.storage.client import GatewayClient

        return GatewayClient
    if name == "create_app":
        from noosphere.storage.gateway import create_app

        return create_app
    raise AttributeError(f"module 'noosphere.storage' has no attribute {name!r}")
