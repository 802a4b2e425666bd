"""`main.py audit verify` and `main.py audit restart-chain`: checking the audit log's chain from the command line."""

from __future__ import annotations

import argparse
import sys

from pathways.actors import Actor
from pathways.audit_key import key_path
from pathways.audit_verify import CannotVerify, ChainReport, entries_word, verify_audit_log
from pathways.services.audit_upkeep import restart_audit_chain
from pathways.store import Store

SHOWN_PROBLEMS = 50
CANNOT_CHECK = 2  # the exit status when the chain could not be checked at all (as for other refused commands)


def add_audit_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `audit verify` and `audit restart-chain` to the main parser's subcommands."""
    audit = commands.add_parser("audit", help="check the audit log's tamper-evident chain")
    which = audit.add_subparsers(dest="audit_command", required=True)
    which.add_parser("verify", help="check every entry of the audit log; exit 0 when the chain is intact, 1 if not")
    restart = which.add_parser(
        "restart-chain",
        help="only when the audit key is lost for good, or the record of the log's end is gone: start a new chain",
    )
    restart.add_argument(
        "--confirm", action="store_true", help="needed: confirms the old key is lost or the end record is gone"
    )


def run_audit(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    if args.audit_command == "restart-chain":
        return _restart(store, actor, confirmed=args.confirm)
    try:
        report = verify_audit_log(store, actor=actor)
    except CannotVerify as exc:
        print(exc.message, file=sys.stderr)
        return CANNOT_CHECK
    print_report(report)
    return 0 if report.intact else 1


def print_report(report: ChainReport) -> None:
    for note in report.notes:
        print(f"Note: {note}")
    if report.intact:
        print(
            f"The audit log is intact: {entries_word(report.entries)} checked, every seal matches and none is missing."
        )
        if report.head is not None and report.last is not None:
            print(
                f"It ends at entry {report.last.id} (place {report.head.seq:,} in the chain); end-of-chain "
                f"fingerprint {report.head.mac[:16]}. Keep this line to compare with later checks."
            )
        return
    count = len(report.problems)
    problems = "1 problem" if count == 1 else f"{count:,} problems"
    print(f"The audit log has been tampered with: {problems} in {entries_word(report.entries)}.")
    for finding in report.problems[:SHOWN_PROBLEMS]:
        print(f"  - {finding.text}")
    if len(report.problems) > SHOWN_PROBLEMS:
        print(f"  ... and {len(report.problems) - SHOWN_PROBLEMS:,} more.")


def _restart(store: Store, actor: Actor, *, confirmed: bool) -> int:
    if not confirmed:
        print(
            "Starting a new audit chain means the entries before it can no longer be checked for entries removed "
            "from the end, and, if the key is replaced, cannot be checked at all. Do it only when the audit key is "
            "lost for good (not merely missing from this computer) or the record of the log's end is gone, after "
            "running `main.py audit verify`. Then run again with --confirm.",
            file=sys.stderr,
        )
        return 2
    fault = restart_audit_chain(store, actor=actor)
    print(f"A new audit chain was started because {fault.value}; Pathways can record actions again.")
    print(f"The audit key is {key_path()}: keep a copy of it now, apart from the database's backups.")
    return 0
