"""The compute-to-data sandbox: run an untrusted recipe on private data in a fresh process.

:func:`run_recipe` starts ``python -I -B`` (isolated mode: no ``PYTHON*`` variables, no user
site, no script directory on the import path; no bytecode written) running
:mod:`noosphere.ml.c2d._worker`, with a minimal environment (one thread per BLAS/OpenMP pool,
``HOME`` and ``TMPDIR`` pointing at the scratch dir), in its own session, its working
directory a fresh scratch dir. The dataset is a private copy, mode 0400 in a 0500 directory,
read by the worker before the recipe's code runs; the recipe gets only the training rows as
arguments and cannot open the file afterwards. Both directories are deleted afterwards, whatever
happened. Data crosses as JSON and raw bytes, never pickle.

What isolates the recipe, from the kernel up (the job records which parts applied in
``isolation``):

1. **Resource limits** (``setrlimit`` in the child as soon as it has read its instructions,
   before it reads data or runs recipe code): address space (``RLIMIT_AS``), CPU seconds
   (``RLIMIT_CPU``: ``SIGXCPU``, then ``SIGKILL`` two seconds later), the size of any file
   written (``RLIMIT_FSIZE``), open files (``RLIMIT_NOFILE``), processes and threads
   (``RLIMIT_NPROC``, set once in the new user namespace; the kernel does not apply it to
   root), no core dumps. The parent enforces the wall-clock limit and kills the whole
   process group.
2. **Namespaces**: new user, network and mount namespaces (``unshare(CLONE_NEWUSER |
   CLONE_NEWNET | CLONE_NEWNS)``): no network interface but a loopback that is down
   (``isolation["netns"]``), and the scratch dir mounted ``noexec`` so that nothing the recipe
   writes can be loaded as native code (``isolation["scratch_noexec"]``). Not available where
   unprivileged user namespaces are disabled (both are then false).
3. **Landlock** (Linux 5.13+, ``isolation["landlock"]`` is the ABI version, 0 if unavailable):
   reads only under the Python install, the import path and the system library dirs; writes
   only in the scratch dir; no file may be executed; from ABI 4, no TCP connect or bind; from
   ABI 6, no abstract UNIX sockets or signals outside the sandbox. Holds for native code too.
4. **An audit hook** (``sys.addaudithook``, installed before the recipe is compiled; see
   :mod:`noosphere.ml.c2d._policy`): refuses network, process, ``ctypes`` and file access
   outside the allow-list with a ``PermissionError`` that names the call, and reports every
   refusal to the parent at once: one refused attempt fails the job with
   :class:`SandboxViolationError` even if the recipe catches the error. **It is not a security
   boundary against native code**: a C extension can do anything the kernel lets it. It is
   what turns an attempt into a clear error, and the only file and network guard where
   namespaces and Landlock are not available.

What is *not* isolated: the recipe can read files that Landlock allows (the Python install,
system libraries) and learn about the machine (CPU count, ``os.stat`` of any path), and it can
use up to the limits (``RLIMIT_FSIZE`` bounds each scratch file, not their total). Native code
already installed (any C extension on the import path) runs with only the kernel layers around
it; where namespaces and Landlock are unavailable, only the rlimits and the audit hook stand,
and the hook does not see native code (a recipe that writes a shared library into its scratch
dir and imports it escapes it). Its log (stdout and stderr) and error messages are returned as
they are: a recipe can print dataset rows into them. The allow-list is the real control over
what runs; the sandbox contains mistakes and limits the damage of a malicious recipe.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import math
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import noosphere
from noosphere.errors import InputError
from noosphere.ml.c2d._worker import EXIT_UNREPORTED
from noosphere.ml.c2d.recipe import Recipe
from noosphere.ml.errors import (
    ComputeToDataError,
    DatasetError,
    RecipeFailedError,
    SandboxResourceError,
    SandboxViolationError,
)
from noosphere.ml.evaluate import _CHILD_ENV
from noosphere.ml.table import DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS
from noosphere.ml.tasks import DEFAULT_MAX_MODEL_BYTES

_BOOTSTRAP = (
    "import sys; sys.path.insert(0, sys.argv[1]); from noosphere.ml.c2d._worker import main; main()"
)
_COPY_CHUNK = 1 << 20
_MESSAGES_BYTES = 1 << 20
_MAX_VIOLATIONS = 20
_ERROR_TAIL_LINES = 15
_ERROR_TAIL_CHARS = 2000


@dataclass(frozen=True)
class JobLimits:
    """What a compute-to-data job may use (see the module notes for how each is enforced)."""

    max_memory: int = 2 << 30
    """Address space of the sandbox process, bytes (``RLIMIT_AS``)."""
    max_cpu_seconds: int = 600
    """CPU time of the sandbox process (``RLIMIT_CPU``)."""
    max_wall_seconds: float = 900.0
    """Wall-clock time of the sandbox process, from its start (the parent kills it)."""
    max_model_bytes: int = DEFAULT_MAX_MODEL_BYTES
    """Largest ONNX model the job may return."""
    max_file_bytes: int = 256 << 20
    """Largest file the recipe may write in its scratch dir (``RLIMIT_FSIZE``)."""
    max_open_files: int = 64
    """Open file descriptors (``RLIMIT_NOFILE``)."""
    max_processes: int = 1
    """Processes and threads of the sandbox's user namespace (``RLIMIT_NPROC``); 1 allows
    no other thread or process (not applied by the kernel when the node runs as root)."""
    max_log_bytes: int = 64 << 10
    """How much of the end of the sandbox's stdout/stderr is kept."""
    max_dataset_bytes: int = DEFAULT_MAX_BYTES
    """Largest dataset file."""
    max_rows: int = DEFAULT_MAX_ROWS
    """Most rows in a dataset."""

    def __post_init__(self) -> None:
        for name in (
            "max_memory",
            "max_cpu_seconds",
            "max_model_bytes",
            "max_file_bytes",
            "max_open_files",
            "max_processes",
            "max_log_bytes",
            "max_dataset_bytes",
            "max_rows",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InputError(f"job limits: {name} must be a positive integer, not {value!r}")
        if self.max_open_files < 16:
            raise InputError("job limits: max_open_files must be at least 16 (Python needs them)")
        wall = self.max_wall_seconds
        if (
            isinstance(wall, bool)
            or not isinstance(wall, int | float)
            or not (wall > 0 and math.isfinite(wall))
        ):
            raise InputError(f"job limits: max_wall_seconds must be positive, not {wall!r}")

    def rlimits(self) -> dict[str, tuple[int, int]]:
        """The ``resource`` limits of the sandbox process, by name: (soft, hard)."""
        return {
            "RLIMIT_AS": (self.max_memory, self.max_memory),
            "RLIMIT_CPU": (self.max_cpu_seconds, self.max_cpu_seconds + 2),
            "RLIMIT_FSIZE": (self.max_file_bytes, self.max_file_bytes),
            "RLIMIT_NOFILE": (self.max_open_files, self.max_open_files),
            "RLIMIT_CORE": (0, 0),
            "RLIMIT_NPROC": (self.max_processes, self.max_processes),
        }


@dataclass(frozen=True)
class SandboxRun:
    """What a successful sandbox run produced (not yet checked: see :func:`run_job`)."""

    onnx: bytes = field(repr=False)
    isolation: Mapping[str, Any]
    log: str = field(repr=False)
    seconds: float
    n_train: int


class Workspace:
    """A job's private directory under ``workdir``: a read-only copy of the dataset
    (``dataset``, with its SHA-256 in ``sha256``) and an empty ``scratch`` dir. Use as a
    context manager; everything is deleted on exit."""

    def __init__(self, dataset: str | Path, workdir: str | Path | None = None) -> None:
        source = Path(dataset)
        base = Path(workdir) if workdir is not None else Path(tempfile.gettempdir())
        try:
            base.mkdir(parents=True, exist_ok=True)
            self.root = Path(tempfile.mkdtemp(prefix="noos-c2d-", dir=base)).resolve()
        except OSError as exc:
            raise InputError(f"cannot create a job directory in {base}: {exc}") from None
        try:
            data_dir = self.root / "data"
            data_dir.mkdir(mode=0o700)
            self.scratch = self.root / "scratch"
            self.scratch.mkdir(mode=0o700)
            self.dataset = data_dir / ("dataset" + source.suffix.lower())
            self.sha256 = _copy_read_only(source, self.dataset)
            data_dir.chmod(0o500)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Delete the job directory (idempotent)."""
        _remove_tree(self.root)

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _copy_read_only(source: Path, target: Path) -> bytes:
    digest = hashlib.sha256()
    try:
        with source.open("rb") as src:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o400)
            with os.fdopen(fd, "wb") as dst:
                while chunk := src.read(_COPY_CHUNK):
                    digest.update(chunk)
                    dst.write(chunk)
    except OSError as exc:
        raise DatasetError(f"cannot read the dataset {source}: {exc.strerror or exc}") from None
    return digest.digest()


def _remove_tree(path: Path) -> None:
    def unlock(func: Any, name: str, _exc: Any) -> None:
        parent = os.path.dirname(name)
        with contextlib.suppress(OSError):
            os.chmod(parent, stat.S_IRWXU)
            if os.path.isdir(name) and not os.path.islink(name):
                os.chmod(name, stat.S_IRWXU)
            func(name)

    if path.exists():
        with contextlib.suppress(OSError):
            path.chmod(stat.S_IRWXU)
        shutil.rmtree(path, onerror=unlock)


class _Drain(threading.Thread):
    """Reads a pipe to its end, keeping the first ``head`` bytes or the last ``tail`` bytes."""

    def __init__(self, stream: IO[bytes], *, head: int = 0, tail: int = 0) -> None:
        super().__init__(daemon=True)
        self.stream, self.head, self.tail = stream, head, tail
        self.chunks: list[bytes] = []
        self.kept = 0
        self.total = 0

    def run(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            while chunk := os.read(self.stream.fileno(), 1 << 16):
                self.total += len(chunk)
                if self.head:
                    room = self.head - self.kept
                    if room > 0:
                        self.chunks.append(chunk[:room])
                        self.kept += min(room, len(chunk))
                else:
                    self.chunks.append(chunk)
                    self.kept += len(chunk)
                    while self.chunks and self.kept - len(self.chunks[0]) >= self.tail:
                        self.kept -= len(self.chunks.pop(0))

    @property
    def overflowed(self) -> bool:
        return self.total > self.kept

    def data(self) -> bytes:
        out = b"".join(self.chunks)
        return out[-self.tail :] if self.tail else out


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _wait(proc: subprocess.Popen[bytes], timeout: float) -> bool:
    """Wait for ``proc`` up to ``timeout`` s, then kill its process group whether it ended or
    not (while its pid is still held by the zombie, so the group id cannot have been reused);
    True if it timed out."""
    deadline = time.monotonic() + timeout
    waited: list[bool] = []

    def waitid() -> None:
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
            waited.append(True)

    timed_out = False
    try:
        if hasattr(os, "waitid"):
            waiter = threading.Thread(target=waitid, daemon=True)
            waiter.start()
            waiter.join(timeout)
            timed_out = waiter.is_alive()
        if not timed_out and not waited:  # no waitid here: wait and reap in one step
            try:
                proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                timed_out = True
    finally:
        _kill_group(proc.pid)
        proc.wait()
    return timed_out


def _parse(raw: bytes) -> tuple[list[dict[str, Any]], bytes | None]:
    """The JSON messages of the result channel, and the ONNX blob after ``done`` (if any)."""
    messages: list[dict[str, Any]] = []
    pos = 0
    while pos < len(raw):
        end = raw.find(b"\n", pos)
        if end < 0:
            break
        try:
            message = json.loads(raw[pos:end])
        except (ValueError, UnicodeDecodeError):
            break
        if not isinstance(message, dict):
            break
        messages.append(message)
        pos = end + 1
        if message.get("event") == "done":
            size = message.get("onnx_bytes")
            if isinstance(size, int) and 0 <= size <= len(raw) - pos:
                return messages, raw[pos : pos + size]
            break
        if message.get("event") == "failed":
            break
    return messages, None


def _tail(lines: Any) -> str:
    if not isinstance(lines, list):
        return ""
    kept = [str(line) for line in lines[-_ERROR_TAIL_LINES:]]
    text = "\n".join(kept)
    return text[-_ERROR_TAIL_CHARS:]


def _log_tail(log: str) -> str:
    return "\n".join(log.strip().splitlines()[-_ERROR_TAIL_LINES:])[-_ERROR_TAIL_CHARS:]


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(code).name
    except ValueError:
        return f"signal {code}"


def _outcome(
    messages: list[dict[str, Any]],
    blob: bytes | None,
    *,
    returncode: int,
    timed_out: bool,
    overflowed: bool,
    log: str,
    limits: JobLimits,
    recipe: Recipe,
) -> tuple[bytes, dict[str, Any], dict[str, Any]]:
    """Turn what the sandbox said and how it ended into a result or a specific error."""
    violations = [m for m in messages if m.get("event") == "violation"][:_MAX_VIOLATIONS]
    if violations:
        first = violations[0]
        raise SandboxViolationError(str(first.get("what")), str(first.get("detail")), log=log)
    if returncode == EXIT_UNREPORTED:
        raise SandboxViolationError("sandbox", "a refused call that could not be reported", log=log)
    if timed_out:
        raise SandboxResourceError(
            "wall_clock",
            f"recipe {recipe.name!r} did not finish within the wall-clock limit of "
            f"{limits.max_wall_seconds:g} s; it was stopped",
            log=log,
        )
    if overflowed:
        raise SandboxResourceError(
            "output",
            f"recipe {recipe.name!r} produced more than the limit of "
            f"{limits.max_model_bytes:_} bytes of model",
            log=log,
        )
    ready = next((m for m in messages if m.get("event") == "ready"), None)
    final = messages[-1] if messages and messages[-1].get("event") in ("done", "failed") else None
    if returncode < 0 and (final is None or final.get("event") != "failed"):
        name = _signal_name(-returncode)
        if -returncode == signal.SIGXCPU:
            raise SandboxResourceError(
                "cpu",
                f"recipe {recipe.name!r} used its {limits.max_cpu_seconds} s of CPU time; "
                "it was stopped",
                log=log,
            )
        if -returncode == signal.SIGXFSZ:
            raise SandboxResourceError(
                "output",
                f"recipe {recipe.name!r} wrote a file larger than the limit of "
                f"{limits.max_file_bytes:_} bytes in its scratch dir; it was stopped",
                log=log,
            )
        detail = _log_tail(log)
        raise RecipeFailedError(
            f"the sandbox process of recipe {recipe.name!r} died ({name})"
            + (f":\n{detail}" if detail else ""),
            hint="SIGKILL often means the CPU hard limit or the kernel's out-of-memory killer",
            log=log,
        )
    if final is not None and final.get("event") == "failed":
        kind = final.get("kind")
        message = str(final.get("message", ""))
        tail = _tail(final.get("traceback"))
        if kind == "resource":
            resource = str(final.get("resource", "memory"))
            if resource == "memory":
                message += f" (limit {limits.max_memory:_} bytes of address space)"
            raise SandboxResourceError(resource, message, log=log)
        if kind == "violation":
            raise SandboxViolationError("sandbox", message, log=log)
        if kind == "setup":
            raise ComputeToDataError(message, log=log)
        raise RecipeFailedError(message + (f"\n{tail}" if tail else ""), log=log)
    if ready is None or final is None or blob is None:
        detail = _log_tail(log)
        raise RecipeFailedError(
            f"the sandbox of recipe {recipe.name!r} exited (code {returncode}) without a "
            "result" + (f":\n{detail}" if detail else ""),
            log=log,
        )
    return blob, dict(ready.get("isolation") or {}), final


def run_recipe(
    recipe: Recipe,
    params: Mapping[str, Any],
    workspace: Workspace,
    *,
    label: str | None,
    seed: int,
    split_seed: int,
    limits: JobLimits,
    kernel_isolation: bool = True,
) -> SandboxRun:
    """Run ``recipe`` with checked ``params`` on the workspace's dataset in a sandbox process.

    The caller checks the allow-list and the parameters first (:func:`run_job` does).
    ``kernel_isolation=False`` skips the namespaces and Landlock (the audit hook and the
    rlimits remain): what runs where the kernel refuses them, e.g. to test that path. Raises
    :class:`SandboxViolationError`, :class:`SandboxResourceError`, :class:`RecipeFailedError`
    or :class:`ComputeToDataError` (the job could not be set up); returns the unchecked model.
    """
    header = {
        "recipe": {"name": recipe.name, "source": base64.b64encode(recipe.source).decode()},
        "params": dict(params),
        "dataset": str(workspace.dataset),
        "label": label,
        "seed": seed,
        "split_seed": split_seed,
        "scratch": str(workspace.scratch),
        "job_dir": str(workspace.root),
        "rlimits": limits.rlimits(),
        "max_model_bytes": limits.max_model_bytes,
        "max_dataset_bytes": limits.max_dataset_bytes,
        "max_rows": limits.max_rows,
        "kernel_isolation": bool(kernel_isolation),
    }
    payload = json.dumps(header, separators=(",", ":")).encode() + b"\n"
    env = {
        **_CHILD_ENV,
        "JOBLIB_MULTIPROCESSING": "0",
        "HOME": str(workspace.scratch),
        "TMPDIR": str(workspace.scratch),
        "PATH": "/usr/bin:/bin",
    }
    root = str(Path(noosphere.__file__).resolve().parent.parent)
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-I", "-B", "-c", _BOOTSTRAP, root],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=workspace.scratch,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
    except OSError as exc:
        raise ComputeToDataError(f"cannot start the sandbox process: {exc}") from None
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    result = _Drain(proc.stdout, head=limits.max_model_bytes + _MESSAGES_BYTES)
    logs = _Drain(proc.stderr, tail=limits.max_log_bytes)

    def feed() -> None:
        assert proc.stdin is not None
        with contextlib.suppress(OSError):
            proc.stdin.write(payload)
        with contextlib.suppress(OSError):
            proc.stdin.close()

    feeder = threading.Thread(target=feed, daemon=True)
    for thread in (result, logs, feeder):
        thread.start()
    try:
        timed_out = _wait(proc, limits.max_wall_seconds)
    finally:
        for thread in (result, logs, feeder):
            thread.join(timeout=5)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            with contextlib.suppress(OSError):
                stream.close()
    seconds = time.monotonic() - started
    log = logs.data().decode("utf-8", "replace")
    messages, blob = _parse(result.data())
    onnx, isolation, final = _outcome(
        messages,
        blob,
        returncode=proc.returncode,
        timed_out=timed_out,
        overflowed=result.overflowed,
        log=log,
        limits=limits,
        recipe=recipe,
    )
    n_train = final.get("n_train")
    return SandboxRun(
        onnx=onnx,
        isolation=isolation,
        log=log,
        seconds=seconds,
        n_train=n_train if isinstance(n_train, int) else 0,
    )
