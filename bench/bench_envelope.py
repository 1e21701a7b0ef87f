"""Encryption envelopes: streaming AES-256-GCM throughput vs raw AES-GCM and sha256, one thread.

A generated stream (``NOOS_BENCH_ENVELOPE_MB`` MiB, default 256; distinct 1 MiB pieces, never
held in memory) is encrypted to a null sink; its envelope, written once to a temporary file
(page cache), is decrypted to a null sink. Each kind of run happens in a fresh subprocess that
reports its best time and its peak resident memory (``ru_maxrss``). Baselines, measured in the
same subprocess, alternating with the envelope runs:

* ``aes-gcm raw``: one ``AESGCM.encrypt`` (or ``decrypt``) per 1 MiB piece of the same bytes,
  read into a reused buffer, with no header, framing, key derivation or checks;
* ``sha256``: ``hashlib.sha256`` over the same stream (a familiar yardstick).

Targets (issue 4): encrypt and decrypt >= 200 MB/s on one core; peak RSS < 100 MB.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench._report import record, table

PIECE = 1 << 20
TARGET_MBPS = 200.0  # MB/s (10^6 bytes), as the issue states it
RSS_TARGET_MB = 100
RUNS = 3


class GeneratedStream(io.RawIOBase):
    """``size`` deterministic bytes whose every 1 MiB read is distinct; O(1) memory."""

    def __init__(self, size: int) -> None:
        self._left = size
        self._base = bytearray(hashlib.shake_256(b"noosphere envelope bench").digest(PIECE))
        self._count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self._left, PIECE)
        if n <= 0:
            return 0
        self._count += 1
        self._base[:8] = self._count.to_bytes(8, "little")
        buffer[:n] = memoryview(self._base)[:n]
        self._left -= n
        return n


class NullSink:
    """Counts what is written to it and keeps nothing."""

    def __init__(self) -> None:
        self.total = 0

    def write(self, data: bytes) -> int:
        self.total += len(data)
        return len(data)


def _timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def _pieces(stream: Any, size: int) -> Iterator[memoryview]:
    """Read ``stream`` into one reused buffer of ``size`` bytes, yielding views of each fill."""
    buffer = memoryview(bytearray(size))
    while True:
        got = 0
        while got < size and (n := stream.readinto(buffer[got:])):
            got += n
        if not got:
            return
        yield buffer[:got]


def _sha256(size: int) -> None:
    hasher = hashlib.sha256()
    for view in _pieces(GeneratedStream(size), PIECE):
        hasher.update(view)


def _raw_encrypt(size: int, key: bytes) -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aead = AESGCM(key)
    for index, view in enumerate(_pieces(GeneratedStream(size), PIECE)):
        aead.encrypt(index.to_bytes(12, "big"), view, None)


def _raw_decrypt(path: str, key: bytes) -> None:
    """Decrypt an envelope's chunks with bare AESGCM calls (header skipped, nonces known)."""
    from noosphere.storage import envelope as env

    with open(path, "rb") as fh:
        header = env.read_header(fh)
        aead, prefix, _ = env._derive(key, header.salt)
        associated = header.to_bytes()
        for index, view in enumerate(_pieces(fh, header.chunk_size + env.TAG_SIZE)):
            nonce = env._nonce(prefix, index, index == header.chunks - 1)
            aead.decrypt(nonce, view, associated)


def _child(mode: str, size: int, directory: str) -> None:
    from noosphere.storage import envelope as env

    key = env.generate_key()
    times: dict[str, list[float]] = {}
    if mode == "encrypt":
        runs = {
            "encrypt": lambda: env.encrypt_stream(
                GeneratedStream(size), NullSink(), key, size=size
            ),
            "aes-gcm raw": lambda: _raw_encrypt(size, key),
            "sha256": lambda: _sha256(size),
        }
    else:
        path = os.path.join(directory, "envelope.bin")
        with open(path, "wb") as fh:
            env.encrypt_stream(GeneratedStream(size), fh, key, size=size)

        def decrypt() -> None:
            with open(path, "rb") as fh:
                assert env.decrypt_stream(fh, NullSink(), key) == size

        runs = {"decrypt": decrypt, "aes-gcm raw": lambda: _raw_decrypt(path, key)}
    for _ in range(RUNS):  # alternate, so both see the same conditions
        for name, run in runs.items():
            times.setdefault(name, []).append(_timed(run))
    out = {name: min(values) for name, values in times.items()}
    print(json.dumps({"seconds": out, "maxrss_mb": _maxrss_mb()}))


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(mode: str, size: int, directory: str) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; return what it printed as JSON."""
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_envelope", "--child", mode, str(size), directory],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{mode} run failed: {done.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Measure and print the table; raise if a target is missed."""
    mib = int(os.environ.get("NOOS_BENCH_ENVELOPE_MB", "256"))
    size = mib << 20
    workdir = tempfile.mkdtemp(prefix="noos-bench-envelope-", dir=os.environ.get("NOOS_BENCH_DIR"))
    try:
        enc = _run("encrypt", size, workdir)
        dec = _run("decrypt", size, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    rows: list[list[object]] = []
    misses: list[str] = []
    for label, result, subject in (("encrypt", enc, "encrypt"), ("decrypt", dec, "decrypt")):
        seconds: dict[str, float] = result["seconds"]
        mbps = {name: size / 1e6 / secs for name, secs in seconds.items()}
        for name in seconds:
            rows.append(
                [
                    f"{label}: {name}",
                    f"{mbps[name]:.0f}",
                    f"{size / 2**20 / seconds[name]:.0f}",
                    f"{seconds[name]:.3f}",
                    f"{mbps[name] / mbps['aes-gcm raw']:.2f}",
                    f"{result['maxrss_mb']:.0f}" if name == subject else "",
                ]
            )
        ratio = mbps[subject] / mbps["aes-gcm raw"]
        record("envelope", f"{subject}_throughput", round(mbps[subject], 1), "MB/s", size_mb=mib)
        record("envelope", f"{subject}_vs_raw_aesgcm", round(ratio, 3), "x", size_mb=mib)
        record("envelope", f"{subject}_peak_rss", round(result["maxrss_mb"], 1), "MB")
        if mbps[subject] < TARGET_MBPS:
            misses.append(f"{subject} {mbps[subject]:.0f} MB/s < {TARGET_MBPS:.0f} MB/s")
        if result["maxrss_mb"] >= RSS_TARGET_MB:
            misses.append(f"{subject} peak RSS {result['maxrss_mb']:.0f} MB >= {RSS_TARGET_MB} MB")
    if "sha256" in enc["seconds"]:
        sha = size / 1e6 / enc["seconds"]["sha256"]
        record("envelope", "sha256_throughput", round(sha, 1), "MB/s", size_mb=mib)
    table(
        f"encryption envelopes, {mib} MiB generated stream, 1 MiB chunks, one thread "
        f"(best of {RUNS}, alternating)",
        ["run", "MB/s", "MiB/s", "seconds", "vs raw AES-GCM", "peak RSS MB"],
        rows,
    )
    if misses:
        raise RuntimeError("; ".join(misses))
    print(f"  targets met: >= {TARGET_MBPS:.0f} MB/s per core, peak RSS < {RSS_TARGET_MB} MB")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        _child(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        main()
