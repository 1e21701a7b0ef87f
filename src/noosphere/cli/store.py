"""``noos store``: add, read, list and serve content with IPFS-compatible CIDs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from noosphere.cli import _app

if TYPE_CHECKING:
    from noosphere.storage import Store

app = typer.Typer(
    help="Store and fetch content by CID (the same CIDs as `ipfs add`).", no_args_is_help=True
)

_GATEWAY_HELP = (
    "trustless gateway to fetch missing blocks from; repeat for several "
    "[env: NOOS_GATEWAYS, comma-separated; default: the `gateways` setting]"
)


def _open_store(gateways: list[str] | None = None) -> Store:
    from noosphere.storage import Store

    cfg = _app.config()
    return Store(cfg.home, gateways=gateways or cfg.gateways)


def _size(n: int | None) -> str:
    return "?" if n is None else f"{n:,} bytes"


@app.command("put")
def put(
    file: str = typer.Argument(..., help="file to add; '-' reads standard input"),
    hash_only: bool = typer.Option(
        False, "--hash-only", "-n", help="only compute the CID, store nothing (ipfs add -n)"
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="print only the CIDv0"),
) -> None:
    """Add a file (streamed, any size); print its CIDv0 (Qm…) and CIDv1 (bafy…)."""
    from noosphere.errors import InputError
    from noosphere.storage import to_v1

    store = _open_store()
    size: int | None = None
    if file == "-":
        cid = store.put_stream(sys.stdin.buffer, name=None, hash_only=hash_only)
        name = "(stdin)"
        if not hash_only:
            size = store.stat(cid).size
    else:
        path = Path(file)
        if not path.is_file():
            reason = "is a directory" if path.is_dir() else "does not exist"
            raise InputError(f"{path} {reason}", hint="give the path of a file, or - for stdin")
        size = path.stat().st_size
        cid = store.put_file(path, hash_only=hash_only)
        name = path.name
    if quiet:
        typer.echo(str(cid))
        return
    verb = "hashed" if hash_only else "added"
    typer.echo(f"{verb} {cid} {name} ({_size(size)})")
    typer.echo(f"cidv1 {to_v1(cid)}")


@app.command("cat")
def cat(
    cid: str = typer.Argument(..., help="CID of a file (Qm… or bafy…)"),
    gateway: list[str] | None = typer.Option(None, "--gateway", "-g", help=_GATEWAY_HELP),
) -> None:
    """Write a file's bytes to standard output, fetching missing blocks from gateways."""
    store = _open_store(gateway)
    out = sys.stdout.buffer
    try:
        for piece in store.cat(cid):
            out.write(piece)
        out.flush()
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (e.g. `| head`): not an error
    finally:
        store.close()


@app.command("get")
def get(
    cid: str = typer.Argument(..., help="CID of a file (Qm… or bafy…)"),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="where to write it (default: ./<CID>; a directory works)"
    ),
    gateway: list[str] | None = typer.Option(None, "--gateway", "-g", help=_GATEWAY_HELP),
) -> None:
    """Save a file to disk (atomically), fetching missing blocks from gateways."""
    store = _open_store(gateway)
    try:
        written = store.get(cid, output or Path.cwd())
    finally:
        store.close()
    typer.echo(f"saved {cid} to {written} ({_size(written.stat().st_size)})")


@app.command("ls")
def ls(
    cid: str | None = typer.Argument(None, help="CID whose links to list; none lists stored roots"),
    gateway: list[str] | None = typer.Option(None, "--gateway", "-g", help=_GATEWAY_HELP),
) -> None:
    """List the roots added to this store, or the links of one DAG's root block."""
    import datetime as dt

    from noosphere.storage import display

    store = _open_store(gateway)
    if cid is None:
        roots = store.roots()
        if not roots:
            _app.err_console.print("no content stored yet; add some with `noos store put FILE`")
            return
        for root in roots:
            added = dt.datetime.fromtimestamp(root.added).isoformat(" ", "seconds")
            typer.echo(f"{root.cid}  {root.size:>14,}  {added}  {root.name or ''}".rstrip())
        return
    try:
        info = store.stat(cid)
        links = store.ls(cid)
    finally:
        store.close()
    if not links:
        typer.echo(f"{display(info.cid)}  {info.kind}, {_size(info.size)} in one block")
        return
    for link in links:
        size = "?" if link.size is None else f"{link.size:,}"
        typer.echo(f"{display(link.cid)}  {size:>14}  {link.name}".rstrip())


@app.command("serve")
def serve(
    host: str | None = typer.Option(
        None, "--host", help="address to listen on [env: NOOS_GATEWAY_HOST; default 127.0.0.1]"
    ),
    port: int | None = typer.Option(
        None, "--port", help="port to listen on [env: NOOS_GATEWAY_PORT; default 8080]"
    ),
) -> None:
    """Serve this store as an IPFS trustless gateway (GET /ipfs/{cid}?format=raw|car)."""
    import uvicorn

    from noosphere.storage.gateway import create_app

    cfg = _app.config()
    store = _open_store([])
    bind_host = host or cfg.gateway_host
    bind_port = port if port is not None else cfg.gateway_port
    _app.err_console.print(f"serving {store.home} at http://{bind_host}:{bind_port}/ipfs/")
    uvicorn.run(create_app(store), host=bind_host, port=bind_port, log_level="info")
