"""Audit a model: walk its provenance from the chain and check every link (docs/models.md, "What
the chain checks, and what ``noos audit model`` checks").

For each model of the lineage (the model, then each parent, recursively) :class:`ModelAuditor`
makes a list of named :class:`~noosphere.audit.lineage_checks.Check` values:

1. **registration**: the ``Registered`` event is found and its provenance hashes to the
   ``provenance_hash`` ModelNFT stores;
2. **artifact**: fetched by CID (local store, then the configured gateways; every block is
   verified against its hash) and loaded as ONNX, checked against the metadata's task;
3. **metadata**: fetched and verified the same way and parsed as a ``noosphere.model/1``
   document;
4. **datasets** and 5. **parents**: :mod:`noosphere.audit.lineage_checks`; each parent is then
   audited in turn (a parent reached twice is audited once);
6. **test split**: when the metadata declares one, the table is fetched by CID, the model is run
   on it in the sandbox and the metric compared with the declared value (1e-6 absolute);
7. **community winner**, **compute job**, **training run**: recorded on chain, not reproduced
   here; reported as skipped.

:attr:`ModelAudit.failures` names every failing link as a path, e.g. ``model 3 → dataset 2
receipt 0xab…: signature is not the provider's: …``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from noosphere.audit.lineage_checks import (
    Check,
    dataset_checks,
    failed,
    parent_check,
    passed,
    registration_context,
    skipped,
)
from noosphere.chain.model_reads import ModelReader
from noosphere.chain.model_types import ZERO32, Registration
from noosphere.errors import NoosphereError
from noosphere.storage import Store

MAX_ARTIFACT_BYTES = 64 << 20
MAX_METADATA_BYTES = 1 << 20
MAX_TABLE_BYTES = 64 << 20
METRIC_TOLERANCE = 1e-6
EVAL_TIMEOUT = 60.0


@dataclass
class ModelAudit:
    """The checks of one model and the audits of its parents (the lineage tree)."""

    model_id: int
    checks: list[Check] = field(default_factory=list)
    parents: list[ModelAudit] = field(default_factory=list)
    name: str = ""

    @property
    def ok(self) -> bool:
        """True when no check of this model or of any ancestor failed."""
        return not self.failures()

    def failures(self, path: tuple[str, ...] = ()) -> list[str]:
        """Each failing link as ``model 3 → parent 1 licence: reason`` (ancestors included)."""
        here = (*path, f"model {self.model_id}")
        out = [" → ".join((*here, c.name)) + f": {c.reason}"
               for c in self.checks if c.status == "fail"]  # fmt: skip
        for parent in self.parents:
            out += parent.failures(here)
        return out

    def walk(self) -> Iterator[ModelAudit]:
        """This audit and every ancestor's, depth first."""
        yield self
        for parent in self.parents:
            yield from parent.walk()

    def as_json(self) -> dict[str, Any]:
        """The JSON form: checks, parents (recursively), ok."""
        return {"model_id": self.model_id, "name": self.name, "ok": self.ok,
                "checks": [c.as_json() for c in self.checks],
                "parents": [p.as_json() for p in self.parents]}  # fmt: skip


class ModelAuditor:
    """Audits models of one deployment, fetching contents through ``store`` (and its gateways)."""

    def __init__(self, market: ModelReader, store: Store, *, eval_timeout: float = EVAL_TIMEOUT):
        self.market = market
        self.store = store
        self.eval_timeout = eval_timeout
        self._done: dict[int, ModelAudit] = {}

    def audit(self, model_id: int) -> ModelAudit:
        """Audit ``model_id`` and its whole lineage. Raises
        :class:`~noosphere.errors.ModelNotFoundError` for an unknown id; everything else found
        wrong is a failing check."""
        record = self.market.model(model_id)  # a clear error for an unknown id, first
        return self._audit(model_id, record, frozenset())

    def _audit(self, model_id: int, record: Any, path: frozenset[int]) -> ModelAudit:
        if model_id in self._done:
            return self._done[model_id]
        result = ModelAudit(model_id)
        checks = result.checks
        try:
            reg = self.market.registration(model_id)
        except NoosphereError as error:
            checks.append(failed("registration", error.message))
            return result
        recomputed = reg.provenance.hash()
        if recomputed == record.provenance_hash:
            checks.append(passed("registration", f"block {reg.block_number}; provenance hash "
                                                 f"0x{recomputed.hex()} recomputed"))  # fmt: skip
        else:
            checks.append(failed("registration", f"the logged provenance hashes to "
                                                 f"0x{recomputed.hex()}, ModelNFT stores "
                                                 f"0x{record.provenance_hash.hex()}"))  # fmt: skip
        artifact = self._fetch("artifact", record.artifact_cid, MAX_ARTIFACT_BYTES, checks)
        metadata = self._metadata(record.metadata_cid, checks)
        if metadata is not None:
            result.name = metadata.name
        checks.append(self._onnx_check(artifact, metadata))
        receipts = self._receipts(metadata, checks)
        winner = self._community_winner(model_id) if record.community else None
        ctx = registration_context(self.market, reg, winner, self.store)
        for use in reg.provenance.datasets:
            checks.extend(dataset_checks(self.market, ctx, use, receipts, record.artifact_cid))
        for parent in reg.provenance.parents:
            checks.append(parent_check(self.market, ctx, parent))
        checks.extend(self._test_split(artifact, metadata))
        checks.extend(self._unchecked(reg, record.community, winner))
        for parent in reg.provenance.parents:
            if parent in path:  # impossible on chain (parents have smaller ids)
                checks.append(failed(f"parent {parent}", "the lineage is cyclic"))
                continue
            try:
                parent_record = self.market.model(parent)
            except NoosphereError as error:
                checks.append(failed(f"parent {parent}", error.message))
                continue
            result.parents.append(self._audit(parent, parent_record, path | {model_id}))
        self._done[model_id] = result
        return result

    # --- contents ------------------------------------------------------------------------------
    def _fetch(self, what: str, cid: str, max_bytes: int, checks: list[Check]) -> bytes | None:
        """The verified bytes of ``cid`` (a passing check), or None (a failing one)."""
        from noosphere.errors import IntegrityError
        from noosphere.nodes.submission import ArtifactFetcher

        note = ""
        try:
            data = ArtifactFetcher(self.store).fetch(cid, (), max_bytes)
        except IntegrityError as error:
            if not self.store.gateways:
                checks.append(failed(what, f"{cid} cannot be fetched and verified: "
                                           f"{error.message}"))  # fmt: skip
                return None
            try:  # the local copy is corrupt: the gateways may still have the content
                data = self._from_gateways(cid, max_bytes)
            except NoosphereError as again:
                checks.append(failed(what, f"{cid} cannot be fetched and verified: "
                                           f"{error.message}; from the gateways: "
                                           f"{again.message}"))  # fmt: skip
                return None
            note = " (the local copy is corrupt; fetched from a gateway)"
        except NoosphereError as error:
            checks.append(failed(what, f"{cid} cannot be fetched and verified: {error.message}"))
            return None
        checks.append(passed(what, f"{cid}: {len(data):,} bytes, verified against the CID{note}"))
        return data

    def _from_gateways(self, cid: str, max_bytes: int) -> bytes:
        """``cid`` fetched from the gateways alone, into a throwaway store (verified)."""
        with tempfile.TemporaryDirectory(prefix="noos-audit-") as tmp:
            fresh = Store(Path(tmp), gateways=self.store.gateways, sync=False)
            try:
                return fresh.read_bytes(cid, max_size=max_bytes)
            finally:
                fresh.close()

    def _metadata(self, cid: str, checks: list[Check]) -> Any:
        from noosphere.models.metadata import ModelMetadata

        data = self._fetch("metadata", cid, MAX_METADATA_BYTES, checks)
        if data is None:
            return None
        try:
            return ModelMetadata.from_json(data)
        except NoosphereError as error:
            checks[-1] = failed("metadata", f"{cid} is not a model metadata document: "
                                            f"{error.message}")  # fmt: skip
            return None

    @staticmethod
    def _receipts(metadata: Any, checks: list[Check]) -> list[Any] | None:
        if metadata is None:
            return None
        try:
            return list(metadata.compute_receipts)
        except NoosphereError as error:
            checks.append(failed("metadata receipts", error.message))
            return None

    @staticmethod
    def _spec(metadata: Any, rows: int = 1) -> Any:
        """A task spec stating the model's input and output (classification only)."""
        from noosphere.ml.tasks import DatasetRef, Limits, TaskSpec

        task = metadata.task
        nowhere = DatasetRef(source="data_nft", contract="0x" + "00" * 20, token_id=0,
                             sha256="0" * 64)  # fmt: skip
        return TaskSpec(
            mode="submission",
            dataset=nowhere,
            n_features=int(task["input"]["n_features"]),
            n_classes=int(task["output"]["n_classes"]),
            eval_size=max(1, rows),
            limits=Limits(max_model_bytes=MAX_ARTIFACT_BYTES),
            input_name=str(task["input"]["name"]),
            output_name=str(task["output"]["name"]),
        )

    def _onnx_check(self, artifact: bytes | None, metadata: Any) -> Check:
        from noosphere.ml.onnx_check import check_model, parse_model

        if artifact is None:
            return skipped("onnx", "no verified artifact to load")
        try:
            if metadata is not None and metadata.task["kind"] == "classification":
                info = check_model(artifact, self._spec(metadata))
                return passed("onnx", f"loads; {info.n_nodes} nodes, input "
                                      f"{info.input_name}, output {info.output_name}")  # fmt: skip
            parse_model(artifact, max_bytes=MAX_ARTIFACT_BYTES)
            return passed("onnx", "parses as ONNX (task not checked)")
        except NoosphereError as error:
            return failed("onnx", error.message)

    def _test_split(self, artifact: bytes | None, metadata: Any) -> list[Check]:
        if metadata is None or metadata.test_split is None:
            return [skipped("test split", "none declared")]
        split = metadata.test_split
        name = f"test split {split.metric}"
        if artifact is None:
            return [failed(name, "no verified artifact to evaluate")]
        if metadata.task["kind"] != "classification":
            return [skipped(name, "only classification models are re-evaluated")]
        measures = _metric_functions()
        measure = measures.get(split.metric)
        if measure is None:
            return [skipped(name, f"metric {split.metric!r} is not one the audit computes "
                                  f"({', '.join(measures)})")]  # fmt: skip
        checks: list[Check] = []
        table = self._fetch("test split table", split.cid, MAX_TABLE_BYTES, checks)
        if table is None:
            return checks
        try:
            measured = self._evaluate(artifact, metadata, table, split.label, measure)
        except NoosphereError as error:
            return [*checks, failed(name, f"cannot re-evaluate: {error.message}")]
        if abs(measured - split.value) > METRIC_TOLERANCE:
            return [*checks, failed(name, f"declared {split.value!r}, measured {measured!r}")]
        return [*checks, passed(name, f"declared {split.value!r}, measured {measured!r}")]

    def _evaluate(self, artifact: bytes, metadata: Any, table: bytes, label: str,
                  measure: Any) -> float:  # fmt: skip
        from noosphere.ml.evaluate import run_sandboxed
        from noosphere.ml.inference import check_probabilities
        from noosphere.ml.table import read_table

        with tempfile.TemporaryDirectory(prefix="noos-audit-") as tmp:
            path = Path(tmp) / f"test.{_table_format(table)}"
            path.write_bytes(table)
            X, y = read_table(path, label=label, max_bytes=MAX_TABLE_BYTES).to_xy()
        spec = self._spec(metadata, len(y))
        raw = run_sandboxed(artifact, X, n_classes=spec.n_classes, timeout=self.eval_timeout,
                            input_name=spec.input_name, output_name=spec.output_name)  # fmt: skip
        probabilities = check_probabilities(raw, len(y), spec.n_classes)
        return float(measure(probabilities, y))

    # --- what the chain records but the audit does not reproduce -------------------------------
    def _community_winner(self, model_id: int) -> str | None:
        event = self.market.nft.events.CommunityRegistered()
        logs = event.get_logs(from_block=self.market.start_block,
                              argument_filters={"model_id": model_id})  # fmt: skip
        return str(logs[0]["args"]["winner"]) if logs else None

    @staticmethod
    def _unchecked(reg: Registration, community: bool, winner: str | None) -> list[Check]:
        prov = reg.provenance
        out = []
        if community:
            out.append(skipped("community winner", f"winner {winner} of subnet {prov.netuid} "
                                                   f"epoch {prov.epoch}: not checked against "
                                                   "the epoch's consensus"))  # fmt: skip
        if prov.compute_job:
            out.append(skipped("compute job", f"job {prov.compute_job}: not checked"))
        if prov.training_run != ZERO32:
            out.append(skipped("training run", "not reproduced"))
        return out


def _table_format(data: bytes) -> str:
    """The extension :func:`~noosphere.ml.table.read_table` needs, from the content."""
    if data.startswith(b"PK"):
        return "npz"
    if data.startswith(b"PAR1"):
        return "parquet"
    first = data.split(b"\n", 1)[0]
    return "tsv" if b"\t" in first and b"," not in first else "csv"


def _metric_functions() -> dict[str, Any]:
    """The metrics the audit re-computes (log loss as the mean negative log-likelihood)."""
    from noosphere.ml.metrics import accuracy, log_loss, macro_f1

    return {"accuracy": accuracy, "macro_f1": macro_f1, "log_loss": log_loss}
