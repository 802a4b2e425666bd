"""Consent to share: who a person's record may go to and what for, what the person agreed, and the laws that allow
sharing without their agreement. Pure rules: the lists are data (resources/sharing/sharing.toml); no database.

A person is asked, for each recipient (the police, the treatment provider, NDTMS...) and each of that recipient's
purposes (prosecution, treatment...), whether they agree to share. Printing or exporting a record for a recipient
and purpose is refused unless the person agreed and has not withdrawn it, or the user records a law that allows
the sharing without agreement (a lawful basis that applies to that recipient and purpose). A recipient that is
not another organisation (the service's own records) needs no agreement.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from pathways.clock import format_local
from pathways.definitions import RESOURCES
from pathways.errors import InvalidInput, PathwaysError

SHARING_FILE = RESOURCES / "sharing" / "sharing.toml"
CASE_REFS_SHOWN = 10  # a refusal for many people names this many of their cases
# The recipient each reader of a case summary is (reports/case_summary.py PURPOSES).
OWN_RECORDS = "own_records"  # moving or backing up the service's own records: no one else sees them
SUMMARY_RECIPIENTS = {"probation": "probation", "court": "court", "treatment": "treatment_provider"}


@dataclass(frozen=True)
class Purpose:
    code: str
    title: str  # in a list: "Prosecution"
    words: str  # in a sentence: "for prosecution"


@dataclass(frozen=True)
class Recipient:
    code: str
    title: str  # in a list: "Police"
    words: str  # in a sentence: "the police"
    purposes: tuple[str, ...]
    needs_consent: bool = True


@dataclass(frozen=True)
class LawfulBasis:
    code: str
    title: str  # short, in a list
    words: str  # the law in full words
    recipients: frozenset[str] | None  # None: any recipient
    purposes: frozenset[str] | None  # None: any purpose

    def applies(self, recipient: str, purpose: str) -> bool:
        return (self.recipients is None or recipient in self.recipients) and (
            self.purposes is None or purpose in self.purposes
        )


@dataclass(frozen=True)
class SharingRequest:
    """Who a printed or exported record goes to, what for, and (when the person has not agreed) the law allowing it."""

    recipient: str
    purpose: str
    lawful_basis: str | None = None


class ConsentState(StrEnum):
    NOT_ASKED = "not_asked"
    AGREED = "agreed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

    @property
    def words(self) -> str:
        return {"not_asked": "not asked", "withdrawn": "agreed, then withdrawn"}.get(self.value, self.value)


class Change(StrEnum):
    """What saving an answer does to the history: a new row (agreed or declined), or a withdrawal stamped on the
    row that recorded the agreement (which keeps what was agreed, and when)."""

    AGREE = "agreed"
    DECLINE = "declined"
    WITHDRAW = "withdrawn"


def change_for(current: ConsentState, agreed: bool) -> Change | None:
    """The change that records `agreed` over the current state; None when it already says so."""
    if agreed:
        return None if current is ConsentState.AGREED else Change.AGREE
    if current is ConsentState.AGREED:
        return Change.WITHDRAW
    return Change.DECLINE if current is ConsentState.NOT_ASKED else None


def state_of(agreed: bool | None, withdrawn_at: datetime | None) -> ConsentState:
    """The state a person's latest answer for one recipient and purpose gives (agreed None: never asked)."""
    if agreed is None:
        return ConsentState.NOT_ASKED
    if not agreed:
        return ConsentState.DECLINED
    return ConsentState.WITHDRAWN if withdrawn_at is not None else ConsentState.AGREED


class SharingRefused(PathwaysError):
    """A record would go to a recipient, for a purpose, that the person has not agreed to, and no law was given."""

    def __init__(self, message: str, *, request: SharingRequest, person_ids: Sequence[int]) -> None:
        super().__init__(message)
        self.request = request
        self.person_ids = tuple(person_ids)


@dataclass(frozen=True)
class SharingRules:
    purposes: Mapping[str, Purpose]
    recipients: Mapping[str, Recipient]
    lawful_bases: Mapping[str, LawfulBasis]

    def recipient(self, code: str) -> Recipient:
        try:
            return self.recipients[code]
        except KeyError:
            known = ", ".join(self.recipients)
            raise InvalidInput(f"'{code}' is not a recipient Pathways knows (recipients: {known}).") from None

    def purpose(self, code: str) -> Purpose:
        try:
            return self.purposes[code]
        except KeyError:
            known = ", ".join(self.purposes)
            raise InvalidInput(f"'{code}' is not a purpose Pathways knows (purposes: {known}).") from None

    def consent_pairs(self) -> list[tuple[Recipient, Purpose]]:
        """Every recipient and purpose a person is asked about, in the file's order."""
        return [(r, self.purposes[p]) for r in self.recipients.values() if r.needs_consent for p in r.purposes]

    def bases_for(self, recipient: str, purpose: str) -> list[LawfulBasis]:
        """The laws that can allow sharing with this recipient for this purpose without the person's agreement."""
        return [b for b in self.lawful_bases.values() if b.applies(recipient, purpose)]

    def check(self, request: SharingRequest) -> None:
        """Refuse (InvalidInput, in plain words) a recipient, purpose or law that does not fit together."""
        recipient = self.recipient(request.recipient)
        purpose = self.purpose(request.purpose)
        if purpose.code not in recipient.purposes:
            allowed = ", ".join(self.purposes[p].title.lower() for p in recipient.purposes)
            raise InvalidInput(
                f"Records are not shared with {recipient.words} {purpose.words}; the purposes for {recipient.words} "
                f"are: {allowed}."
            )
        if request.lawful_basis is None:
            return
        basis = self.lawful_bases.get(request.lawful_basis)
        if basis is None or not basis.applies(recipient.code, purpose.code):
            laws = "; ".join(f"{b.code} ({b.title})" for b in self.bases_for(recipient.code, purpose.code))
            given = f"'{request.lawful_basis}'" if basis is None else basis.title
            raise InvalidInput(
                f"{given} is not a law that allows sharing with {recipient.words} {purpose.words}. "
                f"The laws that can are: {laws}."
            )

    def describe(self, request: SharingRequest) -> str:
        """ "the police for prosecution" """
        return f"{self.recipient(request.recipient).words} {self.purpose(request.purpose).words}"


def refusal_for_one(
    rules: SharingRules, request: SharingRequest, name: str, state: ConsentState, since: datetime | None
) -> str:
    """Why one person's record may not go to this recipient for this purpose, and what to do."""
    what = f"{name} has not agreed to share with {rules.describe(request)}"
    if state is ConsentState.DECLINED and since is not None:
        what += f": they declined on {format_local(since, with_time=False)}"
    elif state is ConsentState.WITHDRAWN and since is not None:
        what += f": they withdrew their agreement on {format_local(since, with_time=False)}"
    return f"{what}. Record the law that allows it, or ask them."


def refusal_for_many(
    rules: SharingRules, request: SharingRequest, people: int, case_refs: Sequence[str], *, others: bool
) -> str:
    """Why an export may not go to this recipient for this purpose: how many people have not agreed, and some of their
    cases (`others`: they have more cases than those named)."""
    cases = ", ".join(case_refs) + (" and others" if others else "")
    one = people == 1
    return (
        f"{people:,} {'person' if one else 'people'} in this export {'has' if one else 'have'} not agreed to share "
        f"with {rules.describe(request)} (cases {cases}). Record the law that allows it, ask them, or export fewer "
        "cases."
    )


def _codes(raw: Any, known: Mapping[str, object], what: str, where: str) -> frozenset[str] | None:
    if raw is None:
        return None
    codes = frozenset(str(c) for c in raw)
    unknown = sorted(codes - set(known))
    if unknown:
        raise ValueError(f"{where} names {what} not in the file: {', '.join(unknown)}")
    return codes


def parse_rules(raw: Mapping[str, Any], source: str) -> SharingRules:
    try:
        purposes = {str(p["code"]): Purpose(str(p["code"]), str(p["title"]), str(p["words"])) for p in raw["purposes"]}
        recipients: dict[str, Recipient] = {}
        for r in raw["recipients"]:
            code = str(r["code"])
            named = _codes(r["purposes"], purposes, "purposes", f"recipient {code}") or frozenset()
            order = tuple(str(p) for p in r["purposes"] if str(p) in named)
            recipients[code] = Recipient(
                code, str(r["title"]), str(r["words"]), order, bool(r.get("needs_consent", True))
            )
        bases = {
            str(b["code"]): LawfulBasis(
                str(b["code"]),
                str(b["title"]),
                str(b["words"]),
                _codes(b.get("recipients"), recipients, "recipients", f"law {b['code']}"),
                _codes(b.get("purposes"), purposes, "purposes", f"law {b['code']}"),
            )
            for b in raw["lawful_bases"]
        }
    except KeyError as exc:
        raise ValueError(f"{source}: the sharing rules are incomplete: {exc.args[0]!r} is missing") from exc
    return SharingRules(purposes, recipients, bases)


def load_rules(path: Path = SHARING_FILE) -> SharingRules:
    with path.open("rb") as handle:
        return parse_rules(tomllib.load(handle), path.name)


@lru_cache(maxsize=1)
def sharing_rules() -> SharingRules:
    """The recipients, purposes and laws in resources/sharing/sharing.toml, read once."""
    return load_rules()
