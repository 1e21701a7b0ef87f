"""Wallets on disk: create, unlock, hotkeys, imports, layout, modes, failures that lose nothing."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from eth_account import Account

import noosphere.wallet
from noosphere.errors import (
    InputError,
    KeystoreCorruptError,
    WalletExistsError,
    WalletNotFoundError,
    WrongPasswordError,
)
from noosphere.wallet import (
    Wallet,
    create_wallet,
    import_keystore,
    import_mnemonic,
    import_private_key,
    list_wallets,
    parse_private_key,
)

KEY_HEX = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
KEY_ADDRESS = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
MNEMONIC = "abandon " * 11 + "about"
MNEMONIC_ADDRESS = "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"  # m/44'/60'/0'/0/0


@pytest.fixture(autouse=True)
def _light_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOOS_KDF", "light")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_public_api_is_pinned() -> None:
    assert set(noosphere.wallet.__all__) == {
        "COLDKEY_FILE", "DEFAULT_ACCOUNT_PATH", "DEFAULT_HOTKEY", "HOTKEYS_DIR", "INDEX_FILE",
        "KDF_ENV", "KDF_PROFILES", "KdfProfile", "Wallet", "atomic_write", "check_keystore",
        "check_name", "check_new_wallet", "create_wallet", "encrypt_key", "import_keystore",
        "import_mnemonic", "import_private_key", "list_wallets", "message_hash",
        "parse_private_key", "read_keystore", "recover_address", "recover_message",
        "recover_typed_data", "resolve_kdf", "sign_message", "sign_typed_data",
        "typed_data_hash", "unlock_keystore", "wallets_dir",
    }  # fmt: skip
    assert all(hasattr(noosphere.wallet, name) for name in noosphere.wallet.__all__)


def test_create_and_unlock_round_trip(home: Path) -> None:
    wallet = create_wallet("alice", "pw", home=home)
    loaded = Wallet.load("alice", home=home)
    assert loaded.coldkey_address == wallet.coldkey_address
    assert loaded.hotkeys == wallet.hotkeys == {"default": wallet.hotkey_address()}
    assert loaded.unlock_coldkey("pw").address == wallet.coldkey_address
    assert loaded.unlock_hotkey("default", "pw").address == wallet.hotkey_address("default")
    assert wallet.coldkey_address != wallet.hotkey_address()
    # the keystores are plain v3 files that eth_account (hence geth/MetaMask) decrypts
    cold = json.loads(wallet.coldkey_path.read_text())
    assert Account.from_key(Account.decrypt(cold, "pw")).address == wallet.coldkey_address


def test_layout_and_modes(home: Path) -> None:
    wallet = create_wallet("alice", "pw", home=home)
    root = home / "wallets"
    assert wallet.path == root / "alice"
    for directory in (root, root / "alice", root / "alice" / "hotkeys"):
        assert _mode(directory) == 0o700
    for file in (wallet.coldkey_path, wallet.hotkey_path(), wallet.path / "wallet.json"):
        assert _mode(file) == 0o600
    assert sorted(p.name for p in root.iterdir()) == ["alice"]  # no staging leftovers
    index = json.loads((wallet.path / "wallet.json").read_text())
    assert index["coldkey"] == wallet.coldkey_address
    assert index["hotkeys"] == {"default": wallet.hotkey_address()}


def test_index_holds_no_secrets(home: Path) -> None:
    wallet = create_wallet("alice", "pw", home=home)
    text = (wallet.path / "wallet.json").read_text()
    assert set(json.loads(text)) == {"version", "name", "coldkey", "hotkeys"}
    assert "crypto" not in text and "ciphertext" not in text


def test_wrong_password(home: Path) -> None:
    wallet = create_wallet("alice", "pw", home=home)
    with pytest.raises(WrongPasswordError, match=r"coldkey\.json"):
        wallet.unlock_coldkey("wrong")
    with pytest.raises(WrongPasswordError, match=r"default\.json"):
        wallet.unlock_hotkey("default", "wrong")
    assert wallet.unlock_coldkey("pw").address == wallet.coldkey_address  # nothing lost


def test_truncated_coldkey(home: Path) -> None:
    wallet = create_wallet("alice", "pw", home=home)
    wallet.coldkey_path.write_bytes(wallet.coldkey_path.read_bytes()[:50])
    loaded = Wallet.load("alice", home=home)  # the public index still answers
    assert loaded.coldkey_address == wallet.coldkey_address
    with pytest.raises(KeystoreCorruptError, match=r"coldkey\.json is not valid JSON"):
        loaded.unlock_coldkey("pw")


def test_swapped_keystore_is_detected(home: Path) -> None:
    """A keystore replaced by another valid one does not silently become the coldkey."""
    wallet = create_wallet("alice", "pw", home=home)
    wallet.coldkey_path.write_bytes(wallet.hotkey_path().read_bytes())
    with pytest.raises(KeystoreCorruptError, match=r"wallet\.json"):
        wallet.unlock_coldkey("pw")


def test_missing_index_is_rebuilt_from_keystores(home: Path) -> None:
    wallet = create_wallet("alice", "pw", home=home)
    (wallet.path / "wallet.json").write_text("{broken")
    loaded = Wallet.load("alice", home=home)
    assert loaded.coldkey_address == wallet.coldkey_address
    assert loaded.hotkeys == wallet.hotkeys


def test_new_hotkey(home: Path) -> None:
    wallet = create_wallet("alice", "pw", home=home)
    address = wallet.new_hotkey("miner1", "hotpw")
    loaded = Wallet.load("alice", home=home)
    assert loaded.hotkeys == {"default": wallet.hotkey_address(), "miner1": address}
    assert loaded.unlock_hotkey("miner1", "hotpw").address == address
    assert _mode(loaded.hotkey_path("miner1")) == 0o600
    before = loaded.hotkey_path("miner1").read_bytes()
    with pytest.raises(WalletExistsError, match="miner1"):
        loaded.new_hotkey("miner1", "pw")
    assert loaded.hotkey_path("miner1").read_bytes() == before
    with pytest.raises(WalletNotFoundError, match="no hotkey 'nope'"):
        loaded.hotkey_address("nope")


def test_hotkey_written_but_not_indexed_is_still_found(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash between writing the hotkey and updating wallet.json loses nothing."""
    wallet = create_wallet("alice", "pw", home=home)

    def crash(*args: object) -> None:
        raise OSError("simulated crash")

    with monkeypatch.context() as patch, pytest.raises(OSError, match="simulated"):
        patch.setattr(os, "replace", crash)  # the index update uses os.replace
        wallet.new_hotkey("miner1", "pw")
    loaded = Wallet.load("alice", home=home)
    assert "miner1" in loaded.hotkeys
    assert loaded.unlock_hotkey("miner1", "pw").address == loaded.hotkey_address("miner1")


def test_interrupted_hotkey_write_leaves_no_file(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wallet = create_wallet("alice", "pw", home=home)

    def crash(*args: object) -> None:
        raise OSError("simulated crash")

    with monkeypatch.context() as patch, pytest.raises(OSError, match="simulated"):
        patch.setattr(os, "link", crash)
        patch.setattr(os, "replace", crash)
        wallet.new_hotkey("miner1", "pw")
    assert sorted(p.name for p in (wallet.path / "hotkeys").iterdir()) == ["default.json"]
    assert Wallet.load("alice", home=home).hotkeys == {"default": wallet.hotkey_address()}


def test_interrupted_create_leaves_nothing(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(*args: object) -> None:
        raise OSError("simulated crash")

    with monkeypatch.context() as patch, pytest.raises(OSError, match="simulated"):
        patch.setattr(os, "rename", crash)
        create_wallet("alice", "pw", home=home)
    assert list((home / "wallets").iterdir()) == []
    assert list_wallets(home) == []
    create_wallet("alice", "pw", home=home)  # and the name is still free


def test_existing_wallet_is_never_overwritten(home: Path) -> None:
    wallet = create_wallet("alice", "pw", home=home)
    before = wallet.coldkey_path.read_bytes()
    with pytest.raises(WalletExistsError, match="already exists"):
        create_wallet("alice", "pw", home=home)
    with pytest.raises(WalletExistsError):
        import_private_key("alice", KEY_HEX, "pw", home=home)
    assert wallet.coldkey_path.read_bytes() == before


def test_not_found_suggests(home: Path) -> None:
    with pytest.raises(WalletNotFoundError, match="noos wallet create"):
        Wallet.load("alice", home=home)
    create_wallet("alice", "pw", home=home)
    with pytest.raises(WalletNotFoundError, match="did you mean 'alice'"):
        Wallet.load("alcie", home=home)


@pytest.mark.parametrize("name", ["", "../evil", ".hidden", "a/b", "x" * 65, "sp ace"])
def test_bad_names(name: str, home: Path) -> None:
    with pytest.raises(InputError, match="invalid wallet name"):
        create_wallet(name, "pw", home=home)
    assert not (home / "wallets").exists() or list_wallets(home) == []


def test_empty_password_refused(home: Path) -> None:
    with pytest.raises(InputError, match="empty"):
        create_wallet("alice", "", home=home)


def test_list_wallets(home: Path) -> None:
    assert list_wallets(home) == []
    create_wallet("bob", "pw", home=home)
    create_wallet("alice", "pw", home=home)
    assert list_wallets(home) == ["alice", "bob"]


def test_repr_shows_no_secrets(home: Path) -> None:
    wallet = import_private_key("alice", KEY_HEX, "hunter2-secret", home=home)
    account = wallet.unlock_coldkey("hunter2-secret")
    for text in (repr(wallet), str(wallet), repr(account), str(account)):
        assert KEY_HEX[2:] not in text.lower()
        assert "hunter2" not in text


# --- imports -----------------------------------------------------------------------------------
def test_import_private_key(home: Path) -> None:
    wallet = import_private_key("alice", f"  {KEY_HEX}\n", "pw", home=home)
    assert wallet.coldkey_address == KEY_ADDRESS
    keystore = json.loads(wallet.coldkey_path.read_text())
    assert Account.decrypt(keystore, "pw").hex() == KEY_HEX[2:]
    assert Wallet.load("alice", home=home).unlock_coldkey("pw").address == KEY_ADDRESS


@pytest.mark.parametrize("bad", ["", "0x1234", "zz" * 32, "00" * 32, "ff" * 32])
def test_bad_private_keys_are_not_echoed(bad: str) -> None:
    with pytest.raises(InputError) as info:
        parse_private_key(bad)
    if bad:
        assert bad not in str(info.value)


def test_import_mnemonic(home: Path) -> None:
    wallet = import_mnemonic("alice", f"  {MNEMONIC.upper()}  \n", "pw", home=home)
    assert wallet.coldkey_address == MNEMONIC_ADDRESS
    keystore = json.loads(wallet.coldkey_path.read_text())
    assert Account.from_key(Account.decrypt(keystore, "pw")).address == MNEMONIC_ADDRESS
    other = import_mnemonic("bob", MNEMONIC, "pw", account_path="m/44'/60'/0'/0/1", home=home)
    assert other.coldkey_address not in (MNEMONIC_ADDRESS, wallet.hotkey_address())


def test_bad_mnemonic_is_not_echoed(home: Path) -> None:
    words = "correct horse battery staple " * 3
    with pytest.raises(InputError, match="not a valid BIP-39") as info:
        import_mnemonic("alice", words, "pw", home=home)
    assert "horse" not in str(info.value)
    with pytest.raises(InputError, match="derivation path"):
        import_mnemonic("alice", MNEMONIC, "pw", account_path="garbage", home=home)
    assert list_wallets(home) == []


def test_import_keystore(home: Path, tmp_path: Path) -> None:
    exported = Account.encrypt(
        bytes.fromhex(KEY_HEX.removeprefix("0x")), "geth-pw", kdf="pbkdf2", iterations=1000
    )
    source = tmp_path / "UTC--2024-01-01T00-00-00.000Z--2c7536e3605d9c16a7a3d7b1898e529396a65c23"
    source.write_text(json.dumps(exported))
    with pytest.raises(WrongPasswordError, match=str(source)):
        import_keystore("alice", source, "wrong", home=home)
    assert list_wallets(home) == []
    wallet = import_keystore("alice", source, "geth-pw", home=home)
    assert wallet.coldkey_address == KEY_ADDRESS
    assert (
        Account.decrypt(json.loads(wallet.coldkey_path.read_text()), "geth-pw").hex()
        == (KEY_HEX[2:])
    )
    assert wallet.unlock_hotkey("default", "geth-pw").address == wallet.hotkey_address()
    assert _mode(wallet.coldkey_path) == 0o600


def test_import_corrupt_keystore(home: Path, tmp_path: Path) -> None:
    source = tmp_path / "k.json"
    source.write_text('{"version": 3, "crypto": {')
    with pytest.raises(KeystoreCorruptError, match="truncated"):
        import_keystore("alice", source, "pw", home=home)
    assert list_wallets(home) == []
