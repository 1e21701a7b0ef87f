"""Web3 Secret Storage v3 keystores: encrypt, check, decrypt, and write files atomically.

The files are the ones geth, MetaMask and ethers read and write (AES-128-CTR, scrypt or
PBKDF2, keccak MAC). A keystore read from disk is hostile input: its structure is checked and
its KDF cost is bounded before any work is done, so a crafted file cannot exhaust memory.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from noosphere.errors import (
    ConfigError,
    KeystoreCorruptError,
    WalletExistsError,
    WrongPasswordError,
)

if TYPE_CHECKING:  # eth_account takes ~0.7 s to import: only commands that need keys load it
    from eth_account.signers.local import LocalAccount

KDF_ENV = "NOOS_KDF"
FILE_MODE = 0o600
DIR_MODE = 0o700
MAX_KEYSTORE_BYTES = 64 * 1024

# Bounds on the work a keystore from disk may ask for (geth's standard is n=2**18, r=8, p=1).
_MAX_SCRYPT_MEMORY = 512 * 1024 * 1024  # 128 * r * n bytes
_MAX_SCRYPT_WORK = 2**18 * 8 * 4  # n * r * p, four times geth's standard
_MAX_PBKDF2_ROUNDS = 10_000_000

# errno values of os.link meaning "this filesystem cannot hard-link here"
_NO_HARDLINK = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK}


@dataclass(frozen=True)
class KdfProfile:
    """How new keystores are encrypted: the KDF and its work factor."""

    name: str
    kdf: Literal["scrypt", "pbkdf2"]
    work_factor: int


KDF_PROFILES: dict[str, KdfProfile] = {
    # geth's StandardScryptN; ~1 s per encryption or decryption.
    "standard": KdfProfile("standard", "scrypt", 2**18),
    # For tests and throwaway devnet wallets: fast, and correspondingly weaker.
    "light": KdfProfile("light", "scrypt", 2**14),
}


def resolve_kdf(kdf: str | None = None) -> KdfProfile:
    """The KDF profile named by ``kdf``, else by ``NOOS_KDF``, else ``standard``."""
    source = "argument"
    if kdf is None:
        kdf, source = os.environ.get(KDF_ENV) or "standard", f"${KDF_ENV}"
    try:
        return KDF_PROFILES[kdf]
    except KeyError:
        raise ConfigError(
            f"unknown KDF profile {kdf!r} from {source}",
            hint="use one of: " + ", ".join(KDF_PROFILES),
        ) from None


def encrypt_key(private_key: bytes, password: str, kdf: str | None = None) -> dict[str, Any]:
    """Encrypt a 32-byte secp256k1 key as a v3 keystore dict (``kdf``: see :func:`resolve_kdf`)."""
    from eth_account import Account

    profile = resolve_kdf(kdf)
    return Account.encrypt(private_key, password, kdf=profile.kdf, iterations=profile.work_factor)


# --- atomic files ------------------------------------------------------------------------------
def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if missing and set it to mode 0700."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, DIR_MODE)
    return path


def fsync_dir(path: Path) -> None:
    """Flush a directory entry change (a rename or link) to disk where the platform allows."""
    with contextlib.suppress(OSError):  # not every platform can open a directory
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: Path, data: bytes, *, overwrite: bool = False) -> None:
    """Write ``data`` to ``path`` with mode 0600 so that a crash leaves the old file or the new.

    The bytes go to a temporary file in the same directory, are fsynced, then moved into place.
    Without ``overwrite`` an existing file is never replaced (:class:`WalletExistsError`): the
    move is a hard link, which fails atomically if the target exists.
    """
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), FILE_MODE)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            _move_no_clobber(tmp, path)
        fsync_dir(path.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _move_no_clobber(tmp: Path, path: Path) -> None:
    exists = WalletExistsError(f"{path} already exists", hint="it was left untouched")
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise exists from None
    except OSError as exc:
        # Filesystems without hard links (FAT, some network mounts): check, then replace.
        if exc.errno not in _NO_HARDLINK:
            raise
        if path.exists():
            raise exists from None
        os.replace(tmp, path)


def write_keystore(path: Path, keystore: dict[str, Any]) -> None:
    """Write a keystore dict to ``path`` atomically, mode 0600, never replacing a file."""
    atomic_write(path, (json.dumps(keystore, indent=2) + "\n").encode())


# --- reading -----------------------------------------------------------------------------------
def _lower_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k).lower(): _lower_keys(v) for k, v in value.items()}
    return value


def _hex(value: Any, field: str, nbytes: int | None = None) -> bytes:
    try:
        raw = bytes.fromhex(value.removeprefix("0x"))
    except (AttributeError, ValueError):
        raise ValueError(f"{field} is not a hex string") from None
    if nbytes is not None and len(raw) != nbytes:
        raise ValueError(f"{field} has {len(raw)} bytes, expected {nbytes}")
    return raw


def _int(params: dict[str, Any], key: str, low: int, high: int) -> int:
    value = params.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"kdfparams.{key} must be an integer in [{low}, {high}]")
    return value


def _check_kdf(crypto: dict[str, Any]) -> None:
    kdf = crypto.get("kdf")
    params = crypto.get("kdfparams")
    if not isinstance(params, dict):
        raise ValueError("crypto.kdfparams is missing")
    _hex(params.get("salt"), "crypto.kdfparams.salt")
    _int(params, "dklen", 32, 32)
    if kdf == "scrypt":
        n = _int(params, "n", 2, 2**24)
        r = _int(params, "r", 1, 64)
        p = _int(params, "p", 1, 64)
        if n & (n - 1):
            raise ValueError("kdfparams.n must be a power of two")
        if 128 * r * n > _MAX_SCRYPT_MEMORY or n * r * p > _MAX_SCRYPT_WORK:
            raise ValueError(f"scrypt parameters n={n} r={r} p={p} ask for too much work")
    elif kdf == "pbkdf2":
        _int(params, "c", 1, _MAX_PBKDF2_ROUNDS)
        if params.get("prf") != "hmac-sha256":
            raise ValueError("kdfparams.prf must be hmac-sha256")
    else:
        raise ValueError(f"unsupported kdf {kdf!r} (expected scrypt or pbkdf2)")


def check_keystore(data: Any) -> dict[str, Any]:
    """Check that ``data`` is a well-formed v3 keystore; return it with lower-cased keys.

    Raises ``ValueError`` saying what is wrong; :func:`read_keystore` turns that into
    :class:`KeystoreCorruptError` naming the file.
    """
    if not isinstance(data, dict):
        raise ValueError("the top level is not a JSON object")
    keystore: dict[str, Any] = _lower_keys(data)
    if keystore.get("version") != 3:
        raise ValueError(f"version is {keystore.get('version')!r}, not 3")
    crypto = keystore.get("crypto")
    if not isinstance(crypto, dict):
        raise ValueError("the crypto section is missing")
    if crypto.get("cipher") != "aes-128-ctr":
        raise ValueError(f"cipher {crypto.get('cipher')!r} is not aes-128-ctr")
    params = crypto.get("cipherparams")
    if not isinstance(params, dict):
        raise ValueError("crypto.cipherparams is missing")
    _hex(params.get("iv"), "crypto.cipherparams.iv", 16)
    _hex(crypto.get("ciphertext"), "crypto.ciphertext", 32)
    _hex(crypto.get("mac"), "crypto.mac", 32)
    _check_kdf(crypto)
    if "address" in keystore:
        _hex(keystore["address"], "address", 20)
    return keystore


def read_keystore(path: Path) -> dict[str, Any]:
    """Read and check the v3 keystore at ``path`` (no password needed)."""
    corrupt_hint = "restore the file from a backup, or re-import the key from its source"
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_KEYSTORE_BYTES + 1)
    except FileNotFoundError:
        raise KeystoreCorruptError(f"keystore {path} is missing", hint=corrupt_hint) from None
    except OSError as exc:
        raise KeystoreCorruptError(
            f"cannot read keystore {path}: {exc.strerror}", hint="check the file's permissions"
        ) from None
    if len(raw) > MAX_KEYSTORE_BYTES:
        raise KeystoreCorruptError(
            f"{path} is too large to be a keystore", hint="is this the right file?"
        )
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise KeystoreCorruptError(
            f"{path} is not valid JSON (truncated or corrupt)", hint=corrupt_hint
        ) from None
    try:
        return check_keystore(data)
    except ValueError as exc:
        raise KeystoreCorruptError(
            f"{path} is not a valid Web3 Secret Storage v3 keystore: {exc}", hint=corrupt_hint
        ) from None


def keystore_address(keystore: dict[str, Any]) -> str | None:
    """The checksummed address recorded in a checked keystore, if it records one."""
    from eth_utils import to_checksum_address

    raw = keystore.get("address")
    return to_checksum_address("0x" + raw.removeprefix("0x")) if isinstance(raw, str) else None


def decrypt_keystore(keystore: dict[str, Any], password: str, *, path: Path) -> LocalAccount:
    """Decrypt a checked keystore; ``path`` names it in errors.

    A wrong password raises :class:`WrongPasswordError`; a key that does not match the address
    the file records raises :class:`KeystoreCorruptError`.
    """
    from eth_account import Account
    from eth_keyfile import decode_keyfile_json
    from eth_keyfile.exceptions import EthKeyfileValueError

    try:
        private_key = decode_keyfile_json(keystore, password.encode())
    except EthKeyfileValueError:
        raise WrongPasswordError(
            f"wrong password for {path}",
            hint="check the password or NOOS_PASSWORD; if it is right, the file is damaged",
        ) from None
    except Exception as exc:  # the decoder's own failures on a malformed file
        raise KeystoreCorruptError(
            f"cannot decrypt {path}: {type(exc).__name__}", hint="restore it from a backup"
        ) from None
    try:
        account: LocalAccount = Account.from_key(private_key)
    except Exception:
        raise KeystoreCorruptError(
            f"{path} decrypts to an invalid private key", hint="restore it from a backup"
        ) from None
    recorded = keystore_address(keystore)
    if recorded is not None and recorded != account.address:
        raise KeystoreCorruptError(
            f"{path} records address {recorded} but holds the key of {account.address}",
            hint="the file was altered; restore it from a backup",
        )
    return account


def unlock_keystore(path: Path, password: str) -> LocalAccount:
    """Read, check and decrypt the keystore at ``path``."""
    return decrypt_keystore(read_keystore(path), password, path=path)
