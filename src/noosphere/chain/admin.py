"""Who may change a contract's parameters: its ``DEFAULT_ADMIN_ROLE`` holder.

After the hand-over (``chain/deploy.py``) that holder is the DAO's timelock, so a refusal then
says which proposal to make instead of naming an admin nobody can be.
"""

from __future__ import annotations

from typing import Any

from noosphere.chain.client import Chain
from noosphere.chain.manifest import Manifest
from noosphere.errors import NoosphereError

ADMIN_ROLE = b"\x00" * 32  # snekmate's DEFAULT_ADMIN_ROLE


def check_admin(
    chain: Chain,
    manifest: Manifest,
    contract: Any,
    account: str,
    *,
    what: str,
    error: type[NoosphereError],
    action: str | None = None,
) -> None:
    """Raise ``error`` unless ``account`` holds ``contract``'s admin role.

    ``what`` names the governed thing ("the data market"); ``action`` is the DAO action that
    would do what ``account`` tried (``CONTRACT.function(args)``), shown when the DAO governs.
    """
    if chain.call(contract.functions.hasRole(ADMIN_ROLE, account)):
        return
    timelock = manifest.contracts.get("timelock")
    if timelock is not None and chain.call(
        contract.functions.hasRole(ADMIN_ROLE, timelock.address)
    ):
        example = action or f"{_manifest_name(manifest, contract.address)}.FUNCTION(ARGS)"
        raise error(
            f"{what} is governed by the DAO (timelock {timelock.address}), not {account}",
            hint=f"propose it: noos dao propose --title '…' --action '{example}'",
        )
    raise error(f"{account} is not {what}'s admin", hint="the deployer, or the DAO's timelock")


def _manifest_name(manifest: Manifest, address: str) -> str:
    return next((n for n, c in manifest.contracts.items() if c.address == address), "CONTRACT")
