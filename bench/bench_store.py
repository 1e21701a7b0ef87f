"""Content store: kubo-compatible import throughput vs plain ``hashlib.sha256``, and peak memory.

A generated stream (``NOOS_BENCH_STORE_MB`` MiB, default 1024; distinct 256 KiB chunks, never
held in memory) is fed to each contender, each in a fresh subprocess that reports its time and
its peak resident memory (``ru_maxrss``):

* ``sha256``: one ``hashlib.sha256`` over the stream, read in 256 KiB pieces (the baseline);
* ``hash-only``: the full UnixFS import without storing (``ipfs add --only-hash``);
* ``store``: the import into a fresh blockstore (fsync per block, as in production), then
  ``cat`` of the stored file (read back and verified block by block);
* ``disk``: sha256 plus writing the same bytes to one file and fsyncing it, the disk's ceiling.

Targets: hash-only ≥ 0.5 × sha256 throughput; peak RSS < 100 MB. Storing is bounded by the disk,
so its ratio is reported against both sha256 and the ``disk`` ceiling. ``NOOS_BENCH_DIR`` picks
where the temporary blockstore goes (default: the system temp dir).
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
from pathlib import Path

from bench._report import record, table

CHUNK = 262_144
RATIO_TARGET = 0.5
RSS_TARGET_MB = 100


class GeneratedStream(io.RawIOBase):
    """``size`` deterministic bytes whose every 256 KiB read is distinct; O(1) memory."""

    def __init__(self, size: int) -> None:
        self._left = size
        self._base = bytearray(hashlib.shake_256(b"noosphere bench").digest(CHUNK))
        self._count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self._left, CHUNK)
        if n <= 0:
            return 0
        self._count += 1
        self._base[:8] = self._count.to_bytes(8, "little")
        buffer[:n] = memoryview(self._base)[:n]
        self._left -= n
        return n


def _sha256(size: int) -> dict[str, object]:
    stream, buf, hasher = GeneratedStream(size), bytearray(CHUNK), hashlib.sha256()
    view = memoryview(buf)
    started = time.perf_counter()
    while n := stream.readinto(view):
        hasher.update(view[:n])
    return {"seconds": time.perf_counter() - started, "digest": hasher.hexdigest()}


def _disk(size: int, directory: str) -> dict[str, object]:
    stream, buf, hasher = GeneratedStream(size), bytearray(CHUNK), hashlib.sha256()
    view = memoryview(buf)
    path = os.path.join(directory, "plain.bin")
    started = time.perf_counter()
    with open(path, "wb", buffering=0) as fh:
        while n := stream.readinto(view):
            hasher.update(view[:n])
            fh.write(view[:n])
        os.fsync(fh.fileno())
    seconds = time.perf_counter() - started
    os.unlink(path)
    return {"seconds": seconds}


def _import(size: int, directory: str | None) -> dict[str, object]:
    from noosphere.storage import Store, import_stream

    store = Store(Path(directory)) if directory else None
    started = time.perf_counter()
    result = import_stream(GeneratedStream(size), store.blockstore if store else None)
    out: dict[str, object] = {"seconds": time.perf_counter() - started, "cid": str(result.cid)}
    if store is not None:
        started = time.perf_counter()
        total = sum(len(piece) for piece in store.cat(result.cid))
        out["cat_seconds"] = time.perf_counter() - started
        assert total == size
    return out


def _child(mode: str, size: int, directory: str) -> None:
    if mode == "sha256":
        out = _sha256(size)
    elif mode == "disk":
        out = _disk(size, directory)
    else:
        out = _import(size, directory if mode == "store" else None)
    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def _run(mode: str, size: int, directory: str) -> dict[str, float | str]:
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_store", "--child", mode, str(size), directory],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{mode} run failed: {done.stderr.strip()[-2000:]}")
    result: dict[str, float | str] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Measure and print the table; raise if hash-only or memory misses its target."""
    mb = int(os.environ.get("NOOS_BENCH_STORE_MB", "1024"))
    size = mb << 20
    workdir = tempfile.mkdtemp(prefix="noos-bench-store-", dir=os.environ.get("NOOS_BENCH_DIR"))
    try:
        runs: dict[str, list[dict[str, float | str]]] = {"sha256": [], "hash-only": []}
        for _ in range(2):  # interleaved, best of two: the machine may be busy
            runs["sha256"].append(_run("sha256", size, workdir))
            runs["hash-only"].append(_run("hash-only", size, workdir))
        store_dir = os.path.join(workdir, "home")
        runs["store"] = [_run("store", size, store_dir)]
        runs["disk"] = [_run("disk", size, workdir)]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    best = {mode: min(rs, key=lambda r: float(r["seconds"])) for mode, rs in runs.items()}
    peak = {mode: max(float(r["maxrss_mb"]) for r in rs) for mode, rs in runs.items()}
    mbps = {mode: mb / float(r["seconds"]) for mode, r in best.items()}
    cat_mbps = mb / float(best["store"]["cat_seconds"])
    ratio = {mode: mbps[mode] / mbps["sha256"] for mode in mbps}
    rows: list[list[object]] = [
        [mode, f"{mbps[mode]:.0f}", f"{float(best[mode]['seconds']):.2f}", f"{ratio[mode]:.2f}",
         f"{peak[mode]:.0f}"]
        for mode in ("sha256", "hash-only", "store", "disk")
    ]  # fmt: skip
    rows.append(["cat (stored)", f"{cat_mbps:.0f}", f"{mb / cat_mbps:.2f}",
                 f"{cat_mbps / mbps['sha256']:.2f}", f"{peak['store']:.0f}"])  # fmt: skip
    table(
        f"content store, {mb} MiB generated stream (CID {best['hash-only']['cid']})",
        ["mode", "MiB/s", "seconds", "vs sha256", "peak RSS MB"],
        rows,
    )
    print(f"  store vs disk ceiling (sha256 + one file + fsync): {mbps['store'] / mbps['disk']:.2f}")
    assert best["store"]["cid"] == best["hash-only"]["cid"]
    for mode in ("sha256", "hash-only", "store", "disk"):
        record("store", f"{mode}_throughput", round(mbps[mode], 1), "MiB/s", size_mb=mb)
        record("store", f"{mode}_peak_rss", round(peak[mode], 1), "MB", size_mb=mb)
    record("store", "hash_only_ratio", round(ratio["hash-only"], 3), "x sha256", size_mb=mb)
    record("store", "store_ratio", round(ratio["store"], 3), "x sha256", size_mb=mb)
    record("store", "store_vs_disk", round(mbps["store"] / mbps["disk"], 3), "x", size_mb=mb)
    record("store", "cat_throughput", round(cat_mbps, 1), "MiB/s", size_mb=mb)
    misses = []
    if ratio["hash-only"] < RATIO_TARGET:
        misses.append(f"hash-only ratio {ratio['hash-only']:.2f} < {RATIO_TARGET}")
    for mode in ("hash-only", "store"):
        if peak[mode] >= RSS_TARGET_MB:
            misses.append(f"{mode} peak RSS {peak[mode]:.0f} MB >= {RSS_TARGET_MB} MB")
    if misses:
        raise RuntimeError("; ".join(misses))
    print(f"  targets met: hash-only >= {RATIO_TARGET} x sha256, peak RSS < {RSS_TARGET_MB} MB")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        _child(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        main()
