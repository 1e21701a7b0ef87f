"""Wallets on disk: one coldkey and any number of hotkeys, each an encrypted v3 keystore.

Layout under the data directory::

    wallets/<name>/coldkey.json           v3 keystore: owns funds and stake
    wallets/<name>/hotkeys/<hotkey>.json  v3 keystore: daily signing, rotatable by the coldkey
    wallets/<name>/wallet.json            public index of addresses (no secrets)

Directories are 0700 and files 0600. A new wallet is assembled in a hidden staging directory
and renamed into place, so a crash leaves either the whole wallet or nothing; an existing key
file is never overwritten.
"""

from __future__ import annotations

import difflib
import errno
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from noosphere.config import default_home
from noosphere.errors import (
    InputError,
    KeystoreCorruptError,
    WalletExistsError,
    WalletNotFoundError,
)
from noosphere.wallet._keystore import (
    DIR_MODE,
    atomic_write,
    decrypt_keystore,
    encrypt_key,
    ensure_private_dir,
    fsync_dir,
    keystore_address,
    read_keystore,
    unlock_keystore,
    write_keystore,
)

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

WALLETS_DIR = "wallets"
COLDKEY_FILE = "coldkey.json"
HOTKEYS_DIR = "hotkeys"
INDEX_FILE = "wallet.json"
DEFAULT_HOTKEY = "default"
DEFAULT_ACCOUNT_PATH = "m/44'/60'/0'/0/0"

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_ACCOUNT_PATH = re.compile(r"m(/[0-9]+'?)+")


def wallets_dir(home: Path | None = None) -> Path:
    """The directory holding every wallet: ``<home>/wallets``."""
    return (home or default_home()) / WALLETS_DIR


def check_name(name: str, what: str = "wallet") -> str:
    """Return ``name`` if it is a safe wallet or hotkey name, else raise :class:`InputError`."""
    if not _NAME.fullmatch(name):
        raise InputError(
            f"invalid {what} name {name!r}",
            hint="use 1-64 letters, digits, '-' or '_', starting with a letter or digit",
        )
    return name


def _check_new_password(password: str) -> None:
    if not password:
        raise InputError("the password must not be empty")


def list_wallets(home: Path | None = None) -> list[str]:
    """Names of the wallets in the data directory, sorted."""
    root = wallets_dir(home)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and _NAME.fullmatch(p.name))


class Wallet:
    """A wallet on disk. Holds addresses and paths only; keys are decrypted on demand."""

    def __init__(
        self, name: str, path: Path, coldkey_address: str, hotkeys: dict[str, str]
    ) -> None:
        self.name = name
        self.path = path
        self.coldkey_address = coldkey_address
        self._hotkeys = dict(hotkeys)

    def __repr__(self) -> str:
        return f"Wallet(name={self.name!r}, coldkey={self.coldkey_address})"

    @classmethod
    def load(cls, name: str, home: Path | None = None) -> Wallet:
        """Open the wallet ``name`` without a password (addresses come from public data)."""
        check_name(name)
        path = wallets_dir(home) / name
        if not path.is_dir():
            known = list_wallets(home)
            close = difflib.get_close_matches(name, known, n=1)
            if close:
                hint = f"did you mean {close[0]!r}?"
            elif known:
                hint = "wallets here: " + ", ".join(known)
            else:
                hint = f"create one with: noos wallet create {name}"
            raise WalletNotFoundError(f"no wallet named {name!r} in {path.parent}", hint=hint)
        index = _read_index(path)
        coldkey = index.get("coldkey") or keystore_address(read_keystore(path / COLDKEY_FILE))
        if not coldkey:
            raise KeystoreCorruptError(
                f"cannot tell the coldkey address of wallet {name!r}",
                hint=f"{path / COLDKEY_FILE} records no address; re-import the key",
            )
        recorded = index.get("hotkeys", {})
        hotkeys: dict[str, str] = {}
        hotkey_dir = path / HOTKEYS_DIR
        files = sorted(hotkey_dir.glob("*.json")) if hotkey_dir.is_dir() else []
        for file in files:
            if not _NAME.fullmatch(file.stem):
                continue
            address = recorded.get(file.stem) or keystore_address(read_keystore(file))
            if address:
                hotkeys[file.stem] = address
        return cls(name, path, coldkey, hotkeys)

    # --- paths and addresses ---------------------------------------------------------------
    @property
    def coldkey_path(self) -> Path:
        """Path of the coldkey keystore."""
        return self.path / COLDKEY_FILE

    @property
    def hotkeys(self) -> dict[str, str]:
        """Hotkey names and their addresses."""
        return dict(self._hotkeys)

    def hotkey_path(self, name: str = DEFAULT_HOTKEY) -> Path:
        """Path of the keystore of hotkey ``name`` (which may not exist yet)."""
        return self.path / HOTKEYS_DIR / f"{check_name(name, 'hotkey')}.json"

    def hotkey_address(self, name: str = DEFAULT_HOTKEY) -> str:
        """Address of hotkey ``name``."""
        try:
            return self._hotkeys[check_name(name, "hotkey")]
        except KeyError:
            known = ", ".join(self._hotkeys) or "none"
            raise WalletNotFoundError(
                f"wallet {self.name!r} has no hotkey {name!r}",
                hint=f"hotkeys: {known}; add one with: noos wallet new-hotkey {self.name} {name}",
            ) from None

    # --- keys ------------------------------------------------------------------------------
    def unlock_coldkey(self, password: str) -> LocalAccount:
        """Decrypt the coldkey (slow with the standard KDF: about a second)."""
        return self._unlock(self.coldkey_path, self.coldkey_address, password)

    def unlock_hotkey(self, name: str, password: str) -> LocalAccount:
        """Decrypt hotkey ``name``."""
        address = self.hotkey_address(name)
        return self._unlock(self.hotkey_path(name), address, password)

    def _unlock(self, path: Path, address: str, password: str) -> LocalAccount:
        account = unlock_keystore(path, password)
        if account.address != address:
            raise KeystoreCorruptError(
                f"{path} holds the key of {account.address}, but {self.path / INDEX_FILE} "
                f"says {address}",
                hint="one of the two files was altered; restore the wallet from a backup",
            )
        return account

    def check_new_hotkey(self, name: str) -> Path:
        """Raise unless ``name`` is a valid, unused hotkey name; return its future path."""
        path = self.hotkey_path(name)
        if path.exists():
            raise WalletExistsError(
                f"wallet {self.name!r} already has a hotkey {name!r} at {path}",
                hint="choose another name; existing keys are never overwritten",
            )
        return path

    def new_hotkey(self, name: str, password: str, *, kdf: str | None = None) -> str:
        """Create a random hotkey ``name`` encrypted with ``password``; return its address."""
        path = self.check_new_hotkey(name)
        _check_new_password(password)
        from eth_account import Account

        ensure_private_dir(path.parent)
        account = Account.create()
        write_keystore(path, encrypt_key(account.key, password, kdf))
        self._hotkeys[name] = account.address
        # merge with the file: another process may have added a hotkey since this one loaded
        on_disk = _read_index(self.path).get("hotkeys", {})
        _write_index(self.path, self.name, self.coldkey_address, {**on_disk, **self._hotkeys})
        return account.address


# --- index file --------------------------------------------------------------------------------
def _read_index(path: Path) -> dict[str, Any]:
    """The public index, or {} if it is missing or unreadable (it is rebuilt from keystores)."""
    try:
        data = json.loads((path / INDEX_FILE).read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    coldkey = data.get("coldkey")
    hotkeys = data.get("hotkeys")
    return {
        "coldkey": coldkey if isinstance(coldkey, str) else None,
        "hotkeys": {k: v for k, v in hotkeys.items() if isinstance(k, str) and isinstance(v, str)}
        if isinstance(hotkeys, dict)
        else {},
    }


def _write_index(path: Path, name: str, coldkey: str, hotkeys: dict[str, str]) -> None:
    index = {
        "version": 1,
        "name": name,
        "coldkey": coldkey,
        "hotkeys": dict(sorted(hotkeys.items())),
    }
    atomic_write(path / INDEX_FILE, (json.dumps(index, indent=2) + "\n").encode(), overwrite=True)


# --- creating and importing --------------------------------------------------------------------
def _assemble(
    name: str,
    coldkey: dict[str, Any],
    coldkey_address: str,
    password: str,
    home: Path | None,
    kdf: str | None,
) -> Wallet:
    """Build a wallet (coldkey, hotkey ``default``, index) in staging, then rename it in."""
    from eth_account import Account

    root = ensure_private_dir(wallets_dir(home))
    target = root / name
    if target.exists():
        raise _exists(name, target)
    staging = Path(tempfile.mkdtemp(dir=root, prefix=f".{name}.", suffix=".tmp"))
    try:
        os.chmod(staging, DIR_MODE)
        write_keystore(staging / COLDKEY_FILE, coldkey)
        hotkey = Account.create()
        ensure_private_dir(staging / HOTKEYS_DIR)
        write_keystore(
            staging / HOTKEYS_DIR / f"{DEFAULT_HOTKEY}.json", encrypt_key(hotkey.key, password, kdf)
        )
        _write_index(staging, name, coldkey_address, {DEFAULT_HOTKEY: hotkey.address})
        try:
            os.rename(staging, target)  # replaces at most an empty directory
        except OSError as exc:
            if exc.errno in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR, errno.EISDIR):
                raise _exists(name, target) from None
            raise
        fsync_dir(root)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return Wallet(name, target, coldkey_address, {DEFAULT_HOTKEY: hotkey.address})


def check_new_wallet(name: str, home: Path | None = None) -> Path:
    """Raise unless ``name`` is a valid name no wallet uses yet; return the wallet's future path."""
    target = wallets_dir(home) / check_name(name)
    if target.exists():
        raise _exists(name, target)
    return target


def _precheck(name: str, password: str, home: Path | None) -> None:
    check_new_wallet(name, home)
    _check_new_password(password)


def _exists(name: str, target: Path) -> WalletExistsError:
    return WalletExistsError(
        f"wallet {name!r} already exists at {target}",
        hint="choose another name; existing wallets are never overwritten",
    )


def _from_account(
    name: str, account: LocalAccount, password: str, home: Path | None, kdf: str | None
) -> Wallet:
    keystore = encrypt_key(account.key, password, kdf)
    return _assemble(name, keystore, account.address, password, home, kdf)


def create_wallet(
    name: str, password: str, *, home: Path | None = None, kdf: str | None = None
) -> Wallet:
    """Create wallet ``name`` with a random coldkey and a random hotkey ``default``.

    ``kdf`` is ``"standard"`` (geth's scrypt, the default) or ``"light"`` (fast, for tests);
    when ``None`` the ``NOOS_KDF`` environment variable decides.
    """
    _precheck(name, password, home)
    from eth_account import Account

    return _from_account(name, Account.create(), password, home, kdf)


def parse_private_key(text: str | bytes) -> bytes:
    """A 32-byte private key from raw bytes or hex text (``0x`` optional, whitespace ignored).

    Errors never quote the input.
    """
    if isinstance(text, bytes) and len(text) == 32:
        raw = text
    else:
        if isinstance(text, bytes):
            try:
                text = text.decode("ascii")
            except UnicodeDecodeError:
                raise InputError("the private key is not hex text") from None
        cleaned = "".join(text.split()).removeprefix("0x").removeprefix("0X")
        if len(cleaned) != 64 or not re.fullmatch(r"[0-9a-fA-F]+", cleaned):
            raise InputError(
                "the private key is not 64 hex digits", hint="give the key as 0x followed by 64 hex"
            )
        raw = bytes.fromhex(cleaned)
    from eth_keys.constants import SECPK1_N

    if not 0 < int.from_bytes(raw, "big") < SECPK1_N:
        raise InputError("the private key is out of range for secp256k1")
    return raw


def import_private_key(
    name: str,
    private_key: str | bytes,
    password: str,
    *,
    home: Path | None = None,
    kdf: str | None = None,
) -> Wallet:
    """Create wallet ``name`` whose coldkey is ``private_key`` (bytes or hex text)."""
    _precheck(name, password, home)
    key = parse_private_key(private_key)
    from eth_account import Account

    account: LocalAccount = Account.from_key(key)
    return _from_account(name, account, password, home, kdf)


def import_mnemonic(
    name: str,
    mnemonic: str,
    password: str,
    *,
    passphrase: str = "",
    account_path: str = DEFAULT_ACCOUNT_PATH,
    home: Path | None = None,
    kdf: str | None = None,
) -> Wallet:
    """Create wallet ``name`` whose coldkey is derived from a BIP-39 ``mnemonic``.

    ``account_path`` is the BIP-32 path (MetaMask's first account by default).
    """
    _precheck(name, password, home)
    if not _ACCOUNT_PATH.fullmatch(account_path):
        raise InputError(
            f"invalid derivation path {account_path!r}", hint=f"e.g. {DEFAULT_ACCOUNT_PATH}"
        )
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    words = " ".join(mnemonic.lower().split())
    try:
        account: LocalAccount = Account.from_mnemonic(
            words, passphrase=passphrase, account_path=account_path
        )
    except Exception:  # the library's messages quote the words: never show them
        raise InputError(
            "the mnemonic is not a valid BIP-39 phrase",
            hint="check the words, their number (12-24) and their order",
        ) from None
    return _from_account(name, account, password, home, kdf)


def import_keystore(
    name: str,
    keystore_file: Path,
    password: str,
    *,
    home: Path | None = None,
    kdf: str | None = None,
) -> Wallet:
    """Create wallet ``name`` whose coldkey is an existing v3 keystore (geth, MetaMask, ...).

    The file must decrypt with ``password``; it is copied as is, so the coldkey keeps its
    password and KDF. The new hotkey ``default`` is encrypted with the same password.
    """
    _precheck(name, password, home)
    keystore = read_keystore(keystore_file)
    account = decrypt_keystore(keystore, password, path=keystore_file)
    keystore["address"] = account.address.removeprefix("0x").lower()
    return _assemble(name, keystore, account.address, password, home, kdf)
