"""The validator's epoch loop: score, commit, reveal, compute, attest, finalize, claim.

:meth:`Validator.step` looks at the chain and does whatever is due, and nothing twice: every
action is recorded in :class:`~noosphere.nodes.state.NodeState` before it is sent and checked
against the chain after a restart. What differs between task modes is one hook, the
:class:`Scorer`, which measures miners (querying their axons, or evaluating their models).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from eth_account.signers.local import LocalAccount

from noosphere.audit.epoch import EpochOutcome, compute_epoch, previous_bonds
from noosphere.chain.subnets import Neuron, Subnets, pack_weights
from noosphere.errors import NoosphereError, SubnetPausedError, TransactionRevertedError
from noosphere.nodes.state import NodeState

log = logging.getLogger(__name__)
LOOKBACK = 16  # epochs searched back for the previous bonds


class Scorer(Protocol):
    """Measures miners: returns a score in [0, 1] per UID (missing UIDs score 0)."""

    def score(self, epoch: int, neurons: Sequence[Neuron]) -> dict[int, float]:
        """Scores of this epoch's round."""
        ...


@dataclass
class StepReport:
    """What one step did (for logs and tests)."""

    epoch: int
    actions: list[str]


class Validator:
    """One validator hotkey on one subnet."""

    def __init__(
        self,
        subnets: Subnets,
        netuid: int,
        hotkey: LocalAccount,
        state: NodeState,
        scorer: Scorer,
        *,
        bonds_source: Callable[[bytes], bytes | None] | None = None,
        publish_bonds: Callable[[bytes], object] | None = None,
        claim_for_all: bool = True,
        weights_hook: Callable[[int, dict[int, float]], dict[int, float]] | None = None,
    ) -> None:
        self.subnets = subnets
        self.netuid = netuid
        self.hotkey = hotkey
        self.state = state
        self.scorer = scorer
        self.bonds_source = bonds_source
        self.publish_bonds = publish_bonds
        self.claim_for_all = claim_for_all
        self.weights_hook = weights_hook
        self.outcomes: dict[int, EpochOutcome] = {}
        self._reveal_period = 1  # read from the chain at the start of every step

    # --- the loop ------------------------------------------------------------------------------
    def step(self) -> StepReport:
        """Do what is due now: permits, reveals, a commit, attestations, finalization, claims."""
        epoch = self.subnets.current_epoch(self.netuid)
        self._reveal_period = int(self.subnets.hyperparams(self.netuid)["reveal_period"])
        actions: list[str] = []
        for name, action in (("permits", self._permits), ("reveal", self._reveal),
                             ("commit", self._commit), ("settle", self._settle)):  # fmt: skip
            try:
                actions += action(epoch)
            except NoosphereError as error:  # one failing duty must not stop the others
                log.warning("validator %s: %s failed: %s", self.hotkey.address, name, error)
                actions.append(f"{name} failed: {error.user_message}")
        return StepReport(epoch, actions)

    def _permits(self, epoch: int) -> list[str]:
        registry = self.subnets.registry.functions
        chain = self.subnets.chain
        found, published = chain.call(registry.permits_epoch(self.netuid, epoch))
        if (found and int(published) == epoch) or chain.block_number <= self.subnets.epoch_start(
            self.netuid, epoch
        ):
            return []
        source = self._latest_final_with_permits(epoch)
        try:
            if source is not None:
                y, outcome = source
                fn = registry.publish_permits(self.netuid, epoch, outcome.permits, y,
                                              outcome.emission_root, outcome.prune_root,
                                              outcome.bonds_digest)  # fmt: skip
                chain.transact(self.hotkey, fn)
                return [f"published permits {outcome.permits} of epoch {y} for epoch {epoch}"]
            if chain.call(registry.has_result_permits(self.netuid)):
                return []  # another node publishes from a result this node did not compute
            uids = self.subnets.bootstrap_permits(self.netuid, epoch)
            if not uids:
                return []
            self.subnets.publish_bootstrap_permits(self.hotkey, self.netuid, epoch, uids)
        except TransactionRevertedError as error:
            if "already published" in error.reason:
                return []
            raise
        return [f"published bootstrap permits {uids} for epoch {epoch}"]

    def _latest_final_with_permits(self, epoch: int) -> tuple[int, EpochOutcome] | None:
        status = self.subnets.epochs.functions.status
        for y in sorted(self.outcomes, reverse=True):
            if y >= epoch:
                continue
            final, voided, _, _ = self.subnets.chain.call(status(self.netuid, y))
            if final and not voided and self.outcomes[y].permits:
                return y, self.outcomes[y]
        return None

    def _reveal(self, epoch: int) -> list[str]:
        done = []
        reveal_period = self._reveal_period
        for record in self.state.open_commits(self.netuid, self.hotkey.address):
            if record.status == "prepared" and not self._commit_on_chain(record.epoch,
                                                                          record.packed,
                                                                          record.salt):  # fmt: skip
                if record.epoch == epoch:
                    self._send_commit(record.epoch, record.packed, record.salt)
                    done.append(f"re-sent the commit of epoch {record.epoch}")
                else:
                    self.state.set_commit_status(self.netuid, record.epoch, self.hotkey.address,
                                                 "expired")  # fmt: skip
                continue
            target = record.epoch + reveal_period
            if epoch == target:
                self.subnets.reveal(self.hotkey, self.netuid, record.packed, record.salt)
                self.state.set_commit_status(self.netuid, record.epoch, self.hotkey.address,
                                             "revealed")  # fmt: skip
                done.append(f"revealed the weights of epoch {record.epoch}")
            elif epoch > target:
                self.state.set_commit_status(self.netuid, record.epoch, self.hotkey.address,
                                             "expired")  # fmt: skip
                done.append(f"missed the reveal of epoch {record.epoch}")
        return done

    def _commit_on_chain(self, epoch: int, packed: bytes, salt: bytes) -> bool:
        from noosphere.chain.subnets import commit_hash

        fn = self.subnets.weights.functions.commitment_of(self.netuid, self.hotkey.address)
        present, committed_epoch, prefix = self.subnets.chain.call(fn)
        digest = commit_hash(self.hotkey.address, self.netuid, epoch, packed, salt)
        return bool(present) and int(committed_epoch) == epoch and bytes(prefix) == digest[:24]

    def _commit(self, epoch: int) -> list[str]:
        if self.state.has_commit(self.netuid, epoch, self.hotkey.address):
            return []
        if not self.subnets.holds_permit(self.netuid, epoch, self.hotkey.address):
            return []
        neurons = self.subnets.neurons(self.netuid)
        me = next((n.uid for n in neurons if n.hotkey.lower() == self.hotkey.address.lower()),
                  None)  # fmt: skip
        scores = self.scorer.score(epoch, neurons)
        if self.weights_hook is not None:
            scores = self.weights_hook(epoch, scores)
        weights = _to_weights(scores, exclude=me)
        if not weights:
            return ["nothing to commit: every miner scored 0"]
        packed = pack_weights(weights)
        salt = secrets.token_bytes(32)
        now = self.subnets.current_epoch(self.netuid)  # scoring may have taken a while
        if now != epoch and (self.state.has_commit(self.netuid, now, self.hotkey.address)
                             or not self.subnets.holds_permit(self.netuid, now,
                                                              self.hotkey.address)):  # fmt: skip
            return []
        self.state.record_commit(self.netuid, now, self.hotkey.address, packed, salt)
        self._send_commit(now, packed, salt)
        return [f"committed weights on {len(weights)} UIDs for epoch {now}"]

    def _send_commit(self, epoch: int, packed: bytes, salt: bytes) -> None:
        self.subnets.commit(self.hotkey, self.netuid, packed, salt, epoch=epoch)
        self.state.set_commit_status(self.netuid, epoch, self.hotkey.address, "committed")

    # --- settlement ----------------------------------------------------------------------------
    def _settle(self, epoch: int) -> list[str]:
        done = []
        reveal_period = self._reveal_period
        last_closed = epoch - reveal_period - 1
        for x in range(max(0, last_closed - LOOKBACK + 1), last_closed + 1):
            done += self._settle_epoch(x)
        return done

    def _settle_epoch(self, x: int) -> list[str]:
        epochs = self.subnets.epochs.functions
        chain = self.subnets.chain
        final, voided, claimable_from, _left = chain.call(epochs.status(self.netuid, x))
        if voided:
            return []
        done = []
        record = self.state.result(self.netuid, x)
        if not final:
            if record is None:
                if not self.subnets.holds_permit(self.netuid, x, self.hotkey.address):
                    return []
                if chain.call(epochs.has_attested(self.netuid, x, self.hotkey.address)):
                    return []
                previous = self._previous_bonds(x)
                if isinstance(previous, str):  # "wait": the previous bonds are not known yet
                    return []
                outcome = compute_epoch(self.subnets, self.netuid, x,
                                        previous_bonds=previous or None)  # fmt: skip
                self._remember(outcome)
                record = self.state.result(self.netuid, x)
                try:
                    self.subnets.attest(self.hotkey, self.netuid, x, outcome.payouts_root,
                                        outcome.emission_root, outcome.prune_root,
                                        outcome.permits_hash, outcome.bonds_digest)  # fmt: skip
                except TransactionRevertedError as error:
                    return [f"could not attest epoch {x}: {error.reason}"]
                self.state.set_result_status(self.netuid, x, "attested")
                done.append(f"attested epoch {x}")
            if record is not None:
                try:
                    self.subnets.finalize(self.hotkey, self.netuid, x, record["payouts_root"],
                                          record["aux_hash"])  # fmt: skip
                    done.append(f"finalized epoch {x}")
                    return done  # claims open after the challenge window
                except TransactionRevertedError as error:
                    if "below 2/3" not in error.reason and "already" not in error.reason:
                        done.append(f"could not finalize epoch {x}: {error.reason}")
                    return done
            else:
                return done
        if chain.block_number < int(claimable_from) or record is None:
            return done
        return done + self._claims(x, record)

    def _claims(self, x: int, record: dict) -> list[str]:
        if all(self.state.claim_status(self.netuid, x, a) == "claimed" for a in record["payouts"]):
            return []
        outcome = self.outcomes.get(x) or self._recompute(x, record)
        if outcome is None:
            return []
        done = []
        me = self.subnets.chain.call(self.subnets.registry.functions.coldkey_of(
            self.hotkey.address))  # fmt: skip
        accounts = list(outcome.payouts) if self.claim_for_all else [me]
        claimed_fn = self.subnets.epochs.functions.claimed
        for account in accounts:
            if account not in outcome.payouts:
                continue
            if self.state.claim_status(self.netuid, x, account) == "claimed":
                continue
            if self.subnets.chain.call(claimed_fn(self.netuid, x, account)):
                self.state.set_claim(self.netuid, x, account, outcome.payouts[account], "claimed")
                continue
            amount, proof = outcome.proof(account)
            self.state.set_claim(self.netuid, x, account, amount, "sending")
            try:
                self.subnets.claim(self.hotkey, self.netuid, x, account, amount, proof)
            except SubnetPausedError:
                # every claim of the subnet waits; the next steps retry them after the pause
                done.append(f"claims of epoch {x} wait: the subnet is paused")
                return done
            except TransactionRevertedError as error:
                if "claimed" not in error.reason and "double claim" not in error.reason:
                    raise
            self.state.set_claim(self.netuid, x, account, amount, "claimed")
            done.append(f"claimed {amount} for {account} (epoch {x})")
        return done

    def _recompute(self, x: int, record: dict) -> EpochOutcome | None:
        """After a restart, rebuild a recorded result (and its proofs) from chain data."""
        previous = self._previous_bonds(x)
        if isinstance(previous, str):
            return None
        outcome = compute_epoch(self.subnets, self.netuid, x, previous_bonds=previous or None)
        if outcome.payouts_root != bytes(record["payouts_root"]):
            log.warning("recomputed epoch %d differs from the recorded result", x)
            return None
        self.outcomes[x] = outcome
        return outcome

    def _remember(self, outcome: EpochOutcome) -> None:
        self.outcomes[outcome.epoch] = outcome
        self.state.save_result(self.netuid, outcome.epoch, outcome.payouts_root,
                               outcome.aux_hash, outcome.bonds_digest, outcome.bonds_file,
                               outcome.payouts)  # fmt: skip
        if self.publish_bonds is not None:
            self.publish_bonds(outcome.bonds_file)

    def _previous_bonds(self, x: int) -> bytes | str | None:
        """The bonds file of the latest finalized epoch before ``x``; ``"wait"`` if unknown yet."""
        found = previous_bonds(self.subnets, self.netuid, x, lookback=LOOKBACK,
                               reveal_period=self._reveal_period,
                               sources=(self.state.bonds_by_digest, self.bonds_source))  # fmt: skip
        if found.status == "none":
            return None
        return found.data if found.data is not None else "wait"


def _to_weights(scores: dict[int, float], exclude: int | None) -> list[tuple[int, int]]:
    """Scores to ascending ``(uid, u16)`` pairs, the best at 65535 (zeros and self dropped)."""
    from noosphere.ml.scoring import to_u16_weights

    if not scores:
        return []
    n = max(scores) + 1
    dense = [max(0.0, float(scores.get(uid, 0.0))) for uid in range(n)]
    weights = to_u16_weights(dense, exclude=() if exclude is None else (exclude,))
    return list(zip(weights.uids, weights.weights, strict=True))
