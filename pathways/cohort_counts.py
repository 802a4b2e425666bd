"""The cohort counts: the case-figures rows added up per pathway, basis, month, site, age band, sex, ethnicity
and kind of part (db.models.CohortCount), kept in step with the rows in the same transaction.

Every row added to the case-figures index is counted in and every row removed is counted out (`count_rows`),
through pathways/figure_index.py, which is the only writer of either. Each change is an
upsert that adds to the stored sums, so two sessions counting into the same month at once do not lose either's
change (SQLite writes one at a time; PostgreSQL locks the row the upsert updates).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.models import CohortCount
from db.upsert import dialect_insert
from pathways.case_figures import age_band

KEY = ("pathway", "basis", "month", "first_site", "age_band", "sex", "ethnicity", "kind")
SUMS = ("cases", "case_ids", "versions", "fingerprints")


def count_key(row: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """A case-figures row's place in the counts (None: a case with no events, in no cohort)."""
    day = row["first_day"]
    if day is None:
        return None
    month = day.isoformat()[:7] if hasattr(day, "isoformat") else str(day)[:7]
    band = age_band(row["age"]) or ""
    return (
        row["pathway"],
        row["basis"],
        month,
        row["first_site"] or "",
        band,
        row["sex"] or "",
        row["ethnicity"] or "",
        row["kind"],
    )


def added_up(rows: Iterable[Mapping[str, Any]], sign: int = 1) -> dict[tuple[Any, ...], list[int]]:
    """Case-figures rows added up as the counts keep them: key → [cases, ids, versions, fingerprints]."""
    sums: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in rows:
        key = count_key(row)
        if key is None:
            continue
        total = sums[key]
        total[0] += sign
        total[1] += sign * row["case_id"]
        total[2] += sign * row["case_version"]
        total[3] += sign * row["fingerprint"]
    return sums


def held_counts(session: Session) -> dict[tuple[Any, ...], list[int]]:
    """The counts as stored, leaving out those that came back to nothing."""
    columns = [CohortCount.__table__.c[name] for name in KEY + SUMS]
    rows = session.execute(select(*columns).where(CohortCount.cases != 0))
    return {tuple(row[: len(KEY)]): [int(n) for n in row[len(KEY) :]] for row in rows}


def count_rows(
    session: Session, *, counted_in: Iterable[Mapping[str, Any]], counted_out: Iterable[Mapping[str, Any]]
) -> None:
    """Count case-figures rows in (when they are added) and out (when they are removed), in one change that
    touches the counts in key order (so that two sessions cannot each wait for a count the other holds)."""
    sums = added_up(counted_in)
    for key, taken in added_up(counted_out, -1).items():
        sums[key] = [a + b for a, b in zip(sums[key], taken, strict=True)] if key in sums else taken
    if not sums:
        return
    statement = dialect_insert(session, CohortCount)
    table = CohortCount.__table__
    upsert = statement.on_conflict_do_update(
        index_elements=list(KEY), set_={name: table.c[name] + statement.excluded[name] for name in SUMS}
    )
    changes = [dict(zip(KEY + SUMS, (*key, *total), strict=True)) for key, total in sorted(sums.items())]
    session.execute(upsert, changes)


def forget_counts(session: Session, pathways: Iterable[str]) -> None:
    """Remove every count of these pathways (their rows are about to be made again)."""
    session.execute(delete(CohortCount).where(CohortCount.pathway.in_(list(pathways))))
