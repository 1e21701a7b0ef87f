"""``noos simulate``: run a whole subnet with honest and adversarial participants on a devnet."""

from __future__ import annotations

from collections import deque
from pathlib import Path

import typer

from noosphere.cli import _app


def simulate(
    miners: int = typer.Option(9, "--miners", envvar="NOOS_SIM_MINERS",
                               help="number of miners (>= 3) \\[env: NOOS_SIM_MINERS]"),
    validators: int = typer.Option(7, "--validators", envvar="NOOS_SIM_VALIDATORS",
                                   help="number of validators \\[env: NOOS_SIM_VALIDATORS]"),
    epochs: int = typer.Option(12, "--epochs", envvar="NOOS_SIM_EPOCHS",
                               help="epochs to settle \\[env: NOOS_SIM_EPOCHS]"),
    out: Path = typer.Option(Path("sim-out"), "--out", envvar="NOOS_SIM_OUT",
                             help="directory for report.json and the plots \\[env: NOOS_SIM_OUT]"),
    seed: int = typer.Option(0, "--seed", envvar="NOOS_SIM_SEED",
                             help="seed of models and strategies \\[env: NOOS_SIM_SEED]"),
) -> None:  # fmt: skip
    """Run a subnet on a throwaway devnet with honest miners and validators and adversaries
    (random and sybil miners; copier, lazy and colluding validators). Before the epochs a data
    provider publishes the task's public training split as a Data NFT, and the miners serving
    the top model buy a licence and train it through compute-to-data. Write DIR/report.json,
    PNG plots and DIR/receipts/<miner>.json, and print who earned what."""
    from rich.console import Group
    from rich.live import Live
    from rich.panel import Panel
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from noosphere.errors import InputError
    from noosphere.sim import SimConfig, write_report
    from noosphere.sim import simulate as run

    if miners < 3 or validators < 1 or epochs < 2:
        raise InputError("need --miners >= 3, --validators >= 1 and --epochs >= 2")
    console = _app.console
    bar = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=console)  # fmt: skip
    task = bar.add_task("epochs settled", total=epochs)
    recent: deque[str] = deque(maxlen=8)

    def view() -> Group:
        return Group(bar, Panel("\n".join(recent) or "starting", title="last actions"))

    with Live(view(), console=console, refresh_per_second=4, transient=True) as live:

        def progress(done: int, total: int, actions: list[str]) -> None:
            bar.update(task, completed=done)
            recent.extend(actions)
            live.update(view())

        result = run(SimConfig(miners=miners, validators=validators, epochs=epochs, seed=seed),
                     progress)  # fmt: skip
    report = write_report(result, out)
    _print_summary(report, out)
    if not report["summary"]["passed"]:
        raise typer.Exit(1)


def _print_summary(report: dict, out: Path) -> None:  # type: ignore[type-arg]
    from rich.table import Table

    console = _app.console
    table = Table(title=f"Who earned what ({len(report['settled_epochs'])} epochs, NOOS)")
    for column in ("UID", "name", "role", "strategy", "stake", "emission", "per stake"):
        numeric = column in ("UID", "stake", "emission", "per stake")
        table.add_column(column, justify="right" if numeric else "left")
    for u in sorted(report["uids"], key=lambda u: (u["role"], -u["emission"])):
        per_stake = f"{u['emission'] / u['stake']:.3f}" if u["stake"] else ""
        table.add_row(str(u["uid"]), u["name"], u["role"], u["strategy"], f"{u['stake']:.0f}",
                      f"{u['emission']:.2f}", per_stake)  # fmt: skip
    console.print(table)
    checks = Table(title="Checks")
    checks.add_column("property")
    checks.add_column("numbers")
    checks.add_column("result")
    for name, value in report["summary"].items():
        if not isinstance(value, dict):
            continue
        numbers = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                            for k, v in value.items()
                            if k not in ("passed", "description"))  # fmt: skip
        result = (
            ("[green]pass[/]" if value["passed"] else "[red]FAIL[/]")
            if "passed" in value
            else "info"
        )
        checks.add_row(name, numbers, result)
    console.print(checks)
    data = report.get("data")
    if data is not None:
        dataset = data["dataset"]
        licences, models = len(data["orders"]), len(data["receipts"])
        console.print(
            f"data market: dataset {dataset['id']} published ({dataset['rows']} public rows, "
            f"{dataset['price']:g} NOOS a licence), {licences} licence{'s' * (licences != 1)} "
            f"sold, {models} model{'s' * (models != 1)} trained through compute-to-data, "
            f"provider earned {data['provider_earnings']:g} NOOS"
        )
    receipts = f"; receipts: {out / 'receipts'}/" if data and data["receipts"] else ""
    console.print(f"report: {out / 'report.json'}; plots: {out}/*.png{receipts} "
                  f"({report['seconds']:.0f} s)")  # fmt: skip
