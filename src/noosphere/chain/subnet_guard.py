"""The settlement's emergency pause and voids (docs/subnets-protocol.md, "Emergency pause"):
a guardian may only pause a subnet's claims, within bounds the contract enforces and these
checks explain before anything is sent; only the DAO unpauses and voids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eth_account.signers.local import LocalAccount

from noosphere.chain.admin import ADMIN_ROLE
from noosphere.chain.client import Chain, Receipt
from noosphere.chain.token import checked_address
from noosphere.errors import GuardianError, SubnetPausedError, TransactionRevertedError


@dataclass(frozen=True)
class PauseState:
    """The last pause of one subnet's claims (``epochs.pause_state``) at block time ``now``."""

    netuid: int
    until: int  # unix time the claims resume (exclusive); in the past once the pause is over
    started_at: int  # unix time the pause began
    start_block: int  # the block it began in (void reaches epochs whose window was open then)
    guardian_ready_at: int  # from then a guardian may start a new pause (until + max_pause)
    max_pause: int  # seconds
    now: int  # the latest block's timestamp

    @property
    def paused(self) -> bool:
        """True while the subnet's claims are paused."""
        return self.now < self.until


def utc_time(timestamp: int) -> str:
    """A unix time as ``YYYY-MM-DD HH:MM:SS UTC``."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


class SettlementGuard:
    """Pause and void calls on the settlement contract (mixed into the subnets client)."""

    chain: Chain
    epochs: Any

    def _view(self, fn: Any, block: int | str = "latest") -> Any:
        return self.chain.call(fn, block=block)

    def now(self) -> int:
        """The latest block's timestamp, which pauses are measured against."""
        return int(self.chain.w3.eth.get_block("latest")["timestamp"])

    def paused_until(self, netuid: int) -> int:
        """When ``netuid``'s claims resume (unix time), or 0 when they are not paused."""
        return int(self._view(self.epochs.functions.paused_until(netuid)))

    def pause_state(self, netuid: int) -> PauseState:
        """The last pause of ``netuid`` and the bounds that apply to the next one."""
        block = self.chain.block_number
        fns = self.epochs.functions
        state, longest = self.chain.call_many([fns.pause_state(netuid), fns.max_pause()],
                                              block=block)  # fmt: skip
        now = int(self.chain.w3.eth.get_block(block)["timestamp"])
        until, started, start_block, ready = (int(v) for v in state)
        return PauseState(netuid, until, started, start_block, ready, int(longest), now)

    def is_guardian(self, address: str) -> bool:
        """True when ``address`` holds the settlement's ``GUARDIAN_ROLE``."""
        fns = self.epochs.functions
        return bool(
            self._view(fns.hasRole(self._view(fns.GUARDIAN_ROLE()), checked_address(address)))
        )

    def is_settlement_admin(self, address: str) -> bool:
        """True when ``address`` holds the settlement's admin role (the DAO's timelock)."""
        return bool(self._view(self.epochs.functions.hasRole(ADMIN_ROLE, checked_address(address))))

    def check_can_pause(self, address: str, netuid: int, duration: int) -> PauseState:
        """Raise :class:`GuardianError` unless ``address`` may pause ``netuid`` for ``duration``
        seconds now (role, bounds, the guardian's extension limit and cooldown)."""
        admin = self.is_settlement_admin(address)
        if not admin and not self.is_guardian(address):
            raise GuardianError(
                f"{address} does not hold GUARDIAN_ROLE on the settlement contract",
                hint="only the guardian (or the DAO) may pause; the DAO grants the role",
            )
        state = self.pause_state(netuid)
        if not 0 < duration <= state.max_pause:
            raise GuardianError(
                f"a pause lasts 1 to {state.max_pause:,} seconds (max_pause); {duration:,} asked"
            )
        latest_end = state.started_at + state.max_pause
        sent_at = state.now + 1  # the earliest timestamp of the block the pause lands in
        if not admin and state.paused and sent_at + duration > latest_end:
            raise GuardianError(
                f"the guardian may extend the pause of subnet {netuid} only up to "
                f"{utc_time(latest_end)} (max_pause after it began)",
                hint="the DAO may extend it further by proposal",
            )
        if not admin and not state.paused and sent_at < state.guardian_ready_at:
            raise GuardianError(
                f"the guardian may pause subnet {netuid} again only from "
                f"{utc_time(state.guardian_ready_at)} (max_pause after the last pause ended)",
                hint="the DAO may pause it sooner by proposal",
            )
        return state

    def pause(self, account: LocalAccount, netuid: int, duration: int) -> Receipt:
        """Pause (or extend the pause of) ``netuid``'s claims for ``duration`` seconds."""
        return self._settle(account, self.epochs.functions.pause(netuid, duration), netuid)

    def unpause(self, account: LocalAccount, netuid: int) -> Receipt:
        """Lift the pause of ``netuid`` (the settlement's admin, i.e. the DAO, only)."""
        return self._settle(account, self.epochs.functions.unpause(netuid), netuid)

    def void(self, account: LocalAccount, netuid: int, epoch: int, reason_cid: str) -> Receipt:
        """Void a finalized result, burning its emission (the DAO); ``reason_cid`` names the
        document giving the reason (its sha2-256 digest goes on chain)."""
        from noosphere.storage.cid import digest_of

        fn = self.epochs.functions.void(netuid, epoch, digest_of(reason_cid))
        return self._settle(account, fn, netuid)

    def _settle(self, account: LocalAccount, fn: Any, netuid: int) -> Receipt:
        """Transact on the settlement, turning pause and role refusals into specific errors."""
        try:
            return self.chain.transact(account, fn)
        except TransactionRevertedError as error:
            raise self._refusal(error, netuid) from None

    def _refusal(self, error: TransactionRevertedError, netuid: int) -> Exception:
        reason = error.reason
        if reason.endswith("subnet paused"):
            until = self.paused_until(netuid)
            when = utc_time(until) if until else "the end of the pause"
            return SubnetPausedError(reason, tx_hash=error.tx_hash, hint=(
                f"the guardian or the DAO paused the claims of subnet {netuid} until {when}; "
                "try again then"))  # fmt: skip
        if reason.endswith("only the admin (the DAO) may void"):
            return GuardianError("only the DAO may void an epoch result (by proposal); "
                                 "the guardian may only pause", hint=reason)  # fmt: skip
        if reason.endswith("caller is not a guardian"):
            return GuardianError("only the guardian or the DAO may pause a subnet", hint=reason)
        if "access_control" in reason:
            return GuardianError("only the DAO may do this (by proposal); the guardian may "
                                 "only pause", hint=reason)  # fmt: skip
        if reason.startswith("epochs: ") and ("pause" in reason or "cooldown" in reason):
            return GuardianError(reason.removeprefix("epochs: "))
        return error
