"""How many wrong passwords an account may have from one computer before signing in there is refused for a while.

The policy: at most 100 failed sign-ins for one account from one workstation in any 60 minutes (a sliding
window), counted from the audit log. Once there are 100, sign-in to that account from that workstation is
refused, without checking the password, until the oldest of them is an hour old. Refused tries are audited as
"throttled" and do not count, so the wait never grows beyond an hour after the last wrong password. Other
workstations are not affected, so someone guessing at a shared computer cannot keep the real user out of the
account: they can still sign in from their own desk at once, or from the same computer within the hour.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import AuditEntry
from pathways.clock import LONDON

FAILED_LIMIT = 100
WINDOW = timedelta(hours=1)


def throttled_until(session: Session, *, user_id: int, workstation: str, now: datetime) -> datetime | None:
    """When sign-in to the account from `workstation` will be allowed again, or None if it is allowed now."""
    failures = list(
        session.scalars(
            select(AuditEntry.at)
            .where(
                AuditEntry.at > now - WINDOW,
                AuditEntry.action == "sign_in",
                AuditEntry.outcome == "failed",
                AuditEntry.record_type == "user",
                AuditEntry.record_id == user_id,
                AuditEntry.workstation == workstation,
            )
            .order_by(AuditEntry.at)
        )
    )
    if len(failures) < FAILED_LIMIT:
        return None
    # Allowed again once fewer than FAILED_LIMIT failures are less than an hour old.
    return failures[len(failures) - FAILED_LIMIT] + WINDOW


def throttled_message(until: datetime, now: datetime) -> str:
    """The refusal, with the time (Europe/London, rounded up to the minute) when the user may try again."""
    whole_minute = until.replace(second=0, microsecond=0)
    again = (whole_minute if whole_minute == until else whole_minute + timedelta(minutes=1)).astimezone(LONDON)
    minutes = max(1, math.ceil((again - now).total_seconds() / 60))
    return (
        f"There have been too many wrong passwords for this account on this computer, so signing in here is "
        f"paused. Try again after {again:%H:%M} (in {minutes} minute{'s' if minutes != 1 else ''}), or sign in "
        "at another computer. If you did not type them, tell your administrator."
    )
