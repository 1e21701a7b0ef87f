"""The compiled artifacts shipped in ``src/noosphere/artifacts`` match the contract sources."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
COMPILER = ROOT / "tools" / "compile_contracts.py"


def _load_compiler() -> ModuleType:
    """Import ``tools/compile_contracts.py`` (``tools`` is not a package)."""
    spec = importlib.util.spec_from_file_location("compile_contracts", COMPILER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_contract_has_an_up_to_date_artifact():
    problems = _load_compiler().stale_artifacts()
    assert not problems, (
        "stale or missing contract artifacts (run `python tools/compile_contracts.py`):\n  "
        + "\n  ".join(problems)
    )


def test_the_token_is_a_deployable_contract():
    compiler = _load_compiler()
    names = {compiler.artifact_name(source) for source in compiler.deployable_sources()}
    assert "noos" in names
