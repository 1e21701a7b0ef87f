"""``python -m noosphere.cli``: the same as the ``noos`` console script."""

from noosphere.cli import main

if __name__ == "__main__":
    main()
