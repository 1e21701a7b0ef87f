"""Compile every deployable Vyper contract into a JSON artifact shipped inside the package.

Deployable contracts live in ``contracts/<area>/<name>.vy``; reusable modules live in
``contracts/lib/`` and are compiled only as part of the contracts that import them. Each
artifact holds the ABI, creation and runtime bytecode, the compiler version and vyper's
integrity hash over every source the contract was built from, which the staleness test
recomputes (``python tools/compile_contracts.py --check``).

Usage: ``python tools/compile_contracts.py [--check] [NAME ...]`` from the repository root;
with names, only those contracts are compiled (and no other artifact is touched).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import vyper
from vyper.cli.vyper_compile import compile_files

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = ROOT / "contracts"
ARTIFACTS = ROOT / "src" / "noosphere" / "artifacts"
FORMATS = ["abi", "bytecode", "bytecode_runtime", "integrity", "devdoc", "userdoc"]


def deployable_sources() -> list[Path]:
    """Every ``contracts/<area>/*.vy`` outside ``contracts/lib``."""
    return sorted(p for p in CONTRACTS.glob("*/*.vy") if p.parent.name != "lib")


def artifact_name(source: Path) -> str:
    """The artifact's name: the contract file's stem (unique across areas)."""
    return source.stem


def integrity(source: Path) -> str:
    """Vyper's integrity hash of a contract and everything it imports."""
    out = compile_files([str(source.relative_to(ROOT))], ["integrity"], paths=[str(ROOT)])
    return str(next(iter(out.values()))["integrity"])


def compile_one(source: Path) -> dict:
    """Compile one contract into its artifact dictionary."""
    rel = str(source.relative_to(ROOT))
    out = next(iter(compile_files([rel], FORMATS, paths=[str(ROOT)]).values()))
    return {
        "contractName": artifact_name(source),
        "sourcePath": rel,
        "compiler": f"vyper-{vyper.__version__}",
        "integrity": out["integrity"],
        "abi": out["abi"],
        "bytecode": out["bytecode"],
        "deployedBytecode": out["bytecode_runtime"],
        "devdoc": out["devdoc"],
        "userdoc": out["userdoc"],
    }


def stale_artifacts() -> list[str]:
    """Names of contracts whose artifact is missing or older than its sources."""
    problems = []
    for source in deployable_sources():
        path = ARTIFACTS / f"{artifact_name(source)}.json"
        if not path.exists():
            problems.append(f"{source.relative_to(ROOT)}: no artifact")
            continue
        stored = json.loads(path.read_text())
        if stored.get("integrity") != integrity(source):
            problems.append(f"{source.relative_to(ROOT)}: artifact is stale")
    names = {artifact_name(s) for s in deployable_sources()}
    for path in ARTIFACTS.glob("*.json"):
        if path.stem not in names:
            problems.append(f"{path.name}: artifact without a source")
    return problems


def main() -> int:
    """Compile all contracts, or with ``--check`` only report stale artifacts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale artifacts")
    parser.add_argument("names", nargs="*", help="compile only these contracts (file stems)")
    args = parser.parse_args()
    if args.check:
        problems = stale_artifacts()
        for problem in problems:
            print(problem)
        return 1 if problems else 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    sources = deployable_sources()
    if args.names:
        unknown = set(args.names) - {artifact_name(s) for s in sources}
        if unknown:
            print(f"no such contract: {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        sources = [s for s in sources if artifact_name(s) in args.names]
    names = set()
    for source in sources:
        artifact = compile_one(source)
        names.add(artifact["contractName"])
        target = ARTIFACTS / f"{artifact['contractName']}.json"
        target.write_text(json.dumps(artifact, indent=1, sort_keys=True) + "\n")
        print(f"compiled {source.relative_to(ROOT)} -> {target.relative_to(ROOT)}")
    if not args.names:
        for path in ARTIFACTS.glob("*.json"):
            if path.stem not in names:
                path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
