"""The key of a published dataset, saved in its owner's wallet: a backup the owner keeps after
registering it with the provider too, so a provider that loses its database loses nothing the
owner cannot hand it again.

Each key is wrapped (AES-GCM, :func:`noosphere.storage.envelope.wrap_key`) under a key derived
with HKDF from the owner's coldkey, bound to the chain and the content CID, in
``<wallet>/data-keys/<chain>-<cid>.json`` (mode 0600).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from noosphere.errors import InputError

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

KEYS_DIR = "data-keys"
_KEY_FILE_VERSION = 1
_MAX_KEY_FILE = 16_384
_MASTER_INFO = b"noosphere.data-keys/v1"


@dataclass(frozen=True)
class SavedKey:
    """A dataset key saved in the owner's wallet (decrypted)."""

    path: Path
    chain_id: int
    content_cid: str
    owner: str
    endpoint: str
    data_id: int | None
    registered: bool
    key: bytes = field(repr=False)


def _master_key(owner: LocalAccount) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_MASTER_INFO)
    return hkdf.derive(bytes(owner.key))


def _context(chain_id: int, content_cid: str) -> bytes:
    return f"noosphere.data-key|{chain_id}|{content_cid}".encode()


def key_path(keys_dir: Path, chain_id: int, content_cid: str) -> Path:
    """Where the key of ``content_cid`` on ``chain_id`` is saved."""
    return Path(keys_dir) / f"{chain_id}-{content_cid}.json"


def save_dataset_key(
    keys_dir: Path,
    owner: LocalAccount,
    chain_id: int,
    content_cid: str,
    key: bytes,
    *,
    endpoint: str,
    data_id: int | None = None,
    registered: bool = False,
) -> Path:
    """Save ``key`` wrapped under a key derived from ``owner``'s private key (mode 0600)."""
    from noosphere.storage.envelope import wrap_key
    from noosphere.wallet import atomic_write

    keys_dir = Path(keys_dir)
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    record = {
        "version": _KEY_FILE_VERSION,
        "chain_id": chain_id,
        "content_cid": content_cid,
        "owner": owner.address,
        "endpoint": endpoint,
        "data_id": data_id,
        "registered": registered,
        "wrapped_key": wrap_key(_master_key(owner), key, _context(chain_id, content_cid)).hex(),
    }
    path = key_path(keys_dir, chain_id, content_cid)
    atomic_write(path, (json.dumps(record, indent=2) + "\n").encode(), overwrite=True)
    return path


def load_dataset_key(
    keys_dir: Path, owner: LocalAccount, chain_id: int, content_cid: str
) -> SavedKey:
    """The key of ``content_cid`` saved by :func:`save_dataset_key` (decrypted with ``owner``)."""
    from noosphere.storage.envelope import unwrap_key

    path = key_path(keys_dir, chain_id, content_cid)
    try:
        if path.stat().st_size > _MAX_KEY_FILE:
            raise InputError(f"{path} is too large to be a saved dataset key")
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"no saved key for content {content_cid} on chain {chain_id} in {keys_dir}",
            hint="keys are saved in the wallet of the owner that published the dataset",
        ) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the saved key {path}: {exc}") from None
    try:
        if record["owner"] != owner.address:
            raise InputError(f"{path} was saved by {record['owner']}, not {owner.address}",
                             hint="use the wallet that published the dataset")  # fmt: skip
        wrapped = bytes.fromhex(record["wrapped_key"])
        data_id = record.get("data_id")
        saved = SavedKey(
            path=path, chain_id=int(record["chain_id"]), content_cid=str(record["content_cid"]),
            owner=str(record["owner"]), endpoint=str(record["endpoint"]),
            data_id=None if data_id is None else int(data_id),
            registered=bool(record.get("registered")), key=b"",
        )  # fmt: skip
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"the saved key {path} is malformed ({exc})") from None
    key = unwrap_key(_master_key(owner), wrapped, _context(chain_id, content_cid))
    return SavedKey(**{**saved.__dict__, "key": key})


__all__ = ["KEYS_DIR", "SavedKey", "key_path", "load_dataset_key", "save_dataset_key"]
