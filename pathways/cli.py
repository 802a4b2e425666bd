"""Headless commands: import, export, report (cohort, case), demo, backup, migrate, user, audit. No window is opened."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from db.backup import BackupError, backup_sqlite
from db.disk_errors import disk_full
from db.encryption import DATABASE_KEY, EncryptionError, encrypt_file, engine_is_encrypted
from db.engine import sqlite_path
from db.locations import resolve_url
from pathways.actors import Actor, command_line_actor
from pathways.audit import authorise, write_audit
from pathways.audit_cli import add_audit_commands, run_audit
from pathways.cli_options import add_database_options
from pathways.consent import OWN_RECORDS, SUMMARY_RECIPIENTS, SharingRefused, SharingRequest, sharing_rules
from pathways.errors import DiskFull, InvalidInput, NotFound, PathwaysError
from pathways.interchange.exporter import ExportFilter, export_dataset
from pathways.interchange.format import Problem
from pathways.interchange.importer import ImportReport, import_dataset
from pathways.postgres_cli import add_postgres_commands, run_postgres_roles
from pathways.store import Store, open_store
from pathways.user_cli import add_user_commands, run_user

if TYPE_CHECKING:
    from reports.cohort import CohortAnswer
    from reports.tables import ReportTable

REPORT_FORMATS = {"json": "JSON file", "pdf": "PDF", "csv": "CSV file", "xlsx": "workbook (.xlsx)"}


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date written YYYY-MM-DD") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="main.py", description="Pathways: drug diversion and treatment case management."
    )
    add_database_options(parser)
    commands = parser.add_subparsers(dest="command")
    imp = commands.add_parser("import", help="import an interchange v1 dataset (folder, .zip or .xlsx)")
    imp.add_argument("path", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="check only; write nothing")
    exp = commands.add_parser("export", help="export cases as interchange v1 (people.csv, events.csv)")
    exp.add_argument("--output", type=Path, required=True)
    _add_filters(exp, required=False)
    exp.add_argument(
        "--recipient",
        default=OWN_RECORDS,
        help="who the export is for (default: own_records, to move or back up this service's own records): "
        + ", ".join(sharing_rules().recipients),
    )
    _add_sharing_options(exp)
    _add_report_commands(commands.add_parser("report", help="reports"))
    demo = commands.add_parser("demo", help="fill an empty database with synthetic demo people and cases")
    demo.add_argument("--people", type=int, default=500)
    demo.add_argument("--seed", type=int, default=1)
    backup = commands.add_parser("backup", help="online backup of the embedded database to a file")
    backup.add_argument("--output", type=Path, required=True)
    commands.add_parser("migrate", help="bring the database's tables up to date")
    commands.add_parser("encrypt-database", help="encrypt an unencrypted embedded database in place (SQLCipher)")
    add_user_commands(commands)
    add_postgres_commands(commands)
    add_audit_commands(commands)
    return parser


def _add_report_commands(parser: argparse.ArgumentParser) -> None:
    report = parser.add_subparsers(dest="report", required=True)
    cohort = report.add_parser("cohort", help="cohort figures and tables for a pathway and period")
    _add_filters(cohort, required=True)
    cohort.add_argument(
        "--format", choices=list(REPORT_FORMATS), default="json", help="json (printed unless --output), pdf, csv, xlsx"
    )
    cohort.add_argument("--output", type=Path, help="write to this file (needed for pdf, csv and xlsx)")
    cohort.add_argument(
        "--publication",
        action="store_true",
        help="for publication: counts of 1 to 4, and any count or percentage that would give one away, are shown as *",
    )
    case = report.add_parser("case", help="one person's case summary as a PDF, for a named reader")
    case.add_argument("--person", required=True, metavar="REF", help="the person's reference, or id:N (record N)")
    case.add_argument("--output", type=Path, help="the PDF file to write")
    case.add_argument("--purpose", help="who the summary is for: probation, court or treatment")
    _add_sharing_options(case)


def _add_sharing_options(parser: argparse.ArgumentParser) -> None:
    """What the record is shared for, and the law allowing it when someone has not agreed (pathways/consent.py)."""
    rules = sharing_rules()
    parser.add_argument(
        "--sharing-purpose",
        help="what it is shared for (needed when the recipient has more than one purpose): "
        + ", ".join(rules.purposes),
    )
    parser.add_argument(
        "--lawful-basis",
        metavar="LAW",
        help="the law that allows sharing without the person's agreement: " + ", ".join(rules.lawful_bases),
    )


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
    if report.unlisted:
        _print_problems(
            "Sites, services and offences not on the reference lists, kept as written", report.unlisted_warnings, out
        )
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


def sharing_request(recipient: str, args: argparse.Namespace) -> SharingRequest:
    """The recipient, purpose and law a command names; a recipient with one purpose needs no --sharing-purpose."""
    rules = sharing_rules()
    purposes = rules.recipient(recipient).purposes
    purpose = args.sharing_purpose or (purposes[0] if len(purposes) == 1 else None)
    if purpose is None:
        choices = ", ".join(purposes)
        raise InvalidInput(
            f"Say what it is shared with {rules.recipient(recipient).words} for: --sharing-purpose {choices}."
        )
    request = SharingRequest(recipient, purpose, args.lawful_basis)
    rules.check(request)
    return request


def sharing_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with an export's or a case summary's recipient, purpose or law, in plain words."""
    recipient = args.recipient if args.command == "export" else SUMMARY_RECIPIENTS.get(args.purpose or "")
    if recipient is None:
        return None
    try:
        sharing_request(recipient, args)
    except InvalidInput as exc:
        return exc.message
    return None


def print_sharing_refused(refused: SharingRefused) -> int:
    """The refusal, and the --lawful-basis choices that could allow it."""
    request = refused.request
    laws = "; ".join(f"{b.code} ({b.title})" for b in sharing_rules().bases_for(request.recipient, request.purpose))
    print(
        f"{refused.message} Nothing was written. To record the law: --lawful-basis followed by one of {laws}.",
        file=sys.stderr,
    )
    return 2


def run_export(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    selection = ExportFilter(args.pathway, args.start, args.end, args.site)
    sharing = sharing_request(args.recipient, args)
    try:
        result = export_dataset(store, actor=actor, folder=args.output, selection=selection, sharing=sharing)
    except SharingRefused as refused:
        return print_sharing_refused(refused)
    print(f"Exported {result.people} people, {result.cases} cases and {result.events} events to {result.folder}.")
    return 0


def undecodable_argument(args: argparse.Namespace) -> str | None:
    """An argument (not a file's path, which may be in any encoding) that holds bytes that are not UTF-8 text, as
    when a name was typed in a terminal set to another encoding: it cannot be stored or searched for as typed."""
    for name, value in vars(args).items():
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str) and any("\udc80" <= ch <= "\udcff" for ch in text):
                shown = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                what = name.replace("_", " ")
                return (
                    f"The {what} given, '{shown}', holds characters that are not text in UTF-8 (the terminal may be "
                    "set to another encoding): type it again. Nothing was done."
                )
    return None


def report_argument_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with a report command's arguments, in plain words; None when they will do."""
    if args.command == "export":
        return sharing_problem(args)
    if args.command != "report":
        return None
    output: Path | None = args.output
    if args.report == "cohort" and output is None and args.format != "json":
        return f"Give --output FILE: the {REPORT_FORMATS[args.format]} is written to a file, not printed."
    if args.report == "case":
        from reports.case_summary import PURPOSES

        choices = ", ".join(PURPOSES)
        if output is None:
            return "Give --output FILE: the case summary is a PDF written to a file."
        if args.purpose is None:
            return f"Say who the case summary is for: --purpose followed by one of {choices}."
        if args.purpose not in PURPOSES:
            return f"There is no case summary for '{args.purpose}': give --purpose followed by one of {choices}."
        if args.person.lower().startswith("id:") and not args.person[3:].strip().isdigit():
            return f"'{args.person}' is not a record number: write id: and the number, for example id:42."
        problem = sharing_problem(args)
        if problem is not None:
            return problem
    if output is not None and output.is_dir():
        return f"{output} is a folder: give the name of the file to write."
    if output is not None and not output.parent.is_dir():
        return f"The folder {output.parent} does not exist: make it first, or write the report somewhere else."
    return None


def run_report(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    if args.report == "case":
        return run_case_report(store, actor, args)
    return run_cohort_report(store, actor, args)


def run_cohort_report(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    """The cohort report as JSON (printed, or to --output), PDF, CSV or .xlsx.

    With --publication every format shows the tables as reports.publication.publish_tables makes them (the PDF
    does this itself), and the JSON's figures are hidden to match (reports.publication.published_json)."""
    from reports.cohort import CohortQuestion, cohort_figures

    answer = cohort_figures(store, actor=actor, question=CohortQuestion(args.pathway, args.start, args.end, args.site))
    tables: Sequence[ReportTable] = answer.tables
    if args.publication:
        from reports.publication import publish_tables

        tables = publish_tables(answer.question.pathway, answer.tables)
    output: Path | None = args.output
    if args.format == "json":
        data = answer.as_json()
        if args.publication:
            from reports.publication import published_json

            data.update(published_json(store.definition(answer.question.pathway), answer, tables))
        text = json.dumps(data, indent=2, ensure_ascii=False)
        if output is None:
            print(text)
            return 0
        _write(output, (text + "\n").encode("utf-8"))
    elif output is None:  # report_argument_problem has refused this already
        raise InvalidInput(f"Give --output FILE: the {REPORT_FORMATS[args.format]} is written to a file.")
    else:
        _write_cohort_file(args.format, output, answer, tables, publication=args.publication)
    hidden = " Counts of 1 to 4 are shown as *." if args.publication else ""
    print(f"The cohort report ({args.format}) was written to {output}.{hidden}")
    return 0


def _write_cohort_file(
    form: str, output: Path, answer: CohortAnswer, tables: Sequence[ReportTable], *, publication: bool
) -> None:
    if form == "pdf":
        from reports.cohort_pdf import write_cohort_pdf

        write_cohort_pdf(output, answer, publication=publication)  # publishes its own copy of the tables
    elif form == "csv":
        from reports.cohort_csv import cohort_csv

        _write(output, cohort_csv(answer, publication=publication).encode("utf-8-sig"))  # (the tables it prints)
    else:
        from reports.table_export import write_tables_xlsx

        title, footer = _cohort_title_and_footer(answer, publication=publication)
        write_tables_xlsx(output, tables, title=title, footer=footer)


def _write(path: Path, data: bytes) -> None:
    from reports.pdf_base import write_atomically

    write_atomically(path, data)


def _cohort_title_and_footer(answer: CohortAnswer, *, publication: bool) -> tuple[str, str]:
    """The title and footer a workbook shows on every sheet: the question asked and the data counted."""
    from pathways.clock import LONDON
    from reports.pdf_base import long_date

    q = answer.question
    title = f"{answer.pathway_name}: cohort report" + ("" if publication else " \N{EN DASH} not for publication")
    local = answer.as_of.astimezone(LONDON)
    footer = (
        f"{answer.pathway_name}, cases starting {long_date(q.start)} to {long_date(q.end)}, {q.site or 'all sites'}"
        f" \N{MIDDLE DOT} definition version {answer.pathway_version}"
        f" \N{MIDDLE DOT} data version {answer.data_version or 'not known'}"
        f" \N{MIDDLE DOT} as of {long_date(local.date())} {local:%H:%M}"
    )
    if publication:
        footer += " \N{MIDDLE DOT} counts of 1 to 4 are shown as *"
    return title, footer


def run_case_report(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    """One person's case summary as a PDF, for the reader --purpose names; refused, with nothing written, when the
    person has not agreed to share with that reader for that purpose and no --lawful-basis is given. The printing
    (and any law given) is audited."""
    from pathways.services.consent import check_sharing, ensure_may_share
    from pathways.services.records import person_record
    from pathways.services.screening import person_screenings
    from reports.case_summary import PURPOSES, shows_screenings, write_case_summary

    sharing = sharing_request(SUMMARY_RECIPIENTS[args.purpose], args)
    person_id = _person_id(store, actor, args.person)
    try:
        ensure_may_share(store, actor=actor, person_id=person_id, request=sharing, printing=True)
    except SharingRefused as refused:
        return print_sharing_refused(refused)
    record = person_record(store, actor=actor, person_id=person_id)
    screenings = person_screenings(store, actor=actor, person_id=person_id) if shows_screenings(args.purpose) else []
    now = store.clock()
    write_case_summary(
        args.output, record, purpose=args.purpose, prepared_by=actor.name, as_of=now, screenings=screenings
    )
    with store.unit_of_work() as uow:
        check_sharing(uow.session, actor, [person_id], sharing, at=now)
        detail = f"for {args.purpose}, to {sharing.recipient}:{sharing.purpose}"
        write_audit(
            uow.session, actor, "print_case_summary", now, record_type="person", record_id=person_id, detail=detail
        )
        uow.commit()
    print(f"The case summary for {PURPOSES[args.purpose].reader} was written to {args.output}.")
    return 0


def _person_id(store: Store, actor: Actor, ref: str) -> int:
    """The record number of the person `ref` names: their person_ref (exact, else ignoring case), or id:N."""
    from sqlalchemy import func, select

    from db.models import Person

    authorise(store.session_factory, actor, "view_person", store.clock)
    if ref.lower().startswith("id:"):
        number = int(ref[3:].strip())
        query = select(Person.id).where(Person.id == number)
        missing = f"There is no person with the record number {number}."
    else:
        query = select(Person.id).where(func.upper(Person.person_ref) == ref.strip().upper())
        missing = f"There is no person with the reference '{ref}'."
    with store.unit_of_work() as uow:
        found = list(uow.session.scalars(query))
        if len(found) > 1:
            found = list(uow.session.scalars(select(Person.id).where(Person.person_ref == ref.strip())))
    if len(found) != 1:
        raise NotFound(missing if not found else f"More than one person has a reference like '{ref}': give it exactly.")
    return found[0]


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
    target = backup_sqlite(path, args.output, encrypted=engine_is_encrypted(store.engine))
    with store.unit_of_work() as uow:
        write_audit(uow.session, actor, "backup", store.clock())
        uow.commit()
    print(f"Backed up to {target}.")
    return 0


def run_encrypt(store: Store, actor: Actor, _args: argparse.Namespace) -> int:
    authorise(store.session_factory, actor, "backup", store.clock)
    path = sqlite_path(store.engine.url.render_as_string(hide_password=False))
    if path is None:
        print("Only the embedded (SQLite) database can be encrypted here.", file=sys.stderr)
        return 2
    if engine_is_encrypted(store.engine):
        print(f"The database at {path} is already encrypted.")
        return 0
    store.engine.dispose()
    encrypt_file(path)
    encrypted = open_store(f"sqlcipher:///{path}", clock=store.clock)
    with encrypted.unit_of_work() as uow:
        write_audit(uow.session, actor, "encrypt_database", encrypted.clock())
        uow.commit()
    encrypted.engine.dispose()
    older = sorted((path.parent / "backups").glob("*.sqlite"))
    print(
        f"Encrypted {path}. Its key is in {DATABASE_KEY.path()}: keep a copy with your force's other secrets, "
        f"away from the database and its backups. Open it as sqlcipher:///{path} (the embedded default is found "
        "by itself)."
    )
    if older:
        print(f"{len(older)} earlier backups in {path.parent / 'backups'} are NOT encrypted: delete them securely.")
    return 0


COMMANDS: dict[str, Callable[[Store, Actor, argparse.Namespace], int]] = {
    "import": run_import,
    "export": run_export,
    "report": run_report,
    "demo": run_demo,
    "backup": run_backup,
    "migrate": lambda _store, _actor, _args: 0,
    "encrypt-database": run_encrypt,
    "user": run_user,
    "audit": run_audit,
    "postgres-roles": run_postgres_roles,
}


def run_command(args: argparse.Namespace) -> int:
    """Run a headless command as the operating-system user; errors are printed in plain words."""
    problem = undecodable_argument(args) or report_argument_problem(args)
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    try:
        store = open_store(resolve_url(args.database_url))
    except PathwaysError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    try:
        return COMMANDS[args.command](store, command_line_actor(), args)
    except (PathwaysError, BackupError, EncryptionError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except Exception as exc:
        if not disk_full(exc):
            raise
        print(
            DiskFull("it was not finished: nothing was saved, and no file was left half-written").message,
            file=sys.stderr,
        )
        return 2
    finally:
        store.engine.dispose()
