"""Nodes: the signed HTTP transport between validators and miners, and the nodes built on it.

* :mod:`~noosphere.nodes.auth` - the canonical signed request/response messages, the
  ``X-Noos-*`` headers, their checks and the SQLite replay guard;
* :mod:`~noosphere.nodes.ratelimit` - per-hotkey token buckets;
* :func:`create_axon` - the FastAPI server side, serving permitted hotkeys only (FastAPI is
  imported on first use);
* :class:`Dendrite` - the httpx client side, signing requests and checking answers (httpx is
  imported on first use).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from noosphere.nodes.auth import (
    DEFAULT_SKEW,
    HOTKEY_HEADER,
    NONCE_HEADER,
    REQUEST_PROTOCOL,
    RESPONSE_PROTOCOL,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    ReplayGuard,
    RequestAuth,
    body_hash,
    check_fresh,
    check_signature,
    new_nonce,
    parse_request_auth,
    request_message,
    response_message,
    sign_request,
    sign_response,
    verify_request,
    verify_response,
)
from noosphere.nodes.errors import (
    AuthError,
    AxonError,
    AxonRejectedError,
    BadSignatureError,
    BodyTooLargeError,
    GarbageResponseError,
    MalformedHeaderError,
    MinerTimeoutError,
    MinerUnreachableError,
    NodeError,
    NoPermitError,
    RateLimitedError,
    ReplayedRequestError,
    ResponseSignatureError,
    StaleRequestError,
    UnsignedRequestError,
)
from noosphere.nodes.ratelimit import RateLimiter

if TYPE_CHECKING:
    from noosphere.nodes.axon import AxonRoute, Caller, add_route, authenticate, create_axon
    from noosphere.nodes.dendrite import AxonResult, AxonTarget, Dendrite

_LAZY = {
    "AxonRoute": "noosphere.nodes.axon",
    "Caller": "noosphere.nodes.axon",
    "add_route": "noosphere.nodes.axon",
    "authenticate": "noosphere.nodes.axon",
    "create_axon": "noosphere.nodes.axon",
    "AxonResult": "noosphere.nodes.dendrite",
    "AxonTarget": "noosphere.nodes.dendrite",
    "Dendrite": "noosphere.nodes.dendrite",
}

__all__ = [
    "DEFAULT_SKEW",
    "HOTKEY_HEADER",
    "NONCE_HEADER",
    "REQUEST_PROTOCOL",
    "RESPONSE_PROTOCOL",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "AuthError",
    "AxonError",
    "AxonRejectedError",
    "AxonResult",
    "AxonRoute",
    "AxonTarget",
    "BadSignatureError",
    "BodyTooLargeError",
    "Caller",
    "Dendrite",
    "GarbageResponseError",
    "MalformedHeaderError",
    "MinerTimeoutError",
    "MinerUnreachableError",
    "NoPermitError",
    "NodeError",
    "RateLimitedError",
    "RateLimiter",
    "ReplayGuard",
    "ReplayedRequestError",
    "RequestAuth",
    "ResponseSignatureError",
    "StaleRequestError",
    "UnsignedRequestError",
    "add_route",
    "authenticate",
    "body_hash",
    "check_fresh",
    "check_signature",
    "create_axon",
    "new_nonce",
    "parse_request_auth",
    "request_message",
    "response_message",
    "sign_request",
    "sign_response",
    "verify_request",
    "verify_response",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'noosphere.nodes' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
