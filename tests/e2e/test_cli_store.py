"""`noos store` as a user runs it: subprocesses with an isolated NOOS_HOME (see conftest)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import aleph_cid
import httpx

from tests.e2e.conftest import Runner, assert_clean_error


def test_put_ls_cat_get(noos: Runner, tmp_path: Path) -> None:
    text = "".join(f"row {i},{i * i}\n" for i in range(30_000))  # ~570 kB: three chunks
    path = tmp_path / "table.csv"
    path.write_text(text)
    expected = aleph_cid.compute_cid(text.encode())

    put = noos("store", "put", str(path))
    assert put.returncode == 0, put.stderr
    lines = put.stdout.splitlines()
    assert lines[0] == f"added {expected} table.csv ({len(text):,} bytes)"
    assert lines[1].startswith("cidv1 bafybei")

    listed = noos("store", "ls")
    assert listed.stdout.split()[0] == expected
    assert "table.csv" in listed.stdout
    assert len(noos("store", "ls", expected).stdout.splitlines()) == 3  # one line per chunk

    cat = noos("store", "cat", lines[1].split()[1])  # by CIDv1
    assert cat.returncode == 0 and cat.stdout == text

    out = tmp_path / "copy.csv"
    got = noos("store", "get", expected, "-o", str(out))
    assert got.returncode == 0, got.stderr
    assert out.read_text() == text


def test_hash_only_and_stdin(noos: Runner) -> None:
    hashed = noos("store", "put", "--hash-only", "-q", "-", input="hello world\n")
    assert hashed.stdout.strip() == "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
    assert "no content stored yet" in noos("store", "ls").stderr


def test_malformed_cids_and_paths_are_clean_errors(noos: Runner) -> None:
    assert_clean_error(noos("store", "cat", "Qmnotacid"), "'Qmnotacid' is not a valid CID")
    assert_clean_error(noos("store", "get", "bafyabc"), "'bafyabc' is not a valid CID")
    absent = "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"
    assert_clean_error(noos("store", "cat", absent), "no gateway is configured")
    assert_clean_error(noos("store", "put", "/no/such/file"), "/no/such/file does not exist")


def test_corrupt_block_is_reported_and_kept(noos: Runner, noos_home: Path, tmp_path: Path) -> None:
    cid = noos("store", "put", "-q", "-", input="precious data").stdout.strip()
    (block,) = (noos_home / "blocks").rglob("*.data")
    block.write_bytes(block.read_bytes().replace(b"precious", b"tampered"))
    out = tmp_path / "out"
    assert_clean_error(noos("store", "get", cid, "-o", str(out)), "corrupt on disk")
    assert not out.exists()
    assert block.exists()  # the evidence stays; nothing is deleted behind the user's back


def test_serve(noos: Runner, noos_home: Path) -> None:
    cid = noos("store", "put", "-q", "-", input="served bytes").stdout.strip()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOOS_")}
    env["NOOS_HOME"] = str(noos_home)
    server = subprocess.Popen(
        [sys.executable, "-m", "noosphere.cli", "store", "serve", "--port", str(port)],
        env=env,
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
