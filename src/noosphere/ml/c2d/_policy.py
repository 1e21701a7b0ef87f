"""What the sandbox's audit hook refuses (see :mod:`noosphere.ml.c2d.sandbox`).

:class:`Policy` decides, for one audit event (``sys.addaudithook``), whether to refuse it and
why; the worker installs it before the recipe's code is compiled. It refuses:

- **network**: every ``socket.*`` event (creating, connecting, binding, resolving names...)
  and the higher-level client events (``http.client.connect``, ``urllib.Request``...);
- **process**: ``subprocess.Popen``, ``os.system``, ``os.exec*``, ``os.posix_spawn``,
  ``os.spawn*``, ``os.fork``, ``os.forkpty``, ``pty.spawn``, signals to other processes;
- **native code**: every ``ctypes.*`` event, SQLite extensions, a fresh import of a module that
  was withheld (``_posixsubprocess``, ``_ctypes``: re-importing them is how one would get an
  un-neutered copy);
- **sandbox**: adding audit hooks, walking the garbage collector's object graph, tracing, and
  changing resource limits;
- **file**: opening, listing or changing a path outside an allow-list: reads under the Python
  install and the import path, reads and writes under the scratch dir. Paths are resolved
  (symlinks followed) before the check; links, permission and owner changes are refused
  everywhere, and so is opening a directory outside the scratch dir (a directory descriptor
  would let a relative ``dir_fd`` path escape the check). Reading a path that does not exist
  is let through to fail as it would anyway (import machinery probes such paths).

The audit hook sees only what Python code does: native code (a C extension, a library's own
``open``) passes under it. The kernel-level part of the sandbox is the worker's rlimits,
namespaces and Landlock rules.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

NETWORK_EVENTS = frozenset(
    {
        "http.client.connect",
        "http.client.send",
        "urllib.Request",
        "ftplib.connect",
        "smtplib.connect",
        "poplib.connect",
        "imaplib.open",
        "nntplib.connect",
        "telnetlib.Telnet.open",
        "webbrowser.open",
    }
)
PROCESS_EVENTS = frozenset(
    {
        "subprocess.Popen",
        "os.system",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "os.fork",
        "os.forkpty",
        "os.startfile",
        "pty.spawn",
        "os.kill",
        "os.killpg",
        "signal.pthread_kill",
    }
)
NATIVE_EVENTS = frozenset(
    {
        "sqlite3.enable_load_extension",
        "sqlite3.load_extension",
        "os.add_dll_directory",
    }
)
TAMPER_EVENTS = frozenset(
    {
        "sys.addaudithook",
        "gc.get_objects",
        "gc.get_referrers",
        "gc.get_referents",
        "sys.settrace",
        "sys.setprofile",
        "sys._current_frames",
        "resource.setrlimit",
        "resource.prlimit",
    }
)
WITHHELD_MODULES = frozenset({"_posixsubprocess", "_ctypes"})
"""Modules the worker imports before the hook; an ``import`` event for one is a re-import."""

_NO_LINKS = frozenset(
    {
        "os.link",
        "os.symlink",
        "os.chmod",
        "os.chown",
        "os.chflags",
        "os.lchflags",
        "os.setxattr",
        "os.removexattr",
    }
)
PATH_ARGS: dict[str, tuple[int, ...]] = {
    "open": (0,),
    "os.listdir": (0,),
    "os.scandir": (0,),
    "os.chdir": (0,),
    "os.mkdir": (0,),
    "os.remove": (0,),
    "os.rmdir": (0,),
    "os.rename": (0, 1),
    "os.truncate": (0,),
    "os.utime": (0,),
    "shutil.rmtree": (0,),
    "shutil.copyfile": (0, 1),
    "shutil.copymode": (0, 1),
    "shutil.copystat": (0, 1),
    "shutil.copytree": (0, 1),
    "shutil.move": (0, 1),
    "shutil.make_archive": (0,),
    "shutil.unpack_archive": (0, 1),
    "sqlite3.connect": (0,),
}
"""Events with path arguments, and their positions (the worker passes these through as plain
``str``/``bytes``/``int`` and refuses any other type, so no recipe-defined object is consulted)."""

_READ_ONLY = frozenset({"os.listdir", "os.scandir"})
_SOURCES = {
    "shutil.copyfile",
    "shutil.copymode",
    "shutil.copystat",
    "shutil.copytree",
    "shutil.unpack_archive",
}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

Refusal = tuple[str, str]
"""What was refused (``network``, ``process``, ``native code``, ``sandbox``, ``file``) and a
one-line description of the call."""


def _shown(args: Sequence[Any], limit: int = 160) -> str:
    text = ", ".join(repr(a) for a in args)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _normal(path: str) -> str:
    return os.path.realpath(os.path.abspath(path))


def _within(path: str, roots: Sequence[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


class Policy:
    """Decides which audit events the sandbox refuses (see the module notes).

    ``read_roots``: directories whose files may be read (the Python install, the import path);
    ``write_roots``: directories that may be read and written (the scratch dir);
    ``read_files``/``write_files``: single files allowed the same way (``/dev/null``).
    """

    def __init__(
        self,
        read_roots: Iterable[str],
        write_roots: Iterable[str],
        *,
        read_files: Iterable[str] = ("/dev/null", "/dev/urandom"),
        write_files: Iterable[str] = ("/dev/null",),
    ) -> None:
        self.write_roots = tuple(_normal(r) for r in write_roots)
        self.read_roots = tuple(_normal(r) for r in read_roots) + self.write_roots
        self.write_files = frozenset(_normal(f) for f in write_files)
        self.read_files = frozenset(_normal(f) for f in read_files) | self.write_files

    def check(self, event: str, args: Sequence[Any]) -> Refusal | None:
        """Why ``event`` with ``args`` is refused, or None if it is allowed."""
        if event.startswith("socket.") or event in NETWORK_EVENTS:
            return "network", f"{event}({_shown(args)})"
        if event in PROCESS_EVENTS:
            return "process", f"{event}({_shown(args)})"
        if event.startswith("ctypes.") or event in NATIVE_EVENTS:
            return "native code", f"{event}({_shown(args)})"
        if event in TAMPER_EVENTS:
            return "sandbox", f"{event}({_shown(args)})"
        if event == "import":
            if args and args[0] in WITHHELD_MODULES:
                return "native code", f"re-import of {args[0]}"
            return None
        if event == "open":
            return self._check_open(args)
        if event in _NO_LINKS:
            return "file", f"{event}({_shown(args)}): links and permission changes are refused"
        positions = PATH_ARGS.get(event)
        for i in positions or ():
            write = event not in _READ_ONLY and not (i == 0 and event in _SOURCES)
            path = args[i] if len(args) > i else None
            refused = self._check_path(event, path, write=write)
            if refused:
                return refused
        return None

    def _check_open(self, args: Sequence[Any]) -> Refusal | None:
        path = args[0] if args else None
        mode = args[1] if len(args) > 1 else None
        flags = args[2] if len(args) > 2 else 0
        write = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and bool(flags & _WRITE_FLAGS)
        )
        return self._check_path("open", path, write=write, opening=True)

    def _check_path(
        self, event: str, path: Any, *, write: bool, opening: bool = False
    ) -> Refusal | None:
        if isinstance(path, int) and not isinstance(path, bool):
            return None  # an open descriptor: it passed a check when it was opened
        try:
            text = os.getcwd() if path is None else os.fsdecode(os.fspath(path))
            if event == "sqlite3.connect" and text == ":memory:":
                return None
            resolved = _normal(text)
        except (TypeError, ValueError, OSError) as exc:
            return "file", f"{event}({path!r}): cannot resolve the path ({exc})"
        how = "write" if write else "read"
        if write:
            allowed = _within(resolved, self.write_roots) or resolved in self.write_files
        else:
            allowed = _within(resolved, self.read_roots) or resolved in self.read_files
        if not allowed and not write and not os.path.lexists(resolved):
            return None  # reading what does not exist tells nothing os.stat would not
        if not allowed:
            where = "outside the scratch dir" if write else "outside the allowed paths"
            return "file", f"{event}({text!r}): {how} {where}"
        if opening and not _within(resolved, self.write_roots) and os.path.isdir(resolved):
            return "file", f"{event}({text!r}): opening a directory outside the scratch dir"
        return None
