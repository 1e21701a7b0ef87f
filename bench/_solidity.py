"""Compile and deploy Solidity reference contracts (OpenZeppelin baselines) for benchmarks.

The compiler is solc-js, the official JavaScript/WebAssembly build of solc, run with node from
``.tools/node_modules`` (installed by ``tools/install_bench_deps.sh``, together with
``@openzeppelin/contracts``). Sources live in ``bench/solidity/``; imports resolve against that
folder and ``.tools/node_modules``. Settings follow OpenZeppelin's gas benchmarks: optimizer on,
200 runs, legacy code generator, EVM ``prague`` (``cancun`` for a solc that lacks it).

Compiled output is cached in ``bench/results/solc-cache/``, keyed by a hash of the sources in
``bench/solidity/``, the settings, the contract name and the installed solc and OpenZeppelin
versions.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from hexbytes import HexBytes
from web3.contract import Contract

from noosphere.chain.client import Chain, Receipt

ROOT = Path(__file__).resolve().parent.parent
SOLIDITY_DIR = Path(__file__).resolve().parent / "solidity"
NODE_MODULES = ROOT / ".tools" / "node_modules"
CACHE_DIR = Path(__file__).resolve().parent / "results" / "solc-cache"
OPTIMIZER_RUNS = 200
EVM_VERSIONS = ("prague", "cancun")  # preferred first; the next is tried if solc rejects one
COMPILE_TIMEOUT = 600.0

# Reads {"solc": dir, "roots": [dir...], "input": standard-json} on stdin, compiles with an
# import callback that resolves paths under the roots only, and writes solc's JSON output.
_NODE_COMPILE = r"""
const fs = require('fs');
const path = require('path');
const job = JSON.parse(fs.readFileSync(0, 'utf8'));
const solc = require(job.solc);
function findImports(name) {
  for (const root of job.roots) {
    const full = path.resolve(root, name);
    if (!full.startsWith(path.resolve(root) + path.sep)) continue;
    if (fs.existsSync(full)) return {contents: fs.readFileSync(full, 'utf8')};
  }
  return {error: 'not found under ' + job.roots.join(', ') + ': ' + name};
}
const output = solc.compile(JSON.stringify(job.input), {import: findImports});
process.stdout.write(JSON.stringify({version: solc.version(), output: JSON.parse(output)}));
"""


@dataclass(frozen=True)
class Compiled:
    """A compiled contract: its ABI, creation bytecode and how it was compiled."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: bytes
    solc_version: str
    evm_version: str
    optimizer_runs: int


def package_version(package: str) -> str:
    """The version of an npm package installed in ``.tools/node_modules``."""
    manifest = NODE_MODULES / package / "package.json"
    if not manifest.is_file():
        raise RuntimeError(f"{package} is not installed: run tools/install_bench_deps.sh")
    return str(json.loads(manifest.read_text())["version"])


def _settings(evm_version: str, contract: str) -> dict[str, Any]:
    return {
        "optimizer": {"enabled": True, "runs": OPTIMIZER_RUNS},
        "evmVersion": evm_version,
        "outputSelection": {"*": {contract: ["abi", "evm.bytecode.object"]}},
    }


def _cache_key(source: Path, contract: str) -> str:
    digest = hashlib.sha256()
    key = {
        "source": source.name,
        "contract": contract,
        "settings": _settings("|".join(EVM_VERSIONS), contract),
        "solc": package_version("solc"),
        "openzeppelin": package_version("@openzeppelin/contracts"),
    }
    digest.update(json.dumps(key, sort_keys=True).encode())
    for path in sorted(SOLIDITY_DIR.rglob("*.sol")):  # local imports are covered too
        digest.update(str(path.relative_to(SOLIDITY_DIR)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _run_solc(source: Path, contract: str, evm_version: str) -> tuple[str, dict[str, Any]]:
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node not found: install Node.js 20")
    job = {
        "solc": str(NODE_MODULES / "solc"),
        "roots": [str(source.parent), str(SOLIDITY_DIR), str(NODE_MODULES)],
        "input": {
            "language": "Solidity",
            "sources": {source.name: {"content": source.read_text()}},
            "settings": _settings(evm_version, contract),
        },
    }
    done = subprocess.run(
        [node, "-e", _NODE_COMPILE],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=COMPILE_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"solc-js failed (exit {done.returncode}): {done.stderr.strip()}")
    result = json.loads(done.stdout)
    return str(result["version"]), result["output"]


def compile_solidity(source: Path | str, contract: str) -> Compiled:
    """Compile ``contract`` from ``source`` (a path, or a file name in ``bench/solidity/``).

    Returns the cached result when the sources, settings and tool versions are unchanged.
    Raises :class:`RuntimeError` with solc's messages when compilation fails.
    """
    path = Path(source)
    if not path.is_absolute() and not path.exists():
        path = SOLIDITY_DIR / path
    cache = CACHE_DIR / f"{path.stem}-{contract}-{_cache_key(path, contract)[:20]}.json"
    if cache.is_file():
        data = json.loads(cache.read_text())
        return Compiled(
            name=contract,
            abi=data["abi"],
            bytecode=bytes.fromhex(data["bytecode"]),
            solc_version=data["solc_version"],
            evm_version=data["evm_version"],
            optimizer_runs=data["optimizer_runs"],
        )

    for evm_version in EVM_VERSIONS:
        version, output = _run_solc(path, contract, evm_version)
        errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
        if any("Invalid EVM version" in e.get("message", "") for e in errors):
            continue
        if errors:
            messages = "\n".join(e.get("formattedMessage", e.get("message", "")) for e in errors)
            raise RuntimeError(f"solc {version} cannot compile {path.name}:\n{messages}")
        break
    else:
        raise RuntimeError(f"solc {version} supports none of the EVM versions {EVM_VERSIONS}")

    try:
        artifact = output["contracts"][path.name][contract]
    except KeyError:
        raise RuntimeError(f"{path.name} has no contract {contract!r}") from None
    compiled = Compiled(
        name=contract,
        abi=artifact["abi"],
        bytecode=bytes.fromhex(artifact["evm"]["bytecode"]["object"]),
        solc_version=version,
        evm_version=evm_version,
        optimizer_runs=OPTIMIZER_RUNS,
    )
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    tmp.write_text(
        json.dumps(
            {
                "abi": compiled.abi,
                "bytecode": compiled.bytecode.hex(),
                "solc_version": compiled.solc_version,
                "evm_version": compiled.evm_version,
                "optimizer_runs": compiled.optimizer_runs,
            }
        )
    )
    tmp.replace(cache)
    return compiled


def deploy_compiled(
    chain: Chain, account: LocalAccount, compiled: Compiled, *args: Any
) -> tuple[Contract, Receipt]:
    """Deploy ``compiled`` from ``account`` with constructor ``args``; return it and the receipt."""
    factory = chain.w3.eth.contract(abi=compiled.abi, bytecode=compiled.bytecode)
    data = bytes(HexBytes(factory.constructor(*args).data_in_transaction))
    receipt = chain.transact(account, to=None, data=data)
    if receipt.contract_address is None:
        raise RuntimeError(f"deploying {compiled.name} created no contract")
    address = to_checksum_address(receipt.contract_address)
    contract = chain.w3.eth.contract(address=address, abi=compiled.abi)
    return contract, receipt
