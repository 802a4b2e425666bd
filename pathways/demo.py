"""Synthetic demo data: a deterministic generator of people and pathway cases in interchange v1 shape.

Everything here is made up. Person references are DEMO-000001, case references DEMO-C-0000001, the notes of
each case's first event say "Synthetic demo record", and names are common forenames and surnames combined
at random. Cases follow the pathway rules (resources/pathways), so a dataset imports cleanly and exercises
the worklists and the cohort figures. Only `random.Random(seed)` is used: the same arguments always give the
same dataset.

Each case is generated in the order things happen, then sorted by time and cut at the start of `today`: an
event only ever follows the events it needs, so whatever is left before the cut is still a valid timeline
(appointments due later simply have no outcome yet). Nothing is recorded on `today` itself, so a dataset
made with today=date.today() imports at any time of that day.

Drug Testing on Arrest has a generator of its own (the most detailed: further notices, prosecutions after a
missed assessment, waived follow-ups); it makes PATHWAY_GENERATORS' share of the cases (40%). Every other
pathway in resources/pathways is walked step by step through what its rules allow (pathways/demo_walk.py, with
the hints in resources/demo/walks.toml), so a new pathway appears in the demo data with no code change. A person
too young or too old for a pathway, or barred from it by a pathway rule across cases (DIVERT after not
engaging), gets a case on another pathway.
"""

from __future__ import annotations

import random
import tomllib
from collections.abc import Callable, Collection, Generator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from operator import itemgetter

from pathways.clock import age_on
from pathways.definitions import RESOURCES, load_definitions
from pathways.demo_draws import Weighted as _Weighted
from pathways.demo_draws import appointment as _appointment
from pathways.demo_draws import draw_choice as _choice
from pathways.demo_draws import draw_int as _int
from pathways.demo_draws import later as _later
from pathways.demo_draws import office_time as _office_time
from pathways.demo_draws import stamp as _stamp
from pathways.demo_walk import PathwayWalk, load_walks, seeded_lists
from pathways.interchange.format import EVENT_COLUMNS

SYNTHETIC_NOTE = "Synthetic demo record"


@dataclass(frozen=True)
class SyntheticDataset:
    """The two interchange tables: rows with exactly the interchange v1 columns (strings, "" when empty)."""

    people: list[dict[str, str]]
    events: list[dict[str, str]]


# --- People --------------------------------------------------------------------------------------------

_NAMES = tomllib.loads((RESOURCES / "demo" / "names.toml").read_text(encoding="utf-8"))
MALE_FORENAMES: tuple[str, ...] = tuple(_NAMES["male_forenames"])
FEMALE_FORENAMES: tuple[str, ...] = tuple(_NAMES["female_forenames"])
SURNAMES: tuple[str, ...] = tuple(_NAMES["surnames"])
FORENAMES_BY_SEX = {"M": MALE_FORENAMES, "F": FEMALE_FORENAMES}  # X and U: either list
SEXES = _Weighted([("M", 77.0), ("F", 21.0), ("X", 1.0), ("U", 1.0)])
ETHNICITIES = _Weighted(
    [
        ("A", 72.0),
        ("B", 1.0),
        ("C", 6.0),
        ("D", 2.0),
        ("E", 0.7),
        ("F", 0.8),
        ("G", 0.8),
        ("H", 1.2),
        ("J", 1.0),
        ("K", 0.6),
        ("L", 1.0),
        ("M", 1.5),
        ("N", 1.6),
        ("P", 0.6),
        ("R", 0.3),
        ("S", 1.2),
        ("Z", 4.0),
        ("99", 3.7),
    ]
)
# Age at a person's first arrest in the period; later arrests are at most a few years older (capped at 70).
AGE_BANDS = _Weighted(
    [
        ((16, 17), 4.0),
        ((18, 24), 17.0),
        ((25, 34), 31.0),
        ((35, 44), 26.0),
        ((45, 54), 15.0),
        ((55, 70), 7.0),
    ]
)
CASES_PER_PERSON = _Weighted([(1, 76.0), (2, 18.0), (3, 5.0), (4, 1.0)])
PNC_SHARE = 0.4
POSTCODE_SHARE = 0.94  # the rest: no fixed abode
_PNC_CHECK_LETTERS = "ZABCDEFGHJKLMNPQRTUVWXY"
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@dataclass(frozen=True)
class Area:
    """A custody suite, the treatment service it usually refers to, and the postcode districts it serves."""

    site: str
    service: str
    districts: tuple[str, ...]


def _area(site: str, service: str, districts: str) -> Area:
    return Area(site, service, tuple(districts.split()))


AREAS = _Weighted(
    [
        (_area("Southampton Central", "Society of St James", "SO14 SO15 SO16 SO17 SO18 SO19"), 30),
        (_area("Portsmouth", "CGL Portsmouth", "PO1 PO2 PO3 PO4 PO5 PO6"), 27),
        (_area("Basingstoke", "Inclusion Hampshire", "RG21 RG22 RG23 RG24"), 18),
        (_area("Aldershot", "Inclusion Hampshire", "GU11 GU12 GU14 GU51"), 13),
        (_area("Newport (IoW)", "Inclusion Hampshire", "PO30 PO31 PO33 PO36 PO37 PO38"), 12),
    ]
)
SITES = tuple(area.site for area in AREAS.values)
SERVICES = ("Inclusion Hampshire", "CGL Portsmouth", "Society of St James")


@dataclass(frozen=True)
class _Person:
    ref: str
    date_of_birth: date
    area: Area


def _age(date_of_birth: date, day: date) -> int:
    """Whole years, as the engine counts them (pathways.clock.age_on), without its cost in the usual case."""
    if date_of_birth.month == 2 and date_of_birth.day == 29:
        return age_on(date_of_birth, day)
    return day.year - date_of_birth.year - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _date_of_birth(rng: random.Random, first: date, last: date) -> date:
    """A birthday giving an age in the drawn band at the first arrest and at most 70 at the last."""
    low, high = AGE_BANDS.pick(rng)
    span = (last - first).days // 365 + 1
    age = max(16, min(_int(rng, low, high), 70 - span))
    return _years_before(first, age) - timedelta(days=_int(rng, 0, 364))


def _forenames(rng: random.Random, sex: str) -> str:
    names = FORENAMES_BY_SEX.get(sex) or _choice(rng, (MALE_FORENAMES, FEMALE_FORENAMES))
    first = _choice(rng, names)
    if rng.random() < 0.2:
        middle = _choice(rng, names)
        if middle != first:
            return f"{first} {middle}"
    return first


def _pnc_id(rng: random.Random, date_of_birth: date, today: date) -> str:
    """YY/NNNNNNNA: year of first record, serial number and check letter."""
    high = today.year
    year = _int(rng, min(max(date_of_birth.year + 12, high - 30), high), high) % 100
    serial = _int(rng, 1, 9_999_999)
    return f"{year:02d}/{serial:07d}{_PNC_CHECK_LETTERS[(year * 10_000_000 + serial) % 23]}"


def _postcode(rng: random.Random, area: Area) -> str:
    letters = _INWARD_LETTERS
    return f"{_choice(rng, area.districts)} {_int(rng, 0, 9)}{_choice(rng, letters)}{_choice(rng, letters)}"


def _person(
    rng: random.Random, number: int, arrests: Sequence[datetime], today: date
) -> tuple[_Person, dict[str, str]]:
    area = AREAS.pick(rng)
    sex = SEXES.pick(rng)
    date_of_birth = _date_of_birth(rng, arrests[0].date(), arrests[-1].date())
    person = _Person(f"DEMO-{number:06d}", date_of_birth, area)
    row = {
        "person_ref": person.ref,
        "surname": _choice(rng, SURNAMES),
        "forenames": _forenames(rng, sex),
        "date_of_birth": date_of_birth.isoformat(),
        "sex": sex,
        "ethnicity": ETHNICITIES.pick(rng),
        "pnc_id": _pnc_id(rng, date_of_birth, today) if rng.random() < PNC_SHARE else "",
        "postcode": _postcode(rng, area) if rng.random() < POSTCODE_SHARE else "",
    }
    return person, row


# --- Time ----------------------------------------------------------------------------------------------

# Arrests by hour of day. No local time between 01:00 and 01:59 is ever used, in arrests or after them:
# that hour is missing or doubled on the days the clocks change (Europe/London).
ARREST_HOURS = _Weighted(
    [
        (hour, weight)
        for hour, weight in enumerate(
            (4, 0, 3, 2, 1.5, 1.5, 2.5, 3.5, 4.5, 5, 5.5, 6, 6, 6, 6.5, 7, 7, 7, 6.5, 6, 6, 5.5, 5, 4.5)
        )
    ]
)


def _arrest_times(rng: random.Random, count: int, first_day: date, days: int) -> list[datetime]:
    times = []
    for _ in range(count):
        day = first_day + timedelta(days=_int(rng, 0, days - 1))
        times.append(datetime.combine(day, time(ARREST_HOURS.pick(rng), _int(rng, 0, 59))))
    return sorted(times)


class _Timeline:
    """The events of one case in the order they were generated (naive local times; `due` a datetime)."""

    __slots__ = ("steps",)

    def __init__(self) -> None:
        self.steps: list[tuple[datetime, str, dict[str, str]]] = []

    def add(self, event: str, at: datetime, due: datetime | None = None, **fields: str) -> datetime:
        if due is not None:
            fields["due_at"] = _stamp(due)
        self.steps.append((at, event, fields))
        return at

    @property
    def last(self) -> datetime:
        return max(step[0] for step in self.steps)


# --- Drug Testing on Arrest ----------------------------------------------------------------------------

TRIGGER_OFFENCES = _Weighted(
    [
        ("Theft from shop (Theft Act 1968 s.1)", 30.0),
        ("Possession of a Class A drug (Misuse of Drugs Act 1971 s.5(2))", 18.0),
        ("Theft (Theft Act 1968 s.1)", 10.0),
        ("Burglary (Theft Act 1968 s.9)", 10.0),
        ("Supply or production of a Class A drug (Misuse of Drugs Act 1971 s.4)", 6.0),
        ("Possession of a Class A drug with intent to supply (Misuse of Drugs Act 1971 s.5(3))", 5.0),
        ("Handling stolen goods (Theft Act 1968 s.22)", 5.0),
        ("Robbery (Theft Act 1968 s.8)", 3.0),
        ("Fraud (Fraud Act 2006 s.1)", 3.0),
        ("Taking a vehicle without consent (Theft Act 1968 s.12)", 3.0),
        ("Going equipped for stealing (Theft Act 1968 s.25)", 2.0),
        ("Begging (Vagrancy Act 1824)", 2.0),
        ("Attempted theft, robbery, burglary, handling or fraud", 2.0),
        ("Aggravated burglary (Theft Act 1968 s.10)", 1.0),
    ]
)
OTHER_OFFENCES = _Weighted(
    [
        ("Common assault", 35.0),
        ("Criminal damage", 25.0),
        ("Public order offence", 20.0),
        ("Possession of a Class B drug (Misuse of Drugs Act 1971 s.5(2))", 15.0),
        ("Driving with excess alcohol", 5.0),
    ]
)
BASES = _Weighted([("trigger", 80.0), ("inspector", 12.0), ("none", 8.0)])
TEST_RESULTS = _Weighted([("positive", 55.0), ("negative", 38.0), ("refused", 5.0), ("no_sample", 2.0)])
SUBSTANCES = _Weighted([("cocaine", 45.0), ("opiates", 20.0), ("cocaine;opiates", 35.0)])
RETEST = {"positive": 0.03, "negative": 0.03, "refused": 0.1, "no_sample": 0.6}
INSPECTORS = ("Ashdown", "Brennan", "Desai", "Fairley", "Marsh", "Okoro", "Pennington", "Whitlock")
GROUNDS = (
    "crack pipe found on search",
    "said they had used heroin that morning",
    "signs of opiate withdrawal seen by the custody nurse",
    "wraps of white powder found in the vehicle",
    "said the offence was to fund their cocaine use",
)
CLOSING = {
    "ineligible": "Not eligible for a test on arrest",
    "untested": "No test taken: released before a sample could be obtained",
    "negative": "Negative test: no further action",
    "no_sample": "No sample obtained: no further action",
    "refused": "Refused a test: no further action",
    "refused_prosecuted": "Refused a test: passed to the CPS",
    "positive": "Positive test: no assessment required",
    "treatment": "In treatment: required assessments complete",
    "prosecuted": "Passed to the CPS: no further DToA action",
    "assessed": "Required assessments complete: no further action",
}


class _DtoaCase:
    """One DToA case, generated step by step in the order things happen."""

    def __init__(self, rng: random.Random, person: _Person, arrested_at: datetime) -> None:
        self.rng = rng
        self.person = person
        self.arrested_at = arrested_at
        self.timeline = _Timeline()
        self.area = person.area if rng.random() < 0.85 else AREAS.pick(rng)
        self.service = self.area.service if rng.random() < 0.9 else _choice(rng, SERVICES)
        self.prosecuted = False
        self.first_attended: datetime | None = None

    def generate(self) -> _Timeline:
        if not self.arrest():
            self.close(0.7, "ineligible")
        elif self.rng.random() >= 0.8:
            self.close(0.6, "untested")
        else:
            self.after_tests(self.tests())
        return self.timeline

    def arrest(self) -> bool:
        """The arrest; True when it makes a test lawful (18 or over that day, trigger or inspector)."""
        rng = self.rng
        basis = BASES.pick(rng)
        offence = (TRIGGER_OFFENCES if basis == "trigger" else OTHER_OFFENCES).pick(rng)
        notes = ""
        if basis == "inspector":
            notes = (
                f"Test authorised by Inspector {_choice(rng, INSPECTORS)} (fictional): reasonable grounds to "
                f"suspect Class A use contributed to the offence ({_choice(rng, GROUNDS)})."
            )
        site = self.area.site
        self.timeline.add("arrest", self.arrested_at, site=site, offence=offence, basis=basis, notes=notes)
        return basis != "none" and _age(self.person.date_of_birth, self.arrested_at.date()) >= 18

    def tests(self) -> list[str]:
        at = _later(self.rng, self.arrested_at, 20, 180)
        results = [self.test(at)]
        if self.rng.random() < RETEST[results[0]]:
            results.append(self.test(_later(self.rng, at, 20, 120)))
        return results

    def test(self, at: datetime) -> str:
        result = TEST_RESULTS.pick(self.rng)
        substances = SUBSTANCES.pick(self.rng) if result == "positive" else ""
        self.timeline.add("test", at, site=self.area.site, result=result, substances=substances)
        return result

    def after_tests(self, results: list[str]) -> None:
        rng = self.rng
        tested_at = self.timeline.last
        if "refused" in results and rng.random() < 0.85:
            self.prosecute(_later(rng, tested_at, 15, 90), "refused_test")
        if "positive" not in results:
            refused = "refused_prosecuted" if self.prosecuted else "refused"
            self.close(0.65, refused if results[-1] == "refused" else results[-1])
        elif rng.random() < 0.95:
            settled = self.assessments(_later(rng, tested_at, 10, 60))
            self.close(0.6 if settled else 0.0, self.positive_closing())
        else:
            self.close(0.6, "positive")

    def positive_closing(self) -> str:
        if any(event == "treatment_started" for _at, event, _fields in self.timeline.steps):
            return "treatment"
        return "prosecuted" if self.prosecuted else "assessed"

    def close(self, chance: float, why: str) -> None:
        """Close the case (its last event) with this chance, some days after everything else."""
        if self.rng.random() < chance:
            at = _office_time(self.rng, self.timeline.last, 1, 28)
            self.timeline.add("closed", at, reason=CLOSING[why])

    def prosecute(self, at: datetime, reason: str) -> None:
        self.prosecuted = True
        self.timeline.add("prosecuted", at, reason=reason)

    def prosecute_after_miss(self, missed_at: datetime) -> bool:
        """About 70% of misses are prosecuted (a case holds one prosecution at most)."""
        if self.prosecuted or self.rng.random() >= 0.7:
            return False
        self.prosecute(_office_time(self.rng, missed_at, 1, 14), "failed_to_attend")
        return True

    def require(self, at: datetime, kind: str, due: datetime, reason: str = "") -> None:
        self.timeline.add("assessment_required", at, due, kind=kind, service=self.service, reason=reason)

    def assessments(self, at: datetime) -> bool:
        """Initial and follow-up required together (initial first); True when both are settled."""
        rng = self.rng
        initial_due = _appointment(rng, at, 2, 7)
        self.require(at, "initial", initial_due)
        follow_due = _appointment(rng, initial_due, 14, 28)
        self.require(at, "follow_up", follow_due)
        outcome, seen_at, follow_due = self.initial(initial_due, follow_due)
        if outcome == "attended" and rng.random() < 0.25:
            notes = "The initial assessor found no follow-up assessment was needed."
            self.timeline.add("follow_up_waived", _later(rng, seen_at, 30, 90), notes=notes)
            settled = True
        else:
            settled = outcome is not None and self.follow_up(follow_due, outcome == "attended")
        if self.first_attended is not None and rng.random() < 0.35:
            started = _office_time(rng, self.first_attended, 1, 21)
            self.timeline.add("treatment_started", started, service=self.service)
        return settled

    def initial(self, due: datetime, follow_due: datetime) -> tuple[str | None, datetime, datetime]:
        """The initial assessment's outcome, its time, and when the follow-up is (finally) due.

        A further notice after a miss rearranges both: the follow-up stays 2-4 weeks after the initial.
        """
        rng = self.rng
        outcome, at = self.outcome("initial", due, 0.75, 0.20)
        if outcome == "missed" and not self.prosecute_after_miss(at) and rng.random() < 0.5:
            notice = _office_time(rng, at, 1, 3)
            due = _appointment(rng, notice, 2, 7)
            follow_due = _appointment(rng, due, 14, 28)
            self.require(notice, "initial", due, f"further notice: did not attend on {at:%d/%m/%Y}")
            self.require(notice, "follow_up", follow_due, "further notice: moved with the initial assessment")
            outcome, at = self.outcome("initial", due, 0.6, 0.35)
            if outcome == "missed":
                self.prosecute_after_miss(at)
        return outcome, at, follow_due

    def follow_up(self, due: datetime, after_attended: bool) -> bool:
        """The follow-up assessment's outcome, after a further notice if missed; True when recorded."""
        rng = self.rng
        attend, miss = (0.7, 0.22) if after_attended else (0.25, 0.65)
        outcome, at = self.outcome("follow_up", due, attend, miss)
        if outcome == "missed" and not self.prosecute_after_miss(at) and rng.random() < 0.4:
            notice = _office_time(rng, at, 1, 3)
            due = _appointment(rng, notice, 7, 14)
            self.require(notice, "follow_up", due, f"further notice: did not attend on {at:%d/%m/%Y}")
            outcome, at = self.outcome("follow_up", due, 0.55, 0.4)
            if outcome == "missed":
                self.prosecute_after_miss(at)
        return outcome is not None

    def outcome(self, kind: str, due: datetime, attend: float, miss: float) -> tuple[str | None, datetime]:
        """Attended, missed (failed to attend or remain), or nothing recorded; and when."""
        rng = self.rng
        draw = rng.random()
        if draw < attend:
            at = _later(rng, due, 0, 15)
            self.timeline.add("assessment_attended", at, kind=kind, service=self.service)
            self.first_attended = self.first_attended or at
            return "attended", at
        if draw < attend + miss:
            notes = "Left before the end of the assessment." if rng.random() < 0.15 else "Did not attend."
            at = _later(rng, due, 90, 300)
            self.timeline.add("assessment_missed", at, kind=kind, service=self.service, notes=notes)
            return "missed", at
        return None, due


def _dtoa_case(rng: random.Random, person: _Person, started_at: datetime) -> _Timeline:
    return _DtoaCase(rng, person, started_at).generate()


# --- The dataset ---------------------------------------------------------------------------------------

CaseGenerator = Callable[[random.Random, _Person, datetime], _Timeline]
# Pathways with a generator of their own: code → (share of all cases, generator of one case from the person and
# the time it starts). The rest of the cases are spread over the other pathways by their `share` in walks.toml.
PATHWAY_GENERATORS: dict[str, tuple[float, CaseGenerator]] = {
    "dtoa": (0.4, _dtoa_case),
}
_REDRAWS = 8  # draws of a pathway a person may be on before falling back to one with a generator of its own


class _Mix:
    """Which pathway each case is on: the shares, and who may be on which pathway."""

    def __init__(self, only: Collection[str] | None) -> None:
        walks = load_walks()
        lists = seeded_lists()
        wanted = set(only) if only is not None else None
        self.walkers = {
            code: PathwayWalk(definition, walks.hints(code), lists)
            for code, definition in load_definitions().items()
            if code not in PATHWAY_GENERATORS and (wanted is None or code in wanted)
        }
        own = {code: share for code, (share, _g) in PATHWAY_GENERATORS.items() if wanted is None or code in wanted}
        if wanted is not None and wanted - set(own) - set(self.walkers):
            raise ValueError(f"no such pathways: {', '.join(sorted(wanted - set(own) - set(self.walkers)))}")
        if not own and not self.walkers:
            raise ValueError("no pathways to make cases on")
        rest = max(0.0, 1.0 - sum(own.values())) if self.walkers else 0.0
        total = sum(w.hints.share for w in self.walkers.values()) or 1.0
        shares = [*own.items(), *((code, rest * w.hints.share / total) for code, w in self.walkers.items())]
        self.pathways = _Weighted([(code, share) for code, share in shares if share > 0])
        self.fallback = next(iter(own), None)

    def pick(
        self, rng: random.Random, person: _Person, started_at: datetime, barred: dict[str, datetime]
    ) -> str | None:
        """A pathway for a case starting at `started_at`, or None when the person may be on none of those chosen."""
        day = started_at.date()
        for _ in range(_REDRAWS):
            code = self.pathways.pick(rng)
            walker = self.walkers.get(code)
            if walker is None:
                return code
            if walker.eligible(person.date_of_birth, day) and not (code in barred and barred[code].date() <= day):
                return code
        return self.fallback

    def case(self, rng: random.Random, person: _Person, started_at: datetime, pathway: str) -> _Timeline:
        walker = self.walkers.get(pathway)
        if walker is None:
            return PATHWAY_GENERATORS[pathway][1](rng, person, started_at)
        area = person.area
        offence = (TRIGGER_OFFENCES if rng.random() < 0.6 else OTHER_OFFENCES).pick(rng)
        defaults = {"site": area.site, "service": area.service, "offence": offence}
        timeline = _Timeline()
        timeline.steps = walker.generate(rng, person.date_of_birth, started_at, defaults)
        return timeline

    def bar(self, pathway: str, timeline: _Timeline, barred: dict[str, datetime]) -> None:
        """Note when a case reached a step after which the person may not start another on its pathway."""
        walker = self.walkers.get(pathway)
        if walker is None or not walker.bars:
            return
        for at, event, _fields in timeline.steps:
            if event in walker.bars and (pathway not in barred or at < barred[pathway]):
                barred[pathway] = at


_BLANK_EVENT = dict.fromkeys(EVENT_COLUMNS, "")
_TIME_OF = itemgetter(0)


def _case_rows(
    person_ref: str, case_ref: str, pathway: str, timeline: _Timeline, cutoff: datetime
) -> list[dict[str, str]]:
    """The case's rows in time order (stable, so same-minute events keep their order), cut at `cutoff`."""
    rows: list[dict[str, str]] = []
    for at, event, fields in sorted(timeline.steps, key=_TIME_OF):
        if at >= cutoff:
            break
        row = _BLANK_EVENT.copy()
        row.update(fields)
        row["person_ref"] = person_ref
        row["case_ref"] = case_ref
        row["pathway"] = pathway
        row["event"] = event
        row["occurred_at"] = _stamp(at)
        rows.append(row)
    first = rows[0]
    first["notes"] = f"{SYNTHETIC_NOTE}. {first['notes']}" if first["notes"] else SYNTHETIC_NOTE
    return rows


def synthetic_dataset(
    people: int, *, seed: int = 1, today: date, years: int = 2, pathways: Collection[str] | None = None
) -> SyntheticDataset:
    """`people` synthetic people and their cases in the `years` years before `today` (none on it or later).

    `pathways`: only cases on these (by code); all the pathways in resources/pathways when not given.
    """
    people_rows: list[dict[str, str]] = []
    event_rows: list[dict[str, str]] = []
    for batch in synthetic_batches(people, size=max(people, 1), seed=seed, today=today, years=years, pathways=pathways):
        people_rows.extend(batch.people)
        event_rows.extend(batch.events)
    return SyntheticDataset(people_rows, event_rows)


def synthetic_batches(
    people: int,
    *,
    size: int,
    seed: int = 1,
    today: date,
    years: int = 2,
    pathways: Collection[str] | None = None,
) -> Generator[SyntheticDataset, None, None]:
    """The same dataset as synthetic_dataset, `size` people at a time (with their cases): for datasets too
    large to hold at once, imported one batch after another."""
    if people < 0 or years < 1 or size < 1:
        raise ValueError("people must be 0 or more, years 1 or more and the batch size 1 or more")
    rng = random.Random(seed)
    mix = _Mix(pathways)
    cutoff = datetime.combine(today, time(0, 0))
    first_day = today - timedelta(days=round(365.25 * years))
    days = (today - first_day).days
    people_rows: list[dict[str, str]] = []
    event_rows: list[dict[str, str]] = []
    case_number = 0
    for number in range(1, people + 1):
        arrests = _arrest_times(rng, CASES_PER_PERSON.pick(rng), first_day, days)
        person, row = _person(rng, number, arrests, today)
        people_rows.append(row)
        barred: dict[str, datetime] = {}
        for started_at in arrests:
            pathway = mix.pick(rng, person, started_at, barred)
            if pathway is None:
                continue
            timeline = mix.case(rng, person, started_at, pathway)
            mix.bar(pathway, timeline, barred)
            case_number += 1
            case_ref = f"DEMO-C-{case_number:07d}"
            event_rows.extend(_case_rows(person.ref, case_ref, pathway, timeline, cutoff))
        if len(people_rows) == size or number == people:
            batch = [SyntheticDataset(people_rows, event_rows)]
            people_rows, event_rows = [], []
            yield batch.pop()  # handed over, not kept: a batch is let go as soon as its importer lets it go
