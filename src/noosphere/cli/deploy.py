"""``noos deploy``: deploy the protocol to any EVM chain and write its manifest."""

from __future__ import annotations

from pathlib import Path

import typer

from noosphere.cli import _app


def _deployer(key: Path | None, wallet_name: str | None):  # type: ignore[no-untyped-def]
    from noosphere.cli.wallet import ask_password, open_wallet
    from noosphere.errors import InputError
    from noosphere.wallet import parse_private_key, unlock_keystore

    if key is None:
        wallet = open_wallet(wallet_name)
        return wallet.unlock_coldkey(ask_password(f"password of wallet {wallet.name}"))
    if not key.is_file():
        raise InputError(f"key file {key} does not exist")
    text = key.read_text().strip()
    if text.startswith("{"):
        return unlock_keystore(key, ask_password(f"password of keystore {key.name}"))
    from eth_account import Account

    return Account.from_key(parse_private_key(text))


def deploy(
    key: Path | None = typer.Option(
        None, "--key", help="v3 keystore or a file holding the deployer's hex private key"
    ),
    wallet_name: str | None = typer.Option(
        None, "--from", help="deploy from this wallet's coldkey (when --key is not given)"
    ),
    supply: str = typer.Option("1000000", "--supply", help="initial NOOS supply"),
    treasury: str | None = typer.Option(
        None, "--treasury", help="receiver of the initial supply (default: the deployer)"
    ),
    guardian: str | None = typer.Option(
        None,
        "--guardian",
        help="may pause a subnet's claims for a while (default: the deployer)",
    ),
    keep_admin: bool = typer.Option(
        False,
        "--keep-admin",
        help="keep the deployer as admin instead of handing every role to the DAO (tests only)",
    ),
    force: bool = typer.Option(False, "--force", help="redeploy even if a valid manifest exists"),
) -> None:
    """Deploy the protocol contracts to the chain at --rpc and record the manifest."""
    from noosphere.chain.deploy import DeployParams, deploy_protocol
    from noosphere.chain.manifest import load_manifest, manifest_path
    from noosphere.chain.protocol import connect
    from noosphere.chain.token import checked_address, format_amount, parse_amount
    from noosphere.errors import ChainMismatchError, ManifestError

    cfg = _app.config()
    params = DeployParams(
        initial_supply=parse_amount(supply),
        treasury=checked_address(treasury, "treasury") if treasury else None,
        guardian=checked_address(guardian, "guardian") if guardian else None,
        hand_over_to_dao=not keep_admin,
    )
    chain = connect(cfg)
    if not force:
        try:
            load_manifest(cfg.home, chain)
        except (ManifestError, ChainMismatchError):
            pass
        else:
            _app.abort(
                f"the protocol is already deployed on chain {chain.chain_id} "
                f"({manifest_path(cfg.home, chain.chain_id)}); use --force to deploy again"
            )
    account = _deployer(key, wallet_name)
    needed = 12_000_000 * chain.fees()[0]
    if chain.balance(account.address) < needed:
        from noosphere.errors import InsufficientFundsError

        raise InsufficientFundsError(
            f"deployer {account.address} holds {format_amount(chain.balance(account.address))} "
            f"of the native coin; deploying needs about {format_amount(needed)}",
            hint="fund the deployer first",
        )
    manifest = deploy_protocol(
        chain, account, cfg.home, params, progress=lambda m: _app.console.print(f"  {m}")
    )
    for name, record in manifest.contracts.items():
        _app.console.print(f"deployed {name} at {record.address} (block {record.block_number})")
    _app.console.print(f"manifest: {manifest_path(cfg.home, chain.chain_id)}")
