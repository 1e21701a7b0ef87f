"""Models as assets: the metadata document of a Model NFT (:mod:`noosphere.models.metadata`).

The on-chain side (registration, licences, revenue) is :mod:`noosphere.chain.models`.
"""

from noosphere.models.metadata import SCHEMA, ModelMetadata, TestSplit

__all__ = ["SCHEMA", "ModelMetadata", "TestSplit"]
