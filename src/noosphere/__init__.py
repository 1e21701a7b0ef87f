"""Noosphere: an open, decentralized AI network.

The public surface is re-exported here and from each subpackage's ``__init__``; modules
whose names start with ``_`` are private.
"""

from noosphere.errors import NoosphereError

__version__ = "0.1.0"

__all__ = ["NoosphereError", "__version__"]
