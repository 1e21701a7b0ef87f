"""The data market: Data NFTs, licences, orders, provider nodes and compute-to-data.

- Metadata (:class:`Metadata`, :func:`load_metadata`, :func:`build_metadata`): the public JSON
  document a Data NFT names by CID (title, description, licence, tags, file format and size,
  envelope, quality report), validated as untrusted input.
- Publishing (:func:`prepare_dataset`, :func:`publish_dataset`, :func:`register_saved_key`):
  read and profile a file, encrypt it into the store, mint, hand the key to the provider; the
  key is kept wrapped in the owner's wallet so nothing is lost when a step fails.
- Catalogue (:class:`Catalogue`): a local SQLite index of the market's datasets built from chain
  events and metadata documents, searched with FTS5.

The on-chain side is :class:`noosphere.chain.data.DataMarket` (``Protocol.data``). Names are
imported on first use, so importing this package is cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from noosphere.data.catalogue import Catalogue, CatalogueEntry, SyncReport
    from noosphere.data.metadata import EnvelopeInfo, Metadata, build_metadata, load_metadata
    from noosphere.data.publish import (
        Prepared,
        Publication,
        SavedKey,
        load_dataset_key,
        prepare_dataset,
        publish_dataset,
        register_key_with_provider,
        register_saved_key,
        save_dataset_key,
    )

_EXPORTS = {
    "Catalogue": "catalogue",
    "CatalogueEntry": "catalogue",
    "SyncReport": "catalogue",
    "EnvelopeInfo": "metadata",
    "Metadata": "metadata",
    "build_metadata": "metadata",
    "load_metadata": "metadata",
    "Prepared": "publish",
    "Publication": "publish",
    "SavedKey": "publish",
    "load_dataset_key": "publish",
    "prepare_dataset": "publish",
    "publish_dataset": "publish",
    "register_key_with_provider": "publish",
    "register_saved_key": "publish",
    "save_dataset_key": "publish",
}

__all__ = [
    "Catalogue",
    "CatalogueEntry",
    "EnvelopeInfo",
    "Metadata",
    "Prepared",
    "Publication",
    "SavedKey",
    "SyncReport",
    "build_metadata",
    "load_dataset_key",
    "load_metadata",
    "prepare_dataset",
    "publish_dataset",
    "register_key_with_provider",
    "register_saved_key",
    "save_dataset_key",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'noosphere.data' has no attribute {name!r}")
    return getattr(importlib.import_module(f"noosphere.data.{module}"), name)
