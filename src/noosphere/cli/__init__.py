"""The ``noos`` command line. One module per command group; see :func:`main`."""

from __future__ import annotations

import sys

from noosphere.cli._root import app


def main() -> None:
    """Entry point of the ``noos`` console script: one clear line per error, no traceback."""
    from rich.markup import escape

    from noosphere.cli._app import debug_enabled, err_console
    from noosphere.errors import NoosphereError

    try:
        app()
    except NoosphereError as error:
        if debug_enabled():
            raise
        err_console.print(f"[bold red]error:[/] {escape(error.user_message)}", soft_wrap=True)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)


__all__ = ["app", "main"]
