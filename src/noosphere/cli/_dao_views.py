"""Tables and lines that ``noos dao`` prints: proposals, tallies, quorum, timing, parameters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

from noosphere.chain.dao import approx_duration, utc_time
from noosphere.chain.token import format_amount

if TYPE_CHECKING:
    from noosphere.chain.dao import Dao, DaoParams, ProposalStatus
    from noosphere.chain.dao_actions import Action


def actions_table(title: str, actions: Sequence[Action]) -> Table:
    """The actions of a proposal being written: target and decoded call."""
    table = Table(title=title)
    for column in ("#", "target", "call"):
        table.add_column(column, overflow="fold", no_wrap=column == "target")
    for number, action in enumerate(actions, 1):
        table.add_row(str(number), action.target, escape(action.preview))
    return table


def tally_text(status: ProposalStatus) -> str:
    """``for 10 · against 2 · abstain 0`` in NOOS."""
    t = status.tally
    return (f"for {format_amount(t.for_votes)} · against {format_amount(t.against)} · "
            f"abstain {format_amount(t.abstain)}")  # fmt: skip


def quorum_text(status: ProposalStatus) -> str:
    """``45.0 % of 40,000`` (for + abstain against the quorum at the snapshot)."""
    if not status.quorum:
        return "no quorum needed"
    share = 100 * status.quorum_votes / status.quorum
    reached = " reached" if status.quorum_votes >= status.quorum else ""
    return f"{share:.1f} % of {format_amount(status.quorum)}{reached}"


def timing_text(status: ProposalStatus, block_seconds: float, now: int) -> str:
    """When voting starts or ends, or when a queued proposal becomes executable."""
    p, block = status.proposal, status.block
    if status.state == "Pending":
        left = p.snapshot + 1 - block
        when = approx_duration(left * block_seconds)
        return f"starts at block {p.snapshot + 1} (in {left}, ~{when})"
    if status.state == "Active":
        left = p.deadline - block
        return (
            f"ends after block {p.deadline} ({left} left, ~{approx_duration(left * block_seconds)})"
        )
    if status.state == "Queued":
        if now >= status.eta:
            return f"ready to execute (ETA {utc_time(status.eta)} passed)"
        return f"ETA {utc_time(status.eta)} (in ~{approx_duration(status.eta - now)})"
    if status.state == "Succeeded":
        return "passed: queue it"
    return f"ended at block {p.deadline}"


def proposals_table(statuses: Sequence[ProposalStatus], block_seconds: float, now: int) -> Table:
    """The ``noos dao list`` table."""
    table = Table(title=f"{len(statuses)} proposal(s)")
    for column in ("id", "title", "state", "for", "against", "abstain", "quorum", "time"):
        numeric = column in ("for", "against", "abstain")
        table.add_column(column, justify="right" if numeric else "left",
                         no_wrap=column in ("id", "state"))  # fmt: skip
    for s in statuses:
        table.add_row(
            s.proposal.short_id, escape(s.proposal.title), s.state,
            format_amount(s.tally.for_votes), format_amount(s.tally.against),
            format_amount(s.tally.abstain), quorum_text(s), timing_text(s, block_seconds, now),
        )  # fmt: skip
    return table


def proposal_rows(dao: Dao, status: ProposalStatus, voter: str | None) -> list[tuple[str, str]]:
    """The labelled rows of ``noos dao show``."""
    from noosphere.chain.dao_actions import describe_call

    p = status.proposal
    seconds = dao.block_seconds()
    rows = [
        ("id", f"{p.proposal_id:#x}\n{p.proposal_id}"),
        ("title", escape(p.title)),
        ("state", status.state),
        ("proposer", p.proposer),
        ("tallies", tally_text(status)),
        ("quorum", quorum_text(status)),
        ("snapshot / deadline", f"blocks {p.snapshot} / {p.deadline} (now {status.block})"),
        ("timing", timing_text(status, seconds, dao.now())),
    ]
    if status.eta:
        rows.append(("ETA", utc_time(status.eta)))
    for number, (target, value, data) in enumerate(
        zip(p.targets, p.values, p.calldatas, strict=True), 1
    ):
        rows.append((f"action {number}", escape(describe_call(dao.manifest, target, value, data))))
    body = p.description.strip().split("\n", 1)
    if len(body) > 1 and body[1].strip():
        rows.append(("description", escape(body[1].strip())))
    if voter:
        ballot = dao.ballot(p, voter)
        if ballot is None:
            said = "not voted" + (" (voting is open)" if status.state == "Active" else "")
        else:
            support, weight, reason = ballot
            said = f"voted {support} with {format_amount(weight)} votes"
            said += f": {escape(reason)}" if reason else ""
        rows.append(("your vote", f"{voter}: {said}"))
    return rows


def params_rows(params: DaoParams, block_seconds: float) -> list[tuple[str, str]]:
    """The labelled rows of ``noos dao params``."""
    delay, period = params.voting_delay, params.voting_period
    return [
        ("governor", params.name),
        ("voting delay", f"{delay} block(s) (~{approx_duration(delay * block_seconds)})"),
        ("voting period", f"{period} block(s) (~{approx_duration(period * block_seconds)})"),
        ("proposal threshold", f"{format_amount(params.proposal_threshold)} NOOS of votes"),
        ("quorum", f"{params.quorum_numerator}/{params.quorum_denominator} of the past supply "
                   "(for + abstain)"),
        ("timelock delay", f"{params.timelock_delay} s "
                           f"(~{approx_duration(params.timelock_delay)})"),
        ("timelock (treasury)", params.timelock),
        ("voting token", params.token),
    ]  # fmt: skip
