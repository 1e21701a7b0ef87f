"""Fixtures for the contract tests: accounts with keys, the NOOS token and EIP-712 signing.

Contracts are compiled once per session from ``contracts/`` and deployed in session-scoped
fixtures; titanoboa's pytest plugin wraps every fixture and every test in an EVM snapshot, so
each test starts from the state the fixtures built and leaves nothing behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boa
import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

ROOT = Path(__file__).resolve().parents[2]
NOOS_SOURCE = ROOT / "contracts" / "token" / "noos.vy"

NAME = "Noosphere"
SYMBOL = "NOOS"
CAP = 21_000_000 * 10**18
INITIAL_SUPPLY = 1_000_000 * 10**18

PERMIT_TYPES = {
    "Permit": [
        {"name": "owner", "type": "address"},
        {"name": "spender", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ]
}
DELEGATION_TYPES = {
    "Delegation": [
        {"name": "delegatee", "type": "address"},
        {"name": "nonce", "type": "uint256"},
        {"name": "expiry", "type": "uint256"},
    ]
}


@dataclass(frozen=True)
class Signature:
    """The ``(v, r, s)`` parameters of a secp256k1 signature, as the contracts take them."""

    v: int
    r: bytes
    s: bytes


def _key(n: int) -> LocalAccount:
    """A deterministic test account (never use these keys anywhere else)."""
    return Account.from_key(n.to_bytes(32, "big"))


def domain(token: Any) -> dict[str, Any]:
    """The EIP-712 domain of a deployed token, read from its ``eip712Domain``."""
    _, name, version, chain_id, verifying_contract, _, _ = token.eip712Domain()
    return {
        "name": name,
        "version": version,
        "chainId": chain_id,
        "verifyingContract": verifying_contract,
    }


class TypedDataSigner:
    """Signs the token's EIP-712 messages with a test account's key (eth_account)."""

    def _sign(self, account: LocalAccount, token: Any, types: dict, message: dict) -> Signature:
        signed = account.sign_typed_data(
            domain_data=domain(token), message_types=types, message_data=message
        )
        return Signature(signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big"))

    def permit(
        self,
        account: LocalAccount,
        token: Any,
        spender: str,
        value: int,
        nonce: int,
        deadline: int,
    ) -> Signature:
        """Sign an EIP-2612 ``Permit`` for ``token`` with ``account``'s key."""
        message = {
            "owner": account.address,
            "spender": spender,
            "value": value,
            "nonce": nonce,
            "deadline": deadline,
        }
        return self._sign(account, token, PERMIT_TYPES, message)

    def delegation(
        self, account: LocalAccount, token: Any, delegatee: str, nonce: int, expiry: int
    ) -> Signature:
        """Sign an ERC-5805 ``Delegation`` for ``token`` with ``account``'s key."""
        message = {"delegatee": delegatee, "nonce": nonce, "expiry": expiry}
        return self._sign(account, token, DELEGATION_TYPES, message)


@pytest.fixture(scope="session")
def signer() -> TypedDataSigner:
    """Signs permits and delegations with eth_account."""
    return TypedDataSigner()


@pytest.fixture(scope="session")
def noos_deployer():
    """The NOOS contract compiled once, ready to deploy with any constructor arguments."""
    return boa.load_partial(str(NOOS_SOURCE))


@pytest.fixture(scope="session")
def deployer() -> str:
    """The account that deploys the token: its owner and first minter."""
    return _key(1).address


@pytest.fixture(scope="session")
def alice() -> LocalAccount:
    return _key(2)


@pytest.fixture(scope="session")
def bob() -> LocalAccount:
    return _key(3)


@pytest.fixture(scope="session")
def carol() -> LocalAccount:
    return _key(4)


@pytest.fixture(scope="session")
def token(noos_deployer, deployer, alice):
    """NOOS with a 21 M cap; the deployer holds the initial supply and alice 1,000 NOOS."""
    with boa.env.prank(deployer):
        contract = noos_deployer.deploy(NAME, SYMBOL, CAP, deployer, INITIAL_SUPPLY)
        contract.transfer(alice.address, 1_000 * 10**18)
    return contract
