"""Pathways: start the desktop application, or run a headless command (see `main.py --help`)."""

from __future__ import annotations

import sys

from pathways.cli import build_parser, run_command


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        from ui.app import run_app

        return run_app(args.database_url, demo=args.demo)
    return run_command(args)


if __name__ == "__main__":
    sys.exit(main())
