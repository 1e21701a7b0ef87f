"""``make demo``: a guided run of a whole local Noosphere network, driven through the CLI.

Every step runs the real ``noos`` command a user would type (shown before its output), in a
demo data dir (``.demo/`` in the working directory, or ``NOOS_DEMO_HOME``), so the run doubles
as a tour. It covers the platform (devnet and deployment, wallets, NOOS transfers and vote
delegation, the content store and gateway), a whole subnet simulated with adversaries, and the
data market (publish, buy and order, compute-to-data with a signed receipt).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

console = Console(highlight=False)
PASSWORD = "demo-password-not-secret"


class Demo:
    """Runs ``noos`` commands against one demo data dir and keeps what they printed."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("NOOS_")}
        self.env.update({"NOOS_HOME": str(home), "NOOS_PASSWORD": PASSWORD,
                         "NOOS_KDF": "light", "COLUMNS": "110"})  # fmt: skip

    def noos(self, *args: str, env: dict[str, str] | None = None, quiet: bool = False) -> str:
        """Run ``noos ARGS``, echo it, print its output, fail the demo if it fails."""
        console.print(f"[bold cyan]$ noos {' '.join(args)}[/]")
        result = subprocess.run(
            [sys.executable, "-m", "noosphere.cli", *args],
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0:
            console.print(result.stdout + result.stderr)
            raise SystemExit(f"demo step failed: noos {' '.join(args)}")
        if not quiet:
            sys.stdout.write(result.stdout)
            sys.stdout.flush()
        return result.stdout

    @contextlib.contextmanager
    def background(self, *args: str, ready_url: str) -> Iterator[None]:
        """Run ``noos ARGS`` in the background until the block ends."""
        console.print(f"[bold cyan]$ noos {' '.join(args)} &[/]")
        process = subprocess.Popen(
            [sys.executable, "-m", "noosphere.cli", *args],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    httpx.get(ready_url, timeout=0.5)
                    break
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit(f"`noos {' '.join(args)}` did not start")
                time.sleep(0.1)
            yield
        finally:
            process.terminate()
            process.wait(10)


def _section(title: str) -> None:
    console.print()
    console.rule(f"[bold]{title}")


def _sample_dataset(path: Path, rows: int = 40_000) -> None:
    import numpy as np

    rng = np.random.default_rng(7)
    features = rng.normal(size=(rows, 4)).round(5)
    labels = (features @ np.array([0.8, -0.4, 0.3, 0.1]) > 0).astype(int)
    lines = ["f0,f1,f2,f3,label"]
    lines += [
        ",".join(map(str, row)) + f",{label}" for row, label in zip(features, labels, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    """Run the whole demo and print a summary."""
    home = Path(os.environ.get("NOOS_DEMO_HOME", ".demo")).resolve()
    if home.exists():
        from noosphere.chain.devnet import Devnet

        if Devnet(home).info() is not None:
            Devnet(home).stop()
        shutil.rmtree(home)
    home.mkdir(parents=True)
    demo = Demo(home)
    started = time.monotonic()
    console.print(Panel.fit("Noosphere demo: a local network from scratch", style="bold green"))
    try:
        _section("1. A local chain with the protocol deployed")
        demo.noos("devnet", "start")

        _section("2. Wallets: a coldkey (funds) and a hotkey (daily signing) each")
        demo.noos("wallet", "create", "alice")
        demo.noos("wallet", "create", "bob")
        demo.noos("devnet", "fund", "alice", "--noos", "1000", "--eth", "10")
        demo.noos("devnet", "fund", "bob", "--noos", "0", "--eth", "1")

        _section("3. NOOS: transfer and delegate voting power")
        demo.noos("wallet", "transfer", "bob", "250", "--from", "alice", "--yes")
        demo.noos("wallet", "delegate", "--from", "bob")
        demo.noos("wallet", "delegate", "bob", "--from", "alice")
        demo.noos("wallet", "balance", "alice")
        demo.noos("wallet", "balance", "bob")

        _section("4. Content store: kubo-identical CIDs served over a trustless gateway")
        dataset = home / "dataset.csv"
        _sample_dataset(dataset)
        put = demo.noos("store", "put", str(dataset))
        cid = next(word for word in put.split() if word.startswith("Qm"))
        port = _free_port()
        gateway = f"http://127.0.0.1:{port}"
        other = Demo(home / "other-node")
        (home / "other-node").mkdir()
        with demo.background("store", "serve", "--port", str(port), ready_url=f"{gateway}/"):
            fetched = home / "fetched.csv"
            other.noos("store", "get", cid, "-o", str(fetched), env={"NOOS_GATEWAYS": gateway})
        same = fetched.read_bytes() == dataset.read_bytes()
        console.print(f"fetched copy identical to the original: [bold]{same}[/]")
        if not same:
            raise SystemExit("the fetched file differs from the original")

        _section("5. A subnet at work: miners, validators and adversaries, epoch by epoch")
        console.print(
            "A whole subnet on its own chain: miners serve real models of changing quality,\n"
            "validators score them on private data, commit and reveal weights, compute Yuma\n"
            "consensus, attest the result and claim; a random miner, sybils, a weight copier,\n"
            "a lazy validator and colluders try their luck."
        )
        sim_out = home / "simulation"
        simulated = demo.noos("simulate", "--out", str(sim_out))
        if "report:" not in simulated:
            raise SystemExit("the simulation wrote no report")

        _section("6. Data market: sell access to data without giving it away")
        console.print(
            "alice runs a provider node and publishes a real dataset as a Data NFT: profiled,\n"
            "encrypted (AES-256-GCM) into the content store, its key sealed to her provider.\n"
            "bob buys a licence and orders it in one transaction, then trains on it through\n"
            "compute-to-data: the rows never leave the provider, bob gets a model, aggregate\n"
            "metrics and a signed receipt for the model's provenance."
        )
        cancer = home / "breast-cancer.csv"
        _breast_cancer_csv(cancer)
        provider_port = _free_port()
        provider = f"http://127.0.0.1:{provider_port}"
        with demo.background("data", "serve", "--port", str(provider_port), "--from", "alice",
                             ready_url=f"{provider}/health"):  # fmt: skip
            demo.noos("data", "publish", str(cancer), "--title", "Breast cancer diagnostics",
                      "--description", "Wisconsin diagnostic breast cancer features",
                      "--tag", "medical", "--price", "5", "--uses", "training",
                      "--validity", "1d", "--label", "label", "--allow-recipe", "logreg",
                      "--allow-recipe", "random_forest", "--endpoint", provider,
                      "--from", "alice", "--yes")  # fmt: skip
            demo.noos("data", "search", "cancer")
            ordered = demo.noos("data", "order", "1", "--buy", "--from", "bob", "--yes")
            order_id = ordered.rsplit("noos data download ", 1)[1].split("`")[0].strip()
            computed = demo.noos("data", "compute", order_id, "--recipe", "logreg", "--wait",
                                 "-o", str(home / "bob-model.onnx"), "--from", "bob")  # fmt: skip
            job_id = computed.split("job ", 1)[1].split()[0]
            demo.noos("data", "jobs", job_id, "--receipt", str(home / "bob-receipt.json"),
                      "--from", "bob")  # fmt: skip
            demo.noos("data", "earnings", "--from", "alice")
        if not (home / "bob-receipt.json").exists():
            raise SystemExit("the compute-to-data receipt was not saved")

        _section("Summary")
        table = Table(show_header=False)
        for row in _chain_summary(home):
            table.add_row(*row)
        table.add_row("dataset CID", cid)
        table.add_row("gateway round trip", "verified block by block, identical bytes")
        table.add_row("subnet simulation", f"{sim_out}/report.json and plots")
        table.add_row("compute-to-data", "model bob-model.onnx, receipt bob-receipt.json")
        table.add_row("time", f"{time.monotonic() - started:.0f} s")
        console.print(table)
    finally:
        with contextlib.suppress(SystemExit):
            demo.noos("devnet", "stop", quiet=True)
    console.print(f"\nDemo data kept in {home}; `NOOS_HOME={home} noos devnet start` resumes it.")


def _breast_cancer_csv(path: Path) -> None:
    """scikit-learn's copy of the Wisconsin diagnostic breast cancer data, as CSV."""
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    names = [n.replace(" ", "_") for n in data.feature_names]
    lines = [",".join([*names, "label"])]
    lines += [",".join([*(f"{v:g}" for v in row), str(int(label))])
              for row, label in zip(data.data, data.target, strict=True)]  # fmt: skip
    path.write_text("\n".join(lines) + "\n")


def _chain_summary(home: Path) -> list[tuple[str, str]]:
    from noosphere.chain.protocol import open_protocol
    from noosphere.chain.token import format_amount
    from noosphere.config import load_config
    from noosphere.wallet import Wallet

    protocol = open_protocol(load_config(home=home))
    token = protocol.token
    rows = [
        (
            "chain",
            f"{protocol.chain.rpc_url} (chain id {protocol.chain.chain_id}, "
            f"block {protocol.chain.block_number})",
        ),
        ("NOOS token", token.address),
    ]
    for name in ("alice", "bob"):
        address = Wallet.load(name, home).coldkey_address
        rows.append(
            (
                name,
                f"{format_amount(token.balance_of(address))} NOOS, "
                f"{format_amount(token.votes(address))} votes",
            )
        )
    return rows


def _free_port() -> int:
    from noosphere.chain.devnet import free_port

    return free_port()


if __name__ == "__main__":
    main()
