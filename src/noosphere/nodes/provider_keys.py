"""Dataset keys at a data provider: its master key, keys sealed in transit, keys wrapped at rest.

**At rest.** The provider keeps each dataset's AES key wrapped (:func:`~noosphere.storage.
envelope.wrap_key`) under a *master key* derived from its hotkey::

    master = HKDF-SHA256(ikm = the hotkey's 32-byte private key, salt = none,
                         info = b"noosphere.provider.master/v1", length = 32)

so the SQLite file alone (``provider.sqlite``, mode 0600) opens nothing: the keys come back only
with the hotkey's keystore and its password, as the node's signing key does. Each wrapped key is
bound to ``context = chain id (32 bytes) || Data NFT contract (20) || data id (32)``, so a row
moved to another dataset or chain fails to unwrap. Rotating the hotkey changes the master key:
owners register their keys again (``noos data register-key``).

**In transit.** An owner seals the key to the provider's public key (ECIES over secp256k1, the
hotkey's own key pair, which :func:`public_key_address` ties to the hotkey's address)::

    sealed = 0x01 || ephemeral public key (33, compressed) || nonce (12)
             || AES-256-GCM(k, nonce, key, ad = b"noosphere.provider.keyseal/v1" || 0x00 || context)
    k = HKDF-SHA256(ikm = ECDH(ephemeral, provider) (libsecp256k1: SHA-256 of the shared point),
                    salt = ephemeral public key || provider public key,
                    info = b"noosphere.provider.keyseal/v1", length = 32)

in addition to TLS (which production endpoints must use), so a key in a request log, a proxy or
a replayed body is useless to anyone but the provider.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from eth_utils import keccak, to_checksum_address
from sqlalchemy import BigInteger, Column, Integer, LargeBinary, MetaData, String, Table, select
from sqlalchemy.engine import Engine

from noosphere.errors import InputError, WrongKeyError
from noosphere.storage.envelope import KEY_SIZE, unwrap_key, wrap_key

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

MASTER_INFO = b"noosphere.provider.master/v1"
SEAL_INFO = b"noosphere.provider.keyseal/v1"
SEAL_VERSION = 1
PUBLIC_KEY_SIZE = 33
SEALED_KEY_SIZE = 1 + PUBLIC_KEY_SIZE + 12 + KEY_SIZE + 16  # 94


def _hkdf(ikm: bytes, info: bytes, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def master_key(account: LocalAccount) -> bytes:
    """The provider's master key, derived from its hotkey (see the module notes)."""
    return _hkdf(bytes(account.key), MASTER_INFO)


def public_key(account: LocalAccount) -> bytes:
    """The 33-byte compressed secp256k1 public key of ``account`` (keys are sealed to it)."""
    from coincurve import PrivateKey

    return bytes(PrivateKey(bytes(account.key)).public_key.format(compressed=True))


def public_key_address(public: bytes) -> str:
    """The checksummed address of a compressed or uncompressed secp256k1 public key."""
    from coincurve import PublicKey

    try:
        point = PublicKey(bytes(public)).format(compressed=False)
    except (ValueError, TypeError):
        raise InputError(f"not a secp256k1 public key: {bytes(public).hex()[:80]}") from None
    return to_checksum_address(keccak(point[1:])[-20:])


def key_context(chain_id: int, datanft: str, data_id: int) -> bytes:
    """What a dataset key is bound to: chain id, Data NFT contract and data id (84 bytes)."""
    contract = bytes.fromhex(to_checksum_address(datanft)[2:])
    return chain_id.to_bytes(32, "big") + contract + data_id.to_bytes(32, "big")


def seal_key(provider_public_key: bytes, key: bytes, context: bytes) -> bytes:
    """Seal a dataset key to a provider's public key (:data:`SEALED_KEY_SIZE` bytes)."""
    from coincurve import PrivateKey, PublicKey

    if not isinstance(key, bytes) or len(key) != KEY_SIZE:
        raise InputError(f"a dataset key is {KEY_SIZE} bytes")
    try:
        recipient = PublicKey(bytes(provider_public_key)).format(compressed=True)
    except (ValueError, TypeError):
        raise InputError("the provider's public key is not a secp256k1 point") from None
    ephemeral = PrivateKey()
    ephemeral_public = ephemeral.public_key.format(compressed=True)
    k = _hkdf(ephemeral.ecdh(recipient), SEAL_INFO, ephemeral_public + recipient)
    nonce = os.urandom(12)
    sealed = AESGCM(k).encrypt(nonce, key, SEAL_INFO + b"\x00" + context)
    return bytes([SEAL_VERSION]) + ephemeral_public + nonce + sealed


def open_sealed_key(account: LocalAccount, sealed: bytes, context: bytes) -> bytes:
    """The dataset key sealed to ``account`` by :func:`seal_key` for ``context``.

    Raises :class:`InputError` for a malformed sealed key and :class:`WrongKeyError` when it
    does not open (sealed to another provider, for another dataset, or altered).
    """
    from coincurve import PrivateKey, PublicKey

    if len(sealed) != SEALED_KEY_SIZE or sealed[0] != SEAL_VERSION:
        raise InputError(
            f"a sealed key is {SEALED_KEY_SIZE} bytes of version {SEAL_VERSION}, got "
            f"{len(sealed)} bytes"
        )
    ephemeral_public = sealed[1 : 1 + PUBLIC_KEY_SIZE]
    nonce = sealed[1 + PUBLIC_KEY_SIZE : 13 + PUBLIC_KEY_SIZE]
    private = PrivateKey(bytes(account.key))
    try:
        shared = private.ecdh(PublicKey(ephemeral_public).format(compressed=True))
    except (ValueError, TypeError):
        raise InputError("the sealed key's ephemeral public key is not a curve point") from None
    k = _hkdf(shared, SEAL_INFO, ephemeral_public + public_key(account))
    try:
        return AESGCM(k).decrypt(
            nonce, sealed[13 + PUBLIC_KEY_SIZE :], SEAL_INFO + b"\x00" + context
        )
    except InvalidTag:
        raise WrongKeyError(
            "the sealed key does not open: it was sealed to another provider or for another "
            "dataset, or altered"
        ) from None


# --- wrapped keys in SQLite --------------------------------------------------------------------
metadata = MetaData()
keys_table = Table(
    "provider_keys",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("datanft", String(42), primary_key=True),
    Column("data_id", BigInteger, primary_key=True),
    Column("wrapped", LargeBinary, nullable=False),
    Column("content_cid", String(128), nullable=False),
    Column("plaintext_size", BigInteger, nullable=False),
    Column("plaintext_sha256", String(66), nullable=False),
    Column("format", String(16), nullable=False),
    Column("registered_by", String(42), nullable=False),
    Column("registered_at", Integer, nullable=False),
)


@dataclass(frozen=True)
class KeyRecord:
    """What the provider knows about a dataset whose key it holds (the key itself is wrapped).

    ``plaintext_sha256`` and ``plaintext_size`` were measured when the key was registered, by
    decrypting the whole envelope; ``format`` (``csv``, ``tsv``, ``parquet`` or ``npz``) was
    recognised from its first bytes.
    """

    data_id: int
    content_cid: str
    plaintext_size: int
    plaintext_sha256: str
    format: str
    registered_by: str
    registered_at: int


class KeyRing:
    """The wrapped dataset keys of one provider, for one chain and Data NFT contract."""

    def __init__(self, engine: Engine, master: bytes, chain_id: int, datanft: str) -> None:
        self.engine = engine
        self._master = master
        self.chain_id = chain_id
        self.datanft = to_checksum_address(datanft)
        metadata.create_all(engine)

    def context(self, data_id: int) -> bytes:
        """The wrap (and seal) context of ``data_id``."""
        return key_context(self.chain_id, self.datanft, data_id)

    def put(self, record: KeyRecord, key: bytes) -> None:
        """Store (or replace) the key of ``record.data_id``, wrapped."""
        row = {
            "chain_id": self.chain_id,
            "datanft": self.datanft,
            "data_id": record.data_id,
            "wrapped": wrap_key(self._master, key, self.context(record.data_id)),
            "content_cid": record.content_cid,
            "plaintext_size": record.plaintext_size,
            "plaintext_sha256": record.plaintext_sha256,
            "format": record.format,
            "registered_by": record.registered_by,
            "registered_at": record.registered_at or int(time.time()),
        }
        with self.engine.begin() as conn:
            conn.execute(keys_table.insert().prefix_with("OR REPLACE"), row)

    def _row(self, data_id: int) -> dict[str, Any] | None:
        query = select(keys_table).where(
            keys_table.c.chain_id == self.chain_id,
            keys_table.c.datanft == self.datanft,
            keys_table.c.data_id == data_id,
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else dict(row)

    def get(self, data_id: int) -> KeyRecord | None:
        """The record of ``data_id``, or None if no key is held for it."""
        row = self._row(data_id)
        if row is None:
            return None
        return KeyRecord(
            data_id=data_id,
            content_cid=str(row["content_cid"]),
            plaintext_size=int(row["plaintext_size"]),
            plaintext_sha256=str(row["plaintext_sha256"]),
            format=str(row["format"]),
            registered_by=str(row["registered_by"]),
            registered_at=int(row["registered_at"]),
        )

    def key(self, data_id: int) -> bytes:
        """The unwrapped key of ``data_id`` (:class:`WrongKeyError` if none is held)."""
        row = self._row(data_id)
        if row is None:
            raise WrongKeyError(f"this provider holds no key for dataset {data_id}")
        return unwrap_key(self._master, bytes(row["wrapped"]), self.context(data_id))
