"""Starting the desktop application."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QMessageBox

from db.engine import resolve_url
from pathways.store import StoreUnavailable, open_store


def run_app(database_url: str | None) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    try:
        store = open_store(resolve_url(database_url))
    except StoreUnavailable as exc:
        QMessageBox.critical(None, "Pathways", exc.message)
        return 2
    window = QMainWindow()
    window.setWindowTitle("Pathways")
    window.setCentralWidget(QLabel(f"Pathways is open on {store.engine.url.render_as_string(hide_password=True)}."))
    window.resize(900, 600)
    window.show()
    code = app.exec()
    store.engine.dispose()
    return code
