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

    def noos(self, *args: str, env: dict[str, str] | None = None, quiet: bool = False,
             fails: bool = False) -> str:  # fmt: skip
        """Run ``noos ARGS``, echo it, print its output; the demo fails if the command fails,
        or, with ``fails``, if it succeeds (then its error output is returned too)."""
        note = "   [dim](expected to fail)[/]" if fails else ""
        console.print(f"[bold cyan]$ noos {' '.join(args)}[/]{note}")
        result = subprocess.run(
            [sys.executable, "-m", "noosphere.cli", *args],
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=300,
        )
        if fails:
            sys.stdout.write(result.stdout + result.stderr)
            if result.returncode == 0:
                raise SystemExit(f"demo step should have failed: noos {' '.join(args)}")
            return result.stdout + result.stderr
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

        _section("7. Models: ownership, licences and royalties through the lineage")
        console.print(
            "alice registers a baseline model trained on her own data, with a public test split\n"
            "and a fine-tune licence for sale. bob buys that licence and registers his\n"
            "compute-to-data model as its child: provenance = alice's dataset, bob's order, the\n"
            "provider's signed receipt, the parent. carol buys an inference licence; the revenue\n"
            "reaches bob, alice (dataset share and parent royalty) and the DAO's treasury (fee).\n"
            "Then anyone audits the lineage from the chain, and a tampered artifact is caught."
        )
        _model_story(demo, home, cancer, order_id)

        _section("8. The DAO: token holders govern the protocol")
        console.print(
            "Deployment handed every admin role, NOOS's ownership and a treasury to the DAO's\n"
            "timelock. carol, a large holder, delegates to herself and proposes to fund a new\n"
            "subnet's emission share and to raise the data market fee; carol and bob vote, the\n"
            "proposal is queued in the timelock and executed once its delay has passed."
        )
        _dao_story(demo, home)

        _section("Summary")
        table = Table(show_header=False)
        for row in _chain_summary(home):
            table.add_row(*row)
        table.add_row("dataset CID", cid)
        table.add_row("gateway round trip", "verified block by block, identical bytes")
        table.add_row("subnet simulation", f"{sim_out}/report.json and plots")
        table.add_row("compute-to-data", "model bob-model.onnx, receipt bob-receipt.json")
        table.add_row(
            "model lineage", "model 2 (bob) ← dataset 1 + receipt, parent model 1 (alice)"
        )
        table.add_row("audit", "passed, then failed on the tampered artifact as it should")
        table.add_row("DAO", "proposal executed: subnet 1 funded, data market fee 2.5 %")
        table.add_row("time", f"{time.monotonic() - started:.0f} s")
        console.print(table)
    finally:
        with contextlib.suppress(SystemExit):
            demo.noos("devnet", "stop", quiet=True)
    console.print(f"\nDemo data kept in {home}; `NOOS_HOME={home} noos devnet start` resumes it.")


def _model_story(demo: Demo, home: Path, cancer: Path, order_id: str) -> None:
    """Section 7: two generations of models, a sale, royalties, the audit and a tampering."""
    import numpy as np

    from noosphere.ml.inference import Predictor
    from noosphere.ml.recipes import to_onnx, train
    from noosphere.wallet import Wallet

    table = np.loadtxt(cancer, delimiter=",", skiprows=1)
    X, y = table[:, :-1].astype(np.float32), table[:, -1].astype(np.int64)
    base = to_onnx(train("logreg", X[:300], y[:300], seed=0), X.shape[1])
    (home / "alice-base.onnx").write_bytes(base)
    header = cancer.read_text().splitlines()[0]
    test_rows = cancer.read_text().splitlines()[470:]
    (home / "alice-test.csv").write_text("\n".join([header, *test_rows]) + "\n")
    accuracy = float(np.mean(Predictor(base).predict_proba(X[469:]).argmax(axis=1) == y[469:]))
    demo.noos("model", "register", "--artifact", str(home / "alice-base.onnx"),
              "--name", "Breast cancer baseline", "--description", "logreg on 300 rows",
              "--classes", "2",
              "--test-split", str(home / "alice-test.csv"), "--label", "label",
              "--test-metric", "accuracy", "--test-value", repr(accuracy),
              "--royalty", "1000", "--terms", "fine-tune=2:30",
              "--from", "alice", "--yes")  # fmt: skip
    demo.noos("model", "buy", "1", "--kind", "fine-tune", "--from", "bob", "--yes")
    alice = Wallet.load("alice", home).coldkey_address
    bob = Wallet.load("bob", home).coldkey_address
    demo.noos("model", "register", "--artifact", str(home / "bob-model.onnx"),
              "--name", "Breast cancer logreg (compute-to-data)", "--classes", "2",
              "--description", "trained in place on alice's data, fine-tuned from model 1",
              "--dataset", f"1:{order_id}@{home / 'bob-receipt.json'}", "--parent", "1",
              "--recipe", "logreg", "--split", f"{bob}=7000", "--split", f"{alice}=3000",
              "--terms", "inference=4:30", "--from", "bob", "--yes")  # fmt: skip
    demo.noos("model", "lineage", "2")
    demo.noos("wallet", "create", "carol")
    demo.noos("devnet", "fund", "carol", "--noos", "50000", "--eth", "5")
    demo.noos("model", "buy", "2", "--kind", "inference", "--from", "carol", "--yes")
    demo.noos("model", "earnings", "--from", "alice")
    demo.noos("model", "withdraw", "--from", "bob")
    demo.noos("model", "withdraw", "--from", "alice")
    demo.noos("audit", "model", "2")
    _corrupt_artifact(home)
    failed = demo.noos("audit", "model", "2", fails=True)
    if "artifact" not in failed:
        raise SystemExit("the audit did not name the tampered artifact")


def _corrupt_artifact(home: Path) -> None:
    """Flip one byte of the stored artifact of model 2, as a bad disk or a forger would."""
    from noosphere.chain.protocol import open_protocol
    from noosphere.config import load_config
    from noosphere.storage import Store
    from noosphere.storage.cid import parse_cid

    config = load_config(home=home)
    cid = open_protocol(config).models.model(2).artifact_cid
    path = Store.from_config(config).blockstore.path_for(bytes(parse_cid(cid).raw_digest))
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    console.print(f"[yellow]tampered with one byte of model 2's artifact {cid}[/]")


def _dao_story(demo: Demo, home: Path) -> None:
    """Section 8: a proposal through its whole lifecycle on the devnet."""
    import re

    from noosphere.ml.tasks import builtin_spec

    demo.noos("dao", "params")
    demo.noos("dao", "treasury")
    task = home / "task.json"
    task.write_bytes(builtin_spec("breast_cancer", mode="submission").canonical_bytes())
    put = demo.noos("store", "put", str(task))
    task_cid = next(word for word in put.split() if word.startswith("Qm"))
    created = demo.noos("subnet", "create", task_cid, "--from", "alice", "--yes")
    netuid = re.search(r"created subnet (\d+)", created)
    if netuid is None:
        raise SystemExit("the subnet's number was not printed")
    demo.noos("dao", "delegate", "--from", "carol")
    proposed = demo.noos("dao", "propose", "--title", "Fund the new subnet, raise the data fee",
                         "--description", "Give subnet its emission share and fund the "
                         "treasury with a 2.5 % data market fee.",
                         "--action", f"emitter.set_share({netuid.group(1)}, 10000)",
                         "--action", "licences.set_fee(250)",
                         "--from", "carol", "--yes")  # fmt: skip
    found = re.search(r"proposal (0x[0-9a-f]{8,})", proposed)
    if found is None:
        raise SystemExit("the proposal id was not printed")
    pid = found.group(1)
    demo.noos("devnet", "mine", "2")
    demo.noos("dao", "vote", pid, "for", "--from", "carol")
    demo.noos("dao", "vote", pid, "for", "--reason", "more data fees", "--from", "bob")
    demo.noos("dao", "list")
    demo.noos("devnet", "mine", "21")
    demo.noos("dao", "queue", pid, "--from", "carol")
    demo.noos("devnet", "mine", "1", "--time", "15")
    demo.noos("dao", "execute", pid, "--from", "carol")
    demo.noos("dao", "show", pid)
    _check_dao_effect(home, int(netuid.group(1)))


def _check_dao_effect(home: Path, netuid: int) -> None:
    """The executed proposal changed the chain: the subnet's share and the data market fee."""
    from noosphere.chain.protocol import open_protocol
    from noosphere.chain.subnets import Subnets
    from noosphere.config import load_config

    protocol = open_protocol(load_config(home=home))
    share = Subnets(protocol.chain, protocol.manifest).share_of(netuid)
    fee = protocol.data.fee_bps()
    console.print(f"subnet {netuid} emission share: {share / 100:g} %; data market fee: "
                  f"{fee / 100:g} %")  # fmt: skip
    if (share, fee) != (10_000, 250):
        raise SystemExit("the DAO's proposal did not take effect")


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
