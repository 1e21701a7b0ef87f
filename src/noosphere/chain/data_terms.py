"""The data market's terms and their checks: uses, prices, validity, CIDs, endpoints, recipes,
fees. Used by the typed client (:mod:`noosphere.chain.data`) before anything is sent."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypeVar
from urllib.parse import urlsplit

from noosphere.chain.token import format_amount
from noosphere.errors import (
    InputError,
    NoosphereError,
)
from noosphere.storage.cid import parse_cid

USES = {"training": 1, "inference": 2, "commercial": 4}
MAX_RECIPES = 16
MAX_PRICE = 2**96 - 1
MAX_VALIDITY = 2**32 - 1
MAX_TEXT = 128
MAX_FEE_BPS = 1_000
MAX_SERVICE = 2**16 - 1
MAX_UINT = 2**256 - 1
DEFAULT_VALIDITY = 30 * 86_400
ZERO_ADDRESS = "0x" + "00" * 20
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800}
_T = TypeVar("_T")


# --- checking inputs -----------------------------------------------------------------------------
def parse_uses(value: str | Iterable[str]) -> frozenset[str]:
    """Use names from ``"training,inference"`` or a collection; unknown names are refused."""
    items = value.split(",") if isinstance(value, str) else list(value)
    names = frozenset(str(item).strip().lower() for item in items if str(item).strip())
    unknown = sorted(names - set(USES))
    if unknown:
        raise InputError(
            f"uses: unknown use {', '.join(repr(u) for u in unknown)}",
            hint="known uses: " + ", ".join(USES),
        )
    if not names:
        raise InputError("uses: give at least one use", hint="known uses: " + ", ".join(USES))
    return names


def uses_flags(uses: str | Iterable[str]) -> int:
    """The contract's bit flags of a set of use names."""
    flags = 0
    for name in parse_uses(uses):
        flags |= USES[name]
    return flags


def uses_names(flags: int) -> frozenset[str]:
    """The use names of the contract's bit flags."""
    return frozenset(name for name, bit in USES.items() if flags & bit)


def parse_duration(text: str | int) -> int:
    """Seconds from ``3600``, ``90m``, ``12h``, ``30d`` or ``2w`` (a validity)."""
    if isinstance(text, int) and not isinstance(text, bool):
        return check_validity(text)
    return check_validity(duration_seconds(str(text), "validity"))


def duration_seconds(text: str, what: str) -> int:
    """Seconds (zero allowed) from ``3600``, ``90m``, ``12h``, ``30d`` or ``2w``, for ``what``."""
    match = _DURATION.match(str(text).lower())
    if not match:
        raise InputError(
            f"{what}: {text!r} is not a duration", hint="e.g. 3600, 90m, 12h, 30d or 2w"
        )
    return int(match.group(1)) * _UNITS[match.group(2)]


def check_validity(seconds: int) -> int:
    """An order validity in seconds: 1 … 2**32 - 1."""
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 < seconds <= MAX_VALIDITY:
        raise InputError(
            f"validity: {seconds!r} seconds is out of bounds",
            hint=f"an order is valid for 1 to {MAX_VALIDITY:,} seconds (about 136 years)",
        )
    return seconds


def check_price(price: int, what: str = "price") -> int:
    """A licence price in base units: above 0 and below 2**96."""
    if isinstance(price, bool) or not isinstance(price, int):
        raise InputError(f"{what}: {price!r} is not an integer amount")
    if price <= 0:
        raise InputError(f"{what}: must be above 0", hint="a licence cannot be free")
    if price > MAX_PRICE:
        raise InputError(
            f"{what}: {format_amount(price)} is too large",
            hint=f"the most a licence can cost is {format_amount(MAX_PRICE)} (2**96 - 1 units)",
        )
    return price


def check_cid_text(cid: str, what: str) -> str:
    """A CID the contract can store: it parses (sha2-256, raw or dag-pb) and fits 128 chars."""
    if not isinstance(cid, str):
        raise InputError(f"{what}: {cid!r} is not a CID")
    try:
        parse_cid(cid)
    except NoosphereError as error:  # InvalidCidError
        raise InputError(f"{what}: {error.message}", hint=error.hint) from None
    if len(cid) > MAX_TEXT:
        raise InputError(f"{what}: {len(cid)} characters, more than the {MAX_TEXT} allowed")
    return cid


def check_endpoint(url: str) -> str:
    """A provider URL: http(s), with a host, at most 128 characters."""
    if not isinstance(url, str) or not url.strip():
        raise InputError("endpoint: give the provider's http(s) URL")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(
            f"endpoint: {url!r} is not an http(s) URL", hint="e.g. https://provider.example:8443"
        )
    if url != url.strip() or any(c.isspace() for c in url):
        raise InputError(f"endpoint: {url!r} contains whitespace")
    if len(url) > MAX_TEXT:
        raise InputError(f"endpoint: {len(url)} characters, more than the {MAX_TEXT} allowed")
    return url


def check_recipes(recipes: Iterable[str | bytes]) -> list[str]:
    """Recipe hashes as ``0x`` + 64 lowercase hex, at most 16, none zero, no duplicates."""
    if isinstance(recipes, str | bytes):
        raise InputError("recipes: give a list of recipe hashes, not one value")
    out: list[str] = []
    for item in recipes:
        if isinstance(item, bytes | bytearray) and len(item) == 32:
            text = "0x" + bytes(item).hex()
        elif isinstance(item, str) and re.fullmatch(r"(0x)?[0-9a-fA-F]{64}", item.strip()):
            text = "0x" + item.strip().lower().removeprefix("0x")
        else:
            raise InputError(
                f"recipes: {item!r} is not a recipe hash", hint="0x + 64 hex digits (SHA-256)"
            )
        if int(text, 16) == 0:
            raise InputError("recipes: the zero hash is not a recipe")
        if text not in out:
            out.append(text)
    if len(out) > MAX_RECIPES:
        raise InputError(f"recipes: {len(out)} recipes, more than the {MAX_RECIPES} allowed")
    return out


def check_data_id(data_id: int) -> int:
    """A data id: a positive integer."""
    if isinstance(data_id, bool) or not isinstance(data_id, int) or data_id <= 0:
        raise InputError(f"data id {data_id!r} is not a positive integer")
    return data_id


def check_fee(bps: int) -> int:
    """A protocol fee in basis points: 0 … 1000 (10 %)."""
    if isinstance(bps, bool) or not isinstance(bps, int) or not 0 <= bps <= MAX_FEE_BPS:
        raise InputError(
            f"fee: {bps!r} basis points is out of bounds", hint=f"0 to {MAX_FEE_BPS} (10 %)"
        )
    return bps


# --- what the contracts hold ---------------------------------------------------------------------
