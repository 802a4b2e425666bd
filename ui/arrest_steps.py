"""The forms of the new-arrest wizard: choose the person, the arrest, the test, the required assessments."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from pathways.clock import LONDON, local_datetime
from pathways.engine import eligibility
from pathways.errors import InvalidInput
from pathways.reference import reference_list
from pathways.services.dtoa import last_referral, record_arrest
from pathways.services.people import get_person
from pathways.services.results import EventRecorded
from pathways.services.search import find_people
from pathways.timeline import fact_from_values
from ui.choices import FormComboBox, reference_choices
from ui.context import AppContext
from ui.formatting import from_qdatetime, show_date, to_qdatetime
from ui.operations import OperationRunner, Progress
from ui.register_dialog import RegisterPersonDialog
from ui.widgets import buddy_label

RESULTS = (("positive", "&Positive"), ("negative", "N&egative"), ("refused", "&Refused"), ("no_sample", "No &sample"))


def _moment_edit(moment: datetime, name: str) -> QDateTimeEdit:
    edit = QDateTimeEdit(to_qdatetime(moment))
    edit.setDisplayFormat("dd/MM/yyyy HH:mm")
    edit.setCalendarPopup(True)
    edit.setAccessibleName(name)
    return edit


def next_weekday_at(moment: datetime, days: int, hour: int = 10) -> datetime:
    """`days` after `moment`, moved on past a weekend, at `hour`:00 local time."""
    day = (moment.astimezone(LONDON) + timedelta(days=days)).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return local_datetime(day, time(hour, 0))


class PersonChooser(QWidget):
    """Type a name, date of birth or PNC ID; Enter picks the highlighted person; or register a new one."""

    chosen = Signal(int)

    def __init__(self, context: AppContext, runner: OperationRunner, page: QWidget) -> None:
        super().__init__()
        self._context, self._runner, self._page = context, runner, page
        self._ids: list[int] = []
        self.search = QLineEdit()
        self.search.setPlaceholderText("Name, date of birth or PNC ID")
        self.model = QStringListModel()
        self.results = QListView()
        self.results.setModel(self.model)
        self.results.setAccessibleName("People found")
        self.found = QLabel()  # searching, how many found, or no one
        self.new_button = QPushButton("&Register a new person…")
        self._timer = QTimer(self, singleShot=True, interval=150)
        layout = QVBoxLayout(self)
        layout.addWidget(buddy_label("&Find the person:", self.search))
        layout.addWidget(self.search)
        layout.addWidget(self.results)
        layout.addWidget(self.found)
        layout.addWidget(self.new_button)
        self.search.textChanged.connect(self._typed)
        self._timer.timeout.connect(self._search)
        # Enter in the search box is the wizard's Next (its default button); a double-click picks too.
        self.results.doubleClicked.connect(lambda _i: self._choose_current())
        self.new_button.clicked.connect(self._register)

    def person_id(self) -> int | None:
        row = self.results.currentIndex().row()
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def _typed(self, _text: str) -> None:
        """The list found for what was typed before is no longer the answer: Enter must not pick from it."""
        self._ids = []
        self.model.setStringList([])
        self.found.setText("Searching…" if self.search.text().strip() else "")
        self._page_changed()
        self._timer.start()

    def _search(self) -> None:
        store, actor, text = self._context.store, self._context.actor, self.search.text()
        if not text.strip():
            return

        def work(_progress: Progress) -> tuple[str, list[int], list[str]]:
            found = find_people(store, actor=actor, text=text, rows=50, limit=50)
            ids, rows = found.ids, found.rows
            return (
                text,
                ids,
                [
                    f"{rows[i].name} · born {show_date(rows[i].date_of_birth)} · PNC {rows[i].pnc_id or 'none'}"
                    for i in ids
                ],
            )

        self._runner.start("arrest-person", work, finished=self._show, failed=self.found.setText)

    def _show(self, found: tuple[str, list[int], list[str]]) -> None:
        text, ids, labels = found
        if text != self.search.text():
            return  # an answer to what was typed before: the search for the text now shown follows
        self._ids = ids
        self.model.setStringList(labels)
        if labels:
            self.results.setCurrentIndex(self.model.index(0))
        many = "more than 50 people: type more of the name" if len(labels) >= 50 else f"{len(labels)} found"
        self.found.setText(many if labels else "No one found: register a new person (Alt+R).")
        self._page_changed()

    def _page_changed(self) -> None:
        changed = getattr(self._page, "completeChanged", None)
        if changed is not None:
            changed.emit()

    def _choose_current(self) -> None:
        person_id = self.person_id()
        if person_id is not None:
            self.chosen.emit(person_id)

    def _register(self) -> None:
        dialog = RegisterPersonDialog(self._context, self.search.text(), self)
        if dialog.exec() and dialog.chosen_id is not None:
            self._ids = [dialog.chosen_id]
            self.model.setStringList(["(registered just now)"])
            self.results.setCurrentIndex(self.model.index(0))
            self._page_changed()
            self.chosen.emit(dialog.chosen_id)


def _offence_choices(context: AppContext) -> QComboBox:
    """The offences of the administrator's list, each saying whether it is a trigger offence. Typing the start of
    one completes it in place (the rest shown selected, for the next letters to replace); words from within one
    ("from shop") choose it when no other has them (ArrestForm.chosen_offence). Nothing is chosen to begin with (the
    first of the list would be a guess, and Enter would record it), and words naming no single offence choose none."""
    combo = FormComboBox()
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    for entry in reference_list(context.store, "offences"):
        kind = "trigger offence" if entry.flag else "not a trigger offence"
        combo.addItem(f"{entry.label} — {kind}", (entry.code, entry.flag))
    combo.setCurrentIndex(-1)
    line = combo.lineEdit()
    if line is not None:
        line.setPlaceholderText("Type any words of the offence, then choose it")
    return combo


class ArrestForm(QWidget):
    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context
        self._born: date | None = None
        self.who = QLabel()
        self.offence = _offence_choices(context)
        self.when = _moment_edit(context.store.clock(), "Time of arrest")
        self.site = reference_choices(context, "sites", context.actor.site)
        self.authority = QGroupBox("Inspector's authority (the offence is not a trigger offence)")
        self.inspector, self.grounds = QLineEdit(), QLineEdit()
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self._layout()
        self.offence.currentTextChanged.connect(self._update)
        line = self.offence.lineEdit()
        if line is not None:  # Enter or Tab: the words typed become the offence they name, in full
            line.editingFinished.connect(self._settle_offence)
        for field in (self.inspector, self.grounds):
            field.textChanged.connect(self._update)

    def _layout(self) -> None:
        inner = QFormLayout(self.authority)
        inner.addRow(buddy_label("&Inspector's name:", self.inspector), self.inspector)
        inner.addRow(buddy_label("&Grounds (suspected Class A use):", self.grounds), self.grounds)
        form = QFormLayout(self)
        form.addRow(self.who)
        form.addRow(buddy_label("&Offence:", self.offence), self.offence)
        form.addRow(buddy_label("&Time of arrest:", self.when), self.when)
        form.addRow(buddy_label("Custody &suite:", self.site), self.site)
        form.addRow(self.authority)
        form.addRow(self.explanation)

    def set_person(self, person_id: int) -> None:
        person = get_person(self._context.store, actor=self._context.actor, person_id=person_id)
        self._born = person.date_of_birth
        self.who.setText(f"{person.display_name}, born {show_date(person.date_of_birth)}")
        self._update()

    def chosen_offence(self) -> int:
        """The place in the list of the offence the words typed name: the whole of one entry, or words found in one
        entry's name alone (whatever the capitals and spaces); -1 while they name none, or several."""
        found = self._naming()
        return found[0] if len(found) == 1 else -1

    def _naming(self) -> list[int]:
        """The places of the offences the words typed name (see chosen_offence)."""
        typed = " ".join(self.offence.currentText().split()).casefold()
        if not typed:
            return []
        texts = [" ".join(self.offence.itemText(i).split()).casefold() for i in range(self.offence.count())]
        if typed in texts:
            return [texts.index(typed)]
        return [i for i, text in enumerate(texts) if typed in text.split(" — ")[0]]

    def _settle_offence(self) -> None:
        chosen = self.chosen_offence()
        if chosen >= 0 and self.offence.currentText() != self.offence.itemText(chosen):
            self.offence.setCurrentIndex(chosen)

    def _offence_data(self) -> tuple[str, bool] | None:
        chosen = self.chosen_offence()
        return None if chosen < 0 else self.offence.itemData(chosen)

    def _is_trigger(self) -> bool:
        data = self._offence_data()
        return bool(data and data[1])

    def _basis(self) -> str:
        if self._is_trigger():
            return "trigger"
        return "inspector" if self.inspector.text().strip() and self.grounds.text().strip() else "none"

    def lawful_now(self) -> bool:
        return self._decision_text().startswith("eligible")

    def _decision_text(self) -> str:
        chosen = self.chosen_offence()
        if self._born is None or chosen < 0:
            return ""
        values = {
            "basis": self._basis(),
            "offence": self.offence.itemText(chosen).split(" — ")[0],
            "authorised_by": self.inspector.text().strip(),
        }
        arrest = fact_from_values("arrest", from_qdatetime(self.when.dateTime()), values, None, None)
        return eligibility(self._context.store.definition("dtoa"), [arrest], self._born).explain()

    def _update(self) -> None:
        self.authority.setEnabled(not self._is_trigger())
        decision = self._decision_text()
        self.explanation.setText(f"Test on arrest: {decision}" if decision else self._offence_wanted())

    def _offence_wanted(self) -> str:
        typed = " ".join(self.offence.currentText().split())
        if not typed:
            return "Choose the offence: the law allows a test for a trigger offence, or with an inspector's authority."
        named = len(self._naming())
        if named == 1:  # (chosen, but no decision yet: there is no date of birth without the person)
            return "Choose the person first: whether a test is lawful depends on their age."
        if named > 1:
            return f"Several offences have “{typed}” in them: type more of the one meant, or choose it from the list."
        return (
            f"No offence on the list has “{typed}” in it. Check the words, or ask an administrator to add the offence "
            "(Administration → Offences)."
        )

    def when_arrested(self) -> datetime:
        return from_qdatetime(self.when.dateTime())

    def record(self, person_id: int) -> EventRecorded:
        data = self._offence_data()
        if data is None:
            raise InvalidInput(self._offence_wanted())
        code = data[0]
        inspector = self.inspector.text().strip() or None if not self._is_trigger() else None
        return record_arrest(
            self._context.store,
            actor=self._context.actor,
            person_id=person_id,
            occurred_at=self.when_arrested(),
            offence=code,
            site=self.site.currentText().strip() or None,
            inspector_name=inspector,
            grounds=self.grounds.text().strip() or None if inspector else None,
        )


class TestForm(QWidget):
    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        row = QHBoxLayout()
        for code, text in RESULTS:
            button = QRadioButton(text)
            self.group.addButton(button)
            self.buttons[code] = button
            row.addWidget(button)
        self.buttons["positive"].setChecked(True)
        # The drugs tested for are the administrator's list: a drug the law adds appears here with no code change.
        self.drugs = {e.code: QCheckBox(e.label) for e in reference_list(context.store, "drugs") if e.flag}
        for box in self.drugs.values():
            box.setAccessibleName(f"Found: {box.text()}")
        self.time = _moment_edit(context.store.clock(), "Time of test")
        form = QFormLayout(self)
        form.addRow("Result:", row)
        drugs = QHBoxLayout()
        for box in self.drugs.values():
            drugs.addWidget(box)
        form.addRow("Found:", drugs)
        form.addRow(buddy_label("&Time of test:", self.time), self.time)
        self.group.buttonToggled.connect(lambda *_a: self._update())

    def _update(self) -> None:
        positive = self.result() == "positive"
        for box in self.drugs.values():
            box.setEnabled(positive)

    def focus_first(self) -> None:
        self.buttons["positive"].setFocus(Qt.FocusReason.TabFocusReason)

    def reset_time(self) -> None:
        self.time.setDateTime(to_qdatetime(self._context.store.clock()))

    def result(self) -> str:
        return next((code for code, button in self.buttons.items() if button.isChecked()), "positive")

    def substances(self) -> list[str]:
        if self.result() != "positive":
            return []
        return [code for code, box in self.drugs.items() if box.isChecked()]

    def when(self) -> datetime:
        return from_qdatetime(self.time.dateTime())


class AssessmentForm(QWidget):
    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context
        # The service (and place) last required at this custody suite first: a suite refers to its local service.
        last = last_referral(context.store, actor=context.actor) if context.actor.may("require_assessment") else None
        service = context.actor.service or (last[0] if last else None)
        self.service = reference_choices(context, "services", service, placeholder="Choose the treatment service")
        self.place = QLineEdit(last[1] or "" if last and last[0] == service else "")
        self.place.setPlaceholderText("Address of the assessment")
        now = context.store.clock()
        self.initial = _moment_edit(next_weekday_at(now, 1), "Initial assessment")
        self.follow_up = _moment_edit(next_weekday_at(now, 14), "Follow-up assessment")
        form = QFormLayout(self)
        form.addRow(buddy_label("&Service:", self.service), self.service)
        form.addRow(buddy_label("&Place:", self.place), self.place)
        form.addRow(buddy_label("&Initial assessment:", self.initial), self.initial)
        form.addRow(buddy_label("&Follow-up assessment:", self.follow_up), self.follow_up)

    def reset_times(self) -> None:
        now = self._context.store.clock()
        self.initial.setDateTime(to_qdatetime(next_weekday_at(now, 1)))
        self.follow_up.setDateTime(to_qdatetime(next_weekday_at(now, 14)))

    def initial_due(self) -> datetime:
        return from_qdatetime(self.initial.dateTime())

    def follow_up_due(self) -> datetime:
        return from_qdatetime(self.follow_up.dateTime())
