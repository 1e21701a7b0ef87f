"""Running a node as a long-lived process: signals, logging, the step loop, and setup helpers.

``noos miner run`` and ``noos validator run`` are thin commands over this module. A node
process logs to a file under ``<home>/nodes/``, stops gracefully on SIGTERM or SIGINT (the
current step finishes, then the loop exits), and survives transient errors: a step that raises
is logged and retried after the interval. Everything a validator must not forget lives in its
:class:`~noosphere.nodes.state.NodeState`, so a process killed at any point resumes where it
was when started again.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from noosphere.errors import InputError, NoosphereError, StoreError

if TYPE_CHECKING:
    from noosphere.chain.subnets import Subnets
    from noosphere.ml import TaskSpec
    from noosphere.nodes.state import NodeState
    from noosphere.storage import Store

log = logging.getLogger("noosphere.node")
SECRET_KEY = "scorer_secret"
NODES_DIR = "nodes"


# --- files ---------------------------------------------------------------------------------
def node_dir(home: Path) -> Path:
    """``<home>/nodes``, created if needed."""
    path = Path(home) / NODES_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def node_name(role: str, netuid: int, hotkey: str) -> str:
    """The file stem of a node: ``validator-1-0xab…`` (by hotkey address: names can clash)."""
    return f"{role}-{netuid}-{hotkey.lower()}"


def setup_logging(log_file: Path, level: int = logging.INFO) -> logging.Handler:
    """Send the ``noosphere`` loggers to ``log_file`` (appended); returns the handler."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("noosphere")
    root.addHandler(handler)
    root.setLevel(level)
    return handler


# --- signals and the loop ------------------------------------------------------------------
@contextlib.contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGTERM or SIGINT while the block runs (old handlers restored after)."""
    stop = threading.Event()

    def handler(signum: int, _frame: FrameType | None) -> None:
        log.info("received signal %d: stopping", signum)
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_loop(
    step: Callable[[], list[str]],
    interval: float,
    stop: threading.Event,
    *,
    emit: Callable[[str], None] = print,
    max_steps: int | None = None,
) -> int:
    """Call ``step`` every ``interval`` seconds until ``stop`` is set; returns the step count.

    Each line ``step`` returns is logged and passed to ``emit``. A step that raises is logged
    (one line for a :class:`NoosphereError`, a traceback otherwise) and the loop goes on: RPC
    hiccups and a restarting chain must not kill a node.
    """
    count = 0
    failures = 0
    while not stop.is_set():
        started = time.monotonic()
        try:
            for line in step():
                log.info("%s", line)
                emit(line)
            failures = 0
        except NoosphereError as error:
            failures += 1
            log.warning("step failed: %s", error.user_message)
            emit(f"step failed: {error.user_message}")
        except Exception as error:  # transient: connection resets, timeouts, node restarts
            failures += 1
            log.exception("step failed")
            emit(f"step failed: {type(error).__name__}: {error}")
        count += 1
        if max_steps is not None and count >= max_steps:
            break
        backoff = min(30.0, interval * (2 ** min(failures, 4))) if failures else interval
        stop.wait(max(0.0, backoff - (time.monotonic() - started)))
    return count


# --- chain and task ------------------------------------------------------------------------
def parse_netuid(text: str) -> int:
    """A netuid (1 … 65535) from user text."""
    try:
        netuid = int(text.strip())
    except ValueError:
        raise InputError(f"netuid {text!r} is not a number", hint="netuids are 1, 2, …") from None
    if not 0 < netuid <= 0xFFFF:
        raise InputError(f"netuid {netuid} is out of range", hint="netuids run from 1 to 65535")
    return netuid


def check_subnet(subnets: Subnets, netuid: int) -> None:
    """Raise a clear error unless subnet ``netuid`` exists."""
    if subnets.subnet_exists(netuid):
        return
    count = subnets.subnet_count()
    hint = f"subnets here: 1 to {count}" if count else "create one with `noos subnet create`"
    raise InputError(f"unknown netuid: subnet {netuid} does not exist", hint=hint)


def task_cid(subnets: Subnets, netuid: int) -> str:
    """The task spec CID registered for ``netuid``."""
    return str(subnets.chain.call(subnets.registry.functions.task_cid(netuid)))


def builtin_match(cid: str) -> TaskSpec | None:
    """The built-in spec (default parameters, either mode) whose CID is ``cid``, if any."""
    from noosphere.ml import BUILTIN_DATASETS, builtin_spec

    for name in BUILTIN_DATASETS:
        for mode in ("inference", "submission"):
            try:
                spec = builtin_spec(name, mode=mode)
            except NoosphereError:
                continue
            if str(spec.cid()) == cid:
                return spec
    return None


def load_task_spec(subnets: Subnets, netuid: int, store: Store) -> TaskSpec:
    """The subnet's task spec: a built-in one, else its JSON read from the store by CID."""
    from noosphere.ml import load_spec

    cid = task_cid(subnets, netuid)
    spec = builtin_match(cid)
    if spec is not None:
        return spec
    try:
        data = store.read_bytes(cid, max_size=1 << 20)
        return load_spec(data, cid=cid)
    except NoosphereError as error:
        raise InputError(
            f"the task spec {cid} of subnet {netuid} is not loadable: {error.user_message}",
            hint="add it to the local store (noos store add) or configure a gateway that has it",
        ) from None


# --- validator pieces ----------------------------------------------------------------------
def scorer_secret(state: NodeState) -> bytes:
    """The node's private-split secret: 32 random bytes made once and kept in its state."""
    value = state.get(SECRET_KEY)
    if value is None:
        value = secrets.token_hex(32)
        state.put(SECRET_KEY, value)
    return bytes.fromhex(str(value))


def bonds_publisher(store: Store) -> Callable[[bytes], object]:
    """A ``publish_bonds`` hook: add the bonds file to the local store."""

    def publish(data: bytes) -> object:
        cid = store.put_bytes(data, name="bonds.npz")
        log.info("stored bonds file %s", cid)
        return cid

    return publish


def bonds_reader(store: Store) -> Callable[[bytes], bytes | None]:
    """A ``bonds_source`` hook: a bonds file by digest, from the store (then its gateways)."""
    from noosphere.storage import make_cid

    def read(digest: bytes) -> bytes | None:
        cid = make_cid(digest)
        try:
            return store.read_bytes(cid)
        except StoreError as error:
            log.info("bonds file %s not available: %s", cid, error.user_message)
            return None

    return read


# --- miner pieces --------------------------------------------------------------------------
def check_port_free(host: str, port: int) -> None:
    """Raise a clear error when ``host:port`` cannot be bound."""
    import socket

    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise InputError(f"port {port} on {host} is taken ({exc.strerror})",
                             hint="choose another with --port") from None  # fmt: skip


class AxonServer:
    """A uvicorn server for an axon app, in a background thread (signals left to the caller)."""

    def __init__(self, app: Any, host: str, port: int) -> None:
        import uvicorn

        class _Server(uvicorn.Server):
            def install_signal_handlers(self) -> None:
                return

        config = uvicorn.Config(app, host=host, port=port, log_level="warning",
                                access_log=False)  # fmt: skip
        self.server = _Server(config)
        self.thread = threading.Thread(target=self.server.run, name="axon", daemon=True)

    def start(self, timeout: float = 15.0) -> None:
        """Start serving; raise if the server does not come up within ``timeout`` seconds."""
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise InputError("the axon server did not start", hint="see the node's log")
            time.sleep(0.02)

    @property
    def alive(self) -> bool:
        """True while the server thread runs."""
        return self.thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the server to exit and wait for it."""
        self.server.should_exit = True
        self.thread.join(timeout)
