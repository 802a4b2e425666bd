"""The cohort question and its answer: the figures interchange-v1 defines, for one pathway and period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pathways.actors import Actor
from pathways.audit import authorise, write_audit
from pathways.clock import LONDON, local_date
from pathways.periods import check_period
from pathways.store import Store
from reports.cohort_tables import cohort_tables
from reports.figures import FigureValue, add_up
from reports.groups import period_months
from reports.indexed_tally import indexed_tally
from reports.queries import counted_cases
from reports.tables import ReportTable
from reports.tally import tally_cases


@dataclass(frozen=True)
class CohortQuestion:
    pathway: str
    start: date
    end: date
    site: str | None = None


@dataclass(frozen=True)
class CohortAnswer:
    question: CohortQuestion
    pathway_name: str
    pathway_version: int
    as_of: datetime
    figures: dict[str, FigureValue]
    meanings: dict[str, str]
    tables: tuple[ReportTable, ...] = ()  # the report's tables (reports/cohort_tables.py), before disclosure control
    data_version: str = ""  # fingerprint of the data counted (reports.tally.data_version_of); "" when not known

    def as_json(self) -> dict[str, Any]:
        q = self.question
        return {
            "pathway": q.pathway,
            "pathway_name": self.pathway_name,
            "pathway_version": self.pathway_version,
            "from": q.start.isoformat(),
            "to": q.end.isoformat(),
            "site": q.site,
            "counts": "cases, except where a figure says people or tests",
            "as_of": self.as_of.astimezone(LONDON).isoformat(timespec="seconds"),
            "figures": self.figures,
            "data_version": self.data_version,
            "tables": [table_json(table) for table in self.tables],
        }


def table_json(table: ReportTable) -> dict[str, Any]:
    """A report table as JSON: counts are integers, "*" where hidden, or null where a figure does not apply."""
    return {
        "key": table.key,
        "title": table.title,
        "row_title": table.row_title,
        "columns": list(table.columns),
        "rows": [{"label": row.label, "counts": list(row.counts)} for row in table.rows],
        "has_total_row": table.has_total_row,
    }


def cohort_figures(store: Store, *, actor: Actor, question: CohortQuestion) -> CohortAnswer:
    """Count the cohort: cases whose first event's local date is in the period (and at the site, if given).

    The cohort is tallied from the case-figures index (reports/indexed_tally.py) when the index holds every
    case as it now stands; otherwise each case's part is read where it is up to date and replayed from its
    events where not (reports/queries.py). Either way the figures, the tables and the data version are added
    up from one tally in one unit of work; the answer holds only plain values, so a PDF is laid out after the
    database has been left."""
    authorise(store.session_factory, actor, "report_cohort", store.clock)
    check_period(question.start, question.end)
    definition = store.definition(question.pathway)
    with store.unit_of_work() as uow:
        span = (question.start, question.end, question.site)
        tally = indexed_tally(uow.session, definition, *span)
        if tally is None:
            tally = tally_cases(definition, counted_cases(uow.session, definition, *span))
        figures = add_up(definition, tally)
        # Every month of the period up to this one: a month still to come is not a month of 0 cases.
        months = period_months(question.start, min(question.end, local_date(store.clock())))
        tables = tuple(cohort_tables(definition, tally, figures, months))
        write_audit(uow.session, actor, "report_cohort", store.clock(), detail=f"pathway {question.pathway}")
        uow.commit()
    meanings = {f.key: f.meaning for f in definition.figures}
    return CohortAnswer(
        question, definition.name, definition.version, store.clock(), figures, meanings, tables, tally.version
    )
