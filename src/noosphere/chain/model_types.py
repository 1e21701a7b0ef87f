"""The values of the model contracts (``modelnft.vy``, ``model_licences.vy``) as Python types.

Licence kinds, the provenance struct with its hash exactly as ModelNFT computes it
(``keccak256(abi.encode(provenance))``), the split lists and their hash, a model's record, its
registration as logged by ``Registered``, and a licence purchase. See ``docs/models.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eth_abi import encode
from eth_utils import keccak, to_checksum_address

from noosphere.errors import InputError

INFERENCE, FINE_TUNE, COMMERCIAL = 0, 1, 2
KIND_NAMES = {"inference": INFERENCE, "fine-tune": FINE_TUNE, "commercial": COMMERCIAL}
KINDS = {value: name for name, value in KIND_NAMES.items()}
BPS = 10_000
MAX_DATASETS = 8
MAX_PARENTS = 4
MAX_RECIPIENTS = 10
MAX_ROYALTY_BPS = 5_000
MAX_PARENTS_BPS = 5_000
ZERO32 = b"\0" * 32
ZERO_ADDRESS = "0x" + "00" * 20

DATASET_USE_TYPE = "(uint256,uint256,bytes32)"
PROVENANCE_TYPE = f"({DATASET_USE_TYPE}[],uint256[],uint256,bytes32,uint256,uint256,bytes32)"
SPLITS_TYPES = ["(address,uint256)[]", "(uint256,uint256)[]"]


def kind_of(kind: int | str) -> int:
    """A licence kind from its number (0, 1, 2) or name (inference, fine-tune, commercial)."""
    if isinstance(kind, str):
        text = kind.strip().lower().replace("_", "-")
        if text in KIND_NAMES:
            return KIND_NAMES[text]
        if text.isdigit():
            kind = int(text)
    if isinstance(kind, int) and not isinstance(kind, bool) and kind in KINDS:
        return kind
    raise InputError(
        f"licence kind {kind!r} is unknown", hint="kinds: " + ", ".join(KIND_NAMES) + " (0, 1, 2)"
    )


def kind_name(kind: int) -> str:
    """``inference``, ``fine-tune`` or ``commercial`` (else the number)."""
    return KINDS.get(kind, str(kind))


def _bytes32(value: bytes, what: str) -> bytes:
    if not isinstance(value, bytes | bytearray) or len(value) != 32:
        raise InputError(f"{what}: {value!r:.80} is not 32 bytes")
    return bytes(value)


def _uint(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**256:
        raise InputError(f"{what}: {value!r} is not an unsigned integer")
    return value


@dataclass(frozen=True)
class DatasetUse:
    """A dataset of a provenance: its data id, the order it was bought under (0: none) and the
    compute-to-data receipt digest (``ComputeReceipt.digest()``; zero if none)."""

    data_id: int
    order_id: int
    receipt: bytes = ZERO32

    def __post_init__(self) -> None:
        _uint(self.data_id, "dataset id")
        _uint(self.order_id, "order id")
        _bytes32(self.receipt, "receipt hash")

    @property
    def has_receipt(self) -> bool:
        """True when a receipt digest is recorded."""
        return self.receipt != ZERO32


@dataclass(frozen=True)
class Provenance:
    """How a model was made: ModelNFT's ``Provenance`` struct."""

    datasets: tuple[DatasetUse, ...] = ()
    parents: tuple[int, ...] = ()
    compute_job: int = 0
    recipe: bytes = ZERO32
    netuid: int = 0
    epoch: int = 0
    training_run: bytes = ZERO32

    def __post_init__(self) -> None:
        uses = tuple(d if isinstance(d, DatasetUse) else DatasetUse(*d) for d in self.datasets)
        object.__setattr__(self, "datasets", uses)
        object.__setattr__(self, "parents", tuple(self.parents))
        for parent in self.parents:
            _uint(parent, "parent model id")
        for value, what in ((self.compute_job, "compute job"), (self.netuid, "netuid"),
                            (self.epoch, "epoch")):  # fmt: skip
            _uint(value, what)
        _bytes32(self.recipe, "recipe hash")
        _bytes32(self.training_run, "training-run hash")

    def as_abi(self) -> tuple[Any, ...]:
        """The struct as a contract argument (and as ``eth_abi`` encodes it)."""
        return (
            [(d.data_id, d.order_id, d.receipt) for d in self.datasets],
            list(self.parents),
            self.compute_job,
            self.recipe,
            self.netuid,
            self.epoch,
            self.training_run,
        )

    def hash(self) -> bytes:
        """``keccak256(abi.encode(provenance))``, exactly as ModelNFT stores it."""
        return bytes(keccak(encode([PROVENANCE_TYPE], [self.as_abi()])))

    @classmethod
    def from_abi(cls, value: Any) -> Provenance:
        """The struct as web3 decodes it (a tuple or a mapping of its fields)."""
        if isinstance(value, dict) or hasattr(value, "keys"):
            value = (value["datasets"], value["parents"], value["compute_job"], value["recipe"],
                     value["netuid"], value["epoch"], value["training_run"])  # fmt: skip
        datasets, parents, job, recipe, netuid, epoch, run = value
        uses = []
        for item in datasets:
            if isinstance(item, dict) or hasattr(item, "keys"):
                item = (item["data_id"], item["order_id"], item["receipt"])
            uses.append(DatasetUse(int(item[0]), int(item[1]), bytes(item[2])))
        return cls(tuple(uses), tuple(int(p) for p in parents), int(job), bytes(recipe),
                   int(netuid), int(epoch), bytes(run))  # fmt: skip


@dataclass(frozen=True)
class Split:
    """A revenue recipient and its share in basis points."""

    account: str
    bps: int


@dataclass(frozen=True)
class ParentShare:
    """A parent model and the share of the child's revenue it takes (its royalty)."""

    model_id: int
    bps: int


def splits_hash(recipients: tuple[Split, ...], parents: tuple[ParentShare, ...]) -> bytes:
    """``keccak256(abi.encode(recipients, parents))``, exactly as ModelNFT stores it."""
    return bytes(keccak(encode(SPLITS_TYPES, [split_args(recipients), parent_args(parents)])))


def split_args(recipients: tuple[Split, ...] | list[Split]) -> list[tuple[str, int]]:
    """The recipients as a contract argument."""
    return [(to_checksum_address(s.account), s.bps) for s in recipients]


def parent_args(parents: tuple[ParentShare, ...] | list[ParentShare]) -> list[tuple[int, int]]:
    """The parents' shares as a contract argument."""
    return [(p.model_id, p.bps) for p in parents]


@dataclass(frozen=True)
class Terms:
    """The sale terms of one licence kind; a zero price means not for sale."""

    kind: int
    price: int
    payment_token: str
    validity: int

    @property
    def for_sale(self) -> bool:
        """True when this kind can be bought."""
        return self.price != 0


@dataclass(frozen=True)
class ModelRecord:
    """``ModelNFT.model(id)`` at a block."""

    model_id: int
    owner: str
    manager: str | None
    artifact_cid: str
    metadata_cid: str
    provenance_hash: bytes
    splits_hash: bytes
    royalty_bps: int
    community: bool
    delisted: bool
    generation: int

    @property
    def status(self) -> str:
        """``listed`` or ``delisted``."""
        return "delisted" if self.delisted else "listed"


@dataclass(frozen=True)
class Registration:
    """A model's registration, decoded from its ``Registered`` event (CIDs as CIDv1 text)."""

    model_id: int
    owner: str
    block_number: int
    tx_hash: str
    artifact_cid: str
    metadata_cid: str
    royalty_bps: int
    provenance: Provenance
    provenance_hash: bytes
    splits_hash: bytes
    recipients: tuple[Split, ...]
    parents: tuple[ParentShare, ...]

    @property
    def provenance_matches(self) -> bool:
        """True when the logged provenance hashes to the logged (and stored) hash."""
        return self.provenance.hash() == self.provenance_hash

    @property
    def splits_match(self) -> bool:
        """True when the logged split lists hash to the logged split hash."""
        return splits_hash(self.recipients, self.parents) == self.splits_hash


@dataclass(frozen=True)
class LicencePurchase:
    """A ``LicenceBought`` event with its block's time."""

    buyer: str
    model_id: int
    kind: int
    price: int
    token: str
    expiry: int
    block_number: int
    timestamp: int
    fee: int = 0
    tx_hash: str = ""


@dataclass(frozen=True)
class LineageNode:
    """A model's registration and the lineage of each of its parents (a tree; a parent reached
    twice is repeated, a cycle — impossible on chain — is cut with ``cycle=True``)."""

    registration: Registration
    parents: tuple[LineageNode, ...] = field(default=())
    cycle: bool = False

    @property
    def model_id(self) -> int:
        """The model's id."""
        return self.registration.model_id

    def walk(self) -> list[LineageNode]:
        """This node and every node below it, depth first."""
        out = [self]
        for parent in self.parents:
            out.extend(parent.walk())
        return out


__all__ = [
    "BPS",
    "COMMERCIAL",
    "FINE_TUNE",
    "INFERENCE",
    "KIND_NAMES",
    "MAX_DATASETS",
    "MAX_PARENTS",
    "MAX_PARENTS_BPS",
    "MAX_RECIPIENTS",
    "MAX_ROYALTY_BPS",
    "PROVENANCE_TYPE",
    "DatasetUse",
    "LicencePurchase",
    "LineageNode",
    "ModelRecord",
    "ParentShare",
    "Provenance",
    "Registration",
    "Split",
    "Terms",
    "kind_name",
    "kind_of",
    "parent_args",
    "split_args",
    "splits_hash",
]
