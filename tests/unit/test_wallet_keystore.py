"""Keystores: KDF profiles, atomic no-clobber writes, hostile and damaged files, passwords."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from noosphere.errors import (
    ConfigError,
    KeystoreCorruptError,
    WalletExistsError,
    WrongPasswordError,
)
from noosphere.wallet import (
    atomic_write,
    check_keystore,
    encrypt_key,
    read_keystore,
    resolve_kdf,
    unlock_keystore,
)

KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
ADDRESS = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"


@pytest.fixture(autouse=True)
def _light_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOOS_KDF", "light")


@pytest.fixture
def keystore_file(tmp_path: Path) -> Path:
    path = tmp_path / "key.json"
    path.write_text(json.dumps(encrypt_key(KEY, "pw")))
    return path


def _no_temp_files(directory: Path) -> bool:
    return not [p for p in directory.iterdir() if p.name.endswith(".tmp")]


# --- KDF profiles ------------------------------------------------------------------------------
def test_kdf_profiles(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_kdf("light").work_factor == 2**14
    monkeypatch.delenv("NOOS_KDF")
    standard = resolve_kdf()
    assert (standard.kdf, standard.work_factor) == ("scrypt", 2**18)  # geth's StandardScryptN
    monkeypatch.setenv("NOOS_KDF", "fast")
    with pytest.raises(ConfigError, match=r"'fast' from \$NOOS_KDF"):
        resolve_kdf()


def test_light_keystore_is_geth_compatible() -> None:
    keystore = encrypt_key(KEY, "pw")
    assert keystore["version"] == 3
    assert keystore["crypto"]["kdf"] == "scrypt"
    assert keystore["crypto"]["kdfparams"]["n"] == 2**14
    assert bytes(Account.decrypt(keystore, "pw")) == KEY


# --- atomic writes -----------------------------------------------------------------------------
def test_atomic_write_mode_and_no_clobber(tmp_path: Path) -> None:
    target = tmp_path / "f.json"
    atomic_write(target, b"first")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with pytest.raises(WalletExistsError, match="already exists"):
        atomic_write(target, b"second")
    assert target.read_bytes() == b"first"
    atomic_write(target, b"third", overwrite=True)
    assert target.read_bytes() == b"third"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert _no_temp_files(tmp_path)


def test_atomic_write_interrupted_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: object) -> None:
        raise OSError("simulated crash")

    monkeypatch.setattr(os, "link", crash)
    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="simulated"):
        atomic_write(tmp_path / "new.json", b"data")
    assert not (tmp_path / "new.json").exists()

    existing = tmp_path / "old.json"
    existing.write_bytes(b"old")
    with pytest.raises(OSError, match="simulated"):
        atomic_write(existing, b"new", overwrite=True)
    assert existing.read_bytes() == b"old"
    assert _no_temp_files(tmp_path)


def test_atomic_write_without_hard_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(*args: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    target = tmp_path / "f.json"
    atomic_write(target, b"first")
    with pytest.raises(WalletExistsError):
        atomic_write(target, b"second")
    assert target.read_bytes() == b"first"
    assert _no_temp_files(tmp_path)


# --- reading and decrypting --------------------------------------------------------------------
def test_unlock_round_trip(keystore_file: Path) -> None:
    account = unlock_keystore(keystore_file, "pw")
    assert account.address == ADDRESS


def test_wrong_password_names_the_file(keystore_file: Path) -> None:
    before = keystore_file.read_bytes()
    with pytest.raises(WrongPasswordError, match=f"wrong password for {keystore_file}"):
        unlock_keystore(keystore_file, "nope")
    assert keystore_file.read_bytes() == before


def test_truncated_keystore(keystore_file: Path) -> None:
    keystore_file.write_bytes(keystore_file.read_bytes()[:100])
    with pytest.raises(KeystoreCorruptError, match="not valid JSON") as info:
        unlock_keystore(keystore_file, "pw")
    assert str(keystore_file) in str(info.value)
    assert "backup" in str(info.value)


def test_empty_and_binary_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    for path in (empty, binary):
        with pytest.raises(KeystoreCorruptError, match="not valid JSON"):
            read_keystore(path)


def test_missing_and_huge_files(tmp_path: Path) -> None:
    with pytest.raises(KeystoreCorruptError, match="missing"):
        read_keystore(tmp_path / "absent.json")
    huge = tmp_path / "huge.json"
    huge.write_bytes(b" " * 100_000)
    with pytest.raises(KeystoreCorruptError, match="too large"):
        read_keystore(huge)


def _valid() -> dict[str, Any]:
    return json.loads(json.dumps(encrypt_key(KEY, "pw")))


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda k: k.update(version=4), "version is 4"),
        (lambda k: k.pop("crypto"), "crypto section is missing"),
        (lambda k: k["crypto"].update(cipher="aes-256-gcm"), "not aes-128-ctr"),
        (lambda k: k["crypto"].update(mac="zz"), "crypto.mac is not a hex string"),
        (lambda k: k["crypto"].update(ciphertext="00" * 31), "ciphertext has 31 bytes"),
        (lambda k: k["crypto"]["cipherparams"].update(iv="00"), "iv has 1 bytes, expected 16"),
        (lambda k: k["crypto"].update(kdf="argon2"), "unsupported kdf"),
        (lambda k: k["crypto"]["kdfparams"].update(n=3000), "power of two"),
        (lambda k: k["crypto"]["kdfparams"].update(n=2**24), "too much work"),
        (lambda k: k["crypto"]["kdfparams"].update(n=2**18, p=8), "too much work"),
        (lambda k: k["crypto"]["kdfparams"].update(dklen=64), "dklen"),
        (lambda k: k.update(address="1234"), "address has 2 bytes"),
        (lambda k: k["crypto"].update(mac=None), "crypto.mac is not a hex string"),
    ],
)
def test_non_v3_or_hostile_keystores_are_refused(
    mutate: Callable[[dict[str, Any]], object], reason: str, tmp_path: Path
) -> None:
    keystore = _valid()
    mutate(keystore)
    path = tmp_path / "k.json"
    path.write_text(json.dumps(keystore))
    with pytest.raises(KeystoreCorruptError, match=reason) as info:
        unlock_keystore(path, "pw")
    assert str(path) in str(info.value)


def test_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    path.write_text("[1, 2, 3]")
    with pytest.raises(KeystoreCorruptError, match="not a JSON object"):
        read_keystore(path)


def test_address_that_does_not_match_the_key(tmp_path: Path) -> None:
    keystore = _valid()
    keystore["address"] = "11" * 20
    path = tmp_path / "k.json"
    path.write_text(json.dumps(keystore))
    with pytest.raises(KeystoreCorruptError, match="holds the key of"):
        unlock_keystore(path, "pw")


def test_geth_style_keystores_are_accepted(tmp_path: Path) -> None:
    """Old geth writes ``Crypto``; PBKDF2 keystores and missing addresses are valid v3."""
    keystore = Account.encrypt(KEY, "pw", kdf="pbkdf2", iterations=1000)
    keystore["Crypto"] = keystore.pop("crypto")
    del keystore["address"]
    path = tmp_path / "UTC--2024-01-01T00-00-00Z--geth"
    path.write_text(json.dumps(keystore))
    assert check_keystore(json.loads(path.read_text()))["crypto"]["kdf"] == "pbkdf2"
    assert unlock_keystore(path, "pw").address == ADDRESS
