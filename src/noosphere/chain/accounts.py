"""The devnet's deterministic development accounts (anvil's default mnemonic)."""

from __future__ import annotations

from functools import cache

from eth_account import Account
from eth_account.signers.local import LocalAccount

from noosphere.chain.devnet import DEV_ACCOUNTS, DEV_MNEMONIC

Account.enable_unaudited_hdwallet_features()


@cache
def dev_account(index: int) -> LocalAccount:
    """Development account ``index`` (0 deploys the protocol on a devnet)."""
    return Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")


def dev_addresses(count: int = DEV_ACCOUNTS) -> list[str]:
    """Addresses of the first ``count`` development accounts."""
    return [dev_account(i).address for i in range(count)]
