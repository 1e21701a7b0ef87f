"""``noos miner run``: serve a model on a subnet as a long-running axon.

The miner reads the subnet's task spec (by the CID on chain), loads ``--model`` or trains a
``--recipe`` on the task's public split, and makes sure the chain points validators at it
(``--register``, ``--update-axon``). In inference mode it serves ``POST /forward`` to permitted
validators; in submission mode it serves the model as a trustless gateway (from a store of its
own holding only the model) and commits the model's CID on chain as soon as the chain allows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from noosphere.cli import _app
from noosphere.cli.wallet import ask_password, open_wallet

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from noosphere.chain.commitments import ModelCommitments
    from noosphere.chain.subnets import Subnets

app = typer.Typer(help="Run a miner: serve a model to the subnet's validators.",
                  no_args_is_help=True)  # fmt: skip
_WALLET_HELP = "wallet of the miner (default: the configured one) \\[env: NOOS_WALLET]"
_HOTKEY_HELP = "hotkey of the wallet that signs (default: the configured one) \\[env: NOOS_HOTKEY]"


@app.command("run")
def run(
    netuid_text: str = typer.Argument(..., metavar="NETUID", help="subnet id (1, 2, …)"),
    wallet_name: str | None = typer.Option(None, "--wallet", "-w", help=_WALLET_HELP),
    hotkey_option: str | None = typer.Option(None, "--hotkey", help=_HOTKEY_HELP),
    host: str = typer.Option("127.0.0.1", "--host", help="address the axon listens on"),
    port: int = typer.Option(8091, "--port", help="port the axon listens on (0: a free one)"),
    axon_url: str | None = typer.Option(
        None, "--axon-url", help="URL validators reach the axon at (default: http://HOST:PORT)"
    ),
    model: str | None = typer.Option(None, "--model", help="ONNX model to serve (FILE.onnx)"),
    recipe: str = typer.Option(
        "logreg", "--recipe", help="recipe trained on the public split when no --model is given"
    ),
    seed: int = typer.Option(0, "--seed", help="training seed for --recipe"),
    register: bool = typer.Option(
        False, "--register", help="register the hotkey (burning from the coldkey) if needed"
    ),
    max_burn: str | None = typer.Option(
        None, "--max-burn", help="highest registration burn accepted, in NOOS (default: any)"
    ),
    update_axon: bool = typer.Option(
        False, "--update-axon", help="set the on-chain axon to this URL if it differs"
    ),
) -> None:
    """Serve a model on subnet NETUID until stopped (SIGTERM or Ctrl-C)."""
    from pathlib import Path

    from noosphere.chain.commitments import ModelCommitments
    from noosphere.chain.devnet import free_port
    from noosphere.chain.protocol import open_protocol
    from noosphere.chain.subnets import Subnets
    from noosphere.errors import InputError
    from noosphere.ml import RECIPES, Predictor, check_model, to_onnx, train
    from noosphere.nodes import runner
    from noosphere.nodes.miner import PermitCache, create_miner_axon
    from noosphere.storage import Store
    from noosphere.storage.gateway import create_app as create_gateway

    cfg = _app.config()
    netuid = runner.parse_netuid(netuid_text)
    if model is None and recipe not in RECIPES:
        raise InputError(f"unknown recipe {recipe!r}", hint="recipes: " + ", ".join(RECIPES))
    wallet = open_wallet(wallet_name)
    hotkey_name = hotkey_option or str(cfg.hotkey)
    hotkey_address = wallet.hotkey_address(hotkey_name)
    protocol = open_protocol(cfg)
    subnets = Subnets(protocol.chain, protocol.manifest)
    runner.check_subnet(subnets, netuid)
    registered = subnets.is_registered(netuid, hotkey_address)
    if not registered and not register:
        raise InputError(f"hotkey {hotkey_address} is not registered on subnet {netuid}",
                         hint="pass --register to register it now")  # fmt: skip
    if port == 0:
        port = free_port(host)
    runner.check_port_free(host, port)
    url = axon_url or f"http://{host}:{port}"
    spec = runner.load_task_spec(subnets, netuid, Store.from_config(cfg))

    password = ask_password(f"wallet {wallet.name}")
    hotkey = wallet.unlock_hotkey(hotkey_name, password)
    name = runner.node_name("miner", netuid, hotkey_address)
    directory = runner.node_dir(cfg.home)
    runner.setup_logging(directory / f"{name}.log")
    log = runner.log

    if model is not None:
        try:
            onnx = Path(model).expanduser().read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read model {model}: {exc.strerror}") from None
        source = model
    else:
        public = spec.training_split()
        onnx = to_onnx(train(recipe, public.X, public.y, seed=seed), spec.n_features)
        source = f"recipe {recipe} (seed {seed})"
    if spec.mode == "submission":
        check_model(onnx, spec)  # a model validators would reject is refused here, unsent
        model_store = Store(directory / f"{name}.store")  # serves this model and nothing else
        model_cid = str(model_store.put_bytes(onnx, name="model.onnx"))
        app_ = create_gateway(model_store)
    else:
        predictor = Predictor(onnx)
        if predictor.n_features != spec.n_features:
            raise InputError(f"the model takes {predictor.n_features} features; the task has "
                             f"{spec.n_features}")  # fmt: skip
        app_ = create_miner_axon(hotkey, predictor.predict_proba, spec,
                                 PermitCache(subnets, netuid),
                                 directory / f"{name}.replay.sqlite", netuid=netuid)  # fmt: skip
    server = runner.AxonServer(app_, host, port)
    server.start()
    try:
        if not registered:
            uid = _register(subnets, wallet.unlock_coldkey(password), netuid, hotkey_address,
                            url, max_burn)  # fmt: skip
            _say(f"registered {hotkey_address} on subnet {netuid} as UID {uid}")
        else:
            uid = subnets.uid_of(netuid, hotkey_address)
            on_chain = str(subnets.chain.call(subnets.registry.functions.axon_of(netuid, uid)))
            if on_chain != url:
                if update_axon:
                    subnets.set_axon(hotkey, netuid, hotkey_address, url)
                    _say(f"updated the axon of UID {uid} from {on_chain!r} to {url}")
                else:
                    _app.err_console.print(
                        f"[yellow]warning:[/] the chain lists {on_chain!r} as the axon of UID "
                        f"{uid}, not {url}; validators will not reach this miner (rerun with "
                        "--update-axon)", soft_wrap=True)  # fmt: skip
        _say(f"miner UID {uid} on subnet {netuid} serving {source} at {url}")
        log.info("serving at %s", url)
        committer = None
        if spec.mode == "submission":
            committer = _ModelCommitter(ModelCommitments(protocol.chain, protocol.manifest),
                                        hotkey, netuid, uid, model_cid)  # fmt: skip
            committer.try_commit()
        with runner.stop_on_signals() as stop:
            while not stop.wait(1.0):
                if not server.alive:
                    raise InputError("the axon server stopped", hint=f"see {name}.log")
                if committer is not None:
                    committer.try_commit()
    finally:
        server.stop()
        log.info("stopped")
    _say("miner stopped")


class _ModelCommitter:
    """Commits the served model's CID once the chain allows it (one commitment per interval)."""

    def __init__(self, commitments: ModelCommitments, hotkey: LocalAccount, netuid: int,
                 uid: int, cid: str) -> None:  # fmt: skip
        self.commitments, self.hotkey, self.netuid = commitments, hotkey, netuid
        self.uid, self.cid = uid, cid
        self.done = False
        self._waiting_for: int | None = None

    def try_commit(self) -> None:
        """Commit unless the chain already holds this CID; report when it must wait."""
        from noosphere.chain.commitments import canonical_cid
        from noosphere.errors import ModelCommitmentError, NoosphereError

        if self.done:
            return
        try:
            current = self.commitments.commitment(self.netuid, self.uid)
            if current is not None and canonical_cid(current.cid) == canonical_cid(self.cid):
                self.done = True
                _say(f"the chain holds model {self.cid} for UID {self.uid}")
                return
            self.commitments.commit_model(self.hotkey, self.netuid, self.cid)
        except ModelCommitmentError as error:
            allowed = self.commitments.next_commit_epoch(self.netuid, self.hotkey.address)
            if self._waiting_for != allowed:
                self._waiting_for = allowed
                _say(f"model {self.cid} not committed yet: {error.user_message}")
            return
        except NoosphereError as error:
            _say(f"committing model {self.cid} failed (will retry): {error.user_message}")
            return
        self.done = True
        _say(f"committed model {self.cid} for UID {self.uid} on subnet {self.netuid}")


def _register(subnets: Subnets, coldkey: LocalAccount, netuid: int, hotkey: str, url: str,
              max_burn: str | None) -> int:  # fmt: skip
    """Register at the current burn price, again if another registration raised it first.

    On a full subnet the hotkey replaces the lowest-emission prunable UID of the latest
    finalized result (previous bonds read from the store and its gateways).
    """
    from noosphere.audit.pruning import register_neuron
    from noosphere.chain.token import parse_amount
    from noosphere.nodes.runner import bonds_reader
    from noosphere.storage import Store

    cap = parse_amount(max_burn) if max_burn is not None else None
    bonds = bonds_reader(Store.from_config(_app.config()))
    done = register_neuron(subnets, coldkey, netuid, hotkey, url, max_burn=cap,
                           bonds_source=bonds)  # fmt: skip
    if done.replaced_hotkey:
        _say(
            f"the subnet was full: UID {done.uid} was {done.replaced_hotkey}, the "
            f"lowest-emission prunable UID in the result of epoch {done.result_epoch}"
        )
    return done.uid


def _say(line: str) -> None:
    from noosphere.nodes.runner import log

    log.info("%s", line)
    _app.console.print(line, soft_wrap=True)
