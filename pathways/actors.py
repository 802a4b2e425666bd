"""Who is acting, and what each role may do. Checked by every service before it acts."""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass
from enum import StrEnum

from pathways.errors import a_or_an


class Role(StrEnum):
    CUSTODY_NAVIGATOR = "custody_navigator"
    TREATMENT_WORKER = "treatment_worker"
    MANAGER = "manager"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")

    @property
    def a_label(self) -> str:
        """The label after "a" or "an", as a sentence starting with it says: "An administrator cannot …"."""
        return a_or_an(self.label)


NAV, WORKER, MANAGER, ADMIN = (
    Role.CUSTODY_NAVIGATOR,
    Role.TREATMENT_WORKER,
    Role.MANAGER,
    Role.ADMINISTRATOR,
)

# The actions each role may take. A service names its action; anything not listed is refused.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "register_person": frozenset({NAV, WORKER}),
    "correct_person": frozenset({NAV, WORKER, ADMIN}),
    "view_person": frozenset({NAV, WORKER, MANAGER, ADMIN}),
    "record_arrest": frozenset({NAV}),
    "record_test": frozenset({NAV}),
    "require_assessment": frozenset({NAV}),
    "reschedule_assessment": frozenset({NAV, WORKER}),
    "record_attendance": frozenset({WORKER}),
    "waive_follow_up": frozenset({WORKER}),
    "start_treatment": frozenset({WORKER}),
    "record_prosecution": frozenset({NAV}),
    "close_case": frozenset({NAV, WORKER}),
    "record_checkpoint_step": frozenset({NAV}),
    "record_divert_step": frozenset({NAV, WORKER}),
    "record_screening": frozenset({NAV, WORKER}),
    "sign_contract": frozenset({NAV}),
    "record_referral_step": frozenset({NAV, WORKER}),
    "record_order_step": frozenset({WORKER}),
    "record_release_step": frozenset({WORKER}),
    "manage_programmes": frozenset({WORKER, ADMIN}),
    "record_programme_step": frozenset({WORKER}),
    "record_youth_step": frozenset({WORKER}),
    "record_outreach_step": frozenset({NAV, WORKER}),
    "record_rehab_step": frozenset({WORKER}),
    "record_gambling_step": frozenset({NAV, WORKER}),
    "correct_event": frozenset({NAV, WORKER, ADMIN}),
    "view_worklist": frozenset({NAV, WORKER, MANAGER}),
    "complete_task": frozenset({NAV, WORKER}),
    "search_people": frozenset({NAV, WORKER, MANAGER, ADMIN}),
    "import_dataset": frozenset({ADMIN}),
    "export_dataset": frozenset({ADMIN, MANAGER}),
    "report_cohort": frozenset({ADMIN, MANAGER}),
    "make_demo": frozenset({ADMIN}),
    "backup": frozenset({ADMIN}),
    "edit_reference": frozenset({ADMIN}),
    "manage_users": frozenset({ADMIN}),
    "verify_audit": frozenset({ADMIN}),
    "restart_audit_chain": frozenset({ADMIN}),
    "edit_settings": frozenset({ADMIN}),
    "change_own_password": frozenset({NAV, WORKER, MANAGER, ADMIN}),
    "record_consent": frozenset({NAV, WORKER}),
    "review_retention": frozenset({ADMIN}),
    "place_legal_hold": frozenset({ADMIN}),
    "lift_legal_hold": frozenset({ADMIN}),
    "erase_person": frozenset({ADMIN}),
    "read_audit_trail": frozenset({ADMIN}),
}

ACTION_WORDS = {
    "register_person": "register a person",
    "correct_person": "correct a person's details",
    "view_person": "view a person's record",
    "record_arrest": "record an arrest",
    "record_test": "record a drug test",
    "require_assessment": "require an assessment",
    "reschedule_assessment": "reschedule an assessment",
    "record_attendance": "record attendance at an assessment",
    "waive_follow_up": "waive a follow-up assessment",
    "start_treatment": "record that treatment started",
    "record_prosecution": "record a prosecution",
    "close_case": "close a case",
    "record_checkpoint_step": "record a Checkpoint step",
    "record_divert_step": "record a DIVERT step",
    "record_screening": "record a screening",
    "sign_contract": "agree a Checkpoint contract",
    "record_referral_step": "record an arrest referral step",
    "record_order_step": "record a step of a court order",
    "record_release_step": "record a prison release step",
    "manage_programmes": "set up group programmes",
    "record_programme_step": "record group programme attendance",
    "record_youth_step": "record a youth intervention step",
    "record_outreach_step": "record an outreach visit",
    "record_rehab_step": "record a residential rehabilitation step",
    "record_gambling_step": "record a gambling-harm step",
    "correct_event": "correct an event",
    "view_worklist": "view worklists",
    "complete_task": "mark tasks done",
    "search_people": "search for people",
    "import_dataset": "import data",
    "export_dataset": "export data",
    "report_cohort": "produce cohort reports",
    "make_demo": "fill a demo database",
    "backup": "back up the database",
    "edit_reference": "edit reference lists",
    "manage_users": "manage user accounts",
    "verify_audit": "check the audit log",
    "restart_audit_chain": "start a new audit chain",
    "edit_settings": "change the application's settings",
    "change_own_password": "change their own password",
    "record_consent": "record what a person agreed to share",
    "review_retention": "review records past their retention period",
    "place_legal_hold": "place a legal hold on a record",
    "lift_legal_hold": "lift a legal hold",
    "erase_person": "erase a person's record",
    "read_audit_trail": "read the audit trail of a record",
}


@dataclass(frozen=True)
class Actor:
    username: str
    role: Role
    workstation: str
    site: str | None = None
    service: str | None = None
    may_read_notes: bool = False  # a manager granted free-text notes (pathways/scope.py)
    display_name: str = ""  # the user's full name, as their account gives it ("" for a headless command)
    # Signed in with a password an administrator set: they must choose their own before anything else (the
    # services refuse everything but changing it, whatever this says: pathways/audit.py authorise).
    must_change_password: bool = False

    def may(self, action: str) -> bool:
        return self.role in PERMISSIONS.get(action, frozenset())

    @property
    def name(self) -> str:
        """How a document names the user (who gave a notice, who prepared a summary): their full name, else their
        user name. Records and the audit log keep the user name."""
        return self.display_name or self.username


def command_line_actor() -> Actor:
    """The operating-system user running a headless command, acting as an administrator."""
    return Actor(f"os:{getpass.getuser()}", Role.ADMINISTRATOR, f"{socket.gethostname()} (command line)")
