"""Compute-to-data receipts: what a data provider signs when a job on its private data finishes.

A receipt says "provider P ran recipe R with parameters H on dataset D (content CID C) under
order O, and it produced the model of CID M with the metrics of hash X, at time T". It is
EIP-712 typed data, so a wallet shows it field by field and a contract can check it::

    domain  = {name: "Noosphere Compute-to-Data", version: "1",
               chainId: <chain>, verifyingContract: <the licences contract>}
    ComputeReceipt(uint256 dataId, string datasetCid, bytes32 recipeHash, bytes32 paramsHash,
                   string outputCid, bytes32 metricsHash, uint256 orderId, address provider,
                   uint64 finishedAt)

``recipeHash`` and ``paramsHash`` are the compute-to-data hashes (SHA-256 of the recipe file and
of the canonical parameters JSON, :mod:`noosphere.ml.c2d.recipe`); ``metricsHash`` is the
SHA-256 of the canonical JSON of the metrics (:func:`metrics_hash`: sorted keys, no spaces,
UTF-8, no NaN); ``finishedAt`` is unix seconds. The signer must be ``provider``: a receipt whose
fields were altered recovers to another address and is refused as forged or altered.

The **canonical JSON form** (:meth:`ComputeReceipt.to_json`), stored beside a model and read
back with :meth:`ComputeReceipt.from_json`, is the typed data itself plus the signature and,
optionally, the metrics whose hash it signs::

    {"domain": {...}, "message": {...}, "metrics": {...}, "primaryType": "ComputeReceipt",
     "signature": "0x…", "type": "noosphere.c2d.receipt/v1"}

with sorted keys and no spaces, so the same receipt always has the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from eth_utils import to_checksum_address

from noosphere.errors import InputError, ReceiptError
from noosphere.wallet import recover_typed_data, sign_typed_data, typed_data_hash

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

DOMAIN_NAME = "Noosphere Compute-to-Data"
DOMAIN_VERSION = "1"
PRIMARY_TYPE = "ComputeReceipt"
DOCUMENT_TYPE = "noosphere.c2d.receipt/v1"
RECEIPT_TYPES: dict[str, list[dict[str, str]]] = {
    PRIMARY_TYPE: [
        {"name": "dataId", "type": "uint256"},
        {"name": "datasetCid", "type": "string"},
        {"name": "recipeHash", "type": "bytes32"},
        {"name": "paramsHash", "type": "bytes32"},
        {"name": "outputCid", "type": "string"},
        {"name": "metricsHash", "type": "bytes32"},
        {"name": "orderId", "type": "uint256"},
        {"name": "provider", "type": "address"},
        {"name": "finishedAt", "type": "uint64"},
    ]
}
MAX_RECEIPT_JSON = 64 * 1024
_MAX_CID = 128  # the Data NFT's limit on CID texts
_HASH = re.compile(r"0x[0-9a-f]{64}")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_SIGNATURE = re.compile(r"0x[0-9a-f]{130}")
_CID = re.compile(r"[A-Za-z0-9]{1,128}")
_UINT64 = 2**64
_UINT256 = 2**256


def canonical_json(value: Any) -> bytes:
    """JSON with sorted keys, no spaces, UTF-8 and no NaN or infinities."""
    try:
        return json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise ReceiptError(f"not canonical JSON: {exc}") from None


def metrics_hash(metrics: Mapping[str, Any]) -> str:
    """``0x`` + the SHA-256 hex of the canonical JSON of ``metrics`` (the receipt's metricsHash)."""
    if not isinstance(metrics, Mapping):
        raise ReceiptError(f"metrics must be a JSON object, not {type(metrics).__name__}")
    return "0x" + hashlib.sha256(canonical_json(dict(metrics))).hexdigest()


def receipt_domain(chain_id: int, licences: str) -> dict[str, Any]:
    """The EIP-712 domain of receipts on chain ``chain_id`` (``licences``: its contract)."""
    return {
        "name": DOMAIN_NAME,
        "version": DOMAIN_VERSION,
        "chainId": chain_id,
        "verifyingContract": to_checksum_address(licences),
    }


def _uint(value: Any, bound: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < bound:
        raise ReceiptError(f"receipt field {what} must be an unsigned integer, got {value!r:.80}")
    return value


def _checksum(value: Any, what: str) -> str:
    if not isinstance(value, str) or not _ADDRESS.fullmatch(value):
        raise ReceiptError(f"{what} must be a 0x-prefixed 20-byte hex address, got {value!r:.80}")
    return to_checksum_address(value)


def _text(value: Any, pattern: re.Pattern[str], what: str, *, lower: bool = False) -> str:
    text = value.lower() if lower and isinstance(value, str) else value
    if not isinstance(text, str) or not pattern.fullmatch(text):
        raise ReceiptError(f"receipt field {what} is malformed: {value!r:.100}")
    return text


@dataclass(frozen=True)
class ComputeReceipt:
    """A compute-to-data receipt: the signed fields, their EIP-712 domain and the signature.

    ``signature`` is empty until :func:`sign_receipt`; ``metrics``, when given, are the metrics
    whose hash the receipt signs (checked by :func:`verify_receipt`). Fields are checked and
    normalised on construction (:class:`ReceiptError` names a malformed one): hashes lower-case,
    addresses checksummed.
    """

    chain_id: int
    licences: str
    data_id: int
    dataset_cid: str
    recipe_hash: str
    params_hash: str
    output_cid: str
    metrics_hash: str
    order_id: int
    provider: str
    finished_at: int
    signature: str = ""
    metrics: Mapping[str, Any] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        _uint(self.chain_id, _UINT256, "chainId")
        _uint(self.data_id, _UINT256, "dataId")
        _uint(self.order_id, _UINT256, "orderId")
        _uint(self.finished_at, _UINT64, "finishedAt")
        for name, what in (("licences", "verifyingContract"), ("provider", "provider")):
            object.__setattr__(self, name, _checksum(getattr(self, name), f"receipt field {what}"))
        for name, what in (
            ("recipe_hash", "recipeHash"),
            ("params_hash", "paramsHash"),
            ("metrics_hash", "metricsHash"),
        ):
            object.__setattr__(self, name, _text(getattr(self, name), _HASH, what, lower=True))
        _text(self.dataset_cid, _CID, "datasetCid")
        _text(self.output_cid, _CID, "outputCid")
        if self.signature:
            object.__setattr__(
                self, "signature", _text(self.signature, _SIGNATURE, "signature", lower=True)
            )
        if self.metrics is not None:
            object.__setattr__(self, "metrics", json.loads(canonical_json(dict(self.metrics))))

    # --- the typed data --------------------------------------------------------------------
    @property
    def domain(self) -> dict[str, Any]:
        """The EIP-712 domain this receipt is signed under."""
        return receipt_domain(self.chain_id, self.licences)

    def message(self) -> dict[str, Any]:
        """The EIP-712 message (field names as in :data:`RECEIPT_TYPES`)."""
        return {
            "dataId": self.data_id,
            "datasetCid": self.dataset_cid,
            "recipeHash": self.recipe_hash,
            "paramsHash": self.params_hash,
            "outputCid": self.output_cid,
            "metricsHash": self.metrics_hash,
            "orderId": self.order_id,
            "provider": self.provider,
            "finishedAt": self.finished_at,
        }

    def _typed_message(self) -> dict[str, Any]:
        message = self.message()
        for key in ("recipeHash", "paramsHash", "metricsHash"):
            message[key] = bytes.fromhex(message[key][2:])
        return message

    def digest(self) -> bytes:
        """The 32-byte EIP-712 hash that the provider signs."""
        try:
            return typed_data_hash(self.domain, RECEIPT_TYPES, PRIMARY_TYPE, self._typed_message())
        except InputError as exc:
            raise ReceiptError(f"the receipt cannot be encoded: {exc.message}") from None

    # --- the canonical JSON form -----------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready document (see the module notes)."""
        document: dict[str, Any] = {
            "type": DOCUMENT_TYPE,
            "primaryType": PRIMARY_TYPE,
            "domain": self.domain,
            "message": self.message(),
            "signature": self.signature,
        }
        if self.metrics is not None:
            document["metrics"] = dict(self.metrics)
        return document

    def to_json(self) -> str:
        """The canonical JSON form: sorted keys, no spaces (the same receipt, the same bytes)."""
        return canonical_json(self.to_dict()).decode("utf-8")

    @classmethod
    def from_dict(cls, document: Any) -> ComputeReceipt:
        """Read the document of :meth:`to_dict`; :class:`ReceiptError` says what is wrong."""
        if not isinstance(document, Mapping):
            raise ReceiptError(f"a receipt must be a JSON object, not {type(document).__name__}")
        expected = {"type", "primaryType", "domain", "message", "signature"}
        keys = set(document)
        if not expected <= keys or keys - expected - {"metrics"}:
            raise ReceiptError(
                f"a receipt has the keys {sorted(expected)} (and optionally 'metrics'), "
                f"not {sorted(keys)}"
            )
        if document["type"] != DOCUMENT_TYPE or document["primaryType"] != PRIMARY_TYPE:
            raise ReceiptError(
                f"not a compute-to-data receipt: type {document['type']!r:.60}, primaryType "
                f"{document['primaryType']!r:.60}"
            )
        domain, message = document["domain"], document["message"]
        if not isinstance(domain, Mapping) or set(domain) != {
            "name",
            "version",
            "chainId",
            "verifyingContract",
        }:
            raise ReceiptError(
                "the receipt's domain must hold name, version, chainId and verifyingContract"
            )
        if domain["name"] != DOMAIN_NAME or domain["version"] != DOMAIN_VERSION:
            raise ReceiptError(
                f"wrong domain: {domain['name']!r:.60} version {domain['version']!r:.20}, not "
                f"{DOMAIN_NAME!r} version {DOMAIN_VERSION!r}"
            )
        names = [item["name"] for item in RECEIPT_TYPES[PRIMARY_TYPE]]
        if not isinstance(message, Mapping) or set(message) != set(names):
            raise ReceiptError(f"the receipt's message must hold exactly {', '.join(names)}")
        metrics = document.get("metrics")
        if metrics is not None and not isinstance(metrics, Mapping):
            raise ReceiptError("the receipt's metrics must be a JSON object")
        return cls(
            chain_id=domain["chainId"],
            licences=domain["verifyingContract"],
            data_id=message["dataId"],
            dataset_cid=message["datasetCid"],
            recipe_hash=message["recipeHash"],
            params_hash=message["paramsHash"],
            output_cid=message["outputCid"],
            metrics_hash=message["metricsHash"],
            order_id=message["orderId"],
            provider=message["provider"],
            finished_at=message["finishedAt"],
            signature=document["signature"],
            metrics=metrics,
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> ComputeReceipt:
        """Read the canonical JSON form (any JSON spelling of the same document is accepted)."""
        if len(text) > MAX_RECEIPT_JSON:
            raise ReceiptError(f"a receipt is at most {MAX_RECEIPT_JSON} bytes of JSON")
        try:
            document = json.loads(text)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ReceiptError(f"a receipt must be JSON: {exc}") from None
        return cls.from_dict(document)


def sign_receipt(account: LocalAccount, receipt: ComputeReceipt) -> ComputeReceipt:
    """The receipt signed by ``account``, which must be the receipt's ``provider``."""
    if account.address != receipt.provider:
        raise ReceiptError(
            f"the receipt names provider {receipt.provider}; {account.address} cannot sign it"
        )
    message = receipt._typed_message()
    try:
        signature = sign_typed_data(account, receipt.domain, RECEIPT_TYPES, PRIMARY_TYPE, message)
    except InputError as exc:
        raise ReceiptError(f"the receipt cannot be signed: {exc.message}") from None
    return replace(receipt, signature="0x" + signature.hex())


def verify_receipt(
    receipt: ComputeReceipt,
    expected_provider: str | None = None,
    *,
    chain_id: int | None = None,
    licences: str | None = None,
) -> str:
    """Check a receipt's signature and return its signer (the checksummed provider).

    Raises :class:`ReceiptError` when the receipt is unsigned, its signature does not recover
    to the provider it names (forged, or a field was altered after signing), it was signed by
    another provider than ``expected_provider``, its domain is not ``chain_id``/``licences``
    (when given), or its metrics do not hash to ``metricsHash``.
    """
    if not isinstance(receipt, ComputeReceipt):
        raise ReceiptError(f"not a ComputeReceipt: {type(receipt).__name__}")
    if not receipt.signature:
        raise ReceiptError("the receipt is not signed")
    if chain_id is not None and receipt.chain_id != chain_id:
        raise ReceiptError(
            f"wrong domain: the receipt is for chain {receipt.chain_id}, not chain {chain_id}"
        )
    if licences is not None and receipt.licences != _checksum(licences, "licences"):
        raise ReceiptError(
            f"wrong domain: the receipt is for the licences contract {receipt.licences}, "
            f"not {_checksum(licences, 'licences')}"
        )
    try:
        signer = recover_typed_data(
            receipt.domain,
            RECEIPT_TYPES,
            PRIMARY_TYPE,
            receipt._typed_message(),
            bytes.fromhex(receipt.signature[2:]),
        )
    except InputError as exc:
        raise ReceiptError(f"the receipt's signature is invalid: {exc.message}") from None
    if signer != receipt.provider:
        raise ReceiptError(
            f"forged or altered receipt: its signature recovers to {signer}, not to the provider "
            f"{receipt.provider} it names"
        )
    if expected_provider is not None:
        expected = _checksum(expected_provider, "the expected provider")
        if signer != expected:
            raise ReceiptError(
                f"the receipt is signed by {signer}, not by the expected provider {expected}"
            )
    if receipt.metrics is not None and metrics_hash(receipt.metrics) != receipt.metrics_hash:
        raise ReceiptError(
            "altered receipt: its metrics do not hash to the metricsHash the provider signed"
        )
    return signer


__all__ = [
    "DOMAIN_NAME",
    "DOMAIN_VERSION",
    "PRIMARY_TYPE",
    "RECEIPT_TYPES",
    "ComputeReceipt",
    "canonical_json",
    "metrics_hash",
    "receipt_domain",
    "sign_receipt",
    "verify_receipt",
]
