"""``noos validator run``: the validator's epoch loop as a long-running process.

Every ``--interval`` seconds the validator looks at the chain and does what is due: publish
permits, score miners (querying their axons in inference mode, fetching and evaluating their
committed models in submission mode) and commit weights, reveal, compute the epoch from chain
data, attest, finalize and claim. Its state (commits and salts, results, claims, its scoring
secret) lives in ``<home>/nodes/validator-<netuid>-<hotkey address>.sqlite``, so a killed node
started again reveals its pending commit and claims what is owed.
"""

from __future__ import annotations

import typer

from noosphere.cli import _app
from noosphere.cli.wallet import ask_password, open_wallet

app = typer.Typer(help="Run a validator: score miners, set weights, settle epochs.",
                  no_args_is_help=True)  # fmt: skip
_WALLET_HELP = "wallet of the validator (default: the configured one) \\[env: NOOS_WALLET]"
_HOTKEY_HELP = "hotkey of the wallet that signs (default: the configured one) \\[env: NOOS_HOTKEY]"


@app.command("run")
def run(
    netuid_text: str = typer.Argument(..., metavar="NETUID", help="subnet id (1, 2, …)"),
    wallet_name: str | None = typer.Option(None, "--wallet", "-w", help=_WALLET_HELP),
    hotkey_option: str | None = typer.Option(None, "--hotkey", help=_HOTKEY_HELP),
    interval: float = typer.Option(2.0, "--interval", help="seconds between steps"),
    timeout: float = typer.Option(
        10.0, "--timeout", help="seconds to wait for a miner's answer or model download"
    ),
    steps: int | None = typer.Option(None, "--steps", help="stop after this many steps"),
) -> None:
    """Validate on subnet NETUID until stopped (SIGTERM or Ctrl-C)."""
    from noosphere.chain.commitments import ModelCommitments
    from noosphere.chain.protocol import open_protocol
    from noosphere.chain.subnets import Subnets
    from noosphere.errors import InputError
    from noosphere.nodes import runner
    from noosphere.nodes.dendrite import Dendrite
    from noosphere.nodes.miner import InferenceScorer
    from noosphere.nodes.state import NodeState
    from noosphere.nodes.submission import ArtifactFetcher, SubmissionScorer
    from noosphere.nodes.validator import Scorer, Validator
    from noosphere.storage import Store

    if not interval > 0:
        raise InputError(f"--interval must be positive seconds, got {interval}")
    cfg = _app.config()
    netuid = runner.parse_netuid(netuid_text)
    wallet = open_wallet(wallet_name)
    hotkey_name = hotkey_option or str(cfg.hotkey)
    hotkey_address = wallet.hotkey_address(hotkey_name)
    protocol = open_protocol(cfg)
    subnets = Subnets(protocol.chain, protocol.manifest)
    runner.check_subnet(subnets, netuid)
    if not subnets.is_registered(netuid, hotkey_address):
        raise InputError(
            f"hotkey {hotkey_address} is not registered on subnet {netuid}",
            hint="register it with `noos subnet register` and stake to it",
        )
    store = Store.from_config(cfg)
    spec = runner.load_task_spec(subnets, netuid, store)
    hotkey = wallet.unlock_hotkey(hotkey_name, ask_password(f"hotkey {hotkey_name} of wallet "
                                                            f"{wallet.name}"))  # fmt: skip

    name = runner.node_name("validator", netuid, hotkey_address)
    directory = runner.node_dir(cfg.home)
    runner.setup_logging(directory / f"{name}.log")
    state = NodeState(directory / f"{name}.sqlite")
    scorer: Scorer
    if spec.mode == "submission":
        scorer = SubmissionScorer(ModelCommitments(protocol.chain, protocol.manifest), netuid,
                                  ArtifactFetcher(store, timeout=timeout), spec,
                                  runner.scorer_secret(state))  # fmt: skip
    else:
        scorer = InferenceScorer(Dendrite(hotkey, timeout=timeout), spec,
                                 runner.scorer_secret(state), timeout=timeout)  # fmt: skip
    validator = Validator(subnets, netuid, hotkey, state, scorer,
                          bonds_source=runner.bonds_reader(store),
                          publish_bonds=runner.bonds_publisher(store))  # fmt: skip

    def emit(line: str) -> None:
        _app.console.print(line, soft_wrap=True)

    def step() -> list[str]:
        report = validator.step()
        return [f"epoch {report.epoch}: {action}" for action in report.actions]

    uid = subnets.uid_of(netuid, hotkey_address)
    emit(f"validator UID {uid} ({hotkey_address}) on subnet {netuid}; state in {state.path}")
    runner.log.info("validator UID %d on subnet %d started", uid, netuid)
    with runner.stop_on_signals() as stop:
        runner.run_loop(step, interval, stop, emit=emit, max_steps=steps)
    runner.log.info("stopped")
    emit("validator stopped")
