"""The options the desktop application and the headless commands share: which database, and the demo. Kept apart
from pathways/cli.py so that starting the application reads them without loading the commands (main.py)."""

from __future__ import annotations

import argparse


def add_database_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url", help="database to use (default: PATHWAYS_DATABASE_URL, else the embedded file)"
    )
    parser.add_argument("--demo", action="store_true", help="open the separate demo database (synthetic people)")
