"""A program that saves when told, for the disk-full test: it opens the store, prints "ready", then for each line on
standard input makes that save and prints "saved ID" or "refused MESSAGE" (each line flushed).

    register SURNAME     register_person
    test CASE_ID         record_step: a positive drug test on the case

Run as `python -m tests.faults.children.save_when_told URL`.
"""

from __future__ import annotations

import sys
from datetime import date, timedelta

from pathways.actors import Actor, Role
from pathways.clock import now_utc
from pathways.errors import PathwaysError
from pathways.services.people import register_person
from pathways.services.steps import record_step
from pathways.store import Store, open_store

NAVIGATOR = Actor("nav.full", Role.CUSTODY_NAVIGATOR, "disk-full-test", site="Basingstoke")
TESTED_AT = now_utc() - timedelta(days=2)  # the test's arrest was three days ago


def save(store: Store, what: str, argument: str) -> int:
    if what == "register":
        born = date(1980, 5, 17)
        return register_person(
            store, actor=NAVIGATOR, surname=argument, forenames="Full", date_of_birth=born, sex="M"
        ).id
    values = {"result": "positive", "substances": "cocaine"}
    return record_step(
        store, actor=NAVIGATOR, case_id=int(argument), event="test", occurred_at=TESTED_AT, values=values
    ).event_id


def main(url: str) -> None:
    store = open_store(url)
    print("ready", flush=True)
    for line in sys.stdin:
        what, argument = line.split()
        try:
            print(f"saved {save(store, what, argument)}", flush=True)
        except PathwaysError as exc:
            print(f"refused {exc.message}", flush=True)
    store.engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1])
