"""Read-only contract calls without web3's per-call overhead.

web3 re-resolves a function's ABI and re-validates the whole contract ABI on every call and
asks the node for the chain id twice per ``eth_call``. Here the selector and the input and
output types are computed once per function signature; a call is one raw ``eth_call``, and
:func:`call_many` sends many calls as one JSON-RPC batch. Results have web3's shapes: one
output is returned as is, several as a list, structs as tuples, addresses checksummed.
Functions taking structs or keyword arguments are encoded by web3 (rare, never hot).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import function_signature_to_4byte_selector, to_checksum_address
from hexbytes import HexBytes
from web3.contract.contract import ContractFunction

from noosphere.chain.reverts import reason_from_rpc_error
from noosphere.errors import ChainError, TransactionRevertedError

Block = int | str


@dataclass(frozen=True)
class _Codec:
    selector: bytes
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    simple_inputs: bool  # no struct arguments: eth_abi encodes them directly


_CODECS: dict[tuple[str, tuple[str, ...]], _Codec] = {}


def _type(param: dict[str, Any]) -> str:
    kind = str(param["type"])
    if not kind.startswith("tuple"):
        return kind
    inner = ",".join(_type(c) for c in param.get("components", []))
    return f"({inner}){kind[len('tuple') :]}"


def _codec(fn: ContractFunction) -> _Codec:
    abi: Any = fn.abi
    inputs = tuple(_type(p) for p in abi.get("inputs", []))
    outputs = tuple(_type(p) for p in abi.get("outputs", []))
    key = (f"{abi['name']}({','.join(inputs)})", outputs)
    codec = _CODECS.get(key)
    if codec is None:
        codec = _Codec(
            selector=function_signature_to_4byte_selector(key[0]),
            inputs=inputs,
            outputs=outputs,
            simple_inputs=not any(t.startswith("(") for t in inputs),
        )
        _CODECS[key] = codec
    return codec


def call_data(fn: ContractFunction) -> bytes:
    """The calldata of ``fn`` with its bound arguments."""
    codec = _codec(fn)
    if codec.simple_inputs and not fn.kwargs:
        try:
            return codec.selector + abi_encode(list(codec.inputs), list(fn.args))
        except Exception:  # web3 normalises more argument shapes (hex strings for bytes)
            pass
    return bytes(HexBytes(fn._encode_transaction_data()))


def _web3_shape(kind: str, value: Any) -> Any:
    if kind == "address":
        return to_checksum_address(value)
    if kind.endswith("]") and isinstance(value, tuple | list):
        inner = kind[: kind.rindex("[")]
        return [_web3_shape(inner, v) for v in value]  # web3 gives arrays as lists
    if kind.startswith("(") and isinstance(value, tuple):
        return tuple(_web3_shape(k, v) for k, v in zip(_split(kind[1 : kind.rindex(")")]),
                                                          value, strict=True))  # fmt: skip
    return value


def _split(inner: str) -> list[str]:
    """Top-level comma split of a tuple type's components."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(inner):
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
    if inner:
        parts.append(inner[start:])
    return parts


def decode_result(fn: ContractFunction, raw: bytes) -> Any:
    """Decode ``eth_call`` return data of ``fn`` into web3's result shapes."""
    outputs = _codec(fn).outputs
    try:
        values = abi_decode(list(outputs), raw)
    except Exception as exc:
        raise ChainError(
            f"cannot decode the result of {fn.fn_name} at {fn.address}: {exc}",
            hint="is the manifest's address the right contract on this chain?",
        ) from None
    shaped = [_web3_shape(k, v) for k, v in zip(outputs, values, strict=True)]
    return shaped[0] if len(shaped) == 1 else shaped


def call_request(fn: ContractFunction, block: Block) -> tuple[str, list[Any]]:
    """The JSON-RPC ``eth_call`` request of ``fn`` at ``block``."""
    tag = hex(block) if isinstance(block, int) else block
    return "eth_call", [{"to": fn.address, "data": "0x" + call_data(fn).hex()}, tag]


def result_of(fn: ContractFunction, response: dict[str, Any]) -> Any:
    """The decoded result of one JSON-RPC response to :func:`call_request`."""
    if "error" in response:
        error = response["error"]
        reason = reason_from_rpc_error(error)
        reverted = isinstance(error, dict) and (
            bool(error.get("data")) or "revert" in str(error.get("message", "")).lower()
        )
        if reverted:
            raise TransactionRevertedError(reason)
        raise ChainError(f"eth_call {fn.fn_name} failed: {reason}")
    return decode_result(fn, bytes(HexBytes(response.get("result") or "0x")))


def batch(provider: Any, requests: Sequence[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
    """Send ``requests`` as one JSON-RPC batch when the provider can, else one by one."""
    if not requests:
        return []
    if hasattr(provider, "make_batch_request"):
        responses = provider.make_batch_request(list(requests))
        if not isinstance(responses, list):
            error = responses.get("error") if isinstance(responses, dict) else responses
            raise ChainError(f"batch request failed: {error}")
        return responses
    return [provider.make_request(method, params) for method, params in requests]
