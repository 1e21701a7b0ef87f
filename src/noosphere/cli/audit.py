"""``noos audit``: re-verify from public data what the chain records.

``noos audit epoch NETUID EPOCH`` recomputes an epoch's result from chain data alone and
compares it with the attested and finalized results; ``noos audit model ID`` walks a model's
provenance and checks every link. Both print what they checked and a verdict, and exit
non-zero naming what failed.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer

from noosphere.cli import _app

if TYPE_CHECKING:
    from rich.table import Table

    from noosphere.audit.epoch_audit import EpochAudit

app = typer.Typer(
    help="Audit what the chain records: epoch results and model lineages.",
    no_args_is_help=True,
)


def _json_option() -> bool:
    return typer.Option(False, "--json", help="print the audit as JSON")  # type: ignore[no-any-return]


@app.command("epoch")
def epoch_cmd(
    netuid: str = typer.Argument(..., help="subnet id (1, 2, …)"),
    epoch: str = typer.Argument(..., help="epoch to audit (0, 1, …)"),
    top: int = typer.Option(10, "--top", min=0, help="UIDs shown in the emission table"),
    as_json: bool = _json_option(),
) -> None:
    """Recompute an epoch's result from chain data and compare it with the attested roots.

    The bonds the epoch starts from (the previous finalized result's file) come from the local
    store, then the configured gateways (NOOS_GATEWAYS). Exits 0 when every attestation and
    the finalized result equal the recomputation, 1 naming each difference otherwise.
    """
    from noosphere.audit.epoch_audit import audit_epoch
    from noosphere.cli._subnet_views import parse_epoch
    from noosphere.cli.subnet import _open
    from noosphere.errors import AuditFailedError
    from noosphere.nodes.runner import bonds_reader
    from noosphere.storage import Store

    number_epoch = parse_epoch(epoch)
    _, subnets, number = _open(netuid)
    store = Store.from_config(_app.config())
    audit = audit_epoch(subnets, number, number_epoch, bonds_sources=(bonds_reader(store),))
    if as_json:
        _app.console.print_json(json.dumps(audit.as_json()))
    else:
        neurons = subnets.neurons(number, audit.outcome.details["blocks"]["state"])
        for table in _epoch_tables(audit, neurons, top):
            _app.console.print(table)
        _app.console.print(_verdict(audit.ok, audit.notes))
    if not audit.ok:
        raise AuditFailedError(f"epoch {number_epoch} of subnet {number} fails the audit: "
                               + "; ".join(audit.problems))  # fmt: skip


def _verdict(ok: bool, notes: list[str]) -> str:
    from rich.markup import escape

    lines = [f"[dim]note: {escape(n)}[/]" for n in notes]
    lines.append("verdict: [bold green]PASS[/]" if ok else "verdict: [bold red]FAIL[/]")
    return "\n".join(lines)


def _epoch_tables(audit: EpochAudit, neurons: list[Any], top: int) -> list[Table]:
    """The inputs summary, the recomputed vs attested results, and the top-``top`` emissions."""
    from rich.table import Table

    from noosphere.audit.epoch_audit import RESULT_FIELDS, recomputed_fields
    from noosphere.chain.token import format_amount
    from noosphere.cli._subnet_views import key_values, outcome_table, short

    out = audit.outcome
    details = out.details
    blocks = details["blocks"]
    stake = details["stake"]
    validators = [u for u, permitted in enumerate(details["permit"]) if permitted]
    hotkey = {n.uid: n.hotkey for n in neurons}
    bonds = audit.bonds
    bonds_text = ("none: zero bonds" if bonds.status == "none" else
                  f"of finalized epoch {bonds.epoch} ({short(bonds.digest or b'')})")  # fmt: skip
    status = ("voided" if audit.status.voided else
              "final" if audit.status.finalized else "not finalized")  # fmt: skip
    rows = [
        ("blocks", f"epoch block {blocks['start']} (stake), state at {blocks['state']}, "
                   f"closed at {blocks['close']}; chain at {audit.chain_block}"),
        ("neurons", str(len(stake))),
        ("validators", ", ".join(f"UID {u} {short(hotkey.get(u, '?'))} "
                                 f"{format_amount(stake[u])} NOOS" for u in validators) or "none"),
        ("permitted stake", f"{format_amount(audit.permitted_stake)} NOOS"),
        ("revealed weights", f"{len(details['revealed'])} (UIDs "
                             f"{', '.join(map(str, details['revealed'])) or 'none'})"),
        ("epoch emission", f"{format_amount(out.epoch_emission)} NOOS"),
        ("previous bonds", bonds_text),
        ("status", status),
    ]  # fmt: skip
    tables = [key_values(f"audit of epoch {audit.epoch} of subnet {audit.netuid}: inputs", rows)]

    results = Table(title="recomputed vs attested results")
    results.add_column("result")
    for name in (*RESULT_FIELDS, "aux_hash"):
        results.add_column(name.replace("_", " "), no_wrap=True)
    results.add_column("tally", justify="right")
    results.add_column("agrees")
    mine = {**recomputed_fields(out), "aux_hash": out.aux_hash}
    results.add_row("recomputed", *(short(mine[n], 8) for n in (*RESULT_FIELDS, "aux_hash")),
                    "", "")  # fmt: skip
    for r in audit.results:
        values = {**r.fields, "aux_hash": r.aux_hash}
        cells = [short(values[n], 8) if values[n] == mine[n] else f"[red]{short(values[n], 8)}[/]"
                 for n in (*RESULT_FIELDS, "aux_hash")]  # fmt: skip
        who = ", ".join(short(h, 6) for h in r.attesters) + (" (final)" if r.final else "")
        results.add_row(who, *cells, f"{format_amount(r.tally)} NOOS",
                        "[green]✓[/]" if r.agrees else "[red]✗[/]")  # fmt: skip
    tables.append(results)

    emission = [m + v for m, v in zip(details["miner_emission"], details["validator_emission"],
                                      strict=True)]  # fmt: skip
    ranked = sorted((n for n in neurons if n.uid < len(emission)),
                    key=lambda n: (-emission[n.uid], n.uid))[:top]  # fmt: skip
    if ranked:
        table = outcome_table(out, ranked)
        table.title = f"top {len(ranked)} UIDs by emission (recomputed)"
        tables.append(table)
    return tables


@app.command("model")
def model_cmd(
    model_id: str = typer.Argument(..., metavar="ID", help="model id (1, 2, …)"),
    as_json: bool = _json_option(),
) -> None:
    """Walk a model's provenance from the chain and check every link, recursively.

    Fetches the artifact, metadata and test split of each model of the lineage by CID (the
    local store, then NOOS_GATEWAYS) and verifies them; checks the datasets' orders and
    compute-to-data receipts and the parents' licences at the registration time; re-evaluates
    the declared test-split metric. Prints the lineage tree and exits 1 naming each failing link.
    """
    import warnings

    from noosphere.audit.model import ModelAuditor
    from noosphere.chain.protocol import open_protocol
    from noosphere.cli._model_inputs import parse_id
    from noosphere.errors import AuditFailedError
    from noosphere.storage import Store

    number = parse_id(model_id)
    warnings.filterwarnings("ignore", message="The log with transaction hash", category=UserWarning)
    cfg = _app.config()
    protocol = open_protocol(cfg)
    audit = ModelAuditor(protocol.models, Store.from_config(cfg)).audit(number)
    if as_json:
        _app.console.print_json(json.dumps(audit.as_json()))
    else:
        _app.console.print(_lineage_tree(audit))
        _app.console.print(_verdict(audit.ok, []))
    if not audit.ok:
        raise AuditFailedError(f"model {number} fails the audit: " + "; ".join(audit.failures()))


_MARKS = {"pass": "[green]✓[/]", "fail": "[red]✗[/]", "skip": "[dim]·[/]"}


def _lineage_tree(audit: Any) -> Any:
    """A rich Tree: each model, its checks (✓, ✗, · skipped) with reasons, then its parents."""
    from rich.markup import escape
    from rich.tree import Tree

    def label(node: Any) -> str:
        mark = "[green]✓[/]" if node.ok else "[red]✗[/]"
        name = f" {escape(node.name)}" if node.name else ""
        return f"{mark} [bold]model {node.model_id}[/]{name}"

    def grow(tree: Any, node: Any) -> None:
        for check in node.checks:
            tree.add(f"{_MARKS[check.status]} {escape(check.name)}: {escape(check.reason)}")
        for parent in node.parents:
            grow(tree.add(label(parent)), parent)

    root = Tree(label(audit))
    grow(root, audit)
    return root
