"""Signed node requests and responses: the canonical messages, headers, checks and replay guard.

A caller (dendrite) signs every request to an axon with its hotkey, the EIP-191
``personal_sign`` way, over this exact UTF-8 text (seven lines joined by ``\\n``, no trailing
newline)::

    noosphere-request-v1
    {METHOD}                 upper case, e.g. POST
    {path}                   the path as sent on the wire, percent-encoded, with "?query" if any
    {sha256(body)}           64 lower-case hex digits; the body is the raw bytes sent
    {timestamp}              unix seconds, decimal, no sign or leading "+"
    {nonce}                  32 lower-case hex digits (16 random bytes)
    {receiver}               the axon's hotkey, EIP-55 checksummed

and sends it in four headers: ``X-Noos-Hotkey`` (its address), ``X-Noos-Timestamp``,
``X-Noos-Nonce`` and ``X-Noos-Signature`` (65 bytes ``r||s||v`` as ``0x`` + 130 hex digits).
The receiver's hotkey binds a request to one axon, so it cannot be replayed against another.

The expiry is the timestamp plus the receiver's clock-skew window (default 30 s either way): a
receiver rejects a timestamp further than the window from its clock, and remembers every
accepted (hotkey, nonce) pair for as long as its timestamp is inside the window, in SQLite, so a
replay is rejected even after a restart (:class:`ReplayGuard`).

The axon signs its answer the same way, over::

    noosphere-response-v1
    {status}                 the HTTP status code, decimal
    {METHOD}                 of the request
    {path}                   of the request
    {sha256(response body)}
    {timestamp}              when the axon signed the answer
    {nonce}                  the request's nonce: binds the answer to exactly one request
    {receiver}               the caller's hotkey

with ``X-Noos-Hotkey`` (the axon's hotkey), ``X-Noos-Timestamp`` and ``X-Noos-Signature``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from eth_utils import to_checksum_address
from sqlalchemy import BigInteger, Column, MetaData, String, Table, delete, func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError as SqlIntegrityError

from noosphere.chain.events import open_engine
from noosphere.errors import InputError
from noosphere.nodes.errors import (
    BadSignatureError,
    MalformedHeaderError,
    ReplayedRequestError,
    StaleRequestError,
    UnsignedRequestError,
)
from noosphere.wallet import recover_message, sign_message

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

REQUEST_PROTOCOL = "noosphere-request-v1"
RESPONSE_PROTOCOL = "noosphere-response-v1"
HOTKEY_HEADER = "X-Noos-Hotkey"
TIMESTAMP_HEADER = "X-Noos-Timestamp"
NONCE_HEADER = "X-Noos-Nonce"
SIGNATURE_HEADER = "X-Noos-Signature"
DEFAULT_SKEW = 30

_METHOD = re.compile(r"[A-Z]{1,16}")
_PATH = re.compile(r"/[\x21-\x7e]{0,8191}")  # printable ASCII, no spaces or newlines
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_NONCE = re.compile(r"[0-9a-f]{32}")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_SIGNATURE = re.compile(r"(0x)?[0-9a-fA-F]{130}")


def body_hash(body: bytes) -> str:
    """The SHA-256 of ``body`` as 64 lower-case hex digits (the third field of a message)."""
    return hashlib.sha256(body).hexdigest()


def new_nonce() -> str:
    """A fresh request nonce: 16 random bytes as 32 lower-case hex digits."""
    return secrets.token_hex(16)


def _address(value: str, what: str) -> str:
    if not isinstance(value, str) or not _ADDRESS.fullmatch(value):
        raise InputError(f"{what} must be a 0x-prefixed 20-byte hex address, got {value!r}")
    return to_checksum_address(value)


def _fields(
    method: str, path: str, body: bytes, timestamp: int, nonce: str, receiver: str
) -> list[str]:
    if not _METHOD.fullmatch(method):
        raise InputError(f"an HTTP method must be upper-case letters, got {method!r}")
    if not _PATH.fullmatch(path):
        raise InputError(f"a request path must start with '/' and be printable ASCII: {path!r}")
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp < 0:
        raise InputError(f"a timestamp must be a non-negative integer, got {timestamp!r}")
    if not _NONCE.fullmatch(nonce):
        raise InputError(f"a nonce must be 32 lower-case hex digits, got {nonce!r}")
    receiver = _address(receiver, "the receiver hotkey")
    return [method, path, body_hash(bytes(body)), str(timestamp), nonce, receiver]


def request_message(
    method: str, path: str, body: bytes, timestamp: int, nonce: str, receiver: str
) -> str:
    """The canonical text a caller signs for a request (format in the module docstring)."""
    return "\n".join([REQUEST_PROTOCOL, *_fields(method, path, body, timestamp, nonce, receiver)])


def response_message(
    status: int,
    method: str,
    path: str,
    body: bytes,
    timestamp: int,
    request_nonce: str,
    receiver: str,
) -> str:
    """The canonical text an axon signs for its answer to the request with ``request_nonce``."""
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise InputError(f"an HTTP status must be an integer in 100..599, got {status!r}")
    fields = _fields(method, path, body, timestamp, request_nonce, receiver)
    return "\n".join([RESPONSE_PROTOCOL, str(status), *fields])


def _signature_hex(signature: bytes) -> str:
    return "0x" + signature.hex()


def sign_request(
    account: LocalAccount,
    method: str,
    url_path: str,
    body: bytes,
    receiver: str,
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The four ``X-Noos-*`` headers that authenticate a request from ``account`` to ``receiver``.

    ``url_path`` is the path with its query string exactly as sent on the wire; ``timestamp``
    (unix seconds) and ``nonce`` default to now and a fresh random nonce.
    """
    timestamp = int(time.time()) if timestamp is None else timestamp
    nonce = new_nonce() if nonce is None else nonce
    message = request_message(method, url_path, body, timestamp, nonce, receiver)
    return {
        HOTKEY_HEADER: account.address,
        TIMESTAMP_HEADER: str(timestamp),
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: _signature_hex(sign_message(account, message)),
    }


def sign_response(
    account: LocalAccount,
    status: int,
    method: str,
    url_path: str,
    body: bytes,
    request_nonce: str,
    receiver: str,
    *,
    timestamp: int | None = None,
) -> dict[str, str]:
    """The ``X-Noos-*`` headers by which an axon signs its answer to one request.

    ``method``, ``url_path`` and ``request_nonce`` are the request's; ``receiver`` is the
    caller's hotkey.
    """
    timestamp = int(time.time()) if timestamp is None else timestamp
    message = response_message(status, method, url_path, body, timestamp, request_nonce, receiver)
    return {
        HOTKEY_HEADER: account.address,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: _signature_hex(sign_message(account, message)),
    }


@dataclass(frozen=True)
class RequestAuth:
    """The parsed authentication headers of a request."""

    hotkey: str
    timestamp: int
    nonce: str
    signature: bytes


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value


def parse_request_auth(headers: Mapping[str, str]) -> RequestAuth:
    """Read and syntax-check the four ``X-Noos-*`` headers (names are case-insensitive).

    Raises :class:`UnsignedRequestError` naming the missing headers, or
    :class:`MalformedHeaderError` naming the one that is malformed.
    """
    names = (HOTKEY_HEADER, TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER)
    values = {name: _header(headers, name) for name in names}
    missing = [name for name, value in values.items() if value is None]
    if missing:
        raise UnsignedRequestError(
            f"unsigned request: missing header{'s' if len(missing) > 1 else ''} "
            + ", ".join(missing),
            hint="sign requests with noosphere.nodes.sign_request or use a Dendrite",
        )
    hotkey, stamp, nonce, signature = (str(values[name]) for name in names)
    if not _ADDRESS.fullmatch(hotkey):
        raise MalformedHeaderError(f"{HOTKEY_HEADER} is not a 20-byte hex address: {hotkey!r:.60}")
    if not _TIMESTAMP.fullmatch(stamp):
        raise MalformedHeaderError(
            f"{TIMESTAMP_HEADER} must be unix seconds as decimal digits, got {stamp!r:.40}"
        )
    if not _NONCE.fullmatch(nonce):
        raise MalformedHeaderError(
            f"{NONCE_HEADER} must be 32 lower-case hex digits (16 bytes), got {nonce!r:.60}"
        )
    if not _SIGNATURE.fullmatch(signature):
        raise MalformedHeaderError(
            f"{SIGNATURE_HEADER} must be a 65-byte hex signature, got {signature!r:.60}"
        )
    return RequestAuth(
        hotkey=to_checksum_address(hotkey),
        timestamp=int(stamp),
        nonce=nonce,
        signature=bytes.fromhex(signature.removeprefix("0x")),
    )


def check_fresh(timestamp: int, *, skew: float = DEFAULT_SKEW, now: float | None = None) -> None:
    """Raise :class:`StaleRequestError` unless ``timestamp`` is within ``skew`` s of ``now``."""
    now = time.time() if now is None else now
    if abs(now - timestamp) > skew:
        direction = "old" if timestamp < now else "in the future"
        raise StaleRequestError(
            f"stale request: timestamp {timestamp} is {abs(now - timestamp):.0f} s {direction}, "
            f"outside the ±{skew:g} s window",
            hint="check the caller's clock (NTP)",
        )


def check_signature(
    auth: RequestAuth, method: str, url_path: str, body: bytes, receiver: str
) -> str:
    """The checksummed signer of a request; :class:`BadSignatureError` if not ``auth.hotkey``."""
    try:
        message = request_message(method, url_path, body, auth.timestamp, auth.nonce, receiver)
    except InputError as exc:
        raise MalformedHeaderError(f"request cannot be checked: {exc.message}") from None
    try:
        signer = recover_message(message, auth.signature)
    except InputError as exc:
        raise BadSignatureError(f"bad signature: {exc.message}") from None
    if signer != auth.hotkey:
        raise BadSignatureError(
            f"bad signature: it does not recover to {HOTKEY_HEADER} {auth.hotkey} "
            "(signed by another key, or the method, path, body or receiver was altered)"
        )
    return signer


def verify_request(
    method: str,
    url_path: str,
    body: bytes,
    headers: Mapping[str, str],
    receiver: str,
    *,
    guard: ReplayGuard | None = None,
    skew: float = DEFAULT_SKEW,
    now: float | None = None,
) -> str:
    """Check a request's headers, freshness, signature and (with ``guard``) nonce.

    Returns the checksummed address of the signing hotkey. Raises an
    :class:`~noosphere.nodes.errors.AuthError` subclass naming what is wrong: unsigned,
    malformed, stale (outside ``skew`` seconds), bad signature, or replayed. The nonce is
    recorded only once everything else passed, so forged requests cannot fill the guard.
    """
    auth = parse_request_auth(headers)
    check_fresh(auth.timestamp, skew=skew, now=now)
    signer = check_signature(auth, method, url_path, body, receiver)
    if guard is not None:
        guard.check_and_record(signer, auth.nonce, auth.timestamp, now=now)
    return signer


def verify_response(
    status: int,
    method: str,
    url_path: str,
    body: bytes,
    headers: Mapping[str, str],
    request_nonce: str,
    receiver: str,
    expected_signer: str,
    *,
    skew: float = DEFAULT_SKEW,
    now: float | None = None,
) -> None:
    """Check that an answer was signed by ``expected_signer`` for the request with this nonce.

    Raises :class:`BadSignatureError` (missing, malformed or wrong signer) or
    :class:`StaleRequestError` (timestamp outside ``skew``); the dendrite turns both into a
    :class:`~noosphere.nodes.errors.ResponseSignatureError` naming the axon.
    """
    expected = _address(expected_signer, "the expected signer")
    signature = _header(headers, SIGNATURE_HEADER)
    stamp = _header(headers, TIMESTAMP_HEADER)
    if signature is None or stamp is None:
        raise BadSignatureError(
            f"the answer is unsigned (no {SIGNATURE_HEADER} or {TIMESTAMP_HEADER} header)"
        )
    if not _SIGNATURE.fullmatch(signature) or not _TIMESTAMP.fullmatch(stamp):
        raise BadSignatureError("the answer's signature or timestamp header is malformed")
    check_fresh(int(stamp), skew=skew, now=now)
    message = response_message(status, method, url_path, body, int(stamp), request_nonce, receiver)
    try:
        signer = recover_message(message, bytes.fromhex(signature.removeprefix("0x")))
    except InputError as exc:
        raise BadSignatureError(f"the answer's signature is invalid: {exc.message}") from None
    if signer != expected:
        raise BadSignatureError(
            f"the answer is signed by {signer}, not by the axon's hotkey {expected} "
            "(forged or altered in transit)"
        )


# --- replay guard ------------------------------------------------------------------------------
_metadata = MetaData()
_seen = Table(
    "noos_seen_nonces",
    _metadata,
    Column("hotkey", String(42), primary_key=True),
    Column("nonce", String(32), primary_key=True),
    Column("timestamp", BigInteger, nullable=False, index=True),
)


class ReplayGuard:
    """Remembers accepted (hotkey, nonce) pairs in SQLite for as long as a replay could pass.

    A pair stays while its timestamp is within ``window`` seconds of now (the receiver's skew
    window); older pairs are pruned every ``prune_every`` seconds, since a request that old is
    rejected as stale anyway. The guard checks freshness itself, so it never accepts a nonce
    whose record may already be pruned. Rows are committed before the request is served, so a
    replay after a restart (reopening the same file) is still rejected. Thread safe.
    """

    def __init__(
        self,
        db: Path | Engine,
        *,
        window: float = DEFAULT_SKEW,
        prune_every: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if window <= 0:
            raise InputError(f"the replay window must be positive, got {window!r}")
        self.engine = db if isinstance(db, Engine) else open_engine(Path(db))
        self._owns_engine = not isinstance(db, Engine)
        self.window = window
        self.prune_every = prune_every
        self._clock = clock
        self._lock = threading.Lock()
        _metadata.create_all(self.engine)
        self._last_prune = -float("inf")
        self.prune()

    def check_and_record(
        self, hotkey: str, nonce: str, timestamp: int, *, now: float | None = None
    ) -> None:
        """Record the pair, or raise :class:`ReplayedRequestError` if it was seen before.

        Raises :class:`StaleRequestError` if ``timestamp`` is outside the window.
        """
        now = self._clock() if now is None else now
        check_fresh(timestamp, skew=self.window, now=now)
        with self._lock:
            if now - self._last_prune >= self.prune_every:
                self._prune_locked(now)
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        insert(_seen).values(
                            hotkey=hotkey.lower(), nonce=nonce, timestamp=int(timestamp)
                        )
                    )
            except SqlIntegrityError:
                raise ReplayedRequestError(
                    f"replayed request: nonce {nonce} of {hotkey} was already used",
                    hint="sign every request with a fresh nonce",
                ) from None

    def prune(self, *, now: float | None = None) -> int:
        """Forget pairs whose timestamp left the window; returns how many were removed."""
        with self._lock:
            return self._prune_locked(self._clock() if now is None else now)

    def _prune_locked(self, now: float) -> int:
        self._last_prune = now
        cutoff = int(now - self.window) - 1  # one second of slack for rounding
        with self.engine.begin() as conn:
            result = conn.execute(delete(_seen).where(_seen.c.timestamp < cutoff))
        return int(result.rowcount or 0)

    def __len__(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(_seen)).scalar_one())

    def close(self) -> None:
        """Release the database (only if the guard opened it)."""
        if self._owns_engine:
            self.engine.dispose()
