"""The read side of the IPFS trustless-gateway HTTP API over a local :class:`Store`.

``GET``/``HEAD /ipfs/{cid}`` answers, by ``?format=`` (which wins) or the ``Accept`` header:

* ``raw`` / ``application/vnd.ipld.raw``: the one block, as stored (it is re-verified on read);
* ``car`` / ``application/vnd.ipld.car``: the DAG as a CARv1 stream, depth-first in link order,
  ``dups=n`` unless the client asks for ``dups=y``; ``dag-scope`` ``all`` (default), ``entity``
  or ``block``; ``car-version`` must be 1. ``entity-bytes`` is not supported (400);
* neither (a browser, curl): the file's bytes, deserialized, as ``application/octet-stream``
  (a convenience like any path gateway; clients that want verifiable data ask for raw or car).

Errors are JSON ``{"error": "..."}``: 400 for a malformed CID or parameter, 404 when the root
block is not in this store, 406 for a format or CAR variant it cannot produce, 412 for
``Cache-Control: only-if-cached`` misses. The gateway serves only what the local store holds; it
never fetches from other gateways. ``/ipfs/bafkqaaa`` (the empty identity CID) answers the spec's
probe requests.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from multiformats import CID

from noosphere import __version__
from noosphere.errors import BlockNotFoundError, IntegrityError, NoosphereError, StoreError
from noosphere.storage import exporter
from noosphere.storage.car import MEDIA_TYPE as CAR_TYPE
from noosphere.storage.car import car_header, write_car
from noosphere.storage.cid import DAG_PB, binary_cid, parse_cid, split_binary_cid
from noosphere.storage.store import Store
from noosphere.storage.unixfs import DataType, PBNode, UnixFSData

RAW_TYPE = "application/vnd.ipld.raw"
PROBE_CID = "bafkqaaa"
_PROBE_BINARY = b"\x01\x55\x00\x00"
_IMMUTABLE = "public, max-age=29030400, immutable"
log = logging.getLogger(__name__)


class _HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class _Want:
    kind: str  # "raw", "car" or "file"
    dups: bool = False
    negotiated: bool = False  # chosen from Accept rather than ?format


def _media_ranges(accept: str) -> list[tuple[str, dict[str, str]]]:
    ranges = []
    for position, item in enumerate(accept.split(",")):
        fields = [f.strip() for f in item.split(";")]
        if not fields[0]:
            continue
        params = {}
        for field in fields[1:]:
            key, _, value = field.partition("=")
            params[key.strip().lower()] = value.strip().strip('"').lower()
        try:
            q = float(params.pop("q", "1"))
        except ValueError:
            q = 0.0
        if q > 0:
            ranges.append((-q, position, fields[0].lower(), params))
    return [(mtype, params) for _, _, mtype, params in sorted(ranges)]


def _car_params(params: dict[str, str]) -> bool | None:
    """dups flag for CAR content-type params we can honour, None if we cannot."""
    if params.get("version", "1") != "1" or params.get("order", "dfs") not in ("dfs", "unk"):
        return None
    dups = params.get("dups", "n")
    return None if dups not in ("y", "n") else dups == "y"


def _negotiate(request: Request, fmt: str | None) -> _Want:
    accept = request.headers.get("accept", "")
    ranges = _media_ranges(accept)
    if fmt is not None:
        car_query = {
            key: request.query_params[f"car-{key}"]
            for key in ("version", "order", "dups")
            if f"car-{key}" in request.query_params
        }
        if fmt == "raw":
            return _Want("raw")
        if fmt == "car":
            from_accept = next((p for t, p in ranges if t == CAR_TYPE), {})
            dups = _car_params({**from_accept, **car_query})
            if dups is None:
                raise _HttpError(406, "only CARv1 in dfs order (dups y or n) can be produced")
            return _Want("car", dups)
        raise _HttpError(406, f"format {fmt!r} is not supported; use format=raw or format=car")
    ipld_asked = False
    for mtype, params in ranges:
        if mtype == RAW_TYPE:
            return _Want("raw", negotiated=True)
        if mtype == CAR_TYPE:
            ipld_asked = True
            dups = _car_params(params)
            if dups is not None:
                return _Want("car", dups, negotiated=True)
        elif mtype.startswith(("application/vnd.ipld.", "application/vnd.ipfs.")):
            ipld_asked = True
        else:
            return _Want("file")
    if ipld_asked:
        raise _HttpError(406, f"cannot produce any of {accept!r}; try {RAW_TYPE} or {CAR_TYPE}")
    return _Want("file")


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def create_app(store: Store) -> FastAPI:
    """A FastAPI app serving ``store`` as a trustless gateway (read-only)."""
    app = FastAPI(
        title="Noosphere trustless gateway",
        version=__version__,
        description="Read side of the IPFS trustless-gateway spec: raw blocks and CARv1.",
    )
    blockstore = store.blockstore
    load = exporter.blockstore_loader(blockstore)

    @app.exception_handler(_HttpError)
    def _on_http_error(request: Request, exc: _HttpError) -> JSONResponse:
        return _error(exc.status, exc.message)

    @app.api_route("/ipfs/{cid}/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    def ipfs_path(cid: str, path: str) -> JSONResponse:
        """Content paths inside a DAG are not served."""
        return _error(400, f"paths inside a DAG are not supported; request /ipfs/{cid} itself")

    @app.api_route("/ipfs/{cid}", methods=["GET", "HEAD"])
    def ipfs(
        cid: str,
        request: Request,
        format: str | None = Query(None, description="raw or car"),
        dag_scope: str = Query("all", alias="dag-scope", description="all, entity or block"),
        entity_bytes: str | None = Query(None, alias="entity-bytes", include_in_schema=False),
    ) -> Response:
        """One block (raw), a whole DAG (car) or a file's bytes for ``cid``."""
        want = _negotiate(request, format)
        if want.kind == "car" and dag_scope not in ("all", "entity", "block"):
            raise _HttpError(400, f"dag-scope {dag_scope!r} is not one of all, entity, block")
        if want.kind == "car" and entity_bytes is not None:
            raise _HttpError(400, "entity-bytes is not supported by this gateway")
        head = request.method == "HEAD"
        if cid == PROBE_CID:
            return _probe(want, head)
        try:
            parsed = parse_cid(cid)
        except NoosphereError as exc:
            raise _HttpError(400, exc.message) from None
        digest = bytes(parsed.raw_digest)
        if not blockstore.has_digest(digest):
            if "only-if-cached" in request.headers.get("cache-control", ""):
                raise _HttpError(412, f"{cid} is not in this gateway's store")
            raise _HttpError(404, f"{cid} is not in this gateway's store")
        root = binary_cid(parsed.codec.code, digest)
        headers = {
            "Cache-Control": _IMMUTABLE,
            "X-Ipfs-Path": f"/ipfs/{cid}",
            "X-Ipfs-Roots": cid,
            "X-Content-Type-Options": "nosniff",
            "Vary": "Accept",
        }
        try:
            if want.kind == "raw":
                return _raw(cid, digest, parsed, headers, request, head)
            if want.kind == "car":
                return _car(cid, root, want, dag_scope, headers, request, head)
            return _file(cid, root, headers, request, head)
        except IntegrityError as exc:
            log.error("%s", exc)
            raise _HttpError(
                500, f"the stored copy of {cid} is corrupt; it was not served"
            ) from None
        except BlockNotFoundError as exc:
            raise _HttpError(404, exc.message) from None
        except StoreError as exc:
            raise _HttpError(400, exc.message) from None

    def _not_modified(request: Request, etag: str, headers: dict[str, str]) -> Response | None:
        if request.headers.get("if-none-match") in (etag, f"W/{etag}"):
            return Response(status_code=304, headers={**headers, "Etag": etag})
        return None

    def _raw(
        cid: str,
        digest: bytes,
        parsed: CID,
        headers: dict[str, str],
        request: Request,
        head: bool,
    ) -> Response:
        etag = f'"{cid}.raw"'
        cached = _not_modified(request, etag, headers)
        if cached is not None:
            return cached
        headers |= {"Etag": etag, "Content-Disposition": f'attachment; filename="{cid}.bin"'}
        if head:
            size = blockstore.path_for(digest).stat().st_size
            return Response(headers=headers | {"Content-Length": str(size)}, media_type=RAW_TYPE)
        block = blockstore.get_digest(digest, parsed.codec.code)
        return Response(block, headers=headers, media_type=RAW_TYPE)

    def _car(
        cid: str,
        root: bytes,
        want: _Want,
        scope: str,
        headers: dict[str, str],
        request: Request,
        head: bool,
    ) -> Response:
        dups = "y" if want.dups else "n"
        etag = f'"{cid}.car.dfs.{dups}.{scope}"'
        cached = _not_modified(request, etag, headers)
        if cached is not None:
            return cached
        media = f"{CAR_TYPE}; version=1; order=dfs; dups={dups}"
        headers |= {"Etag": etag, "Content-Disposition": f'attachment; filename="{cid}.car"'}
        if not want.negotiated:
            headers["Content-Location"] = str(request.url)
        if scope == "entity" and _is_directory(root):
            scope = "block"
        if head:  # no Content-Length: a CAR's size is only known once streamed
            return StreamingResponse(iter(()), headers=headers, media_type=media)
        root_block = load(root)  # a corrupt root fails the request before any byte is sent
        if scope == "block":
            blocks: Iterator[tuple[bytes, bytes]] = iter([(root, root_block)])
        else:
            blocks = exporter.iter_blocks(root, load, dups=want.dups)
        return StreamingResponse(
            _guarded(cid, write_car([root], blocks)), headers=headers, media_type=media
        )

    def _is_directory(root: bytes) -> bool:
        if split_binary_cid(root)[0] != DAG_PB:
            return False
        node = PBNode.decode(load(root))
        if node.data is None:
            return False
        return UnixFSData.decode(node.data).type in (DataType.DIRECTORY, DataType.HAMT_SHARD)

    def _file(
        cid: str, root: bytes, headers: dict[str, str], request: Request, head: bool
    ) -> Response:
        info = exporter.node_info(root, load)
        if info.kind not in ("file", "raw"):
            raise _HttpError(400, f"{cid} is a {info.kind}, not a file; ask for format=car")
        etag = f'"{cid}"'
        cached = _not_modified(request, etag, headers)
        if cached is not None:
            return cached
        headers = headers | {"Etag": etag}
        if info.size is not None:
            headers["Content-Length"] = str(info.size)
        media = "application/octet-stream"
        if head:
            return Response(headers=headers, media_type=media)
        pieces = exporter.iter_file(root, load)
        return StreamingResponse(_guarded(cid, pieces), headers=headers, media_type=media)

    return app


def _guarded(cid: str, pieces: Iterator[bytes]) -> Iterator[bytes]:
    """Stream ``pieces``; once streaming has begun a missing or corrupt block can only end the
    response early (the spec's behaviour: clients verify completeness)."""
    try:
        yield from pieces
    except NoosphereError as exc:
        log.warning("stopped streaming %s early: %s", cid, exc)


def _probe(want: _Want, head: bool) -> Response:
    """Answers for the spec's probe CID ``bafkqaaa`` (identity hash, empty content)."""
    if want.kind == "car":
        body = b"" if head else car_header([_PROBE_BINARY])
        return Response(body, media_type=f"{CAR_TYPE}; version=1; order=dfs; dups=n")
    return Response(b"", media_type=RAW_TYPE if want.kind == "raw" else "application/octet-stream")
