"""The embedded py-evm chain (eth-tester), used when anvil is not installed.

:func:`embedded_web3` gives an in-process chain; :func:`serve` exposes one over HTTP JSON-RPC
(``python -m noosphere.chain.embedded --port N``) so that CLI commands in other processes talk
to it exactly as they would to anvil. It is much slower than anvil and keeps no state on disk.
"""

from __future__ import annotations

import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from eth_abi import encode
from web3 import Web3

DEV_FUNDING = 10_000 * 10**18


def embedded_web3(fund: list[str] | None = None) -> Web3:
    """A Web3 over a fresh in-process eth-tester chain; ``fund`` addresses get 10,000 ETH."""
    from eth_tester import EthereumTester, PyEVMBackend
    from web3.providers.eth_tester import EthereumTesterProvider

    tester = EthereumTester(PyEVMBackend())
    w3 = Web3(EthereumTesterProvider(tester))
    if fund:
        donor = tester.get_accounts()[0]
        for address in fund:
            tester.send_transaction(
                {"from": donor, "to": address, "value": DEV_FUNDING, "gas": 21_000}
            )
    return w3


def serve(host: str, port: int, fund: list[str]) -> None:
    """Serve an embedded chain as JSON-RPC over HTTP until interrupted."""
    w3 = embedded_web3(fund)
    lock = threading.Lock()
    # web3's eth-tester middleware turns JSON-RPC params into eth-tester calls and results
    # back into JSON-RPC field names; _to_wire then encodes quantities and data as hex.
    request_fn = w3.provider.request_func(w3, w3.middleware_onion)  # type: ignore[attr-defined]

    def handle(request: dict[str, Any]) -> dict[str, Any]:
        with lock:
            try:
                response = dict(
                    request_fn(  # type: ignore[call-overload]
                        request["method"], request.get("params", [])
                    )
                )
            except Exception as exc:  # the error goes back to the client, as a node does
                message = str(exc.args[0]) if exc.args else type(exc).__name__
                data = getattr(exc, "data", None)
                error: dict[str, Any] = {"code": -32000, "message": message}
                if message.startswith("execution reverted"):
                    code, reason = 3, message.removeprefix("execution reverted").lstrip(": ")
                    error = {
                        "code": code,
                        "message": message,
                        "data": "0x08c379a0" + encode(["string"], [reason]).hex(),
                    }
                elif data is not None:
                    error["data"] = data
                response = {"error": error}
        wire = _to_wire({k: v for k, v in response.items() if k != "error"})
        if "error" in response:
            wire["error"] = dict(response["error"])  # type: ignore[call-overload]
        wire["id"] = request.get("id")
        wire["jsonrpc"] = "2.0"
        return wire

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            result: Any = [handle(r) for r in body] if isinstance(body, list) else handle(body)
            payload = json.dumps(result).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    ThreadingHTTPServer((host, port), Handler).serve_forever()


def _to_wire(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return hex(value)
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, dict) or hasattr(value, "items"):
        return {k: (v if k in ("id", "jsonrpc") else _to_wire(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_wire(v) for v in value]
    return value


def main() -> None:
    """Command-line entry: ``python -m noosphere.chain.embedded --port N [--fund ADDR ...]``."""
    parser = argparse.ArgumentParser(description="embedded py-evm JSON-RPC chain")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--fund", nargs="*", default=[])
    args = parser.parse_args()
    serve(args.host, args.port, args.fund)


if __name__ == "__main__":
    main()
