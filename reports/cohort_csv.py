"""A cohort report as the CSV a manager exports (the reports screen's Export CSV…, and `report cohort --format
csv`): first what was asked and counted, as the table "report", then every table as the PDF prints it: published
(counts of 1 to 4, and any that would give one away, as *) when it is a copy for publication. The long format of
the lines is reports/table_export.py's.

    table,row,column,value,percent,percent_of
    report,Pathway,,Drug Testing on Arrest,,
    report,Copy,,Not for publication,,
    funnel,Eligible,Number,12,80.0,Cases
"""

from __future__ import annotations

from pathways.clock import LONDON
from reports.cohort import CohortAnswer
from reports.cohort_pdf import report_tables
from reports.table_export import tables_csv
from reports.tables import ReportRow, ReportTable

REPORT_TABLE = "report"
NOT_FOR_PUBLICATION = "Not for publication"
FOR_PUBLICATION = "For publication: counts of 1 to 4, and any that would give one away, are shown as *"


def cohort_csv(answer: CohortAnswer, *, publication: bool) -> str:
    """The report's CSV text: what was asked, then its tables (published when `publication`)."""
    return tables_csv([about_table(answer, publication=publication), *report_tables(answer, publication=publication)])


def about_table(answer: CohortAnswer, *, publication: bool) -> ReportTable:
    """What the report is of, a line each: the question, when it was counted, the data's version, the copy."""
    q = answer.question
    counted = answer.as_of.astimezone(LONDON)
    about = [
        ("Pathway", answer.pathway_name),
        ("Cases starting from", q.start.isoformat()),
        ("Cases starting to", q.end.isoformat()),
        ("Site", q.site or "All sites"),
        ("Counted at (UK time)", counted.isoformat(timespec="seconds")),
        ("Data version", answer.data_version or "not known"),
        ("Copy", FOR_PUBLICATION if publication else NOT_FOR_PUBLICATION),
    ]
    rows = tuple(ReportRow(label, (value,)) for label, value in about)
    return ReportTable(REPORT_TABLE, "The report", "About", ("",), rows)
