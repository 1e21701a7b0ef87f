"""Fast local signing of EIP-1559 transactions.

Builds the typed-transaction payload with ``rlp`` and signs its keccak hash with coincurve;
byte-for-byte identical to ``eth_account``'s output (tested) at about a sixth of its cost,
which is what lets the bulk path pre-sign thousands of transactions per second.
"""

from __future__ import annotations

from dataclasses import dataclass

import coincurve
import rlp
from eth_hash.auto import keccak
from eth_utils import to_canonical_address


@dataclass(frozen=True)
class SignedTx:
    """A signed raw transaction and its hash."""

    raw: bytes
    hash: bytes


class FastSigner:
    """Signs EIP-1559 (type 2) transactions for one private key."""

    def __init__(self, private_key: bytes) -> None:
        self._key = coincurve.PrivateKey(bytes(private_key))

    def __repr__(self) -> str:
        return "FastSigner(<key hidden>)"

    def sign(
        self,
        *,
        chain_id: int,
        nonce: int,
        to: str | bytes | None,
        data: bytes,
        gas: int,
        max_fee: int,
        priority_fee: int,
        value: int = 0,
    ) -> SignedTx:
        """Sign one type-2 transaction; ``to=None`` deploys a contract."""
        to_bytes = (
            b"" if to is None else (to if isinstance(to, bytes) else to_canonical_address(to))
        )
        fields = [chain_id, nonce, priority_fee, max_fee, gas, to_bytes, value, data, []]
        signature = self._key.sign_recoverable(keccak(b"\x02" + rlp.encode(fields)), hasher=None)
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:64], "big")
        raw = b"\x02" + rlp.encode([*fields, signature[64], r, s])
        return SignedTx(raw=raw, hash=keccak(raw))
