"""An HTTP JSON-RPC provider that retries transient failures with exponential backoff.

Connection errors, timeouts and HTTP 429/502/503/504 are retried; once the retries are spent a
connection failure becomes :class:`RpcUnreachableError` naming the URL.
"""

from __future__ import annotations

import os
import time
from typing import Any

import requests
from web3 import HTTPProvider
from web3.types import RPCEndpoint, RPCResponse

from noosphere.errors import RpcUnreachableError, TransientRpcError

TRANSIENT_STATUS = {429, 502, 503, 504}
ENVIRONMENT_SETTINGS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy",
                        "requests_ca_bundle", "curl_ca_bundle")  # fmt: skip


def _session() -> requests.Session:
    """A pooled session; it reads proxy and CA settings from the environment only if one is
    set (looking them up costs more than a local JSON-RPC call)."""
    session = requests.Session()
    session.trust_env = any(
        os.environ.get(name) or os.environ.get(name.upper()) for name in ENVIRONMENT_SETTINGS
    )
    return session


class RetryingHTTPProvider(HTTPProvider):
    """``HTTPProvider`` with bounded retries on transient transport errors."""

    def __init__(
        self,
        endpoint_uri: str,
        *,
        retries: int = 4,
        backoff: float = 0.1,
        timeout: float = 30.0,
    ) -> None:
        super().__init__(
            endpoint_uri,
            request_kwargs={"timeout": timeout},
            session=_session(),
            exception_retry_configuration=None,
        )
        self.retries = retries
        self.backoff = backoff

    def _post(self, request_data: bytes) -> bytes:
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            try:
                return self._request_session_manager.make_post_request(  # type: ignore[no-any-return]
                    self.endpoint_uri,  # type: ignore[arg-type]
                    request_data,
                    **self.get_request_kwargs(),
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                last = exc
            except requests.HTTPError as exc:
                status = exc.response.status_code if exc.response is not None else None
                if status not in TRANSIENT_STATUS:
                    raise TransientRpcError(
                        f"RPC {self.endpoint_uri} answered HTTP {status}",
                        hint="check the RPC URL",
                    ) from exc
                last = exc
            if attempt < self.retries:
                time.sleep(self.backoff * 2**attempt)
        if isinstance(last, requests.HTTPError):
            raise TransientRpcError(
                f"RPC {self.endpoint_uri} kept failing ({last})", hint="try again later"
            ) from last
        raise RpcUnreachableError(
            f"cannot reach the RPC endpoint {self.endpoint_uri}",
            hint="is the node running? for a local chain run `noos devnet start`",
        ) from last

    def _make_request(self, method: RPCEndpoint, request_data: bytes) -> bytes:
        return self._post(request_data)

    def make_batch_request(
        self, batch_requests: list[tuple[RPCEndpoint, Any]]
    ) -> list[RPCResponse] | RPCResponse:
        """Send several JSON-RPC calls in one HTTP request; responses in request order."""
        raw = self._post(self.encode_batch_rpc_request(batch_requests))
        response = self.decode_rpc_response(raw)
        if not isinstance(response, list):
            return response
        return sorted(response, key=lambda r: int(r.get("id", 0)))
