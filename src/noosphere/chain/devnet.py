"""The local devnet: an anvil process (or the embedded py-evm chain when anvil is missing).

State lives under ``<data dir>/devnet/``: ``devnet.json`` (URL, port, pid, backend), the anvil
log, and ``state.json`` (anvil's ``--state``), so a stopped devnet restarts where it was.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from noosphere.errors import DevnetError
from noosphere.fsutil import atomic_write_json

DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_CHAIN_ID = 31337
HARDFORK = "prague"
DEV_ACCOUNTS = 10
START_TIMEOUT = 30.0


@dataclass
class DevnetInfo:
    """What ``devnet.json`` records about a running devnet."""

    rpc_url: str
    port: int
    pid: int
    backend: str  # "anvil" or "embedded"
    started_at: float
    state_file: str | None = None


def find_anvil(configured: str = "") -> str | None:
    """Locate the anvil binary: the configured path, ``PATH``, or the checkout's ``.tools``."""
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    found = shutil.which("anvil")
    if found:
        return found
    checkout = Path(__file__).resolve().parents[3] / ".tools" / "bin" / "anvil"
    return str(checkout) if os.access(checkout, os.X_OK) else None


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """True when something already listens on ``host:port``."""
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def pid_alive(pid: int) -> bool:
    """True when process ``pid`` exists (and is not a zombie we own)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(ChildProcessError, OSError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    return True


def anvil_command(
    anvil: str, port: int, state_file: Path | None, host: str = "127.0.0.1"
) -> list[str]:
    """The anvil command line Noosphere uses (pinned hardfork, deterministic accounts)."""
    cmd = [
        anvil,
        "--host", host,
        "--port", str(port),
        "--hardfork", HARDFORK,
        "--mnemonic", DEV_MNEMONIC,
        "--accounts", str(DEV_ACCOUNTS),
        "--chain-id", str(DEV_CHAIN_ID),
        "--silent",
    ]  # fmt: skip
    if state_file is not None:
        cmd += ["--state", str(state_file)]
    return cmd


def anvil_env(scratch: Path) -> dict[str, str]:
    """The environment anvil runs in: its home is ``scratch``, emptied first.

    anvil keeps older chain states in ``$HOME/.foundry/anvil/tmp`` and removes them only on a
    graceful exit; a killed anvil leaves gigabytes behind. Its own scratch home keeps that
    under the data dir (or a temporary directory) where Noosphere cleans it.
    """
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    return {**os.environ, "HOME": str(scratch)}


def _rpc_answers(url: str, timeout: float = 0.5) -> bool:
    import httpx

    try:
        response = httpx.post(
            url,
            json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
            timeout=timeout,
        )
        return response.status_code == 200 and "result" in response.json()
    except (httpx.HTTPError, ValueError):
        return False


class Devnet:
    """Start, stop and inspect the devnet whose files live in ``home/devnet``."""

    def __init__(self, home: Path, *, anvil_path: str = "", port: int = 0) -> None:
        self.dir = home / "devnet"
        self.info_file = self.dir / "devnet.json"
        self.log_file = self.dir / "anvil.log"
        self.state_file = self.dir / "state.json"
        self.anvil_path = anvil_path
        self.port = port

    def info(self) -> DevnetInfo | None:
        """The running devnet's record, or None (a stale record is removed)."""
        if not self.info_file.exists():
            return None
        try:
            info = DevnetInfo(**json.loads(self.info_file.read_text()))
        except (ValueError, TypeError):
            self.info_file.unlink(missing_ok=True)
            return None
        if not pid_alive(info.pid):
            self.info_file.unlink(missing_ok=True)
            return None
        return info

    def start(self) -> DevnetInfo:
        """Start the devnet; fails if one is already running or the port is taken."""
        running = self.info()
        if running is not None:
            raise DevnetError(
                f"a devnet is already running at {running.rpc_url} (pid {running.pid})",
                hint="use it, or `noos devnet stop` / `noos devnet reset` first",
            )
        if self.port and port_in_use(self.port):
            raise DevnetError(
                f"port {self.port} is already in use",
                hint="choose another with --port or NOOS_DEVNET_PORT, or 0 for a free one",
            )
        port = self.port or free_port()
        self.dir.mkdir(parents=True, exist_ok=True)
        anvil = find_anvil(self.anvil_path)
        if anvil is None and self.anvil_path:
            raise DevnetError(
                f"anvil_path {self.anvil_path!r} is not an executable file",
                hint="fix anvil_path, or unset it to search PATH",
            )
        if anvil is not None:
            cmd = anvil_command(anvil, port, self.state_file)
            backend, state = "anvil", str(self.state_file)
            env: dict[str, str] | None = anvil_env(self.dir / "anvil-home")
        else:
            from noosphere.chain.accounts import dev_addresses

            cmd = [sys.executable, "-m", "noosphere.chain.embedded", "--port", str(port),
                   "--fund", *dev_addresses()]  # fmt: skip
            backend, state, env = "embedded", None, None
        url = f"http://127.0.0.1:{port}"
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(
                cmd,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                env=env,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while not _rpc_answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                tail = self.log_file.read_text(errors="replace")[-800:].strip()
                raise DevnetError(
                    f"{backend} did not start on port {port}: {tail or 'no output'}",
                    hint=f"see {self.log_file}",
                )
            time.sleep(0.05)
        info = DevnetInfo(url, port, process.pid, backend, time.time(), state)
        atomic_write_json(self.info_file, asdict(info))
        return info

    def stop(self) -> DevnetInfo:
        """Stop the running devnet (anvil saves its state on the way out)."""
        info = self.info()
        if info is None:
            raise DevnetError("no devnet is running", hint="start one with `noos devnet start`")
        with contextlib.suppress(ProcessLookupError):
            os.kill(info.pid, signal.SIGINT)
        deadline = time.monotonic() + 15
        while pid_alive(info.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if pid_alive(info.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(info.pid, signal.SIGKILL)
        shutil.rmtree(self.dir / "anvil-home", ignore_errors=True)
        self.info_file.unlink(missing_ok=True)
        return info

    def reset(self) -> None:
        """Stop the devnet if running and delete its saved chain state."""
        if self.info() is not None:
            self.stop()
        self.state_file.unlink(missing_ok=True)
