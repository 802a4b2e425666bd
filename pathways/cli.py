"""Headless commands: import, export, report cohort, demo, backup, migrate. No window is opened."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TextIO

from db.backup import BackupError, backup_sqlite
from db.engine import resolve_url, sqlite_path
from pathways.actors import Actor, command_line_actor
from pathways.audit import authorise, write_audit
from pathways.errors import PathwaysError
from pathways.interchange.exporter import ExportFilter, export_dataset
from pathways.interchange.format import Problem
from pathways.interchange.importer import ImportReport, import_dataset
from pathways.store import Store, open_store


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date written YYYY-MM-DD") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="main.py", description="Pathways: drug diversion and treatment case management."
    )
    parser.add_argument(
        "--database-url", help="database to use (default: PATHWAYS_DATABASE_URL, else the embedded file)"
    )
    parser.add_argument("--demo", action="store_true", help="open the separate demo database (synthetic people)")
    commands = parser.add_subparsers(dest="command")
    imp = commands.add_parser("import", help="import an interchange v1 dataset (folder, .zip or .xlsx)")
    imp.add_argument("path", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="check only; write nothing")
    exp = commands.add_parser("export", help="export cases as interchange v1 (people.csv, events.csv)")
    exp.add_argument("--output", type=Path, required=True)
    _add_filters(exp, required=False)
    report = commands.add_parser("report", help="reports").add_subparsers(dest="report", required=True)
    cohort = report.add_parser("cohort", help="cohort figures for a pathway and period")
    _add_filters(cohort, required=True)
    cohort.add_argument("--format", choices=["json"], default="json")
    cohort.add_argument("--output", type=Path, help="write to this file instead of printing")
    demo = commands.add_parser("demo", help="fill an empty database with synthetic demo people and cases")
    demo.add_argument("--people", type=int, default=500)
    demo.add_argument("--seed", type=int, default=1)
    backup = commands.add_parser("backup", help="online backup of the embedded database to a file")
    backup.add_argument("--output", type=Path, required=True)
    commands.add_parser("migrate", help="bring the database's tables up to date")
    return parser


def _add_filters(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument("--pathway", required=required)
    parser.add_argument("--from", dest="start", type=_date, required=required)
    parser.add_argument("--to", dest="end", type=_date, required=required)
    parser.add_argument("--site")


def _print_problems(title: str, problems: Sequence[Problem], out: TextIO) -> None:
    print(f"{title} ({len(problems)}):", file=out)
    print("  table\trow\tcolumn\tvalue\tproblem", file=out)
    for p in problems:
        print(f"  {p.table}\t{p.row or ''}\t{p.column or ''}\t{p.value}\t{p.message}", file=out)


def print_import_report(report: ImportReport, dry_run: bool, out: TextIO = sys.stdout) -> None:
    if report.warnings:
        _print_problems("Possible duplicates, not merged", report.warnings, out)
    if report.errors:
        _print_problems("The dataset was refused and nothing was written. Errors", report.errors, out)
    elif dry_run:
        print("The dataset would be taken (dry run: nothing was written).", file=out)
    else:
        print(
            f"Imported: {report.people_added} people, {report.cases_added} cases, {report.events_added} events added.",
            file=out,
        )


def run_import(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    report = import_dataset(store, actor=actor, path=args.path, dry_run=args.dry_run)
    print_import_report(report, args.dry_run)
    return 0 if report.accepted else 1


def run_export(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    selection = ExportFilter(args.pathway, args.start, args.end, args.site)
    result = export_dataset(store, actor=actor, folder=args.output, selection=selection)
    print(f"Exported {result.people} people, {result.cases} cases and {result.events} events to {result.folder}.")
    return 0


def run_report(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    from reports.cohort import CohortQuestion, cohort_figures

    answer = cohort_figures(store, actor=actor, question=CohortQuestion(args.pathway, args.start, args.end, args.site))
    text = json.dumps(answer.as_json(), indent=2, ensure_ascii=False)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


def run_demo(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    from pathways.demo_loader import fill_demo_database

    report = fill_demo_database(store, actor=actor, people=args.people, seed=args.seed)
    print(
        f"Demo database filled with synthetic data: {report.people_added} people, {report.cases_added} cases, "
        f"{report.events_added} events."
    )
    return 0


def run_backup(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    authorise(store.session_factory, actor, "backup", store.clock)
    path = sqlite_path(store.engine.url.render_as_string(hide_password=False))
    if path is None:
        print(
            "Backups here are of the embedded database; back up a shared PostgreSQL database with pg_dump.",
            file=sys.stderr,
        )
        return 2
    target = backup_sqlite(path, args.output)
    with store.unit_of_work() as uow:
        write_audit(uow.session, actor, "backup", store.clock())
        uow.commit()
    print(f"Backed up to {target}.")
    return 0


COMMANDS: dict[str, Callable[[Store, Actor, argparse.Namespace], int]] = {
    "import": run_import,
    "export": run_export,
    "report": run_report,
    "demo": run_demo,
    "backup": run_backup,
    "migrate": lambda _store, _actor, _args: 0,
}


def run_command(args: argparse.Namespace) -> int:
    """Run a headless command as the operating-system user; errors are printed in plain words."""
    try:
        store = open_store(resolve_url(args.database_url))
    except PathwaysError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    try:
        return COMMANDS[args.command](store, command_line_actor(), args)
    except (PathwaysError, BackupError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        store.engine.dispose()
