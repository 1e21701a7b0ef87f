"""Turn the many shapes of an EVM revert into one readable reason string."""

from __future__ import annotations

import contextlib
from typing import Any

from eth_abi import decode as abi_decode
from hexbytes import HexBytes

ERROR_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)
PANIC_SELECTOR = bytes.fromhex("4e487b71")  # Panic(uint256)

PANIC_CODES = {
    0x01: "assertion failed",
    0x11: "arithmetic overflow or underflow",
    0x12: "division by zero",
    0x32: "array index out of bounds",
}


def decode_revert_data(data: bytes | str | None) -> str:
    """Decode ABI-encoded revert data (``Error(string)``, ``Panic(uint256)`` or raw bytes)."""
    if data is None:
        return "reverted without a reason"
    raw = bytes(HexBytes(data)) if isinstance(data, str) else bytes(data)
    if not raw:
        return "reverted without a reason (out of gas, a failed assert, or a bad call)"
    if raw[:4] == ERROR_SELECTOR:
        try:
            return str(abi_decode(["string"], raw[4:])[0])
        except Exception:
            return f"reverted with malformed Error data 0x{raw.hex()}"
    if raw[:4] == PANIC_SELECTOR and len(raw) >= 36:
        code = int.from_bytes(raw[4:36], "big")
        return f"panic: {PANIC_CODES.get(code, hex(code))}"
    return f"reverted with custom error data 0x{raw.hex()}"


def reason_from_exception(exc: BaseException) -> str:
    """Best reason string from a web3 ``ContractLogicError``, ``Web3RPCError`` or the like."""
    data: Any = getattr(exc, "data", None)
    if isinstance(data, str) and not _is_hex(data):
        data = None
    if isinstance(data, str | bytes) and data not in ("", "0x", b""):
        decoded = decode_revert_data(data)
        if not decoded.startswith("reverted with custom"):
            return decoded
    message: Any = getattr(exc, "message", None) or (exc.args[0] if exc.args else str(exc))
    if isinstance(message, str) and message.startswith("{") and "'message'" in message:
        import ast

        with contextlib.suppress(ValueError, SyntaxError):
            message = ast.literal_eval(message)
    if isinstance(message, dict):
        message = message.get("message", str(message))
    text = str(message)
    for prefix in ("execution reverted: ", "execution reverted:", "execution reverted"):
        if text.startswith(prefix):
            text = text[len(prefix) :].strip()
            break
    return text or "reverted without a reason"


def _is_hex(text: str) -> bool:
    body = text.removeprefix("0x")
    return (
        text.startswith("0x")
        and len(body) % 2 == 0
        and all(c in "0123456789abcdefABCDEF" for c in body)
    )


def reason_from_rpc_error(error: Any) -> str:
    """Best reason string from a JSON-RPC error object (``{"code", "message", "data"}``)."""
    if not isinstance(error, dict):
        return str(error)
    data = error.get("data")
    if isinstance(data, dict):  # some nodes nest the revert data
        data = data.get("data") or data.get("result")
    if isinstance(data, str) and _is_hex(data) and data != "0x":
        decoded = decode_revert_data(data)
        if not decoded.startswith("reverted with custom"):
            return decoded
    text = str(error.get("message", error))
    for prefix in ("execution reverted: ", "execution reverted:", "execution reverted"):
        if text.startswith(prefix):
            text = text[len(prefix) :].strip()
            break
    return text or "reverted without a reason"
