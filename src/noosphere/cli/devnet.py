"""``noos devnet``: run a local chain (anvil) with the protocol deployed on it."""

from __future__ import annotations

import typer

from noosphere.cli import _app

app = typer.Typer(
    help="Run a local development chain with the protocol deployed.", no_args_is_help=True
)


def _devnet(port: int | None = None):  # type: ignore[no-untyped-def]
    from noosphere.chain.devnet import Devnet

    cfg = _app.config()
    return cfg, Devnet(
        cfg.home,
        anvil_path=str(cfg.anvil_path),
        port=int(port if port is not None else cfg.devnet_port),
    )


def ensure_deployed(cfg, rpc_url: str) -> tuple[object, bool]:  # type: ignore[no-untyped-def]
    """Deploy the protocol on the devnet unless a valid manifest already matches it."""
    from noosphere.chain.accounts import dev_account
    from noosphere.chain.client import Chain
    from noosphere.chain.deploy import DeployParams, deploy_protocol
    from noosphere.chain.manifest import load_manifest
    from noosphere.errors import ChainMismatchError, ManifestError

    chain = Chain.connect(rpc_url, tx_timeout=float(cfg.tx_timeout))
    try:
        return load_manifest(cfg.home, chain), False
    except (ManifestError, ChainMismatchError):
        pass
    manifest = deploy_protocol(
        chain,
        dev_account(0),
        cfg.home,
        DeployParams.devnet(),
        progress=lambda m: _app.console.print(f"  {m}"),
    )
    return manifest, True


@app.command("start")
def start(
    port: int | None = typer.Option(
        None, "--port", help="port to listen on; 0 picks a free one [env: NOOS_DEVNET_PORT]"
    ),
    deploy: bool = typer.Option(True, "--deploy/--no-deploy", help="deploy the protocol"),
) -> None:
    """Start the devnet (anvil, state kept in the data dir) and deploy the protocol."""
    cfg, devnet = _devnet(port)
    info = devnet.start()
    if info.backend == "embedded":
        _app.err_console.print(
            "[yellow]anvil not found: using the embedded py-evm chain (slow, not persisted). "
            "Install anvil with `make setup` or set anvil_path.[/]"
        )
    _app.console.print(
        f"devnet running at [bold]{info.rpc_url}[/] (pid {info.pid}, {info.backend})"
    )
    if deploy:
        try:
            manifest, fresh = ensure_deployed(cfg, info.rpc_url)
        except BaseException:
            devnet.stop()
            raise
        verb = "deployed" if fresh else "already deployed"
        for name, record in manifest.contracts.items():  # type: ignore[attr-defined]
            _app.console.print(f"  {verb} {name} at {record.address}")


@app.command("stop")
def stop() -> None:
    """Stop the devnet; its chain state is kept for the next start."""
    _cfg, devnet = _devnet()
    info = devnet.stop()
    _app.console.print(f"devnet at {info.rpc_url} stopped")


@app.command("status")
def status() -> None:
    """Show whether the devnet runs, where, its chain id, head block and deployment."""
    from noosphere.chain.client import Chain
    from noosphere.chain.manifest import load_manifest
    from noosphere.errors import NoosphereError

    cfg, devnet = _devnet()
    info = devnet.info()
    if info is None:
        _app.console.print("devnet: [bold]stopped[/]")
        raise typer.Exit(3)
    chain = Chain.connect(info.rpc_url)
    _app.console.print(
        f"devnet: [bold green]running[/] at {info.rpc_url} (pid {info.pid}, {info.backend})"
    )
    _app.console.print(f"  chain id {chain.chain_id}, head block {chain.block_number}")
    try:
        manifest = load_manifest(cfg.home, chain)
        for name, record in manifest.contracts.items():
            _app.console.print(f"  {name}: {record.address}")
    except NoosphereError as error:
        _app.console.print(f"  [yellow]protocol: {error.user_message}[/]")


@app.command("reset")
def reset(
    deploy: bool = typer.Option(True, "--deploy/--no-deploy", help="deploy the protocol"),
) -> None:
    """Stop the devnet, erase its chain state and deployment, and start it afresh."""
    from noosphere.chain.devnet import DEV_CHAIN_ID
    from noosphere.chain.manifest import manifest_path

    cfg, devnet = _devnet()
    devnet.reset()
    manifest_path(cfg.home, DEV_CHAIN_ID).unlink(missing_ok=True)
    _app.console.print("devnet state erased")
    start(port=None, deploy=deploy)


@app.command("fund")
def fund(
    target: str = typer.Argument(..., help="address, wallet name or wallet/hotkey"),
    noos: str = typer.Option("1000", "--noos", help="NOOS to send from the devnet treasury"),
    eth: str = typer.Option("10", "--eth", help="native coin to send for gas"),
) -> None:
    """Fund an account on the devnet from the deployer (development account 0)."""
    from noosphere.chain.accounts import dev_account
    from noosphere.chain.devnet import DEV_CHAIN_ID
    from noosphere.chain.protocol import open_protocol
    from noosphere.chain.token import format_amount, parse_amount
    from noosphere.cli.wallet_chain import _resolve_target
    from noosphere.errors import ChainMismatchError

    address = _resolve_target(target)
    noos_units, eth_units = parse_amount(noos), parse_amount(eth)
    protocol = open_protocol(_app.config())
    if protocol.chain.chain_id != DEV_CHAIN_ID:
        raise ChainMismatchError(
            f"`devnet fund` only works on the devnet (chain {DEV_CHAIN_ID}), "
            f"not chain {protocol.chain.chain_id}"
        )
    donor = dev_account(0)
    if eth_units:
        protocol.chain.transact(donor, to=address, value=eth_units, gas=21_000)
    if noos_units:
        protocol.token.transfer(donor, address, noos_units)
    _app.console.print(
        f"funded {address} with {format_amount(noos_units)} NOOS and {format_amount(eth_units)} ETH"
    )


@app.command("mine")
def mine(
    blocks: int = typer.Argument(1, min=1, max=1_000_000, help="number of blocks to mine"),
    seconds: str = typer.Option(
        "0", "--time", help="move the clock forward first, e.g. 90, 15m, 2h, 1d"
    ),
) -> None:
    """Mine empty blocks on the devnet, optionally after moving its clock (votes, timelocks)."""
    from noosphere.chain.data_terms import duration_seconds
    from noosphere.chain.devnet import DEV_CHAIN_ID
    from noosphere.chain.protocol import connect
    from noosphere.errors import ChainMismatchError

    jump = duration_seconds(seconds, "--time")
    chain = connect(_app.config())
    if chain.chain_id != DEV_CHAIN_ID:
        raise ChainMismatchError(
            f"`devnet mine` only works on the devnet (chain {DEV_CHAIN_ID}), "
            f"not chain {chain.chain_id}"
        )
    if jump:
        chain.rpc("evm_increaseTime", [jump])
    chain.mine(blocks)
    block = chain.w3.eth.get_block("latest")
    _app.console.print(
        f"mined {blocks} block(s): head {block['number']}, time {block['timestamp']}"
    )
