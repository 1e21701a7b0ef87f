"""Errors of the node transport: why an axon refused a request, why a dendrite refused an answer.

Every class is a :class:`~noosphere.errors.NoosphereError`. Axon-side errors carry the HTTP
status they are answered with (``http_status``); the axon turns them into ``{"error": "..."}``.
Dendrite-side errors (:class:`AxonError` and below) name the axon (hotkey and URL) that failed;
a batch query returns them as per-axon results instead of raising them.
"""

from __future__ import annotations

from noosphere.errors import NoosphereError


class NodeError(NoosphereError):
    """A node transport problem."""

    http_status: int = 400


# --- axon side: the request is refused -------------------------------------------------------
class AuthError(NodeError):
    """A request is not authenticated: unsigned, malformed, badly signed, stale or replayed."""

    http_status = 401


class UnsignedRequestError(AuthError):
    """A request lacks one of the ``X-Noos-*`` authentication headers."""


class MalformedHeaderError(AuthError):
    """An ``X-Noos-*`` header is present but not in its documented format."""


class BadSignatureError(AuthError):
    """The signature does not recover to the hotkey the request names."""


class StaleRequestError(AuthError):
    """The request's timestamp is outside the receiver's clock-skew window (expired or future)."""


class ReplayedRequestError(AuthError):
    """The (hotkey, nonce) pair of this request was already accepted once."""


class NoPermitError(NodeError):
    """The signing hotkey holds no validator permit, so the axon does not serve it."""

    http_status = 403


class BodyTooLargeError(NodeError):
    """The request body is larger than the axon accepts."""

    http_status = 413


class RateLimitedError(NodeError):
    """The hotkey sent more requests than its rate allows; ``retry_after`` is in seconds."""

    http_status = 429

    def __init__(self, message: str, *, retry_after: float, hint: str | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message, hint=hint)


# --- dendrite side: the answer is refused ----------------------------------------------------
class AxonError(NodeError):
    """Querying one axon failed; the message names its hotkey and URL."""

    http_status = 502


class MinerTimeoutError(AxonError):
    """The axon did not answer completely within the timeout."""

    http_status = 504


class MinerUnreachableError(AxonError):
    """The axon could not be connected to, or the connection broke."""


class GarbageResponseError(AxonError):
    """The axon answered with a body that is not valid JSON of the expected model (or too big)."""


class ResponseSignatureError(AxonError):
    """The answer's signature is missing, malformed, stale or not by the axon's hotkey."""


class AxonRejectedError(AxonError):
    """The axon answered with a non-2xx status; ``status`` and ``error`` say what it said."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        error: str,
        retry_after: float | None = None,
        hint: str | None = None,
    ) -> None:
        self.status = status
        self.error = error
        self.retry_after = retry_after
        super().__init__(message, hint=hint)
