"""``noos data serve|register-key|download|compute|jobs``: the data provider node and its clients.

``serve`` runs a provider node (:mod:`noosphere.nodes.provider`) with the wallet's hotkey until
SIGTERM or Ctrl-C; its state (wrapped keys, jobs, replay guard) lives in
``<home>/nodes/provider-<chain>-<hotkey>/`` and its log beside it. The other commands talk to a
provider as the wallet's coldkey (``--hotkey NAME`` signs with a hotkey instead, e.g. when an
order was started for one); the provider's URL is the dataset's endpoint on chain unless
``--endpoint`` is given. Jobs started here are remembered in ``<home>/c2d-jobs.json`` so that
``noos data jobs JOB_ID`` finds their provider.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from noosphere.cli import _app
from noosphere.cli.data import app
from noosphere.cli.wallet import ask_password, open_wallet

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from noosphere.chain.protocol import Protocol
    from noosphere.data.provider_client import JobView, ProviderClient

JOBS_FILE = "c2d-jobs.json"
_WALLET_HELP = "wallet that signs (default: the configured one) \\[env: NOOS_WALLET]"
_SIGNER_HELP = "sign with this hotkey of the wallet instead of its coldkey"
_ENDPOINT_HELP = "provider URL (default: the dataset's endpoint on chain) \\[env: NOOS_PROVIDER]"


def _wallet_option() -> Any:
    return typer.Option(None, "--wallet", "-w", "--from", envvar="NOOS_WALLET", help=_WALLET_HELP)


def _endpoint_option() -> Any:
    return typer.Option(None, "--endpoint", envvar="NOOS_PROVIDER", help=_ENDPOINT_HELP)


def _number(text: str, what: str) -> int:
    from noosphere.errors import InputError

    try:
        value = int(text.strip().lstrip("#"))
    except ValueError:
        raise InputError(f"{what} {text!r} is not a number", hint="e.g. 1") from None
    if value <= 0:
        raise InputError(f"{what} {value} is not positive", hint="ids start at 1")
    return value


def _signer(wallet_name: str | None, hotkey: str | None) -> LocalAccount:
    wallet = open_wallet(wallet_name)
    if hotkey is not None:
        return wallet.unlock_hotkey(hotkey, ask_password(f"wallet {wallet.name} (hotkey {hotkey})"))
    return wallet.unlock_coldkey(ask_password(f"wallet {wallet.name} (coldkey)"))


def _protocol() -> Protocol:
    import warnings

    from noosphere.chain.protocol import open_protocol

    warnings.filterwarnings("ignore", message="The log with transaction hash", category=UserWarning)
    return open_protocol(_app.config())


def _order_endpoint(order_id: int, endpoint: str | None) -> str:
    """The provider serving order ``order_id``: ``endpoint``, else its dataset's on chain."""
    from noosphere.errors import InputError

    if endpoint is not None:
        return endpoint
    market = _protocol().data
    order = market.order(order_id)
    if order is None:
        raise InputError(
            f"no order {order_id} on this chain", hint="start one with `noos data order DATA_ID`"
        )
    return market.dataset(order.data_id).endpoint


def _client(endpoint: str, account: LocalAccount) -> ProviderClient:
    from noosphere.data.provider_client import ProviderClient

    return ProviderClient(endpoint, account)


# --- the node --------------------------------------------------------------------------------
@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="address the provider listens on"),
    port: int = typer.Option(8095, "--port", help="port the provider listens on (0: a free one)"),
    wallet_name: str | None = _wallet_option(),
    hotkey_option: str | None = typer.Option(
        None, "--hotkey", help="hotkey that signs answers and receipts \\[env: NOOS_HOTKEY]"
    ),
    state_dir: Path | None = typer.Option(
        None, "--state-dir", help="where keys and jobs are kept (default: under <home>/nodes)"
    ),
    max_job_seconds: float = typer.Option(
        900.0, "--max-job-seconds", help="wall-clock limit of one compute-to-data job"
    ),
    max_job_memory: int = typer.Option(
        2048, "--max-job-memory", help="memory limit of one job's sandbox, in MiB"
    ),
) -> None:
    """Run a data provider node: serve downloads and compute-to-data jobs until stopped."""
    from noosphere.chain.devnet import free_port
    from noosphere.errors import InputError
    from noosphere.ml.c2d import JobLimits
    from noosphere.nodes import runner
    from noosphere.nodes.provider import ProviderNode, create_provider_app
    from noosphere.storage import Store

    cfg = _app.config()
    limits = JobLimits(max_wall_seconds=max_job_seconds, max_memory=max_job_memory << 20)
    wallet = open_wallet(wallet_name)
    hotkey_name = hotkey_option or str(cfg.hotkey)
    address = wallet.hotkey_address(hotkey_name)
    protocol = _protocol()
    if port == 0:
        port = free_port(host)
    runner.check_port_free(host, port)
    account = wallet.unlock_hotkey(hotkey_name, ask_password(f"wallet {wallet.name}"))
    name = f"provider-{protocol.chain.chain_id}-{address.lower()}"
    directory = runner.node_dir(cfg.home)
    runner.setup_logging(directory / f"{name}.log")
    node = ProviderNode(
        account,
        protocol.data,
        store=Store.from_config(cfg),
        state_dir=state_dir or directory / name,
        limits=limits,
    )
    server = None
    try:
        server = runner.AxonServer(create_provider_app(node), host, port)
        server.start()
        _say(
            f"data provider {address} serving at http://{host}:{port} on chain "
            f"{protocol.chain.chain_id} (API docs at /docs); state in {node.state_dir}"
        )
        with runner.stop_on_signals() as stop:
            while not stop.wait(1.0):
                if not server.alive:
                    raise InputError("the provider's server stopped", hint=f"see {name}.log")
    finally:
        if server is not None:
            server.stop()
        node.close()
    _say("data provider stopped")


# --- owner -----------------------------------------------------------------------------------
@app.command("register-key")
def register_key(
    data_id: str = typer.Argument(..., help="dataset id (1, 2, …)"),
    key_file: Path | None = typer.Option(
        None,
        "--key-file",
        help="the dataset key: 64 hex digits or 32 raw bytes (default: the "
        "key saved in the wallet when the dataset was published)",
    ),
    endpoint: str | None = typer.Option(
        None, "--endpoint", help="provider URL (default: the dataset's endpoint on chain)"
    ),
    wallet_name: str | None = _wallet_option(),
    hotkey: str | None = typer.Option(None, "--hotkey", help=_SIGNER_HELP + " (a manager)"),
) -> None:
    """Hand a dataset's key to its provider again (retry after a failed publication)."""
    from noosphere.data.publish import KEYS_DIR, register_saved_key
    from noosphere.errors import InputError

    number = _number(data_id, "dataset id")
    market = _protocol().data
    dataset = market.dataset(number)
    if key_file is None:
        if hotkey is not None:
            raise InputError(
                "the saved key is opened with the coldkey; give --key-file to sign with a hotkey"
            )
        wallet = open_wallet(wallet_name)
        saved = register_saved_key(
            market,
            _signer(wallet_name, None),
            number,
            keys_dir=wallet.path / KEYS_DIR,
            endpoint=endpoint,
        )
        _say(f"key of dataset {number} registered with the provider at {saved.endpoint}")
        return
    key = _read_key(key_file)
    url = endpoint or dataset.endpoint
    with _client(url, _signer(wallet_name, hotkey)) as client:
        record = client.register_key(number, key)
    _say(
        f"key of dataset {number} registered with the provider at {url}: it opens "
        f"{record['content_cid']} ({record['plaintext_size']:,} bytes of "
        f"{record['format']})"
    )


def _read_key(path: Path) -> bytes:
    import re

    from noosphere.errors import InputError

    try:
        data = path.expanduser().read_bytes()[:1024]
    except OSError as exc:
        raise InputError(f"cannot read the key file {path}: {exc.strerror or exc}") from None
    text = data.decode("ascii", errors="replace").strip()
    if re.fullmatch(r"(0x)?[0-9a-fA-F]{64}", text):
        return bytes.fromhex(text.removeprefix("0x"))
    if len(data) == 32:
        return data
    raise InputError(f"{path} holds no dataset key", hint="64 hex digits or 32 raw bytes")


# --- consumer --------------------------------------------------------------------------------
@app.command("download")
def download(
    order_id: str = typer.Argument(..., help="order id (from `noos data order`)"),
    output: Path = typer.Option(
        Path("."), "--output", "-o", help="file, or directory (dataset-ID.FORMAT in it)"
    ),
    endpoint: str | None = _endpoint_option(),
    wallet_name: str | None = _wallet_option(),
    hotkey: str | None = typer.Option(None, "--hotkey", help=_SIGNER_HELP),
) -> None:
    """Download the plaintext of an order's dataset (checked, written atomically)."""
    number = _number(order_id, "order id")
    url = _order_endpoint(number, endpoint)
    with _client(url, _signer(wallet_name, hotkey)) as client:
        got = client.download(number, output)
    _say(
        f"downloaded dataset {got.data_id} ({got.size:,} bytes, sha256 {got.sha256}) to {got.path}"
    )


def _params(items: list[str], params_json: str | None) -> dict[str, Any]:
    from noosphere.errors import InputError

    params: dict[str, Any] = {}
    if params_json is not None:
        try:
            loaded = json.loads(params_json)
        except ValueError as exc:
            raise InputError(f"--params is not JSON: {exc}") from None
        if not isinstance(loaded, dict):
            raise InputError("--params must be a JSON object")
        params.update(loaded)
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--param {item!r} is not NAME=VALUE", hint="e.g. --param C=0.5")
        try:
            params[name.strip()] = json.loads(value)
        except ValueError:
            params[name.strip()] = value  # a bare string
    return params


@app.command("compute")
def compute(
    order_id: str = typer.Argument(..., help="order id (from `noos data order`)"),
    recipe: str = typer.Option(
        ..., "--recipe", help="built-in recipe name, recipe hash, or a recipe file (FILE.py)"
    ),
    param: list[str] = typer.Option(
        [], "--param", help="recipe parameter NAME=VALUE (JSON value or a string; repeatable)"
    ),
    params_json: str | None = typer.Option(None, "--params", help="all parameters as JSON"),
    wait: bool = typer.Option(False, "--wait", help="wait until the job is done or failed"),
    output: Path | None = typer.Option(None, "--output", "-o", help="with --wait: save the model"),
    timeout: float = typer.Option(900.0, "--timeout", help="with --wait: seconds to wait"),
    endpoint: str | None = _endpoint_option(),
    wallet_name: str | None = _wallet_option(),
    hotkey: str | None = typer.Option(None, "--hotkey", help=_SIGNER_HELP),
) -> None:
    """Run an allow-listed recipe on an order's dataset at its provider (compute-to-data)."""
    from noosphere.errors import InputError

    number = _number(order_id, "order id")
    params = _params(param, params_json)
    source = None
    path = Path(recipe).expanduser()
    if recipe.endswith(".py"):
        try:
            source = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read recipe {recipe}: {exc.strerror or exc}") from None
        recipe = path.stem
    url = _order_endpoint(number, endpoint)
    with _client(url, _signer(wallet_name, hotkey)) as client:
        job_id = client.compute(number, recipe, params, recipe_source=source)
        _remember(job_id, url, number)
        _say(f"job {job_id} queued at {url}")
        if not wait:
            _say(f"follow it with `noos data jobs {job_id}`")
            return
        job = client.wait(job_id, timeout)
        _show_job(job)
        if job.status != "done":
            raise typer.Exit(1)
        if output is not None:
            _say(f"model saved to {client.output(job_id, output)}")


@app.command("jobs")
def jobs(
    job_id: str | None = typer.Argument(None, help="a job id (default: list your jobs)"),
    logs: bool = typer.Option(False, "--logs", help="print the job's event log"),
    output: Path | None = typer.Option(None, "--output", "-o", help="save the job's ONNX model"),
    receipt: Path | None = typer.Option(None, "--receipt", help="save the job's signed receipt"),
    endpoint: str | None = _endpoint_option(),
    wallet_name: str | None = _wallet_option(),
    hotkey: str | None = typer.Option(None, "--hotkey", help=_SIGNER_HELP),
) -> None:
    """List your compute-to-data jobs, or show one (status, metrics, receipt, logs, model)."""
    from noosphere.errors import InputError
    from noosphere.wallet import atomic_write

    known = _known_jobs()
    if job_id is None:
        endpoints = [endpoint] if endpoint else sorted({str(v["endpoint"]) for v in known.values()})
        if not endpoints:
            raise InputError(
                "no jobs started from here", hint="give --endpoint URL to ask a provider"
            )
        account = _signer(wallet_name, hotkey)
        found: list[tuple[str, JobView]] = []
        for url in endpoints:
            with _client(url, account) as client:
                found += [(url, job) for job in client.jobs()]
        _jobs_table(found)
        return
    url = endpoint or str(known.get(job_id, {}).get("endpoint") or "")
    if not url:
        raise InputError(
            f"job {job_id} was not started from here", hint="give the provider with --endpoint URL"
        )
    with _client(url, _signer(wallet_name, hotkey)) as client:
        job = client.job(job_id)
        _show_job(job)
        if logs:
            for line in client.logs(job_id):
                _app.console.print(line, soft_wrap=True, markup=False)
        if receipt is not None:
            if job.receipt is None:
                raise InputError(f"job {job_id} is {job.status}: it has no receipt")
            atomic_write(receipt.expanduser(), job.receipt.to_json().encode(), overwrite=True)
            _say(f"receipt saved to {receipt} (verified: signed by {job.receipt.provider})")
        if output is not None:
            _say(f"model saved to {client.output(job_id, output)}")


def _show_job(job: JobView) -> None:
    from rich.markup import escape

    from noosphere.cli._subnet_views import key_values

    rows = [
        ("status", job.status),
        ("order", str(job.order_id)),
        ("dataset", str(job.data_id)),
        ("recipe", f"{job.recipe_name} ({job.recipe_hash})"),
        ("parameters", json.dumps(dict(job.params), sort_keys=True)),
    ]
    if job.metrics is not None:
        shown = {k: v for k, v in job.metrics.items() if not isinstance(v, list)}
        rows.append(
            (
                "metrics",
                ", ".join(
                    f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                    for k, v in sorted(shown.items())
                ),
            )
        )
    if job.output_cid:
        rows.append(("model", job.output_cid))
    if job.receipt is not None:
        rows.append(("receipt", f"signed by {job.receipt.provider} (verified)"))
    if job.error:
        rows.append(("error", job.error))
    _app.console.print(key_values(f"job {job.job_id}", [(k, escape(v)) for k, v in rows]))


def _jobs_table(found: list[tuple[str, JobView]]) -> None:
    from datetime import datetime

    from rich.table import Table

    table = Table(title=f"{len(found)} compute-to-data job(s)")
    for column in ("job", "status", "recipe", "order", "dataset", "model", "created", "provider"):
        table.add_column(column, no_wrap=column in ("job", "model"))
    for url, job in found:
        created = datetime.fromtimestamp(job.created).strftime("%Y-%m-%d %H:%M")
        table.add_row(
            job.job_id,
            job.status,
            job.recipe_name,
            str(job.order_id),
            str(job.data_id),
            job.output_cid or "—",
            created,
            url,
        )
    _app.console.print(table)


# --- the local record of jobs ----------------------------------------------------------------
def _jobs_path() -> Path:
    return Path(_app.config().home) / JOBS_FILE


def _known_jobs() -> dict[str, dict[str, Any]]:
    path = _jobs_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        _app.err_console.print(f"[yellow]warning:[/] {path} is unreadable; ignoring it")
        return {}
    return (
        {str(k): v for k, v in data.items() if isinstance(v, dict)}
        if isinstance(data, dict)
        else {}
    )


def _remember(job_id: str, endpoint: str, order_id: int) -> None:
    import time

    from noosphere.wallet import atomic_write

    known = _known_jobs()
    known[job_id] = {"endpoint": endpoint, "order_id": order_id, "created": int(time.time())}
    path = _jobs_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(
        path, (json.dumps(known, indent=1, sort_keys=True) + "\n").encode(), overwrite=True
    )


def _say(line: str) -> None:
    from noosphere.nodes.runner import log

    log.info("%s", line)
    _app.console.print(line, soft_wrap=True)
