"""The client of a data provider node: register keys, download data, run compute-to-data.

:class:`ProviderClient` signs every request with its account (the owner's or the consumer's
key, :func:`noosphere.nodes.auth.sign_request`), bound to the provider's hotkey, and checks
every JSON answer's signature by that hotkey. The provider's identity comes from its public
``GET /provider`` (pin it with ``provider=`` when the address is known another way); its public
key must belong to its hotkey. Keys are sealed to that public key before they are sent
(:func:`noosphere.nodes.provider_keys.seal_key`).

A download goes to a temporary file beside the destination, is checked against the size and
SHA-256 that the provider signed, and is renamed into place only then: a cut stream or a
mismatch leaves nothing (:class:`~noosphere.errors.DownloadIncompleteError`). A job's receipt
is verified (:func:`noosphere.data.receipts.verify_receipt`) against the provider's hotkey,
chain and licences contract, and its output CID against the job; a model fetched with
:meth:`ProviderClient.output` must hash to that CID.

Every failure is a :class:`~noosphere.errors.ProviderError` naming the provider, the request and
the provider's own message (``status`` holds the HTTP status, 0 when there was no answer).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx

from noosphere.data.receipts import ComputeReceipt, verify_receipt
from noosphere.errors import (
    DownloadIncompleteError,
    InputError,
    ProviderError,
    ReceiptError,
)
from noosphere.nodes.auth import NONCE_HEADER, sign_request, verify_response
from noosphere.nodes.errors import AuthError
from noosphere.nodes.provider_keys import key_context, public_key_address, seal_key

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

DEFAULT_TIMEOUT = 60.0
MAX_ANSWER = 64 << 20
_HASH = re.compile(r"(0x)?[0-9a-fA-F]{64}")
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_JOB_ID = re.compile(r"[0-9a-f]{32}")
FINISHED = ("done", "failed")


@dataclass(frozen=True)
class ProviderInfo:
    """What a provider says about itself (``GET /provider``), checked for consistency."""

    hotkey: str
    public_key: bytes
    chain_id: int
    datanft: str
    licences: str
    version: str
    recipes: Mapping[str, str]


@dataclass(frozen=True)
class Downloaded:
    """A verified download."""

    path: Path
    size: int
    sha256: str
    content_cid: str
    data_id: int
    format: str


@dataclass(frozen=True)
class JobView:
    """A compute-to-data job as the provider reports it; ``receipt`` is verified."""

    job_id: str
    status: str
    order_id: int
    data_id: int
    recipe_hash: str
    recipe_name: str
    params: Mapping[str, Any]
    metrics: Mapping[str, Any] | None
    output_cid: str | None
    receipt: ComputeReceipt | None
    error: str | None
    created: float
    started: float | None
    finished: float | None
    attempts: int


class ProviderClient:
    """A signed-request client of the provider at ``endpoint`` acting as ``account``."""

    def __init__(
        self,
        endpoint: str,
        account: LocalAccount,
        *,
        provider: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        try:
            url = httpx.URL(endpoint)
        except (httpx.InvalidURL, TypeError):
            raise InputError(f"provider endpoint {endpoint!r:.100} is not a URL") from None
        if url.scheme not in ("http", "https") or not url.host or url.query or url.fragment:
            raise InputError(
                f"a provider endpoint is http(s)://host[:port][/path], not {endpoint!r:.100}"
            )
        self.endpoint = endpoint.rstrip("/")
        self.account = account
        self._pinned = provider
        self._http = httpx.Client(timeout=timeout, transport=transport, follow_redirects=False)
        self._info: ProviderInfo | None = None

    # --- identity ----------------------------------------------------------------------------
    @property
    def info(self) -> ProviderInfo:
        """The provider's identity (asked once); checked against ``provider=`` if pinned."""
        if self._info is None:
            data = self._json(self._plain("GET", "/provider"), "GET /provider")
            try:
                info = ProviderInfo(
                    hotkey=str(data["hotkey"]),
                    public_key=bytes.fromhex(str(data["public_key"]).removeprefix("0x")),
                    chain_id=int(data["chain_id"]),
                    datanft=str(data["datanft"]),
                    licences=str(data["licences"]),
                    version=str(data.get("version", "")),
                    recipes={str(k): str(v) for k, v in dict(data.get("recipes", {})).items()},
                )
                owner = public_key_address(info.public_key)
            except (KeyError, TypeError, ValueError, InputError) as exc:
                raise self._garbage("GET /provider", f"malformed identity ({exc})") from None
            if owner != info.hotkey:
                raise self._garbage(
                    "GET /provider",
                    f"its public key belongs to {owner}, not to its hotkey {info.hotkey}",
                )
            if self._pinned is not None and info.hotkey.lower() != self._pinned.lower():
                raise ProviderError(
                    f"the provider at {self.endpoint} is {info.hotkey}, not the expected "
                    f"{self._pinned}",
                    hint="check the endpoint",
                )
            self._info = info
        return self._info

    # --- keys --------------------------------------------------------------------------------
    def register_key(self, data_id: int, key: bytes) -> dict[str, Any]:
        """Hand the key of dataset ``data_id`` to the provider, sealed to it.

        The account must own or manage the dataset. Returns what the provider measured
        (content CID, plaintext size and SHA-256, format).
        """
        info = self.info
        sealed = seal_key(info.public_key, key, key_context(info.chain_id, info.datanft, data_id))
        payload = {"data_id": data_id, "sealed_key": "0x" + sealed.hex()}
        return dict(self._call("POST", "/keys", payload))

    # --- downloads ---------------------------------------------------------------------------
    def download(self, order_id: int, dest: str | Path) -> Downloaded:
        """Download the plaintext of order ``order_id`` to ``dest`` (atomically, verified).

        When ``dest`` is a directory the file is named ``dataset-<data id>.<format>`` in it.
        """
        dest = Path(dest).expanduser()
        folder = dest if dest.is_dir() else dest.parent
        if not folder.is_dir():
            raise InputError(f"cannot write {dest}: {folder} is not a directory")
        what = f"POST /download (order {order_id})"
        body = _canonical({"order_id": order_id})
        wire, headers = self._sign("POST", "/download", body)
        try:
            with self._http.stream(
                "POST", self.endpoint + "/download", content=body, headers=headers
            ) as answer:
                if answer.status_code != 200:
                    answer.read()
                    raise self._refused(what, answer.status_code, answer.content)
                meta = self._download_meta(answer.headers, order_id, what)
                if dest.is_dir():
                    dest = dest / f"dataset-{meta['data_id']}.{meta['format']}"
                self._check_signature(
                    200, "POST", wire, _canonical(meta), answer.headers, headers[NONCE_HEADER], what
                )
                size, digest = self._receive(answer, dest, meta, what)
        except httpx.TimeoutException:
            raise ProviderError(f"{self.endpoint} stopped answering {what}") from None
        except httpx.HTTPError as exc:
            raise self._unreachable(what, exc) from None
        return Downloaded(dest, size, digest, meta["content_cid"], meta["data_id"], meta["format"])

    def _download_meta(self, headers: httpx.Headers, order_id: int, what: str) -> dict[str, Any]:
        try:
            meta = {
                "content_cid": headers["x-content-cid"],
                "data_id": int(headers["x-data-id"]),
                "format": headers["x-dataset-format"],
                "order_id": int(headers["x-order-id"]),
                "plaintext_sha256": headers["x-plaintext-sha256"],
                "plaintext_size": int(headers["x-plaintext-size"]),
            }
        except (KeyError, ValueError):
            raise self._garbage(what, "the answer lacks the X-Plaintext-* headers") from None
        if not re.fullmatch(r"[a-z]{1,16}", str(meta["format"])):
            raise self._garbage(what, f"dataset format {meta['format']!r:.40}")
        if meta["order_id"] != order_id:
            raise self._garbage(what, f"it answered for order {meta['order_id']}")
        return meta

    def _receive(
        self, answer: httpx.Response, dest: Path, meta: Mapping[str, Any], what: str
    ) -> tuple[int, str]:
        expected_size, expected_hash = meta["plaintext_size"], meta["plaintext_sha256"]
        fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
        tmp = Path(tmp_name)
        digest, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as out:
                try:
                    for chunk in answer.iter_bytes():
                        size += len(chunk)
                        if size > expected_size:
                            break
                        digest.update(chunk)
                        out.write(chunk)
                except httpx.HTTPError as exc:
                    raise DownloadIncompleteError(
                        f"the download of {what} from {self.endpoint} was cut after {size} of "
                        f"{expected_size} bytes ({exc or type(exc).__name__}); nothing was kept",
                        hint="retry while the order is valid",
                    ) from None
                out.flush()
                os.fsync(out.fileno())
            got = "0x" + digest.hexdigest()
            if size != expected_size or got != expected_hash:
                raise DownloadIncompleteError(
                    f"the download of {what} from {self.endpoint} is {size} bytes hashing to "
                    f"{got}, not the {expected_size} bytes hashing to {expected_hash} the "
                    "provider signed; nothing was kept"
                )
            os.replace(tmp, dest)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        return size, got

    # --- compute-to-data ---------------------------------------------------------------------
    def compute(
        self,
        order_id: int,
        recipe: str,
        params: Mapping[str, Any] | None = None,
        *,
        recipe_source: bytes | None = None,
    ) -> str:
        """Queue a job of ``recipe`` on the data of order ``order_id``; return the job id.

        ``recipe`` is a built-in recipe's name or a recipe hash; with ``recipe_source`` (the
        exact bytes of a recipe file) the hash is that of the source, which is sent along in
        case the provider does not know it, and ``recipe`` is only its name.
        """
        payload: dict[str, Any] = {"order_id": order_id, "params": dict(params or {})}
        if recipe_source is not None:
            payload["recipe_hash"] = "0x" + hashlib.sha256(recipe_source).hexdigest()
            try:
                payload["recipe_source"] = recipe_source.decode("utf-8")
            except UnicodeDecodeError:
                raise InputError("a recipe file must be UTF-8 text") from None
            if _NAME.fullmatch(recipe):
                payload["recipe_name"] = recipe
        elif recipe in self.info.recipes:
            payload["recipe_hash"] = self.info.recipes[recipe]
        elif _HASH.fullmatch(recipe):
            payload["recipe_hash"] = "0x" + recipe.lower().removeprefix("0x")
        else:
            names = ", ".join(sorted(self.info.recipes)) or "none"
            raise InputError(
                f"unknown recipe {recipe!r}",
                hint=f"give a built-in recipe ({names}), a recipe hash or a recipe file",
            )
        answer = self._call("POST", "/compute", payload, status=202)
        job_id = answer.get("job_id") if isinstance(answer, dict) else None
        if not isinstance(job_id, str) or not _JOB_ID.fullmatch(job_id):
            raise self._garbage("POST /compute", f"no job id in {answer!r:.100}")
        return job_id

    def jobs(self, limit: int = 50) -> list[JobView]:
        """The account's jobs at this provider, newest first."""
        answer = self._call("GET", f"/jobs?limit={int(limit)}")
        if not isinstance(answer, list):
            raise self._garbage("GET /jobs", "not a list")
        return [self._job_view(item, "GET /jobs") for item in answer]

    def job(self, job_id: str) -> JobView:
        """A job's status, metrics, output CID and verified receipt."""
        path = f"/jobs/{_job_id(job_id)}"
        return self._job_view(self._call("GET", path), f"GET {path}")

    def logs(self, job_id: str, limit: int = 200) -> list[str]:
        """The provider's event log of a job (``time  line``), oldest first."""
        path = f"/jobs/{_job_id(job_id)}/logs?limit={int(limit)}"
        answer = self._call("GET", path)
        try:
            return [
                f"{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(t))}  {line}"
                for t, line in answer["lines"]
            ]
        except (KeyError, TypeError, ValueError):
            raise self._garbage(f"GET {path}", "malformed log") from None

    def output(self, job_id: str, dest: str | Path) -> Path:
        """Fetch the ONNX model of a finished job to ``dest``; it must hash to the job's CID."""
        from noosphere.storage import display, import_bytes
        from noosphere.wallet import atomic_write

        job = self.job(job_id)
        if job.status != "done" or job.output_cid is None:
            raise ProviderError(
                f"job {job_id} is {job.status}: it has no output yet",
                hint="wait for it (noos data jobs JOB_ID)",
            )
        path = f"/jobs/{job.job_id}/output"
        data = bytes(self._call("GET", path, raw=True))
        got = display(import_bytes(data).cid)
        if got != display(job.output_cid):
            raise self._garbage(
                f"GET {path}",
                f"the model hashes to {got}, not to the job's output {job.output_cid}",
            )
        target = Path(dest).expanduser()
        if target.is_dir():
            target = target / f"{job.job_id}.onnx"
        try:
            atomic_write(target, data, overwrite=True)
        except OSError as exc:
            raise InputError(f"cannot write {target}: {exc.strerror or exc}") from None
        return target

    def wait(self, job_id: str, timeout: float = 600.0, *, interval: float = 0.5) -> JobView:
        """Poll a job until it is done or failed (returned either way), at most ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if job.status in FINISHED:
                return job
            if time.monotonic() >= deadline:
                raise ProviderError(
                    f"job {job_id} is still {job.status} after {timeout:g} s",
                    hint="check it later with `noos data jobs JOB_ID`",
                )
            time.sleep(min(interval, max(0.0, deadline - time.monotonic())))

    def _job_view(self, data: Any, what: str) -> JobView:
        try:
            view = JobView(
                job_id=str(data["job_id"]),
                status=str(data["status"]),
                order_id=int(data["order_id"]),
                data_id=int(data["data_id"]),
                recipe_hash=str(data["recipe_hash"]),
                recipe_name=str(data["recipe_name"]),
                params=dict(data["params"]),
                metrics=data["metrics"],
                output_cid=data["output_cid"],
                receipt=None,
                error=data["error"],
                created=float(data["created"]),
                started=data["started"],
                finished=data["finished"],
                attempts=int(data["attempts"]),
            )
            document = data["receipt"]
        except (KeyError, TypeError, ValueError):
            raise self._garbage(what, "malformed job") from None
        if document is None:
            return view
        info = self.info
        try:
            receipt = ComputeReceipt.from_dict(document)
            verify_receipt(receipt, info.hotkey, chain_id=info.chain_id, licences=info.licences)
        except ReceiptError as exc:
            raise ProviderError(
                f"{self.endpoint} sent a bad receipt for job {view.job_id}: {exc.message}"
            ) from None
        mismatch = [
            name
            for name, mine, theirs in (
                ("order id", receipt.order_id, view.order_id),
                ("data id", receipt.data_id, view.data_id),
                ("recipe hash", receipt.recipe_hash, view.recipe_hash),
                ("output CID", receipt.output_cid, view.output_cid),
                ("metrics", receipt.metrics, view.metrics),
            )
            if mine != theirs
        ]
        if mismatch:
            raise ProviderError(
                f"{self.endpoint} sent a receipt for job {view.job_id} that does "
                f"not match the job ({', '.join(mismatch)})"
            )
        return replace(view, receipt=receipt)

    # --- transport ---------------------------------------------------------------------------
    def _sign(self, method: str, path: str, body: bytes) -> tuple[str, dict[str, str]]:
        wire = httpx.URL(self.endpoint + path).raw_path.decode("ascii")
        headers = sign_request(self.account, method, wire, body, self.info.hotkey)
        if body:
            headers["Content-Type"] = "application/json"
        return wire, headers

    def _plain(self, method: str, path: str) -> httpx.Response:
        try:
            return self._http.request(method, self.endpoint + path)
        except httpx.HTTPError as exc:
            raise self._unreachable(f"{method} {path}", exc) from None

    def _call(
        self,
        method: str,
        path: str,
        payload: Any = None,
        *,
        status: int = 200,
        raw: bool = False,
    ) -> Any:
        what = f"{method} {path.split('?')[0]}"
        body = b"" if payload is None else _canonical(payload)
        wire, headers = self._sign(method, path, body)
        try:
            answer = self._http.request(
                method, self.endpoint + path, content=body or None, headers=headers
            )
        except httpx.TimeoutException:
            raise ProviderError(f"{self.endpoint} did not answer {what} in time") from None
        except httpx.HTTPError as exc:
            raise self._unreachable(what, exc) from None
        if answer.status_code != status:
            raise self._refused(what, answer.status_code, answer.content)
        self._check_signature(
            answer.status_code,
            method,
            wire,
            answer.content,
            answer.headers,
            headers[NONCE_HEADER],
            what,
        )
        return answer.content if raw else self._json(answer, what)

    def _check_signature(
        self,
        status: int,
        method: str,
        wire: str,
        body: bytes,
        headers: httpx.Headers,
        nonce: str,
        what: str,
    ) -> None:
        try:
            verify_response(
                status, method, wire, body, headers, nonce, self.account.address, self.info.hotkey
            )
        except AuthError as exc:
            raise ProviderError(
                f"the answer of {self.endpoint} to {what} is not signed by its "
                f"hotkey {self.info.hotkey}: {exc.message}"
            ) from None

    def _json(self, answer: httpx.Response, what: str) -> Any:
        if answer.status_code != 200 and answer.status_code != 202:
            raise self._refused(what, answer.status_code, answer.content)
        if len(answer.content) > MAX_ANSWER:
            raise self._garbage(what, f"more than {MAX_ANSWER} bytes")
        try:
            return json.loads(answer.content)
        except ValueError:
            raise self._garbage(what, f"not JSON: {answer.content[:80]!r}") from None

    def _refused(self, what: str, status: int, content: bytes) -> ProviderError:
        try:
            decoded = json.loads(content)
            error = decoded.get("error") if isinstance(decoded, dict) else None
        except ValueError:
            error = None
        text = str(error)[:1000] if isinstance(error, str) else repr(content[:200])
        return ProviderError(
            f"{self.endpoint} refused {what} (HTTP {status}): {text}", status=status, error=text
        )

    def _garbage(self, what: str, reason: str) -> ProviderError:
        return ProviderError(f"{self.endpoint} answered {what} with garbage: {reason}")

    def _unreachable(self, what: str, exc: httpx.HTTPError) -> ProviderError:
        reason = str(exc) or type(exc).__name__
        return ProviderError(
            f"the provider at {self.endpoint} is unreachable for {what}: {reason}",
            hint="check the endpoint and that it runs",
        )

    # --- lifecycle ---------------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> ProviderClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _canonical(payload: Any) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def _job_id(job_id: str) -> str:
    if not isinstance(job_id, str) or not _JOB_ID.fullmatch(job_id):
        raise InputError(f"a job id is 32 lower-case hex digits, not {job_id!r:.60}")
    return job_id


__all__ = ["Downloaded", "JobView", "ProviderClient", "ProviderInfo"]
