"""Connect this workstation to the clinic server, or back to the local database.

Reached from the sign-in window. Test says exactly what stands in the way (an unknown
host, nothing listening, a refused password, a missing database, a schema older or newer
than this app, a Redis that doesn't answer or refuses its password), next to the field it
is about. Save writes the server to the config file and its password to the OS keyring;
"Use the local database on this computer" is one click. Either takes effect the next
time DCMS Desktop opens the clinic, which the dialog says.

An empty or older schema can be set up or upgraded from here once the person confirms
they are the clinic's admin (why a confirmation and not an app password: see
:mod:`dcms_desktop.services.connection`).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.config import Settings
from dcms_desktop.services import connection
from dcms_desktop.services.connection import (
    CheckResult,
    ConnectionReport,
    ConnectionSaveError,
    Outcome,
    ServerFields,
)
from dcms_desktop.views.admin.common import ask, busy_bar, error_text, widen
from dcms_desktop.views.change_password import field_message, show_message, with_message
from dcms_desktop.views.tasks import TaskHandle, run_task

FIELDS = ("host", "port", "database", "user", "password", "redis_url")
RESTART = (
    "A new connection is used the next time DCMS Desktop opens the clinic: restart it after saving."
)


def _symbol(result: CheckResult) -> str:
    return "✓ " if result.outcome is Outcome.OK else "" if result.ok else "✗ "


class ConnectDialog(QDialog):
    """Where this workstation's clinic lives: a server, or the file on this computer."""

    connection_changed = Signal(str)
    """Saved or switched to local; carries what the workstation will now use, in words."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectDialog")
        self.setWindowTitle("Connect to clinic server")
        self.setModal(True)
        self.setMinimumWidth(620)
        self._settings = settings
        self._task: TaskHandle | None = None
        self.report: ConnectionReport | None = None
        self.confirm = ask(self)
        self.errors: dict[str, QLabel] = {}
        self._build(connection.current_fields(settings))

    # -- building ---------------------------------------------------------------------------
    def _build(self, start: ServerFields) -> None:
        title = QLabel("Connect to clinic server")
        title.setObjectName("formTitle")
        self.now = QLabel(self._now_text(start))
        self.now.setObjectName("connectNow")
        self.now.setWordWrap(True)
        overriding = connection.environment_overrides()
        self.override = field_message("connectOverride")
        if overriding:
            names = " and ".join(overriding)
            wins = "wins" if len(overriding) == 1 else "win"
            show_message(
                self.override,
                f"{names} set on this computer {wins} over what you save here; remove "
                f"{'it' if len(overriding) == 1 else 'them'} to use these settings.",
            )

        self.host = self._line("host", "server name or address, e.g. clinic-server", start.host)
        self.port = self._line("port", "5432", str(start.port))
        self.port.setValidator(QIntValidator(1, 65535, self.port))
        self.port.setMaximumWidth(110)
        self.database = self._line("database", "e.g. dcms", start.database)
        self.user = self._line("user", "database user, e.g. dcms", start.user)
        self.password = self._line("password", "", start.password)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.redis_url = self._line(
            "redis_url", "optional, e.g. redis://clinic-server:6379/0", start.redis_url
        )

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setVerticalSpacing(4)
        self._add(form, "&Server", "host", self.host)
        self._add(form, "P&ort", "port", self.port)
        self._add(form, "&Database", "database", self.database)
        self._add(form, "&User", "user", self.user)
        self._add(
            form,
            "Pass&word",
            "password",
            self.password,
            "Kept in this computer's keyring, never in the config file.",
        )
        self._add(
            form,
            "&Redis URL",
            "redis_url",
            self.redis_url,
            "Lets workstations see each other's changes live. A password in the URL goes "
            "to the keyring.",
        )

        results = QFrame()
        results.setObjectName("card")
        results_form = QFormLayout(results)
        results_form.setContentsMargins(12, 10, 12, 10)
        self.database_result = QLabel("Not tested yet.")
        self.database_result.setObjectName("connectDatabaseResult")
        self.database_result.setWordWrap(True)
        self.redis_result = QLabel("Not tested yet.")
        self.redis_result.setObjectName("connectRedisResult")
        self.redis_result.setWordWrap(True)
        widen(self.database_result, self.redis_result)
        results_form.addRow("Database:", self.database_result)
        results_form.addRow("Live sync:", self.redis_result)
        self.upgrade_button = QPushButton("Upgrade the clinic database…")
        self.upgrade_button.setObjectName("connectUpgrade")
        self.upgrade_button.setAutoDefault(False)
        self.upgrade_button.clicked.connect(self.upgrade)
        self.upgrade_button.hide()
        results_form.addRow("", self.upgrade_button)

        self.restart = QLabel(RESTART)
        self.restart.setObjectName("connectRestart")
        self.restart.setProperty("role", "hint")
        self.restart.setWordWrap(True)
        self.busy = busy_bar("connectBusy")

        self.local_button = QPushButton("Use the &local database on this computer")
        self.local_button.setObjectName("connectUseLocal")
        self.local_button.setAutoDefault(False)
        self.local_button.clicked.connect(self.use_local)
        self.test_button = QPushButton("&Test connection")
        self.test_button.setObjectName("connectTest")
        self.test_button.setDefault(True)
        self.test_button.clicked.connect(self.test)
        self.save_button = QPushButton("Sa&ve")
        self.save_button.setObjectName("connectSave")
        self.save_button.setProperty("primary", True)
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        self.close_button = QPushButton("Cancel")
        self.close_button.setObjectName("connectClose")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.local_button)
        buttons.addStretch(1)
        buttons.addWidget(self.test_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addWidget(self.now)
        layout.addWidget(self.override)
        layout.addSpacing(4)
        layout.addLayout(form)
        layout.addWidget(results)
        layout.addWidget(self.restart)
        layout.addWidget(self.busy)
        layout.addLayout(buttons)

        order: list[QWidget] = [
            self.host,
            self.port,
            self.database,
            self.user,
            self.password,
            self.redis_url,
            self.test_button,
            self.save_button,
            self.close_button,
            self.local_button,
            self.upgrade_button,
        ]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)
        (self.password if start.host and not start.password else self.host).setFocus()

    def _line(self, name: str, placeholder: str, value: str) -> QLineEdit:
        edit = QLineEdit(value)
        edit.setObjectName(f"connect_{name}")
        edit.setPlaceholderText(placeholder)
        edit.textEdited.connect(lambda _t, n=name: self._edited(n))
        return edit

    def _add(
        self, form: QFormLayout, caption: str, name: str, widget: QWidget, hint: str = ""
    ) -> None:
        label = QLabel(caption)
        label.setBuddy(widget)
        message = field_message(f"connect_{name}_error")
        widen(message)
        message.setProperty("hint", hint)
        if hint:
            show_message(message, hint, "hint")
        self.errors[name] = message
        form.addRow(label, with_message(widget, message))

    @staticmethod
    def _now_text(fields: ServerFields) -> str:
        if fields.uses_server:
            return (
                f"This workstation now uses the clinic server {fields.host}, database "
                f"“{fields.database}”."
            )
        return "This workstation now uses the local database on this computer."

    # -- values -----------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        return {
            "host": self.host.text().strip(),
            "port": self.port.text().strip(),
            "database": self.database.text().strip(),
            "user": self.user.text().strip(),
            "password": self.password.text(),
            "redis_url": self.redis_url.text().strip(),
        }

    def _edited(self, name: str) -> None:
        """Typing over a field clears what the last test said about it."""
        self._show_field(name, "")

    def _show_field(self, name: str, text: str) -> None:
        label = self.errors[name]
        if text:
            show_message(label, text, "error")
        else:
            hint = label.property("hint") or ""
            show_message(label, hint, "hint")

    # -- testing ----------------------------------------------------------------------------
    def test(self) -> None:
        """Try the server and Redis in the background and say what was found."""
        values = self.values()
        self._run(
            lambda _r: connection.test_connection(**values), self._tested, "Testing the connection…"
        )

    def _tested(self, report: ConnectionReport) -> ConnectionReport:
        self.report = report
        for name in FIELDS:
            self._show_field(name, "")
        self._show_result(self.database_result, report.database)
        self._show_result(self.redis_result, report.redis)
        for result in (report.redis, report.database):
            if result.field is not None and not result.ok:
                self._show_field(result.field, result.message)
        self.upgrade_button.setText(
            "Set up the clinic database…"
            if report.database.outcome is Outcome.SCHEMA_EMPTY
            else "Upgrade the clinic database…"
        )
        self.upgrade_button.setVisible(report.can_upgrade)
        first_bad = next(
            (r.field for r in (report.database, report.redis) if not r.ok and r.field), None
        )
        if first_bad is not None:
            getattr(self, first_bad).setFocus()
        return report

    def _show_result(self, label: QLabel, result: CheckResult) -> None:
        role = "ok" if result.outcome is Outcome.OK else "hint" if result.ok else "error"
        show_message(label, _symbol(result) + result.message, role)

    # -- upgrading --------------------------------------------------------------------------
    def upgrade(self) -> None:
        if self.report is None or not self.report.can_upgrade:
            return
        empty = self.report.database.outcome is Outcome.SCHEMA_EMPTY
        values = self.values()
        title = "Set up the clinic database?" if empty else "Upgrade the clinic database?"
        text = (
            f"This creates the clinic's tables in “{values['database']}” on "
            f"{values['host']}. Only the clinic's admin should do this.\n\nAre you the "
            "clinic's admin?"
            if empty
            else f"This upgrades “{values['database']}” on {values['host']} to this version "
            "of DCMS Desktop. Workstations still on the older version stop opening the "
            "clinic until they are updated too. Make a backup first (dcms backup).\n\n"
            "Are you the clinic's admin, and is there a fresh backup?"
        )
        if not self.confirm(title, text):
            return
        del values["redis_url"]
        self._run(
            lambda _r: connection.upgrade_database(**values),
            self._upgraded,
            "Setting up the database…" if empty else "Upgrading the database…",
        )

    def _upgraded(self, result: CheckResult) -> None:
        assert self.report is not None
        self._tested(ConnectionReport(result, self.report.redis))

    # -- saving -----------------------------------------------------------------------------
    def save(self) -> None:
        """Test first; save when it works, or when the person says to save anyway."""
        values = self.values()
        self._run(lambda _r: connection.test_connection(**values), self._tested_for_save, "")

    def _tested_for_save(self, report: ConnectionReport) -> None:
        self._tested(report)
        if not report.ok and not self.confirm(
            "Save anyway?",
            "The test found a problem (shown in the dialog). Save these settings anyway? "
            "The clinic won't open from this workstation until it is fixed.",
        ):
            return
        values = self.values()
        config_file = self._settings.config_file
        self._run(
            lambda _r: connection.save_connection(config_file, **values),
            self._saved,
            "",
        )

    def _saved(self, where: str) -> None:
        show_message(
            self.restart,
            f"Saved: this workstation will use {where}. Restart DCMS Desktop to open it.",
            "ok",
        )
        self.now.setText(self._now_text(ServerFields(**self._server_fields())))
        self.close_button.setText("Close")
        self.connection_changed.emit(where)

    def _server_fields(self) -> dict[str, Any]:
        values = self.values()
        return {"host": values["host"], "database": values["database"], "uses_server": True}

    def use_local(self) -> None:
        """Back to the database file on this computer (one click)."""
        config_file = self._settings.config_file
        self._run(
            lambda _r: connection.use_local_database(config_file),
            self._went_local,
            "",
        )

    def _went_local(self, _result: object) -> None:
        where = "the local database on this computer"
        show_message(
            self.restart,
            f"Saved: this workstation will use {where}. Restart DCMS Desktop to open it.",
            "ok",
        )
        self.now.setText(self._now_text(ServerFields()))
        self.close_button.setText("Close")
        self.connection_changed.emit(where)

    # -- plumbing ---------------------------------------------------------------------------
    def _run(self, work: Callable[[Any], Any], done: Callable[[Any], Any], busy: str) -> None:
        if self._task is not None and not self._task.done:
            return
        self._set_busy(True, busy)

        def finished(result: Any) -> None:
            self._set_busy(False)
            done(result)

        def failed(error: BaseException) -> None:
            self._set_busy(False)
            if isinstance(error, ConnectionSaveError) and error.field in self.errors:
                assert error.field is not None
                self._show_field(error.field, error.message)
                return
            show_message(self.restart, error_text(error, "talking to the server"), "error")

        self._task = run_task(work, on_done=finished, on_error=failed)

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self.busy.setVisible(busy)
        for button in (self.test_button, self.save_button, self.local_button, self.upgrade_button):
            button.setEnabled(not busy)
        if busy and text:
            self.database_result.setText(text)
            self.redis_result.setText("")
