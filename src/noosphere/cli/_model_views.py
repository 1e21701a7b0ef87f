"""How ``noos model`` shows models: the list table, one model's details, the lineage tree and
an account's earnings (rich renderables built from :mod:`noosphere.chain.models` values)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from noosphere.chain.model_types import KINDS, kind_name
from noosphere.chain.token import format_amount
from noosphere.cli._subnet_views import key_values

if TYPE_CHECKING:
    from noosphere.chain.models import (
        Earnings,
        LineageNode,
        ModelMarket,
        ModelRecord,
        Registration,
        Terms,
    )
    from noosphere.models.metadata import ModelMetadata


def money(units: int, token: str, noos: str) -> str:
    """An amount with its unit (NOOS, or the token's address)."""
    return f"{format_amount(units)} " + ("NOOS" if token == noos else f"of {token}")


def percent(bps: int) -> str:
    """Basis points as a percentage (``2500`` → ``25 %``)."""
    return f"{bps / 100:g} %"


def duration(seconds: int) -> str:
    """``30d``, ``12h``… (the largest whole unit)."""
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def when(timestamp: int) -> str:
    """A unix time as UTC text."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def terms_text(terms: list[Terms], noos: str) -> str:
    """One line per kind: price and validity, or 'not for sale'."""
    lines = []
    for t in terms:
        sale = (f"{money(t.price, t.payment_token, noos)} for {duration(t.validity)}"
                if t.for_sale else "not for sale")  # fmt: skip
        lines.append(f"{kind_name(t.kind)}: {sale}")
    return "\n".join(lines)


def status_text(record: ModelRecord, reason: str = "") -> str:
    """``listed`` / ``delisted (reason …)``, plus ``community`` when it is one."""
    text = "delisted" + (f" (reason {reason})" if reason else "") if record.delisted else "listed"
    return text + (", community model" if record.community else "")


def models_table(
    rows: list[tuple[ModelRecord, Registration, list[Terms], str]], noos: str
) -> Table:
    """The ``list`` table: id, name, owner, royalty, parents, datasets, prices, status."""
    table = Table(title=f"{len(rows)} model(s)")
    for column in ("id", "name", "owner", "royalty", "parents", "datasets", *KINDS.values(),
                   "status"):  # fmt: skip
        table.add_column(column, justify="right" if column in ("id", "royalty") else "left",
                         no_wrap=column in ("id", "owner"))  # fmt: skip
    for record, reg, terms, name in rows:
        prices = [format_amount(t.price) if t.for_sale else "—" for t in terms]
        table.add_row(
            str(record.model_id), escape(name or "—"), record.owner, percent(record.royalty_bps),
            ", ".join(map(str, reg.provenance.parents)) or "—",
            ", ".join(str(d.data_id) for d in reg.provenance.datasets) or "—",
            *prices, status_text(record),
        )  # fmt: skip
    return table


def model_details(
    record: ModelRecord,
    reg: Registration,
    terms: list[Terms],
    balance: int,
    noos: str,
    meta: ModelMetadata | None,
    meta_error: str = "",
    reason: str = "",
) -> Table:
    """The ``show`` table: record, status, terms, split, provenance, metadata summary."""
    rows: list[tuple[str, str]] = []
    if meta is not None:
        rows.append(("name", meta.name))
        if meta.description:
            rows.append(("description", meta.description))
        task = meta.task
        shape = f"{task['input']['n_features']} features"
        if task["kind"] == "classification":
            shape += f" → {task['output']['n_classes']} classes"
        rows.append(("task", f"{task['kind']} ({shape})"))
        if meta.metrics:
            rows.append(
                ("metrics", ", ".join(f"{k} {v:g}" for k, v in sorted(meta.metrics.items())))
            )
        if meta.test_split is not None:
            s = meta.test_split
            rows.append(("test split", f"{s.cid} (label {s.label!r}): {s.metric} {s.value:g}"))
        rows.append(("receipts", str(len(meta.receipts))))
    elif meta_error:
        rows.append(("metadata", f"unavailable: {meta_error}"))
    rows += [
        ("owner", record.owner + (f" (manager {record.manager})" if record.manager else "")),
        ("status", status_text(record, reason)),
        ("artifact", record.artifact_cid),
        ("metadata CID", record.metadata_cid),
        ("royalty", f"{percent(record.royalty_bps)} of derivatives' revenue"),
        ("licences", terms_text(terms, noos)),
        ("split", "\n".join(f"{s.account}: {percent(s.bps)}" for s in reg.recipients)),
        ("parents' shares", "\n".join(f"model {p.model_id}: {percent(p.bps)}"
                                      for p in reg.parents) or "—"),
        ("undistributed", money(balance, noos, noos)),
        ("registered", f"block {reg.block_number}, tx {reg.tx_hash}"),
    ]  # fmt: skip
    rows += provenance_rows(reg)
    return key_values(f"model {record.model_id}", [(k, escape(v)) for k, v in rows])


def provenance_rows(reg: Registration) -> list[tuple[str, str]]:
    """The provenance as labelled lines."""
    p = reg.provenance
    zero = b"\0" * 32
    datasets = [f"dataset {d.data_id}" + (f", order {d.order_id}" if d.order_id else "")
                + (f", receipt 0x{d.receipt.hex()}" if d.receipt != zero else "")
                for d in p.datasets]  # fmt: skip
    rows = [("datasets", "\n".join(datasets) or "—"),
            ("parents", ", ".join(map(str, p.parents)) or "—")]  # fmt: skip
    for label, value in (("compute job", p.compute_job), ("subnet", p.netuid)):
        if value:
            rows.append((label, str(value) + (f", epoch {p.epoch}" if label == "subnet" else "")))
    for label, digest in (("recipe", p.recipe), ("training run", p.training_run)):
        if digest != zero:
            rows.append((label, "0x" + digest.hex()))
    mismatch = "" if reg.provenance_matches else "  (DOES NOT MATCH the logged provenance)"
    rows.append(("provenance hash", "0x" + reg.provenance_hash.hex() + mismatch))
    return rows


def lineage_tree(root: LineageNode, market: ModelMarket) -> Tree:
    """model → datasets (order / receipt) → parents → … with owners and royalties."""
    owners: dict[int, str] = {}

    def label(node: LineageNode) -> str:
        reg = node.registration
        mid = reg.model_id
        if mid not in owners:
            record = market.model(mid)
            owners[mid] = record.owner + (" [red](delisted)[/]" if record.delisted else "")
        text = (f"[bold]model {mid}[/] owner {owners[mid]}, royalty "
                f"{percent(reg.royalty_bps)}, artifact {reg.artifact_cid}")  # fmt: skip
        return text + (" [red](cycle cut)[/]" if node.cycle else "")

    def grow(tree: Tree, node: LineageNode) -> None:
        reg = node.registration
        split = ", ".join(f"{s.account} {percent(s.bps)}" for s in reg.recipients)
        tree.add(f"split: {split}")
        for d in reg.provenance.datasets:
            parts = [f"order {d.order_id}" if d.order_id else "",
                     f"receipt 0x{d.receipt.hex()[:16]}…" if d.has_receipt else ""]  # fmt: skip
            tree.add(f"dataset {d.data_id} ({', '.join(p for p in parts if p)})")
        shares = {p.model_id: p.bps for p in reg.parents}
        for parent in node.parents:
            branch = tree.add(label(parent) + f" — takes {percent(shares.get(parent.model_id, 0))}")
            if not parent.cycle:
                grow(branch, parent)

    tree = Tree(label(root))
    grow(tree, root)
    return tree


def earnings_table(earnings: Earnings, noos: str) -> Table:
    """Withdrawable credit and the undistributed balances that pay the account."""
    rows = [("withdrawable", money(earnings.pending, earnings.token, noos))]
    for model_id, balance in earnings.undistributed:
        rows.append((f"model {model_id}", money(balance, earnings.token, noos)
                     + " undistributed (a share reaches you)"))  # fmt: skip
    return key_values(f"earnings of {earnings.account}", rows)


def purchase_line(purchase: Any, noos: str) -> str:
    """One line for a bought licence."""
    return (f"bought the {kind_name(purchase.kind)} licence of model {purchase.model_id} for "
            f"{money(purchase.price, purchase.token, noos)}; valid until "
            f"{when(purchase.expiry)} (tx {purchase.tx_hash})")  # fmt: skip
