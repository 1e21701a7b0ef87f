"""The one signing module: EIP-191 personal messages, EIP-712 typed data, fast recovery.

Signatures are 65 bytes ``r || s || v`` with ``v`` in {27, 28}, as eth_account, ethers and
MetaMask produce them. Recovery rejects high-``s`` (malleable) signatures, as snekmate's ECDSA
module does on chain, so one message has exactly one valid signature per key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eth_utils import keccak, to_checksum_address

from noosphere.errors import InputError

if TYPE_CHECKING:  # eth_account is slow to import; it is loaded when first needed
    from eth_account.messages import SignableMessage
    from eth_account.signers.local import LocalAccount

_SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_HALF_N = _SECP256K1_N // 2


def _to_bytes(message: bytes | str) -> bytes:
    if isinstance(message, str):
        return message.encode()
    if isinstance(message, bytes | bytearray | memoryview):
        return bytes(message)
    raise InputError(f"a message must be bytes or str, not {type(message).__name__}")


def _digest(signable: SignableMessage) -> bytes:
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


def _personal(message: bytes | str) -> SignableMessage:
    from eth_account.messages import encode_defunct

    return encode_defunct(primitive=_to_bytes(message))


def message_hash(message: bytes | str) -> bytes:
    """The EIP-191 (version ``0x45``, "personal_sign") hash of ``message``."""
    return _digest(_personal(message))


def _typed(
    domain: dict[str, Any], types: dict[str, Any], primary_type: str, message: dict[str, Any]
) -> SignableMessage:
    from eth_account.messages import encode_typed_data

    if primary_type not in types:
        raise InputError(f"EIP-712 primary type {primary_type!r} is not among the types")
    full = {"types": types, "primaryType": primary_type, "domain": domain, "message": message}
    try:
        return encode_typed_data(full_message=full)
    except Exception as exc:  # eth_account raises many kinds on malformed data
        raise InputError(f"malformed EIP-712 data: {exc}") from None


def typed_data_hash(
    domain: dict[str, Any], types: dict[str, Any], primary_type: str, message: dict[str, Any]
) -> bytes:
    """The EIP-712 digest of ``message``; ``types`` may omit ``EIP712Domain`` (it is derived)."""
    return _digest(_typed(domain, types, primary_type, message))


def sign_message(account: LocalAccount, message: bytes | str) -> bytes:
    """Sign ``message`` (text is UTF-8 encoded) the EIP-191 personal_sign way."""
    signed = account.sign_message(_personal(message))
    return bytes(signed.signature)


def recover_message(message: bytes | str, signature: bytes) -> str:
    """The checksummed address that signed ``message`` with :func:`sign_message`."""
    return recover_address(message_hash(message), signature)


def sign_typed_data(
    account: LocalAccount,
    domain: dict[str, Any],
    types: dict[str, Any],
    primary_type: str,
    message: dict[str, Any],
) -> bytes:
    """Sign EIP-712 typed data (what MetaMask's ``eth_signTypedData_v4`` signs)."""
    signed = account.sign_message(_typed(domain, types, primary_type, message))
    return bytes(signed.signature)


def recover_typed_data(
    domain: dict[str, Any],
    types: dict[str, Any],
    primary_type: str,
    message: dict[str, Any],
    signature: bytes,
) -> str:
    """The checksummed address that signed typed data with :func:`sign_typed_data`."""
    return recover_address(typed_data_hash(domain, types, primary_type, message), signature)


def recover_address(msg_hash: bytes, signature: bytes) -> str:
    """Recover the checksummed signer address of a 32-byte hash from a 65-byte signature.

    Uses libsecp256k1 (coincurve). ``v`` may be 0/1 or 27/28. Raises :class:`InputError` for a
    malformed, high-``s`` or unrecoverable signature.
    """
    from coincurve import PublicKey

    if len(msg_hash) != 32:
        raise InputError(f"a message hash must be 32 bytes, got {len(msg_hash)}")
    if len(signature) != 65:
        raise InputError(f"a signature must be 65 bytes, got {len(signature)}")
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    v = signature[64] - 27 if signature[64] >= 27 else signature[64]
    if v not in (0, 1):
        raise InputError(f"signature v must be 27 or 28 (or 0 or 1), got {signature[64]}")
    if not (0 < r < _SECP256K1_N and 0 < s <= _HALF_N):
        raise InputError("signature r or s is out of range (high s is rejected)")
    try:
        public = PublicKey.from_signature_and_message(
            bytes(signature[:64]) + bytes([v]), bytes(msg_hash), hasher=None
        )
    except Exception:
        raise InputError("the signature does not recover to any public key") from None
    return to_checksum_address(keccak(public.format(compressed=False)[1:])[-20:])
