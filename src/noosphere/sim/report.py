"""The simulation's report: ``report.json``, PNG plots, compute-to-data receipts and the checks
it must pass.

``report.json`` holds the configuration, the quality ladder, every UID's earnings per epoch
(miners with the model they served and how it was trained, ``trained_by``), the data market
(``data``: the dataset the provider published, the orders, the receipts kept in
``receipts/<miner>.json`` and what the provider earned), the model lineage registered after the
epochs (``models``: the parent and community models with their CIDs and provenance, the licence
sales and what each recipient withdrew; the content is written to ``models/<CID>``) and the
summary of checks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from noosphere.sim.data import C2D_TAG
from noosphere.sim.models import ModelStory, RegisteredModel, Sale
from noosphere.sim.run import NOOS, SimResult

RANDOM_MAX_SHARE = 0.01
"""The random miner may take at most this share of the miners' emission."""
COPIER_MAX_RATIO = 0.9
"""The copier's dividends per stake must stay below this fraction of the honest validators'."""
SYBIL_TOLERANCE = 1.02
"""The sybils together may earn at most this multiple of the miner they copy."""
QUALITY_GAP = 0.01
"""Pairs of honest miners closer than this in true quality are not ranked."""
RECEIPTS_DIR = "receipts"
MODELS_DIR = "models"


def build_report(result: SimResult) -> dict[str, Any]:
    """The report as a JSON-ready dict (emission in NOOS)."""
    epochs = result.config.epochs
    uids = []
    for part in result.participants:
        per_epoch = []
        for rel in range(epochs):
            details = result.outcomes.get(rel)
            row: dict[str, Any] = {"epoch": result.first_epoch + rel, "relative_epoch": rel}
            uid = part.uid
            if details is not None and uid is not None and uid < len(details["incentive"]):
                emission = details["miner_emission"][uid] + details["validator_emission"][uid]
                row.update(emission=emission / NOOS, incentive=details["incentive"][uid],
                           dividends=details["dividends"][uid],
                           consensus=details["consensus"][uid])  # fmt: skip
            else:
                row.update(emission=0.0, incentive=0.0, dividends=0.0, consensus=0.0)
            if part.miner is not None:
                row["true_quality"] = result.true_quality[part.name][rel]
                row["active"] = part.miner.active_at(rel)
                row["model"] = result.served.get(part.name, [None] * epochs)[rel]
            else:
                row["dividends_per_stake"] = row["emission"] / part.stake if part.stake else 0.0
            per_epoch.append(row)
        entry: dict[str, Any] = {
            "uid": part.uid, "name": part.name, "hotkey": part.hotkey.address,
            "role": part.role, "strategy": part.strategy, "stake": float(part.stake),
            "emission": sum(r["emission"] for r in per_epoch), "per_epoch": per_epoch,
        }  # fmt: skip
        if part.miner is not None:
            entry["trained_by"] = part.miner.trained_by
            if part.miner.copies is not None:
                entry["copies"] = part.miner.copies.name
        uids.append(entry)
    report: dict[str, Any] = {
        "config": {
            "miners": result.config.miners,
            "validators": result.config.validators,
            "epochs": result.config.epochs,
            "seed": result.config.seed,
        },
        "first_epoch": result.first_epoch,
        "settled_epochs": sorted(result.outcomes),
        "seconds": round(result.seconds, 1),
        "quality_ladder": [{"model": n, "accuracy": q} for n, q in result.ladder],
        "copier_copied_epoch": {str(k): v for k, v in sorted(result.copied_epochs.items())},
        "uids": uids,
    }
    if result.data is not None:
        report["data"] = data_section(result)
    if result.models is not None:
        report["models"] = models_section(result.models)
    if result.dao is not None:
        report["dao"] = result.dao.as_json()
    report["summary"] = checks(report)
    return report


def receipt_path(miner: str) -> str:
    """Where a miner's compute-to-data receipt is written, relative to the report's directory."""
    return f"{RECEIPTS_DIR}/{miner}.json"


def data_section(result: SimResult) -> dict[str, Any]:
    """The report's ``data``: dataset, orders, receipts and the provider's earnings (NOOS)."""
    story = result.data
    assert story is not None
    top = result.ladder[-1] if result.ladder else None  # the local model the C2D ones replace
    return {
        "provider": {"name": "data-provider", "role": "data_provider", "address": story.provider,
                     "endpoint": story.endpoint},
        "dataset": {"id": story.data_id, "content_cid": story.content_cid,
                    "metadata_cid": story.metadata_cid, "price": story.price / NOOS,
                    "owner": story.owner, "rows": story.rows, "n_features": story.n_features,
                    "n_classes": story.n_classes, "split": "public training split",
                    "uses": ["training"], "recipes": dict(story.recipes)},
        "orders": [{"miner": miner, "order_id": order_id}
                   for miner, order_id in story.orders.items()],
        "receipts": [{"miner": m.miner, "path": receipt_path(m.miner), "job_id": m.job_id,
                      "order_id": m.order_id, "recipe": m.recipe, "output_cid":
                      m.receipt.output_cid, "recipe_hash": m.receipt.recipe_hash,
                      "dataset_cid": m.receipt.dataset_cid, "verified_signer": m.verified_signer,
                      "metrics": m.metrics, "true_quality": result.c2d_quality.get(m.miner),
                      "replaces": {"model": top[0], "accuracy": top[1]} if top else None}
                     for m in story.models],
        "provider_earnings": story.earnings / NOOS,
        "waited_seconds": round(story.seconds, 1),
    }  # fmt: skip


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _model_entry(model: RegisteredModel, story: ModelStory) -> dict[str, Any]:
    roles = {p.account: p.role for sale in (story.fine_tune, story.inference)
             for p in sale.payouts if p.role != "protocol fee"}  # fmt: skip
    reg = model.registration
    prov = reg.provenance
    return {
        "model_id": reg.model_id, "name": model.name, "community": model.community,
        "owner": reg.owner, "trained_by": model.trained_by, "artifact_cid": reg.artifact_cid,
        "metadata_cid": reg.metadata_cid, "royalty_bps": reg.royalty_bps,
        "registered_at_block": reg.block_number,
        "provenance": {
            "datasets": [{"data_id": d.data_id, "order_id": d.order_id,
                          "receipt": _hex(d.receipt)} for d in prov.datasets],
            "parents": list(prov.parents), "compute_job": prov.compute_job,
            "recipe": _hex(prov.recipe), "netuid": prov.netuid, "epoch": prov.epoch,
            "training_run": _hex(prov.training_run), "hash": _hex(reg.provenance_hash),
        },
        "split": [{"account": s.account, "bps": s.bps, "role": roles.get(s.account)}
                  for s in reg.recipients],
        "parents": [{"model_id": p.model_id, "bps": p.bps} for p in reg.parents],
    }  # fmt: skip


def _sale_entry(sale: Sale) -> dict[str, Any]:
    return {
        "model_id": sale.model_id, "kind": sale.kind, "buyer": sale.buyer,
        "price": sale.price / NOOS, "price_base_units": sale.price, "fee": sale.fee / NOOS,
        "payouts": [{"role": p.role, "name": p.name, "account": p.account,
                     "noos": p.amount / NOOS, "base_units": p.amount} for p in sale.payouts],
    }  # fmt: skip


def models_section(story: ModelStory) -> dict[str, Any]:
    """The report's ``models``: the lineage (community model first, then its parent), the
    licence sales with what each recipient withdrew, and where the content was written."""
    return {
        "netuid": story.netuid, "epoch": story.epoch,
        "winner": {"miner": story.winner, "uid": story.winner_uid,
                   "incentive": story.winner_incentive, "consensus_best": story.consensus_best,
                   "note": story.note},
        "lineage": [_model_entry(story.community, story), _model_entry(story.parent, story)],
        "sales": [_sale_entry(story.fine_tune), _sale_entry(story.inference)],
        "content": {cid: f"{MODELS_DIR}/{cid}" for cid in sorted(story.files)},
        "seconds": round(story.seconds, 1),
    }  # fmt: skip


def _by(report: dict[str, Any], strategy: str) -> list[dict[str, Any]]:
    return [u for u in report["uids"] if u["strategy"] == strategy]


def checks(report: dict[str, Any]) -> dict[str, Any]:
    """The properties the simulation must show, each with its numbers and ``passed``."""
    out: dict[str, Any] = {}
    honest_miners = [u for u in report["uids"] if u["role"] == "miner"
                     and u["strategy"] == "honest"]  # fmt: skip
    concordant = total = 0
    for rel in report["settled_epochs"]:
        rows = [u["per_epoch"][rel] for u in honest_miners if u["uid"] is not None]
        rows = [r for r in rows if "incentive" in r]
        for i, a in enumerate(rows):
            for b in rows[i + 1 :]:
                if abs(a["true_quality"] - b["true_quality"]) < QUALITY_GAP:
                    continue
                total += 1
                better, worse = (a, b) if a["true_quality"] > b["true_quality"] else (b, a)
                concordant += better["incentive"] > worse["incentive"]
    share = concordant / total if total else 1.0
    out["honest_ranking"] = {
        "description": "share of (epoch, pair of honest miners) ordered by incentive as by true "
                       "quality", "concordant_pairs": concordant, "pairs": total,
        "share": share, "passed": share >= 0.8}  # fmt: skip

    miner_total = sum(u["emission"] for u in report["uids"] if u["role"] == "miner")
    random_total = sum(u["emission"] for u in _by(report, "random"))
    random_share = random_total / miner_total if miner_total else 0.0
    out["random_near_zero"] = {"emission": random_total, "share_of_miner_emission": random_share,
                               "passed": random_share <= RANDOM_MAX_SHARE}  # fmt: skip

    sybils = _by(report, "sybil")
    if sybils:
        original = next(u for u in report["uids"] if u["name"] == sybils[0].get("copies"))
        together = sum(u["emission"] for u in sybils)
        out["sybils_no_gain"] = {
            "sybil_uids": len(sybils), "sybils_together": together,
            "copied_miner": original["name"], "one_copy": original["emission"],
            "passed": together <= original["emission"] * SYBIL_TOLERANCE + 1e-9}  # fmt: skip

    def per_stake(units: list[dict[str, Any]]) -> float:
        stake = sum(u["stake"] for u in units)
        return sum(u["emission"] for u in units) / stake if stake else 0.0

    copiers, honest = _by(report, "copier"), [u for u in _by(report, "honest")
                                              if u["role"] == "validator"]  # fmt: skip
    if copiers and honest:
        c, h = per_stake(copiers), per_stake(honest)
        out["copier_earns_less"] = {"copier_dividends_per_stake": c,
                                    "honest_dividends_per_stake": h,
                                    "ratio": c / h if h else 0.0,
                                    "passed": bool(h) and c < COPIER_MAX_RATIO * h}  # fmt: skip
    for strategy in ("lazy", "colluder"):
        units = _by(report, strategy)
        if units and honest:
            out[f"{strategy}_dividends_per_stake"] = {"value": per_stake(units),
                                                      "honest": per_stake(honest)}  # fmt: skip
    data = report.get("data")
    if data is not None:
        c2d = [u for u in report["uids"] if u.get("trained_by") == "compute-to-data"]
        rows = [r for u in c2d for r in u["per_epoch"] if str(r.get("model")).endswith(C2D_TAG)]
        served, earned = len(rows), sum(r["emission"] for r in rows)
        signers = {r["verified_signer"] for r in data["receipts"]}
        out["data_market"] = {
            "description": "each licence sold trained, through compute-to-data, a model that was "
                           "served and earned, with a receipt signed by the provider",
            "licences": len(data["orders"]), "c2d_models": len(data["receipts"]),
            "epochs_served": served, "emission_of_c2d_models": earned,
            "provider_earnings": data["provider_earnings"],
            "passed": len(data["orders"]) == len(data["receipts"]) == len(c2d)
                      and signers <= {data["provider"]["address"]}
                      and (not served or earned > 0)}  # fmt: skip
    models = report.get("models")
    if models is not None:
        out.update(model_checks(models))
    dao = report.get("dao")
    if dao is not None:
        out["dao_funded_subnet"] = {
            "description": "the subnet's emission share came from an executed DAO proposal",
            "proposal": dao["proposal_id"][:10], "votes_for": dao["votes_for"] / 10**18,
            "quorum": dao["quorum"] / 10**18,
            "passed": dao["votes_for"] >= dao["quorum"] and dao["executed_block"] > 0}  # fmt: skip
    out["passed"] = all(v["passed"] for v in out.values() if "passed" in v)
    return out


def model_checks(models: dict[str, Any]) -> dict[str, Any]:
    """``model_lineage`` (what was registered) and ``model_royalties`` (the inference sale:
    every recipient paid, payouts and fee adding up to the price)."""
    community, parent = models["lineage"]
    datasets = community["provenance"]["datasets"]
    dataset = datasets[0] if datasets else {}

    def named(model: dict[str, Any]) -> str:
        return f"{model['model_id']} ({model['name']}, {model['trained_by']})"

    lineage = {
        "community_model": named(community), "epoch": models["epoch"],
        "consensus_best": models["winner"]["consensus_best"],
        "dataset": dataset.get("data_id"), "order": dataset.get("order_id"),
        "parent_model": named(parent),
        "passed": community["community"] and community["provenance"]["parents"]
                  == [parent["model_id"]] and bool(dataset),
    }  # fmt: skip
    sale = models["sales"][-1]
    paid = {p["role"]: p for p in sale["payouts"]}
    roles = ("miner", "dataset owner", "parent model owner", "treasury")
    total = sum(p["base_units"] for p in sale["payouts"])
    royalties: dict[str, Any] = {"price": sale["price"]}
    royalties |= {role.replace(" ", "_"): paid[role]["noos"] if role in paid else 0.0
                  for role in (*roles, "protocol fee")}  # fmt: skip
    royalties["passed"] = (total == sale["price_base_units"]
                           and all(role in paid and paid[role]["base_units"] > 0
                                   for role in roles))  # fmt: skip
    return {"model_lineage": lineage, "model_royalties": royalties}


def write_report(result: SimResult, out: Path) -> dict[str, Any]:
    """Write ``report.json``, the plots, ``receipts/<miner>.json`` (the compute-to-data
    receipts, in their canonical JSON form) and ``models/<CID>`` (the content of the model
    lineage) into ``out``; return the report."""
    out.mkdir(parents=True, exist_ok=True)
    report = build_report(result)
    receipts = out / RECEIPTS_DIR
    for stale in receipts.glob("*.json") if receipts.is_dir() else ():  # from an earlier run
        stale.unlink()
    if result.data is not None and result.data.models:
        receipts.mkdir(exist_ok=True)
        for model in result.data.models:
            (out / receipt_path(model.miner)).write_text(model.receipt.to_json() + "\n")
    content = out / MODELS_DIR
    for stale in content.iterdir() if content.is_dir() else ():  # from an earlier run
        if stale.is_file() and stale.name.startswith("baf"):
            stale.unlink()
    if result.models is not None:
        content.mkdir(exist_ok=True)
        for cid, data in result.models.files.items():
            (content / cid).write_bytes(data)
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    plot(report, out)
    return report


def plot(report: dict[str, Any], out: Path) -> list[Path]:
    """``emission_per_strategy.png`` and ``validator_dividends_per_stake.png``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = list(range(report["config"]["epochs"]))
    paths = []
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for role in ("miner", "validator"):
        for strategy in sorted({u["strategy"] for u in report["uids"] if u["role"] == role}):
            units = [u for u in report["uids"] if u["role"] == role and u["strategy"] == strategy]
            series = [sum(u["per_epoch"][e]["emission"] for u in units) for e in epochs]
            style = "-" if role == "miner" else "--"
            ax.plot(epochs, series, style, marker="o", ms=3, label=f"{strategy} {role}s")
    ax.set(xlabel="epoch (relative)", ylabel="emission (NOOS)",
           title="Emission per strategy")  # fmt: skip
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    paths.append(out / "emission_per_strategy.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for u in report["uids"]:
        if u["role"] == "validator":
            ax.plot(epochs, [u["per_epoch"][e]["dividends_per_stake"] for e in epochs],
                    marker="o", ms=3, label=f"{u['name']} ({u['stake']:.0f} NOOS)")  # fmt: skip
    ax.set(xlabel="epoch (relative)", ylabel="dividends per staked NOOS",
           title="Validators: dividends per unit of stake")  # fmt: skip
    ax.legend(fontsize=8)
    fig.tight_layout()
    paths.append(out / "validator_dividends_per_stake.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    return paths
