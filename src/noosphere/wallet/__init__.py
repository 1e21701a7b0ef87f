"""Wallets: encrypted v3 keystores for a coldkey and hotkeys, and the one signing module.

A wallet's **coldkey** owns funds and stake; its **hotkeys** do the daily signing and can be
rotated by the coldkey (DESIGN §3). Keystores are Web3 Secret Storage v3 files that geth and
MetaMask read. Import from here, not from the private modules.
"""

from noosphere.wallet._keystore import (
    KDF_ENV,
    KDF_PROFILES,
    KdfProfile,
    atomic_write,
    check_keystore,
    encrypt_key,
    read_keystore,
    resolve_kdf,
    unlock_keystore,
)
from noosphere.wallet._signing import (
    message_hash,
    recover_address,
    recover_message,
    recover_typed_data,
    sign_message,
    sign_typed_data,
    typed_data_hash,
)
from noosphere.wallet._wallet import (
    COLDKEY_FILE,
    DEFAULT_ACCOUNT_PATH,
    DEFAULT_HOTKEY,
    HOTKEYS_DIR,
    INDEX_FILE,
    Wallet,
    check_name,
    check_new_wallet,
    create_wallet,
    import_keystore,
    import_mnemonic,
    import_private_key,
    list_wallets,
    parse_private_key,
    wallets_dir,
)

__all__ = [
    "COLDKEY_FILE",
    "DEFAULT_ACCOUNT_PATH",
    "DEFAULT_HOTKEY",
    "HOTKEYS_DIR",
    "INDEX_FILE",
    "KDF_ENV",
    "KDF_PROFILES",
    "KdfProfile",
    "Wallet",
    "atomic_write",
    "check_keystore",
    "check_name",
    "check_new_wallet",
    "create_wallet",
    "encrypt_key",
    "import_keystore",
    "import_mnemonic",
    "import_private_key",
    "list_wallets",
    "message_hash",
    "parse_private_key",
    "read_keystore",
    "recover_address",
    "recover_message",
    "recover_typed_data",
    "resolve_kdf",
    "sign_message",
    "sign_typed_data",
    "typed_data_hash",
    "unlock_keystore",
    "wallets_dir",
]
