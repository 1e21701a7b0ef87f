"""``noos consensus``: run consensus computations on cases, for research and audit."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from noosphere.cli import _app

app = typer.Typer(help="Run Yuma consensus on a case file.", no_args_is_help=True)


@app.command("yuma")
def yuma(
    input_path: str = typer.Option(
        ...,
        "--input",
        "-i",
        envvar="NOOS_CONSENSUS_INPUT",
        help="case JSON file, or - for stdin [env: NOOS_CONSENSUS_INPUT]",
    ),
    raw: bool = typer.Option(
        False,
        "--raw",
        envvar="NOOS_CONSENSUS_RAW",
        help="print vectors as I32F32 raw integers (2**32 = 1.0) [env: NOOS_CONSENSUS_RAW]",
    ),
    indent: int | None = typer.Option(
        None,
        "--indent",
        min=0,
        envvar="NOOS_CONSENSUS_INDENT",
        help="indent the JSON output by this many spaces [env: NOOS_CONSENSUS_INDENT]",
    ),
) -> None:
    """Run one Yuma epoch on a case and print the result as JSON.

    The case holds stake, u16 weights and bonds, last_update, block_at_registration,
    validator_permit, current_block, tempo, emission, and hyperparameters under subtensor's
    names (kappa, bonds_moving_average, alpha_low, alpha_high, liquid_alpha_enabled,
    max_allowed_validators, activity_cutoff, yuma_version …). The output holds consensus,
    incentive, dividends and validator_trust (floats in [0, 1]), bonds (u16), validator_permit,
    miner_emission and validator_emission (amounts of the emission).
    """
    import json

    from noosphere.consensus import (
        case_from_dict,
        load_case,
        parse_case_text,
        result_to_json,
        run_epoch,
    )
    from noosphere.errors import NoosphereError

    try:
        if input_path == "-":
            inputs = case_from_dict(parse_case_text(sys.stdin.read(), "stdin"))
        else:
            inputs = load_case(Path(input_path))
        result = run_epoch(inputs)
    except NoosphereError as error:
        _app.report(error)
    print(json.dumps(result_to_json(result, raw=raw), indent=indent))
