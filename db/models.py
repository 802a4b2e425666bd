"""The case store: SQLAlchemy 2 models.

A person may have many cases; a case is one person on one pathway, one time; its timeline is a list
of events. Events are never edited or deleted: a correction is a new event that supersedes an
earlier one, with a reason, so the history of what was recorded and when stays readable.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from db.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Setting(Base):
    """Database-wide settings, e.g. whether this database holds synthetic demo data."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    site: Mapped[str | None] = mapped_column(String(200))
    service: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(400))
    is_os_account: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A manager granted reading free-text notes (pathways/scope.py); meaningless for other roles.
    may_read_notes: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The password was set by an administrator (a reset, or a new account): the user chooses their own at their
    # next sign-in before anything else (pathways/services/accounts.py).
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ReferenceItem(Base):
    """An entry of a reference list an administrator maintains: offences, drugs, sites, services (with the
    service's telephone number, when one is held)."""

    __tablename__ = "reference_items"
    __table_args__ = (UniqueConstraint("list_name", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    list_name: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(120))
    label: Mapped[str] = mapped_column(String(400))
    flag: Mapped[bool] = mapped_column(Boolean, default=False)  # offences: trigger; drugs: tested
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    phone: Mapped[str | None] = mapped_column(String(40))  # services only: printed on the notice
    source_version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(120))


class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_ref: Mapped[str | None] = mapped_column(String(120), unique=True)
    surname: Mapped[str] = mapped_column(String(200))
    forenames: Mapped[str] = mapped_column(String(200))
    search_name: Mapped[str] = mapped_column(String(400), index=True)
    sound_key: Mapped[str] = mapped_column(String(200), default="", server_default="")
    date_of_birth: Mapped[date] = mapped_column(Date, index=True)
    sex: Mapped[str] = mapped_column(String(1))
    ethnicity: Mapped[str] = mapped_column(String(2))
    pnc_id: Mapped[str | None] = mapped_column(String(20), index=True)
    nhs_number: Mapped[str | None] = mapped_column(String(10))
    postcode: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, default=1)

    cases: Mapped[list[Case]] = relationship(back_populates="person")


class PersonWord(Base):
    """Each word of a person's name, folded, with its sound code: the index that name search runs on."""

    __tablename__ = "person_words"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    word: Mapped[str] = mapped_column(String(100), index=True)
    sound: Mapped[str] = mapped_column(String(4), index=True)


class PersonChange(Base):
    """A correction of a person's details: the old and new value, who, when and why."""

    __tablename__ = "person_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    changed_by: Mapped[str] = mapped_column(String(120))


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_ref: Mapped[str] = mapped_column(String(120), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    pathway: Mapped[str] = mapped_column(String(40))
    pathway_version: Mapped[int] = mapped_column(Integer)
    # Kept up to date by the services from the effective timeline, for lists and cohorts.
    first_event_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_site: Mapped[str | None] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(80))
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_by: Mapped[str] = mapped_column(String(120))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    person: Mapped[Person] = relationship(back_populates="cases")
    events: Mapped[list[Event]] = relationship(back_populates="case", order_by="Event.seq")

    # A cohort's cases, counted with their versions from the index alone (reports/queries.py checks the
    # case-figures index against it before trusting it).
    __table_args__ = (Index("ix_cases_cohort", "pathway", "first_event_at", "first_site", "version", "id"),)


class Event(Base):
    """One entry in a case's timeline, as recorded. Never updated or deleted.

    `action` is "record" for a new event, "correct" for a replacement of the event named by
    `corrects_id`, or "withdraw" for striking it out; both of the latter carry a reason.
    """

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(10), default="record")
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    correction_reason: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    occurred_time_known: Mapped[bool] = mapped_column(Boolean, default=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    due_time_known: Mapped[bool] = mapped_column(Boolean, default=True)
    site: Mapped[str | None] = mapped_column(String(200))
    service: Mapped[str | None] = mapped_column(String(200))
    place: Mapped[str | None] = mapped_column(Text)
    offence: Mapped[str | None] = mapped_column(Text)
    basis: Mapped[str | None] = mapped_column(String(20))
    result: Mapped[str | None] = mapped_column(String(40))
    substances: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    conditions: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    authorised_by: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(120))

    case: Mapped[Case] = relationship(back_populates="events")

    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
        # What a navigator (site) or a worker (service) may see is asked of each case's events (pathways/scope.py).
        Index("ix_events_case_id_site", "case_id", "site"),
        Index("ix_events_case_id_service", "case_id", "service"),
    )


class OpenDeadline(Base):
    """A deadline still open on a case (an appointment not yet attended, a contract not yet ended).

    Derived from the case's timeline by the pathway engine and rewritten whenever the timeline changes,
    so worklists read one indexed table; `pathways/deadline_index.py` keeps it in step.
    """

    __tablename__ = "open_deadlines"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str | None] = mapped_column(String(40))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    due_time_known: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())  # False: a day alone
    service: Mapped[str | None] = mapped_column(String(200), index=True)
    place: Mapped[str | None] = mapped_column(Text)


class CaseFigures(Base):
    """A case's part in its pathway's cohort figures (pathways/case_figures.py), worked out from its timeline.

    Rewritten whenever the timeline changes, so a cohort report adds up one row per case instead of replaying
    every event; `pathways/figure_index.py` keeps it in step. A row is used only while it was made for the case
    as it now stands (`case_version`), the person's date of birth as it now stands and the pathway's figures as
    they now stand (`basis`); otherwise the report replays that case's timeline.

    A row also carries what the report's breakdowns and data version read of the case and its person (pathway,
    person, first site, age at the first event, sex, ethnicity, the kind of part and the case's fingerprint),
    so that a year of a whole force is counted from one index (ix_case_figures_cohort) without reading the
    cases or the people. The people service rewrites a person's rows when those details are corrected.
    """

    __tablename__ = "case_figures"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    basis: Mapped[str] = mapped_column(String(80))
    case_version: Mapped[int] = mapped_column(Integer)
    date_of_birth: Mapped[date] = mapped_column(Date)
    first_day: Mapped[date | None] = mapped_column(Date)  # the first event's date, UK time (None: no events)
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the timeline
    figures: Mapped[str] = mapped_column(Text)  # JSON: the figures the case counts in
    pathway: Mapped[str | None] = mapped_column(String(40))
    person_id: Mapped[int | None] = mapped_column(Integer)
    first_site: Mapped[str | None] = mapped_column(String(200))
    age: Mapped[int | None] = mapped_column(Integer)  # in whole years on first_day
    sex: Mapped[str | None] = mapped_column(String(1))
    ethnicity: Mapped[str | None] = mapped_column(String(2))
    kind: Mapped[int | None] = mapped_column(BigInteger)  # case_figures.kind_of(figures); see FigureKind
    fingerprint: Mapped[int | None] = mapped_column(BigInteger)  # case_figures.case_fingerprint (40 bits)

    __table_args__ = (
        Index(
            "ix_case_figures_cohort",
            "pathway",
            "first_day",
            "first_site",
            "basis",
            "case_version",
            "case_id",
            "person_id",
            "kind",
            "age",
            "sex",
            "ethnicity",
            "fingerprint",
        ),
    )


class CohortCount(Base):
    """How many cases of a pathway have their first event in a month (UK time) with a kind of part
    (FigureKind): overall (`dimension` ''), and split by each detail a cohort report breaks cases down by
    (`dimension` 'first_site', 'age_band', 'sex' or 'ethnicity'; `value` the case's, '' when it has none). The
    case-figures rows added up, kept in step with them (pathways/cohort_counts.py), so that a cohort report of
    whole months reads some tens of thousands of these instead of a row per case. `case_ids` and `versions`
    are the sums of those cases' ids and versions: the report checks them against the cases before trusting the
    counts. `fingerprints` is the sum of their fingerprints (the report's data version)."""

    __tablename__ = "cohort_counts"
    pathway: Mapped[str] = mapped_column(String(40), primary_key=True)
    basis: Mapped[str] = mapped_column(String(80), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    dimension: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    cases: Mapped[int] = mapped_column(Integer)
    case_ids: Mapped[int] = mapped_column(BigInteger)
    versions: Mapped[int] = mapped_column(BigInteger)
    fingerprints: Mapped[int] = mapped_column(BigInteger)

    # On SQLite the rows are stored in key order, so a cohort's months are read as one run, not a row lookup each.
    __table_args__ = ({"sqlite_with_rowid": False},)


class FigureKind(Base):
    """Each kind of part a case can have in the figures (CaseFigures.figures), once: a report reads the kinds
    of its cases as numbers and decodes each kind from here once. Holds no personal data."""

    __tablename__ = "figure_kinds"
    kind: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    figures: Mapped[str] = mapped_column(Text)


class Task(Base):
    """Something a worker must do because of an event, e.g. tell the police about a missed assessment."""

    __tablename__ = "tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    label: Mapped[str] = mapped_column(Text)
    service: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    done_by: Mapped[str | None] = mapped_column(String(120))
    done_note: Mapped[str | None] = mapped_column(Text)


class Screening(Base):
    """The answers to a screening instrument (resources/instruments) behind a case's screening event.

    The event carries the outcome and its explanation in words (interchange columns `result`, `reason`); this
    row keeps what it was decided from: the instrument and its version, the answers as JSON, the score when the
    instrument scores, and the reason when a worker overrode the rules' decision.
    """

    __tablename__ = "screenings"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), unique=True)
    instrument: Mapped[str] = mapped_column(String(60))
    instrument_version: Mapped[int] = mapped_column(Integer)
    answers: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(40))
    score: Mapped[int | None] = mapped_column(Integer)
    override_reason: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(120))


class AuditEntry(Base):
    """Who did what to which record, when and from where. Holds record ids, never personal data."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(32))
    workstation: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    outcome: Mapped[str] = mapped_column(String(20))
    record_type: Mapped[str | None] = mapped_column(String(40))
    record_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(Text)
    # The tamper-evident chain (pathways/audit_chain.py): place in the chain, the seal of the entry before, own seal.
    seq: Mapped[int] = mapped_column(Integer, index=True, unique=True)
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))


class Programme(Base):
    """A group programme: sessions every week or fortnight at a venue, from a first session, a set number of times.

    The sessions are not stored: they are the dateutil rrule occurrences of the schedule, counted in local time
    (pathways/services/programmes.py). Each person's enrolment is a group_programme case whose events carry the
    programme's `code` in their `kind` column.
    """

    __tablename__ = "programmes"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    service: Mapped[str | None] = mapped_column(String(200))
    site: Mapped[str | None] = mapped_column(String(200))  # the venue
    first_session_at: Mapped[datetime] = mapped_column(UTCDateTime())
    every: Mapped[str] = mapped_column(String(12))  # "weekly" or "fortnightly"
    session_count: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))


class LegalHold(Base):
    """A legal hold on a person's record: while it is on (not lifted), the record is not erased, however old.

    Holds are lifted, never deleted, so the record shows who held it, when and why; they go only when the
    person's record is erased (pathways/services/retention.py)."""

    __tablename__ = "legal_holds"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    placed_by: Mapped[str] = mapped_column(String(120))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lifted_by: Mapped[str | None] = mapped_column(String(120))
    lift_reason: Mapped[str | None] = mapped_column(Text)


class Erasure(Base):
    """The tombstone of an erased person's record: the former record ids and how many rows went, never who.

    `basis` is "retention" (the retention period had ended) or "request" (erased on request before then);
    `counts` is JSON: rows removed per table, and the former case ids (so the audit trail can still be read)."""

    __tablename__ = "erasures"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer, index=True)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime())
    erased_by: Mapped[str] = mapped_column(String(120))
    basis: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    case_count: Mapped[int] = mapped_column(Integer)
    counts: Mapped[str] = mapped_column(Text)


class Consent(Base):
    """A person's answer to whether their record may be shared with a recipient for a purpose (pathways/consent.py).

    Rows are only added, never changed, except that a withdrawal is stamped (once) on the row that recorded the
    agreement: so the history reads who recorded the agreement and when, and who recorded its withdrawal and when.
    The person's answer now is the latest row for that recipient and purpose."""

    __tablename__ = "consents"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(String(40))
    agreed: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(120))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by: Mapped[str | None] = mapped_column(String(120))

    __table_args__ = (Index("ix_consents_recipient_purpose", "recipient", "purpose"),)
