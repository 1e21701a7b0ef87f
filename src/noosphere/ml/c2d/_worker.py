"""The compute-to-data sandbox process (started by :mod:`noosphere.ml.c2d.sandbox`).

Started as ``python -I -B -c <bootstrap> <noosphere root>`` with a minimal environment, its
working directory the job's scratch dir, in its own session. Protocol, with no pickling:

- stdin: one JSON line: the recipe (name, base64 of its exact bytes), its parameters, the
  dataset's path and label column, the seeds, the scratch dir and the resource limits;
- the result channel (the process's original stdout; stdout itself is sent to stderr, so
  nothing printed can corrupt it): JSON lines: ``{"event": "ready", "isolation": {...}}``
  before the recipe's code is compiled, ``{"event": "violation", "what", "detail"}`` for every
  call the audit hook refused (written at once, so a recipe that catches the error is still
  reported), and at the end ``{"event": "done", "onnx_bytes": n, ...}`` followed by ``n``
  bytes of ONNX, or ``{"event": "failed", "kind", "message", "traceback"}``;
- stderr: the log (the recipe's output, tracebacks).

Order: read the header; resource limits (the interpreter and noosphere's own modules, numpy
among them, are loaded by then); die with the parent; new user, network and mount namespaces
(while the process still has one thread) and a ``noexec`` scratch dir; withhold the process-
spawning primitive that has no audit event; read the dataset and split it; Landlock; the audit
hook; then, and only then, compile and run the recipe (which imports scikit-learn under the
hook).
"""

from __future__ import annotations

import base64
import builtins
import contextlib
import errno
import json
import linecache
import os
import pathlib
import signal
import sys
import sysconfig
import threading
import time
import traceback
from collections.abc import Sequence
from typing import Any, NoReturn

EXIT_UNREPORTED = 5
"""Exit code when a refused call could not be written to the result channel."""

MAX_HEADER = 2 << 20
_TRACEBACK_LINES = 30
_SYSTEM_LIBS = (
    "/lib",
    "/lib32",
    "/lib64",
    "/usr/lib",
    "/usr/lib32",
    "/usr/lib64",
    "/usr/local/lib",
)
_PLAIN = (str, bytes, int, float, bool, type(None))


class _Channel:
    """The result channel: JSON lines and one blob, written with ``os.write``."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.lock = threading.Lock()
        self.violations = 0

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self.fd, view)
            view = view[written:]

    def send(self, message: dict[str, Any], blob: bytes = b"") -> None:
        with self.lock:
            self._write(json.dumps(message, separators=(",", ":")).encode() + b"\n" + blob)

    def violation(self, what: str, detail: str) -> None:
        self.violations += 1
        try:
            self.send({"event": "violation", "what": what, "detail": detail})
        except BaseException:
            os._exit(EXIT_UNREPORTED)

    def fail(self, kind: str, message: str, tb: Sequence[str] = (), **extra: Any) -> NoReturn:
        with contextlib.suppress(BaseException):
            _flush()
            self.send(
                {
                    "event": "failed",
                    "kind": kind,
                    "message": message[:4000],
                    "traceback": list(tb)[-_TRACEBACK_LINES:],
                    **extra,
                }
            )
        os._exit(1)


def _flush() -> None:
    """Flush what the recipe printed (stdout is a pipe, so block-buffered) into the log."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BaseException):
            stream.flush()


def _plain(value: Any, depth: int = 0) -> Any:
    """``value`` if it is of a plain built-in type (so inspecting it runs no recipe code)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind in (tuple, list) and depth < 2:
        return kind(_plain(v, depth + 1) for v in value)
    return _Opaque()


class _Opaque:
    def __repr__(self) -> str:
        return "<object>"


def _plain_path(value: Any) -> Any:
    """A path argument as str/bytes/int/None, or an opaque marker for anything else."""
    if type(value) in (str, bytes, int, type(None)):
        return value
    if type(value) in (pathlib.PosixPath, pathlib.PurePosixPath):
        return str(value)
    return _Opaque()


def _install_hook(policy: Any, channel: _Channel) -> None:
    from noosphere.ml.c2d._policy import PATH_ARGS

    local = threading.local()
    check = policy.check

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if getattr(local, "inside", False):
            return
        local.inside = True
        try:
            positions = PATH_ARGS.get(event)
            if positions is None:
                refused = check(event, _plain(args))
            else:
                shown = tuple(
                    _plain_path(a) if i in positions else _plain(a) for i, a in enumerate(args)
                )
                if any(type(shown[i]) is _Opaque for i in positions if i < len(shown)):
                    refused = ("file", f"{event}: a path must be str, bytes or a pathlib path")
                else:
                    refused = check(event, shown)
        finally:
            local.inside = False
        if refused is not None:
            channel.violation(*refused)
            raise PermissionError(f"sandbox: {refused[0]} access refused: {refused[1]}")

    sys.addaudithook(hook)


def _inert_threadpools() -> None:
    """Replace threadpoolctl's controls with no-ops: they call into BLAS through ``ctypes``,
    which the hook refuses, and the environment already pins every pool to one thread."""
    import threadpoolctl

    class _NoLimit(contextlib.ContextDecorator):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pass

        def __enter__(self) -> _NoLimit:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def restore_original_limits(self) -> None:
            return None

        unregister = restore_original_limits

        @classmethod
        def wrap(cls, *args: Any, **kwargs: Any) -> _NoLimit:
            return cls()

    class _NoController:
        lib_controllers: list[Any] = []

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pass

        def info(self) -> list[Any]:
            return []

        def select(self, **kwargs: Any) -> _NoController:
            return self

        def limit(self, *args: Any, **kwargs: Any) -> _NoLimit:
            return _NoLimit()

        wrap = limit

    threadpoolctl.threadpool_limits = _NoLimit  # type: ignore[misc,assignment]
    threadpoolctl.ThreadpoolController = _NoController  # type: ignore[misc,assignment]
    threadpoolctl.threadpool_info = lambda: []


def _withhold_process_spawning(channel: _Channel) -> None:
    """``_posixsubprocess.fork_exec`` raises no audit event: replace it with a refusal."""
    import _posixsubprocess
    import subprocess  # noqa: F401  (imported now so that it binds the refusal below)

    def fork_exec(*args: Any, **kwargs: Any) -> NoReturn:
        channel.violation("process", "_posixsubprocess.fork_exec(...)")
        raise PermissionError("sandbox: process access refused: _posixsubprocess.fork_exec")

    _posixsubprocess.fork_exec = fork_exec  # type: ignore[attr-defined]


def _read_roots(header: dict[str, Any]) -> list[str]:
    """Directories the recipe may read: the Python install and the import path, minus any
    that would expose the home directory, the whole disk or the job's own directory."""
    paths = sysconfig.get_paths()
    candidates = [p for p in sys.path if p] + [
        paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")
    ]
    guarded = [os.path.realpath(os.path.expanduser("~")), os.path.realpath(header["job_dir"])]
    roots: list[str] = []
    for candidate in candidates:
        real = os.path.realpath(candidate)
        if not os.path.isdir(real) or real == os.sep or real in roots:
            continue
        if any(g == real or g.startswith(real.rstrip(os.sep) + os.sep) for g in guarded):
            continue
        roots.append(real)
    return roots


def _train(header: dict[str, Any], channel: _Channel, data: Any) -> None:
    from noosphere.ml._worker import _out_of_memory
    from noosphere.ml.errors import RecipeError
    from noosphere.ml.recipes import to_onnx

    recipe = header["recipe"]
    filename = f"<recipe {recipe['name']}>"
    source = base64.b64decode(recipe["source"])
    text = source.decode("utf-8")
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    started = time.monotonic()
    stage = "compiling the recipe"
    try:
        code = compile(source, filename, "exec", dont_inherit=True)
        namespace: dict[str, Any] = {"__name__": "__c2d_recipe__", "__builtins__": builtins}
        stage = "running the recipe's module"
        exec(code, namespace)
        train = namespace.get("train")
        if not callable(train):
            channel.fail(
                "recipe", f"recipe {recipe['name']!r} defines no train(X, y, params, seed)"
            )
        stage = "training"
        model = train(data.X, data.y, dict(header["params"]), int(header["seed"]))
        if channel.violations:  # the recipe caught a refusal and went on: stop here
            channel.fail("violation", "the recipe went on after a refused call")
        if not (hasattr(model, "predict_proba") and hasattr(model, "classes_")):
            channel.fail(
                "recipe",
                f"recipe {recipe['name']!r} returned a {type(model).__name__}, not a fitted "
                "scikit-learn classifier; it cannot export that to ONNX",
            )
        stage = "exporting the model to ONNX"
        onnx = to_onnx(model, data.n_features)
    except MemoryError as exc:
        _print(exc, filename)
        channel.fail("resource", f"out of memory while {stage}", resource="memory")
    except PermissionError as exc:
        if str(exc).startswith("sandbox:"):
            _print(exc, filename)
            channel.fail("violation", str(exc))
        _recipe_failed(channel, exc, stage, recipe["name"], filename)
    except RecipeError as exc:
        channel.fail("recipe", f"recipe {recipe['name']!r} failed while {stage}: {exc}")
    except BaseException as exc:
        if isinstance(exc, OSError) and exc.errno == errno.EFBIG:
            _print(exc, filename)
            channel.fail(
                "resource",
                f"recipe {recipe['name']!r} wrote a file in its scratch dir up to the limit "
                f"of {header['rlimits']['RLIMIT_FSIZE'][0]:_} bytes",
                resource="output",
            )
        if _out_of_memory(exc):
            _print(exc, filename)
            channel.fail("resource", f"out of memory while {stage}: {exc}", resource="memory")
        _recipe_failed(channel, exc, stage, recipe["name"], filename)
    limit = int(header["max_model_bytes"])
    if len(onnx) > limit:
        channel.fail(
            "resource",
            f"the model is {len(onnx):_} bytes of ONNX, over the limit of {limit:_} bytes",
            resource="output",
        )
    _flush()
    channel.send(
        {
            "event": "done",
            "onnx_bytes": len(onnx),
            "n_train": int(data.X.shape[0]),
            "train_seconds": round(time.monotonic() - started, 3),
        },
        onnx,
    )


def _lines(exc: BaseException, filename: str) -> list[str]:
    """The traceback of ``exc`` from the recipe's first frame on (the worker's own frames
    above it say nothing about the recipe)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != filename:
        tb = tb.tb_next
    if tb is not None:
        exc = exc.with_traceback(tb)
    return traceback.format_exception(exc)


def _print(exc: BaseException, filename: str) -> None:
    sys.stderr.write("".join(_lines(exc, filename)))


def _recipe_failed(
    channel: _Channel, exc: BaseException, stage: str, name: str, filename: str
) -> NoReturn:
    lines = _lines(exc, filename)
    sys.stderr.write("".join(lines))
    if isinstance(exc, SystemExit):
        message = f"the recipe called exit({exc.code!r}) while {stage}"
    else:
        last = traceback.format_exception_only(exc)[-1].strip()
        message = f"recipe {name!r} raised while {stage}: {last}"
    tail = [line for chunk in lines for line in chunk.rstrip("\n").splitlines()]
    channel.fail("recipe", message, tail)


def main() -> None:
    """Run one job (see the module notes); exits the process."""
    channel = _Channel(os.dup(1))
    os.dup2(2, 1)
    header = json.loads(sys.stdin.buffer.readline(MAX_HEADER))

    from noosphere.ml._worker import set_limits
    from noosphere.ml.c2d import _kernel

    wanted = {name: (int(soft), int(hard)) for name, (soft, hard) in header["rlimits"].items()}
    nproc = wanted.pop("RLIMIT_NPROC", None)
    applied = set_limits(wanted)
    as_root = os.geteuid() == 0
    pdeathsig = _kernel.die_with_parent(signal.SIGKILL)
    kernel = bool(header.get("kernel_isolation", True))
    netns, mountns = _kernel.unshare_network() if kernel else (False, False)
    scratch = os.path.realpath(header["scratch"])
    noexec = mountns and _kernel.mount_noexec(scratch)
    if nproc is not None:  # after unshare: the count starts afresh in the new user namespace
        applied.update(set_limits({"RLIMIT_NPROC": nproc}))

    try:
        from noosphere.ml.c2d import _data
        from noosphere.ml.c2d._policy import Policy

        _inert_threadpools()
        _withhold_process_spawning(channel)
        labelled = _data.load_labelled(
            header["dataset"],
            header["label"],
            max_bytes=int(header["max_dataset_bytes"]),
            max_rows=int(header["max_rows"]),
        )
        rows, _ = _data.split(labelled.y, int(header["split_seed"]))
        data = _data.Labelled(labelled.X[rows], labelled.y[rows], labelled.classes, labelled.label)
        del labelled
    except MemoryError:
        channel.fail("resource", "out of memory while reading the dataset", resource="memory")
    except Exception as exc:
        traceback.print_exc()
        channel.fail("setup", f"cannot prepare the job: {exc}")

    roots = _read_roots(header)
    libdir = sysconfig.get_config_var("LIBDIR")
    system = [p for p in (*_SYSTEM_LIBS, libdir) if isinstance(p, str) and p not in roots]
    landlock = (
        _kernel.landlock(
            roots + system,
            ["/etc/ld.so.cache", "/dev/urandom", "/dev/null"],
            [scratch],
            ["/dev/null"],
        )
        if kernel
        else 0
    )
    os.chdir(scratch)
    _install_hook(Policy(roots, [scratch]), channel)
    channel.send(
        {
            "event": "ready",
            "isolation": {
                "netns": netns,
                "userns": netns,
                "landlock": landlock,
                "scratch_noexec": noexec,
                "audit_hook": True,
                "rlimits": applied,
                "pdeathsig": pdeathsig,
                "as_root": as_root,
            },
        }
    )
    _train(header, channel, data)
    os._exit(0)
