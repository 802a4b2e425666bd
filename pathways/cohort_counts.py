"""The cohort counts: the case-figures rows added up per pathway, basis, month and kind of part, overall and by
each of the details a cohort report breaks its cases down by (db.models.CohortCount: dimension '' is every
case of the month; 'first_site', 'age_band', 'sex' and 'ethnicity' each split the same cases by that detail),
kept in step with the rows in the same transaction.

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

KEY = ("pathway", "basis", "month", "dimension", "value", "kind")
SUMS = ("cases", "case_ids", "versions", "fingerprints")
DIMENSIONS = ("first_site", "age_band", "sex", "ethnicity")  # besides '', every case of the month


def count_keys(row: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """A case-figures row's places in the counts: one overall and one a dimension (none: a case with no
    events, which is in no cohort)."""
    day = row["first_day"]
    if day is None:
        return []
    month = day.isoformat()[:7] if hasattr(day, "isoformat") else str(day)[:7]
    values = {
        "first_site": row["first_site"] or "",
        "age_band": age_band(row["age"]) or "",
        "sex": row["sex"] or "",
        "ethnicity": row["ethnicity"] or "",
    }
    head = (row["pathway"], row["basis"], month)
    return [(*head, "", "", row["kind"])] + [(*head, name, values[name], row["kind"]) for name in DIMENSIONS]


def added_up(rows: Iterable[Mapping[str, Any]], sign: int = 1) -> dict[tuple[Any, ...], list[int]]:
    """Case-figures rows added up as the counts keep them: key → [cases, ids, versions, fingerprints]."""
    sums: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in rows:
        change = (sign, sign * row["case_id"], sign * row["case_version"], sign * row["fingerprint"])
        for key in count_keys(row):
            total = sums[key]
            for index, amount in enumerate(change):
                total[index] += amount
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
    table = CohortCount.__table__
    statement = dialect_insert(session, table)
    upsert = statement.on_conflict_do_update(
        index_elements=list(KEY), set_={name: table.c[name] + statement.excluded[name] for name in SUMS}
    )
    changes = [dict(zip(KEY + SUMS, (*key, *total), strict=True)) for key, total in sorted(sums.items())]
    session.connection().execute(upsert, changes)  # Core, not the ORM's bulk path: an import's counts at once


def forget_counts(session: Session, pathways: Iterable[str]) -> None:
    """Remove every count of these pathways (their rows are about to be made again)."""
    session.execute(delete(CohortCount).where(CohortCount.pathway.in_(list(pathways))))
