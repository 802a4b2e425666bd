"""Pathways: start the desktop application, or run a headless command (see `main.py --help`)."""

from __future__ import annotations

import argparse
import sys

from pathways.cli_options import add_database_options


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    application = argparse.ArgumentParser(prog="main.py", add_help=False)
    add_database_options(application)
    options, rest = application.parse_known_args(argv)
    if not rest:  # the desktop application: the commands' modules (and the database layer) are not loaded first
        from ui.start import run_app

        return run_app(options.database_url, demo=options.demo)
    from pathways.cli import build_parser, run_command  # a command, or --help

    return run_command(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
