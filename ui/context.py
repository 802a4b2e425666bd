"""What every screen needs: the open store, who is signed in, and one signal that says what changed."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from pathways.actors import Actor
from pathways.store import Store


class AppContext(QObject):
    """Passed to each screen (never reached through a global). `changed` carries a topic such as
    "case", "person", "tasks" or "reference"; screens showing that kind of data refresh themselves."""

    changed = Signal(str)

    def __init__(self, store: Store, actor: Actor, *, demo: bool = False) -> None:
        super().__init__()
        self.store = store
        self.actor = actor
        self.demo = demo

    def notify(self, *topics: str) -> None:
        for topic in topics:
            self.changed.emit(topic)
