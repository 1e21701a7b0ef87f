"""`noos store` as a user runs it: a subprocess with its own NOOS_HOME."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import aleph_cid
import httpx
import pytest

NOOS = str(Path(sys.executable).with_name("noos"))


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOOS_")}
    env["NOOS_HOME"] = str(home)
    return env


def noos(home: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [NOOS, *args], env=_env(home), input=stdin, capture_output=True, timeout=60
    )


def noos_many(home: Path, *commands: tuple[str, ...]) -> list[subprocess.CompletedProcess[bytes]]:
    """Run independent commands at once (each is a fresh interpreter: startup dominates)."""
    procs = [
        subprocess.Popen(
            [NOOS, *args], env=_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for args in commands
    ]
    results = []
    for args, proc in zip(commands, procs, strict=True):
        out, err = proc.communicate(timeout=60)
        results.append(subprocess.CompletedProcess([NOOS, *args], proc.returncode, out, err))
    return results


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def test_put_ls_cat_get(home: Path, tmp_path: Path) -> None:
    data = os.urandom(300_000)
    path = tmp_path / "weights.bin"
    path.write_bytes(data)
    expected = aleph_cid.compute_cid(data)

    put = noos(home, "store", "put", str(path))
    assert put.returncode == 0, put.stderr
    lines = put.stdout.decode().splitlines()
    assert lines[0] == f"added {expected} weights.bin (300,000 bytes)"
    assert lines[1].startswith("cidv1 bafybei")

    out = tmp_path / "copy.bin"
    listed, links, cat, got = noos_many(
        home,
        ("store", "ls"),
        ("store", "ls", expected),
        ("store", "cat", lines[1].split()[1]),  # by CIDv1
        ("store", "get", expected, "-o", str(out)),
    )
    assert listed.returncode == 0
    assert listed.stdout.decode().split()[0] == expected
    assert "weights.bin" in listed.stdout.decode()
    assert len(links.stdout.decode().splitlines()) == 2  # two chunks
    assert cat.returncode == 0 and cat.stdout == data
    assert got.returncode == 0, got.stderr
    assert out.read_bytes() == data


def test_hash_only_and_stdin(home: Path) -> None:
    hashed = noos(home, "store", "put", "--hash-only", "-q", "-", stdin=b"hello world\n")
    assert hashed.stdout.decode().strip() == "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
    assert "no content stored yet" in noos(home, "store", "ls").stderr.decode()


def test_errors_are_one_line_without_traceback(home: Path) -> None:
    results = noos_many(
        home,
        ("store", "cat", "Qmnotacid"),
        ("store", "get", "bafyabc"),
        ("store", "ls", "not a cid"),
        ("store", "cat", "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"),  # absent, no gateway
        ("store", "put", "/no/such/file"),
    )
    for result in results:
        err = result.stderr.decode()
        assert result.returncode != 0, result.args
        assert err.startswith("error: "), err
        assert len(err.strip().splitlines()) == 1, err
        assert "Traceback" not in err
        assert result.stdout == b""
    assert "'Qmnotacid' is not a valid CID" in results[0].stderr.decode()
    assert "no gateway is configured" in results[3].stderr.decode()


def test_corrupt_block_is_reported_and_kept(home: Path, tmp_path: Path) -> None:
    put = noos(home, "store", "put", "-q", "-", stdin=b"precious data")
    cid = put.stdout.decode().strip()
    (block,) = (home / "blocks").rglob("*.data")
    block.write_bytes(block.read_bytes().replace(b"precious", b"tampered"))
    out = tmp_path / "out"
    result = noos(home, "store", "get", cid, "-o", str(out))
    assert result.returncode != 0
    assert "corrupt on disk" in result.stderr.decode()
    assert not out.exists()
    assert block.exists()


def test_serve(home: Path) -> None:
    cid = noos(home, "store", "put", "-q", "-", stdin=b"served bytes").stdout.decode().strip()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = subprocess.Popen(
        [NOOS, "store", "serve", "--port", str(port)],
        env=_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/ipfs/{cid}", params={"format": "raw"})
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.1)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/vnd.ipld.raw"
    finally:
        server.terminate()
        server.wait(10)
