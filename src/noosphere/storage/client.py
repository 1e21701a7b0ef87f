"""A trustless-gateway client: fetch raw blocks and CARs, verify every block before use.

Gateways are tried in order. A gateway that sends a block not matching its CID is reported
(:class:`IntegrityError` naming the gateway and the CID) and the next gateway is tried; nothing
unverified is ever returned or stored. Works against kubo, public gateways (ipfs.io,
dweb.link...) and Noosphere's own :mod:`noosphere.storage.gateway`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from types import TracebackType

import httpx
from multiformats import CID

from noosphere.errors import (
    BlockNotFoundError,
    ConfigError,
    IntegrityError,
    NoosphereError,
    StoreError,
)
from noosphere.storage import exporter
from noosphere.storage.blockstore import Blockstore
from noosphere.storage.car import MAX_SECTION_SIZE, CarReader
from noosphere.storage.cid import (
    CidLike,
    binary_cid,
    display,
    parse_cid,
    split_binary_cid,
    to_v1,
)

RAW_MEDIA_TYPE = "application/vnd.ipld.raw"
CAR_ACCEPT = "application/vnd.ipld.car; version=1; order=dfs; dups=n"


def _normalise(url: str) -> str:
    base = url.strip().rstrip("/")
    if base.endswith("/ipfs"):
        base = base[: -len("/ipfs")]
    if not base.startswith(("http://", "https://")):
        raise ConfigError(
            f"gateway {url!r} is not an http(s) URL",
            hint="gateways look like https://ipfs.io or http://127.0.0.1:8080",
        )
    return base


class GatewayClient:
    """Fetch verified blocks and DAGs from a list of trustless gateways, in order."""

    def __init__(
        self,
        gateways: Sequence[str],
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """Use these gateway base URLs; ``timeout`` applies to each connect/read/write."""
        self.gateways = [_normalise(g) for g in gateways]
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout),
            transport=transport,
            follow_redirects=True,
            headers={"User-Agent": "noosphere"},
        )

    def close(self) -> None:
        """Close pooled connections."""
        self._http.close()

    def __enter__(self) -> GatewayClient:
        """Use as a context manager that closes the client."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the client."""
        self.close()

    def _none_configured(self, what: str) -> BlockNotFoundError:
        return BlockNotFoundError(
            f"cannot fetch {what}: no gateway is configured",
            hint="set gateways in config.toml or NOOS_GATEWAYS (comma-separated URLs)",
        )

    @staticmethod
    def _give_up(what: str, failures: list[str], tampered: bool) -> StoreError:
        detail = "; ".join(failures)
        if tampered:
            return IntegrityError(f"no gateway sent a verified copy of {what}: {detail}")
        return BlockNotFoundError(f"no gateway could provide {what}: {detail}")

    # --- raw blocks ------------------------------------------------------------------------
    def get_block(self, cid: CidLike) -> bytes:
        """Fetch one block (``?format=raw``) and return it once it hashes to ``cid``."""
        parsed = parse_cid(cid)
        if not self.gateways:
            raise self._none_configured(f"block {display(parsed)}")
        failures: list[str] = []
        tampered = False
        for gateway in self.gateways:
            try:
                return self._get_block_from(gateway, parsed)
            except IntegrityError as exc:
                tampered = True
                failures.append(exc.message)
            except NoosphereError as exc:
                failures.append(exc.message)
            except httpx.HTTPError as exc:
                failures.append(f"{gateway}: {type(exc).__name__} {exc}".rstrip())
        raise self._give_up(f"block {display(parsed)}", failures, tampered)

    def _get_block_from(self, gateway: str, parsed: CID) -> bytes:
        url = f"{gateway}/ipfs/{to_v1(parsed)}"
        headers = {"Accept": RAW_MEDIA_TYPE}
        with self._http.stream("GET", url, params={"format": "raw"}, headers=headers) as resp:
            self._check_status(gateway, resp, display(parsed))
            ctype = resp.headers.get("content-type", "")
            if not ctype.startswith(RAW_MEDIA_TYPE):
                raise StoreError(
                    f"{gateway}: answered with {ctype or 'no content type'}, not a raw block"
                )
            body = bytearray()
            for chunk in resp.iter_bytes():
                body += chunk
                if len(body) > MAX_SECTION_SIZE:
                    raise StoreError(f"{gateway}: block {display(parsed)} is larger than 4 MiB")
        data = bytes(body)
        if hashlib.sha256(data).digest() != bytes(parsed.raw_digest):
            raise IntegrityError(
                f"gateway {gateway} sent a tampered block for {display(parsed)}: "
                "its content does not hash to that CID"
            )
        return data

    @staticmethod
    def _check_status(gateway: str, resp: httpx.Response, what: str) -> None:
        if resp.status_code == 404:
            raise BlockNotFoundError(f"{gateway}: {what} not found (404)")
        if resp.status_code != 200:
            raise StoreError(f"{gateway}: HTTP {resp.status_code} for {what}")

    # --- whole DAGs ------------------------------------------------------------------------
    def fetch_dag(self, cid: CidLike, blockstore: Blockstore) -> int:
        """Fetch every missing block of the DAG under ``cid`` into ``blockstore``.

        Asks each gateway in turn for a CAR (``dag-scope=all``), verifies and stores the blocks
        that belong to the DAG (others are ignored), and stops once the DAG is complete
        locally. Returns the number of blocks received and stored.
        """
        parsed = parse_cid(cid)
        root = binary_cid(parsed.codec.code, bytes(parsed.raw_digest))
        if not exporter.find_missing(root, blockstore, limit=1):
            return 0
        if not self.gateways:
            raise self._none_configured(display(parsed))
        failures: list[str] = []
        tampered = False
        stored = 0
        for gateway in self.gateways:
            before = len(failures)
            try:
                stored += self._car_into(gateway, parsed, root, blockstore)
            except IntegrityError as exc:
                tampered = True
                failures.append(exc.message)
            except NoosphereError as exc:
                failures.append(exc.message)
            except httpx.HTTPError as exc:
                failures.append(f"{gateway}: {type(exc).__name__} {exc}".rstrip())
            missing = exporter.find_missing(root, blockstore, limit=1)
            if not missing:
                return stored
            if len(failures) == before:
                failures.append(f"{gateway}: CAR was incomplete")
        raise self._give_up(f"all blocks of {display(parsed)}", failures, tampered)

    def _car_into(self, gateway: str, parsed: CID, root: bytes, blockstore: Blockstore) -> int:
        url = f"{gateway}/ipfs/{to_v1(parsed)}"
        params = {"format": "car", "dag-scope": "all"}
        wanted = {split_binary_cid(root)[1]}
        stored = 0
        with self._http.stream("GET", url, params=params, headers={"Accept": CAR_ACCEPT}) as resp:
            self._check_status(gateway, resp, display(parsed))
            ctype = resp.headers.get("content-type", "")
            if not ctype.startswith("application/vnd.ipld.car"):
                raise StoreError(
                    f"{gateway}: answered with {ctype or 'no content type'}, not a CAR"
                )
            reader = CarReader(resp.iter_bytes(), origin=f"gateway {gateway}")
            with blockstore.writer() as writer:
                for bcid, block in reader:
                    digest = split_binary_cid(bcid)[1]
                    if digest not in wanted:
                        continue  # not part of this DAG (or already seen): ignore, as the spec says
                    wanted.discard(digest)
                    for link in exporter.links_of(block, bcid):
                        wanted.add(split_binary_cid(link)[1])
                    writer.put(digest, (block,))
                    stored += 1
        return stored
