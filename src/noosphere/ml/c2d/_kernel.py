"""Kernel-level isolation for the sandbox process, through libc with ``ctypes`` (Linux only).

Each function is best effort: it returns whether it applied and never raises, so the sandbox
runs (with less isolation, which it records) where the kernel or its configuration says no.

- :func:`unshare_network`: new user, network and mount namespaces (``unshare(CLONE_NEWUSER |
  CLONE_NEWNET | CLONE_NEWNS)``): no interface but a loopback that is down, so no packet
  leaves, whatever code runs. Must be called while the process has a single thread.
- :func:`mount_noexec`: in the new mount namespace, bind-mount a directory onto itself
  ``noexec,nosuid,nodev``, so that no code written there can be mapped executable (a recipe
  cannot load a shared library it wrote into its scratch dir). Invisible outside the process.
- :func:`landlock`: Landlock rules (Linux 5.13+): files may be read only under the given
  directories, written only under the scratch dir, and executed nowhere; with ABI 4+, TCP
  connect and bind are refused; with ABI 6+, abstract UNIX sockets and signals outside the
  sandbox are too. Sets ``no_new_privs`` (Landlock requires it).
- :func:`die_with_parent`: ``PR_SET_PDEATHSIG`` so the sandbox is killed if its parent dies.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import platform
import struct
from collections.abc import Iterable

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
_CLONE_NEWNS = 0x00020000
_MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REMOUNT = 2, 4, 8, 32
_MS_BIND, _MS_REC, _MS_PRIVATE = 4096, 16384, 1 << 18
_PR_SET_PDEATHSIG = 1
_PR_SET_NO_NEW_PRIVS = 38
_SYSCALLS = {  # landlock_create_ruleset, landlock_add_rule, landlock_restrict_self
    "x86_64": (444, 445, 446),
    "aarch64": (444, 445, 446),
}
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1

_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_REMOVE_DIR, _REMOVE_FILE, _MAKE_DIR, _MAKE_REG = 1 << 4, 1 << 5, 1 << 7, 1 << 8
_REFER, _TRUNCATE = 1 << 13, 1 << 14
_FILE_ONLY = _EXECUTE | _WRITE_FILE | _READ_FILE | _TRUNCATE | (1 << 15)
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX, _SCOPE_SIGNAL = 1 << 0, 1 << 1


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - no libc to talk to
        return None


def unshare_network() -> tuple[bool, bool]:
    """Enter new user and network namespaces, and a mount namespace if the kernel allows;
    return whether the network one and the mount one took effect."""
    libc = _libc()
    if libc is None or not hasattr(libc, "unshare"):
        return False, False
    if int(libc.unshare(ctypes.c_int(_CLONE_NEWUSER | _CLONE_NEWNET | _CLONE_NEWNS))) == 0:
        return True, True
    return int(libc.unshare(ctypes.c_int(_CLONE_NEWUSER | _CLONE_NEWNET))) == 0, False


def mount_noexec(path: str) -> bool:
    """Bind-mount ``path`` onto itself ``noexec,nosuid,nodev`` (needs our own mount
    namespace: see :func:`unshare_network`); True if it worked."""
    libc = _libc()
    if libc is None or not hasattr(libc, "mount"):
        return False
    target = os.fsencode(path)
    flags = _MS_REMOUNT | _MS_BIND | _MS_NOEXEC | _MS_NOSUID | _MS_NODEV
    steps = (
        (None, b"/", _MS_REC | _MS_PRIVATE),  # nothing we mount propagates anywhere
        (target, target, _MS_BIND | _MS_REC),
        (None, target, flags),
    )
    for source, where, how in steps:
        if int(libc.mount(source, where, None, ctypes.c_ulong(how), None)) != 0:
            return False
    return True


def die_with_parent(signal_number: int) -> bool:
    """Have the kernel send ``signal_number`` to this process when its parent exits."""
    libc = _libc()
    if libc is None:
        return False
    return int(libc.prctl(_PR_SET_PDEATHSIG, ctypes.c_ulong(signal_number), 0, 0, 0)) == 0


def landlock(
    read_dirs: Iterable[str],
    read_files: Iterable[str],
    write_dirs: Iterable[str],
    write_files: Iterable[str] = (),
) -> int:
    """Restrict this process (and any child) with Landlock; return the ABI used, 0 if none.

    Everything not granted here is denied: reading outside ``read_dirs``/``read_files``,
    writing outside ``write_dirs``/``write_files``, executing any file, and (ABI 4+) TCP.
    """
    numbers = _SYSCALLS.get(platform.machine())
    libc = _libc()
    if numbers is None or libc is None:
        return 0
    create, add_rule, restrict = numbers
    syscall = libc.syscall
    syscall.restype = ctypes.c_long
    abi = int(syscall(ctypes.c_long(create), None, ctypes.c_long(0), ctypes.c_long(1)))
    if abi < 1:
        return 0
    handled = (1 << 13) - 1
    handled |= _REFER if abi >= 2 else 0
    handled |= _TRUNCATE if abi >= 3 else 0
    handled |= (1 << 15) if abi >= 5 else 0
    net = (_NET_BIND_TCP | _NET_CONNECT_TCP) if abi >= 4 else 0
    scoped = (_SCOPE_ABSTRACT_UNIX | _SCOPE_SIGNAL) if abi >= 6 else 0
    attr = struct.pack("<QQQ", handled, net, scoped)[: 8 if abi < 4 else 16 if abi < 6 else 24]
    attr_buf = ctypes.create_string_buffer(attr, len(attr))
    ruleset = int(
        syscall(ctypes.c_long(create), attr_buf, ctypes.c_long(len(attr)), ctypes.c_long(0))
    )
    if ruleset < 0:
        return 0
    try:
        read = _READ_FILE | _READ_DIR
        write = read | _WRITE_FILE | _REMOVE_DIR | _REMOVE_FILE | _MAKE_DIR | _MAKE_REG
        write |= _REFER | _TRUNCATE
        rules = [(p, read) for p in read_dirs] + [(p, write) for p in write_dirs]
        rules += [(p, _READ_FILE) for p in read_files]
        rules += [(p, _READ_FILE | _WRITE_FILE | _TRUNCATE) for p in write_files]
        for path, access in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # a path that does not exist needs no rule
            try:
                if not os.path.isdir(path):
                    access &= _FILE_ONLY
                rule = struct.pack("<Qi", access & handled, fd)
                rule_buf = ctypes.create_string_buffer(rule, len(rule))
                if (
                    int(
                        syscall(
                            ctypes.c_long(add_rule),
                            ctypes.c_long(ruleset),
                            ctypes.c_long(_RULE_PATH_BENEATH),
                            rule_buf,
                            ctypes.c_long(0),
                        )
                    )
                    != 0
                ):
                    return 0
            finally:
                os.close(fd)
        if (
            int(
                libc.prctl(
                    _PR_SET_NO_NEW_PRIVS,
                    ctypes.c_ulong(1),
                    ctypes.c_ulong(0),
                    ctypes.c_ulong(0),
                    ctypes.c_ulong(0),
                )
            )
            != 0
        ):
            return 0
        if int(syscall(ctypes.c_long(restrict), ctypes.c_long(ruleset), ctypes.c_long(0))) != 0:
            return 0
        return abi
    finally:
        with contextlib.suppress(OSError):
            os.close(ruleset)
