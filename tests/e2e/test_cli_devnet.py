"""``noos devnet`` and ``noos deploy`` as a user runs them, with anvil."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.conftest import Anvil
from tests.e2e.conftest import Runner, assert_clean_error

pytestmark = pytest.mark.anvil


def test_devnet_lifecycle(noos: Runner, noos_home: Path) -> None:
    started = noos("devnet", "start")
    assert started.returncode == 0, started.stderr
    assert "deployed noos at 0x" in started.stdout
    try:
        again = noos("devnet", "start")
        assert_clean_error(again, "already running")
        status = noos("devnet", "status")
        assert "running" in status.stdout and "chain id 31337" in status.stdout
        funded = noos("wallet", "create", "alice")
        assert funded.returncode == 0, funded.stderr
        assert noos("devnet", "fund", "alice", "--noos", "5").returncode == 0
        mined = noos("devnet", "mine", "3", "--time", "1h")
        assert mined.returncode == 0 and "mined 3 block(s)" in mined.stdout, mined.stderr
        assert_clean_error(noos("devnet", "mine", "2", "--time", "soon"), "--time: 'soon'")
        assert noos("devnet", "mine", "0").returncode != 0
        assert noos("devnet", "stop").returncode == 0
        restarted = noos("devnet", "start")
        assert "already deployed noos" in restarted.stdout  # the state was persisted
        balance = noos("wallet", "balance", "alice")
        assert " 5 " in balance.stdout, balance.stdout
        reset = noos("devnet", "reset")
        assert reset.returncode == 0 and "deployed noos" in reset.stdout
        balance = noos("wallet", "balance", "alice")
        assert " 5 " not in balance.stdout
    finally:
        noos("devnet", "stop")
    stopped = noos("devnet", "status")
    assert stopped.returncode == 3 and "stopped" in stopped.stdout
    assert_clean_error(noos("devnet", "stop"), "no devnet is running")


def test_devnet_port_taken(noos: Runner) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert_clean_error(noos("devnet", "start", "--port", str(port)), "already in use")


def test_bad_anvil_path(noos: Runner) -> None:
    result = noos("devnet", "start", env={"NOOS_ANVIL_PATH": "/nonexistent/anvil"})
    assert_clean_error(result, "anvil_path")


def test_commands_without_a_chain(noos: Runner) -> None:
    assert_clean_error(noos("wallet", "balance", "0x" + "11" * 20), "no devnet is running")


def test_chain_without_manifest(noos: Runner, anvil: Anvil) -> None:
    result = noos("--rpc", anvil.url, "wallet", "balance", "0x" + "11" * 20)
    assert_clean_error(result, "not deployed on chain 31337")


def test_manifest_code_hash_mismatch(
    noos: Runner, noos_home: Path, anvil: Anvil, deployed_home: tuple[Path, object]
) -> None:
    source_home, _ = deployed_home
    manifest = json.loads((source_home / "deployments" / "31337.json").read_text())
    manifest["contracts"]["noos"]["code_hash"] = "0x" + "00" * 32
    (noos_home / "deployments").mkdir()
    (noos_home / "deployments" / "31337.json").write_text(json.dumps(manifest))
    result = noos("--rpc", anvil.url, "wallet", "balance", "0x" + "11" * 20)
    assert_clean_error(result, "different code")


def test_manifest_of_another_chain(
    noos: Runner, noos_home: Path, anvil: Anvil, deployed_home: tuple[Path, object]
) -> None:
    source_home, _ = deployed_home
    manifest = json.loads((source_home / "deployments" / "31337.json").read_text())
    manifest["chain_id"] = 1
    (noos_home / "deployments").mkdir()
    (noos_home / "deployments" / "31337.json").write_text(json.dumps(manifest))
    result = noos("--rpc", anvil.url, "wallet", "balance", "0x" + "11" * 20)
    assert_clean_error(result, "is for chain 1")


def test_unreachable_rpc(noos: Runner) -> None:
    from noosphere.chain.devnet import free_port

    result = noos("--rpc", f"http://127.0.0.1:{free_port()}", "wallet", "balance", "0x" + "11" * 20)
    assert_clean_error(result, "cannot reach")


def test_deploy_to_a_chain(noos: Runner, anvil: Anvil, tmp_path: Path) -> None:
    key_file = tmp_path / "deployer.key"
    # anvil development account 3 (public, well-known test key)
    key_file.write_text("0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6\n")
    result = noos("--rpc", anvil.url, "deploy", "--key", str(key_file), "--supply", "10")
    assert result.returncode == 0, result.stderr
    assert "deployed noos at 0x" in result.stdout
    assert "deployed governor at 0x" in result.stdout
    assert "handing the protocol over to the DAO's timelock" in result.stdout
    again = noos("--rpc", anvil.url, "deploy", "--key", str(key_file))
    assert_clean_error(again, "already deployed")
    missing = noos("--rpc", anvil.url, "deploy", "--force", "--key", str(tmp_path / "nope"))
    assert_clean_error(missing, "does not exist")


def test_deploy_refuses_a_bad_guardian_before_deploying(
    noos: Runner, anvil: Anvil, tmp_path: Path
) -> None:
    key_file = tmp_path / "deployer.key"
    key_file.write_text("0x" + "42" * 32)
    result = noos("--rpc", anvil.url, "deploy", "--key", str(key_file), "--guardian", "0x1234")
    assert_clean_error(result, "guardian")
    assert "deploying" not in result.stdout


def test_deploy_with_unfunded_key(noos: Runner, anvil: Anvil, tmp_path: Path) -> None:
    key_file = tmp_path / "poor.key"
    key_file.write_text("0x" + "42" * 32)
    result = noos("--rpc", anvil.url, "deploy", "--key", str(key_file))
    assert_clean_error(result, "deploying needs about")
