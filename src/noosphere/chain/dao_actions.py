"""Proposal actions written as ``CONTRACT.function(arg, ...)`` and turned into calldata.

``CONTRACT`` is a contract name of the deployment manifest (``licences``, ``emitter``, ...) or
``treasury``, another name of the timelock, which holds the treasury. The function is looked
up in that contract's ABI (overloads are told apart by their number of arguments, then by
which one the arguments fit), and each argument is parsed to its ABI type: addresses (``0x``
+ 40 hex, checksummed if mixed case, or a contract name), integers in range (``1_000``,
``0x10``, or ``1.5 NOOS`` for 1.5e18), ``true``/``false``, ``0x`` hex for bytes, quoted strings,
``[..]`` arrays and ``(..)`` tuples. A trailing ``{value: 1.5}`` sends that much native coin
with a payable call. Every error names the action, the argument and the type it expected.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import function_abi_to_4byte_selector, is_checksum_address, to_checksum_address

from noosphere.chain.artifacts import load_artifact
from noosphere.chain.manifest import Manifest
from noosphere.chain.token import UNIT, format_amount, parse_amount
from noosphere.errors import InputError, ProposalActionError

TREASURY_ALIAS = "treasury"  # the timelock holds the DAO's treasury
_ACTION = re.compile(r"^\s*([A-Za-z_]\w*)\.([A-Za-z_]\w*)\s*\((.*)\)\s*(\{(.*)\})?\s*$", re.S)
_VALUE = re.compile(r"^\s*value\s*:\s*(.+?)\s*$", re.S)
_ARRAY = re.compile(r"^(.*)\[(\d*)\]$")
_INT = re.compile(r"^(u?)int(\d*)$")
_BYTES_N = re.compile(r"^bytes(\d+)$")
_PAIRS = {"[": "]", "(": ")"}


@dataclass(frozen=True)
class Action:
    """One call a proposal makes: target, native value, calldata, and how it reads."""

    contract: str
    target: str
    value: int
    calldata: bytes
    signature: str
    preview: str


def contract_names(manifest: Manifest) -> list[str]:
    """The names an action may start with: the manifest's contracts and ``treasury``."""
    return sorted([*manifest.contracts, TREASURY_ALIAS])


def resolve_contract(manifest: Manifest, name: str, action: str = "") -> tuple[str, str]:
    """``(artifact, address)`` of contract ``name`` (``treasury`` is the timelock)."""
    key = "timelock" if name == TREASURY_ALIAS else name
    record = manifest.contracts.get(key)
    if record is None:
        names = contract_names(manifest)
        close = difflib.get_close_matches(name, names, n=1)
        raise ProposalActionError(
            f"action {action or name!r}: unknown contract {name!r}",
            hint=f"did you mean {close[0]!r}?" if close else "contracts: " + ", ".join(names),
        )
    return record.artifact, to_checksum_address(record.address)


def parse_action(text: str, manifest: Manifest) -> Action:
    """Parse ``CONTRACT.function(args) [{value: X}]`` into an :class:`Action` (validated)."""
    match = _ACTION.match(text)
    if match is None:
        raise ProposalActionError(
            f"action {text!r} is not of the form CONTRACT.function(arg, ...)",
            hint="e.g. 'licences.set_fee(200)' or 'noos.transfer(0x…, 100 NOOS)'",
        )
    name, function, body, _, value_text = match.groups()
    artifact, target = resolve_contract(manifest, name, text)
    candidates = [
        entry
        for entry in load_artifact(artifact).abi
        if entry.get("type") == "function" and entry.get("name") == function
    ]
    if not candidates:
        functions = sorted(
            {e["name"] for e in load_artifact(artifact).abi if e.get("type") == "function"}
        )
        close = difflib.get_close_matches(function, functions, n=3)
        raise ProposalActionError(
            f"action {text!r}: contract {name} has no function {function!r}",
            hint=f"did you mean {', '.join(close)}?" if close else "see its ABI",
        )
    try:
        raw_args = split_top_level(body)
    except InputError as error:
        raise ProposalActionError(f"action {text!r}: {error.message}") from None
    fitting = [c for c in candidates if len(c.get("inputs", [])) == len(raw_args)]
    if not fitting:
        expected = " or ".join(sorted({_signature(c) for c in candidates}))
        raise ProposalActionError(
            f"action {text!r}: {name}.{function} takes {_arity(candidates)} argument(s), "
            f"{len(raw_args)} given",
            hint=f"expected {expected}",
        )
    if all(c.get("stateMutability") in ("view", "pure") for c in fitting):
        raise ProposalActionError(
            f"action {text!r}: {name}.{function} is a read-only function; a proposal changes state"
        )
    fitting = [c for c in fitting if c.get("stateMutability") not in ("view", "pure")]
    parsed: list[tuple[dict[str, Any], list[Any]]] = []
    first_error: ProposalActionError | None = None
    for entry in fitting:
        try:
            parsed.append((entry, _parse_inputs(entry, raw_args, manifest, text)))
        except ProposalActionError as error:
            first_error = first_error or error
    if not parsed:
        assert first_error is not None
        raise first_error
    if len(parsed) > 1:
        raise ProposalActionError(
            f"action {text!r}: the arguments fit several overloads of {name}.{function}",
            hint=" or ".join(_signature(e) for e, _ in parsed),
        )
    entry, args = parsed[0]
    value = _parse_value(value_text, text) if value_text is not None else 0
    if value and entry.get("stateMutability") != "payable":
        raise ProposalActionError(
            f"action {text!r}: {name}.{function} is not payable; it cannot receive a value"
        )
    types = [_abi_type(i) for i in entry["inputs"]]
    calldata = _selector(entry) + abi_encode(types, args)
    preview = describe_call(manifest, target, value, calldata)
    return Action(name, target, value, calldata, _signature(entry), preview)


def describe_call(manifest: Manifest, target: str, value: int, calldata: bytes) -> str:
    """A readable form of a call, decoded from its calldata with the target's ABI."""
    names = {str(to_checksum_address(r.address)): n for n, r in manifest.contracts.items()}
    name = names.get(to_checksum_address(target))
    suffix = f" {{value: {format_amount(value)}}}" if value else ""
    if name is None:
        return f"{target}: calldata 0x{calldata.hex()}{suffix}"
    artifact = manifest.contracts[name].artifact
    for entry in load_artifact(artifact).abi:
        if entry.get("type") != "function":
            continue
        if _selector(entry) != calldata[:4]:
            continue
        inputs = entry.get("inputs", [])
        try:
            args = abi_decode([_abi_type(i) for i in inputs], calldata[4:])
        except Exception:
            break
        shown = ", ".join(
            f"{i.get('name') or f'arg{n}'}={_show(v, i, names)}"
            for n, (i, v) in enumerate(zip(inputs, args, strict=True))
        )
        return f"{name}.{entry['name']}({shown}){suffix}"
    return f"{name} ({target}): unknown calldata 0x{calldata.hex()}{suffix}"


def split_top_level(body: str) -> list[str]:
    """Split ``body`` at commas outside quotes, brackets and parentheses; ``""`` gives ``[]``."""
    parts: list[str] = []
    depth: list[str] = []
    current: list[str] = []
    quote: str | None = None
    escaped = False
    for char in body:
        if quote:
            current.append(char)
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = None
            continue
        if char in "\"'":
            quote = char
        elif char in _PAIRS:
            depth.append(_PAIRS[char])
        elif char in ")]":
            if not depth or depth.pop() != char:
                raise InputError(f"unbalanced {char!r} in {body!r}")
        elif char == "," and not depth:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    if quote or depth:
        missing = quote or depth[-1]
        raise InputError(f"missing a closing {missing!r} in {body!r}")
    last = "".join(current).strip()
    if last or parts:
        parts.append(last)
    return parts


def parse_argument(text: str, abi_input: dict[str, Any], manifest: Manifest) -> Any:
    """Parse one argument to the ABI type of ``abi_input``; raises InputError naming the type."""
    typ = abi_input["type"]
    text = text.strip()
    if not text:
        raise InputError(f"a {typ} is missing")
    array = _ARRAY.match(typ)
    if array:
        if not (text.startswith("[") and text.endswith("]")):
            raise InputError(f"{text!r} is not a {typ} array (write [a, b, ...])")
        items = split_top_level(text[1:-1])
        if array.group(2) and len(items) != int(array.group(2)):
            raise InputError(f"{typ} needs {array.group(2)} items, {len(items)} given")
        inner = {**abi_input, "type": array.group(1)}
        return [parse_argument(item, inner, manifest) for item in items]
    if typ == "tuple":
        if not (text.startswith("(") and text.endswith(")")):
            raise InputError(f"{text!r} is not a tuple (write (a, b, ...))")
        items = split_top_level(text[1:-1])
        components = abi_input.get("components", [])
        if len(items) != len(components):
            raise InputError(f"the tuple needs {len(components)} items, {len(items)} given")
        return tuple(parse_argument(t, c, manifest) for t, c in zip(items, components, strict=True))
    if typ == "address":
        return _address(text, manifest)
    if typ == "bool":
        if text.lower() not in ("true", "false"):
            raise InputError(f"{text!r} is not a bool (write true or false)")
        return text.lower() == "true"
    if typ == "string":
        return _string(text)
    if typ == "bytes" or _BYTES_N.match(typ):
        return _bytes(text, typ)
    integer = _INT.match(typ)
    if integer:
        return _integer(text, integer.group(1) == "u", int(integer.group(2) or 256), typ)
    raise InputError(f"arguments of type {typ} are not supported")


def _parse_inputs(
    entry: dict[str, Any], raw: list[str], manifest: Manifest, action: str
) -> list[Any]:
    values = []
    for position, (text, abi_input) in enumerate(zip(raw, entry["inputs"], strict=True), 1):
        try:
            values.append(parse_argument(text, abi_input, manifest))
        except InputError as error:
            label = abi_input.get("name") or "?"
            raise ProposalActionError(
                f"action {action!r}: argument {position} ({label}: {_abi_type(abi_input)}): "
                f"{error.message}",
                hint=f"{_signature(entry)} expects {_abi_type(abi_input)} here",
            ) from None
    return values


def _parse_value(text: str, action: str) -> int:
    match = _VALUE.match(text)
    if match is None:
        raise ProposalActionError(
            f"action {action!r}: write the native value as {{value: 1.5}} (in ETH) or "
            "{value: 1000 wei}"
        )
    amount = match.group(1)
    try:
        if amount.lower().endswith("wei"):
            return _integer(amount[:-3].strip(), True, 256, "uint256")
        return parse_amount(amount.removesuffix("ETH").removesuffix("eth").strip())
    except InputError as error:
        raise ProposalActionError(f"action {action!r}: value: {error.message}") from None


def _address(text: str, manifest: Manifest) -> str:
    if text == TREASURY_ALIAS or text in manifest.contracts:
        return resolve_contract(manifest, text)[1]
    if not re.fullmatch(r"0x[0-9a-fA-F]{40}", text):
        names = ", ".join(contract_names(manifest))
        raise InputError(f"{text!r} is not an address (0x + 40 hex) or a contract name ({names})")
    if text != text.lower() and text[2:] != text[2:].upper() and not is_checksum_address(text):
        raise InputError(f"{text!r} has a wrong checksum (mixed case that does not match)")
    return to_checksum_address(text)


def _integer(text: str, unsigned: bool, bits: int, typ: str) -> int:
    clean = text.replace("_", "").strip()
    try:
        if clean.upper().endswith("NOOS"):
            number = clean[:-4].strip()
            negative = number.startswith("-")
            value = parse_amount(number.lstrip("-")) * (-1 if negative else 1)
        elif re.fullmatch(r"-?0[xX][0-9a-fA-F]+", clean):
            value = int(clean, 16)
        elif re.fullmatch(r"-?\d+", clean):
            value = int(clean)
        else:
            raise InputError(f"{text!r} is not an integer (e.g. 500, 0x1f4 or 1.5 NOOS)")
    except InputError as error:
        raise InputError(f"{text!r} is not a {typ}: {error.message}") from None
    low, high = (0, 2**bits - 1) if unsigned else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    if not low <= value <= high:
        raise InputError(f"{text} is out of range for {typ} ({low} to {high})")
    return value


def _string(text: str) -> str:
    if len(text) < 2 or text[0] not in "\"'" or text[-1] != text[0]:
        raise InputError(f'{text} is not a quoted string (write "...")')
    body, out, escaped = text[1:-1], [], False
    for char in body:
        if escaped:
            out.append({"n": "\n", "t": "\t"}.get(char, char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == text[0]:
            raise InputError(f"{text} has an unescaped quote inside (write \\{char})")
        else:
            out.append(char)
    return "".join(out)


def _bytes(text: str, typ: str) -> bytes:
    if not re.fullmatch(r"0x([0-9a-fA-F]{2})*", text):
        raise InputError(f"{text!r} is not {typ} hex (0x followed by pairs of hex digits)")
    raw = bytes.fromhex(text[2:])
    size = _BYTES_N.match(typ)
    if size and len(raw) != int(size.group(1)):
        raise InputError(f"{typ} needs exactly {size.group(1)} bytes, {len(raw)} given")
    return raw


def _selector(entry: dict[str, Any]) -> bytes:
    return bytes(function_abi_to_4byte_selector(entry))  # type: ignore[arg-type]


def _abi_type(abi_input: dict[str, Any]) -> str:
    typ = str(abi_input["type"])
    if typ.startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in abi_input.get("components", []))
        return f"({inner}){typ[5:]}"
    return typ


def _signature(entry: dict[str, Any]) -> str:
    return f"{entry['name']}({', '.join(_abi_type(i) for i in entry.get('inputs', []))})"


def _arity(candidates: list[dict[str, Any]]) -> str:
    counts = sorted({len(c.get("inputs", [])) for c in candidates})
    return " or ".join(str(c) for c in counts)


def _show(value: Any, abi_input: dict[str, Any], names: dict[str, str]) -> str:
    typ = _abi_type(abi_input)
    if isinstance(value, list | tuple):
        items = ", ".join(_show(v, {"type": "?"}, names) for v in value)
        return f"[{items}]" if typ.endswith("]") else f"({items})"
    if isinstance(value, str) and re.fullmatch(r"0x[0-9a-fA-F]{40}", value):
        address = str(to_checksum_address(value))
        name = names.get(address)
        return f"{address} ({name})" if name else address
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int) and abs(value) >= UNIT // 1000:
        sign = "-" if value < 0 else ""
        return f"{value} (= {sign}{format_amount(abs(value))} NOOS)"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)
