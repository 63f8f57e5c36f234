"""The composition root of the desktop app: config -> services -> Qt.

``dcms-desktop`` shows the sign-in window at once and opens the configured clinic in the
background meanwhile (the email can be typed while it opens); on a database without an
admin the first-admin form takes the sign-in's place. ``dcms-desktop --demo`` does the
same on the demo clinic's own SQLite file, creating and filling it on first use; its
sign-in shows the demo accounts. The service layer (SQLAlchemy and all) is imported by
the background task too, so the window does not wait for it. After sign-in: the
change-password dialog when an admin set a temporary password, then the main window for
the person's role. Signing out closes the main window and shows the sign-in again.

``--measure-startup`` is for ``dcms bench`` (:mod:`dcms_desktop.services.bench_startup`):
it times the way to the sign-in window and from sign-in to the main window, prints the
figures as JSON and quits.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from dcms_desktop import __version__
from dcms_desktop.config import ConfigError, Settings, load_settings
from dcms_desktop.domain.errors import DcmsError
from dcms_desktop.domain.permissions import Action, is_allowed
from dcms_desktop.resources_path import read_text
from dcms_desktop.views.change_password import ChangePasswordDialog
from dcms_desktop.views.idle import DEFAULT_IDLE_MINUTES, IdleWatcher, minutes_to_ms
from dcms_desktop.views.lock_screen import LockScreen
from dcms_desktop.views.main_window import MainWindow, StatusInfo
from dcms_desktop.views.session_state import WindowMemory
from dcms_desktop.views.signin import SignInWindow
from dcms_desktop.views.sync_status import (
    POLL_INTERVAL_MS,
    SyncStatusMonitor,
    combined_state,
    sync_text,
)
from dcms_desktop.views.tasks import finish_background_work, run_task

if TYPE_CHECKING:
    from dcms_desktop.services.auth import AuthService, SignedIn
    from dcms_desktop.services.context import ServiceContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OpenedClinic:
    """What the sign-in window needs to know, found out in the background at start-up."""

    context: ServiceContext
    auth: AuthService
    needs_first_admin: bool
    demo_credentials: dict[str, str] | None


def open_for_sign_in(settings: Settings, report: Callable[[str, int, int], None]) -> OpenedClinic:
    """Open the clinic and ask what the sign-in window shows (runs in the background,
    imports included: the service layer takes a while to import)."""
    from dcms_desktop.services.auth import AuthService
    from dcms_desktop.services.startup import open_clinic

    context = open_clinic(settings, report)
    auth = AuthService(context)
    return OpenedClinic(context, auth, auth.needs_first_admin(), auth.demo_credentials())


def signed_in_text(signed_in: SignedIn) -> str:
    """ "Signed in as Ana Reyes (admin)"."""
    return f"Signed in as {signed_in.user.full_name} ({signed_in.user.role.value})"


#: The screens' modules, imported in the background while the sign-in form waits, so the
#: first sign-in doesn't stop the window for their imports (a third of a second).
SCREEN_MODULES = (
    "dcms_desktop.views.schedule.schedule_page",
    "dcms_desktop.views.patients.patients_page",
    "dcms_desktop.views.billing.billing_page",
    "dcms_desktop.views.inventory.page",
    "dcms_desktop.views.inventory.low_stock_badge",
    "dcms_desktop.services.inventory",
)


WARM_UP_AFTER_MS = 300
"""How long the ready sign-in form waits before importing the screens' modules."""


def import_screens(_report: Callable[[str, int, int], None]) -> None:
    """Import the screens' modules (no widget is made: that stays on the UI thread)."""
    for name in SCREEN_MODULES:
        importlib.import_module(name)


def build_pages(context: ServiceContext, signed_in: SignedIn) -> dict[str, Callable[[], QWidget]]:
    """The sections built so far that this person may use, each made when first opened
    (importing a screen's module only then keeps the start fast); the rest say they are
    coming."""
    actor = signed_in.actor
    role = actor.role

    def schedule_page() -> QWidget:
        from dcms_desktop.views.schedule.schedule_page import SchedulePage

        return SchedulePage(context, actor)

    def patients_page() -> QWidget:
        from dcms_desktop.views.patients.patients_page import PatientsPage

        return PatientsPage(context, actor)

    def admin_page() -> QWidget:
        from dcms_desktop.views.admin.page import AdminPage

        return AdminPage(context, signed_in)

    def inventory_page() -> QWidget:
        from dcms_desktop.views.inventory.page import InventoryPage

        return InventoryPage(context, actor)

    def billing_page() -> QWidget:
        from dcms_desktop.views.billing.billing_page import BillingPage
        from dcms_desktop.views.catalog.services_page import ServicesPage
        from dcms_desktop.views.tabbed_section import TabbedSection

        return TabbedSection(
            [
                ("Bills and payments", lambda: BillingPage(context, actor)),
                ("Services and prices", lambda: ServicesPage(context, actor)),
            ],
            "page_billing_section",
        )

    def reports_page() -> QWidget:
        from dcms_desktop.views.inventory_reports.stock_reports_tab import StockReportsTab
        from dcms_desktop.views.reports.revenue_tab import RevenueTab
        from dcms_desktop.views.tabbed_section import TabbedSection

        return TabbedSection(
            [
                ("Revenue", lambda: RevenueTab(context, actor)),
                ("Stock and movements", lambda: StockReportsTab(context, actor)),
            ],
            "page_reports",
        )

    pages: dict[str, Callable[[], QWidget]] = {}
    if is_allowed(role, Action.VIEW_SCHEDULE):
        pages["schedule"] = schedule_page
    if is_allowed(role, Action.VIEW_PATIENTS):
        pages["patients"] = patients_page
    if is_allowed(role, Action.VIEW_BILLS):
        pages["billing"] = billing_page
    if is_allowed(role, Action.VIEW_INVENTORY):
        pages["inventory"] = inventory_page
    if is_allowed(role, Action.VIEW_REPORTS):
        pages["reports"] = reports_page
    if is_allowed(role, Action.MANAGE_USERS) or is_allowed(role, Action.EDIT_SETTINGS):
        pages["admin"] = admin_page
    return pages


def build_main_window(
    context: ServiceContext,
    settings: Settings,
    signed_in: SignedIn,
    auth: AuthService,
    *,
    memory: WindowMemory | None = None,
    idle_ms: int | None = None,
    sync_interval_ms: int | None = None,
) -> MainWindow:
    """The main window for ``signed_in``: their sections, the lock, the live status bar."""
    title = "DCMS Desktop — demo clinic" if settings.demo else "DCMS Desktop"
    status = StatusInfo(
        database=context.database.describe(),
        sync=sync_text(combined_state(context.cache, context.bus)),
        workstation=f"Workstation: {settings.workstation}",
        user=signed_in_text(signed_in),
    )
    window = MainWindow(title, status, build_pages(context, signed_in), role=signed_in.actor.role)
    who = f"{signed_in.user.full_name} ({signed_in.user.role.value})"
    lock = LockScreen(who, lambda password: auth.verify_password(signed_in, password))
    idle = IdleWatcher(idle_ms if idle_ms is not None else minutes_to_ms(DEFAULT_IDLE_MINUTES))
    window.install_lock(lock, idle)
    window.enable_change_password(True)
    window.watch_sync(
        SyncStatusMonitor(
            context.cache, context.bus, interval_ms=sync_interval_ms or POLL_INTERVAL_MS
        )
    )
    if is_allowed(signed_in.actor.role, Action.VIEW_INVENTORY):
        from dcms_desktop.services.inventory import InventoryService
        from dcms_desktop.views.inventory.low_stock_badge import LowStockMonitor

        window.watch_badge(
            "inventory", LowStockMonitor(InventoryService(context), signed_in.actor, context.bus)
        )
    if memory is not None:
        window.remember(memory, signed_in.user.id)
    return window


def create_application(argv: Sequence[str]) -> QApplication:
    existing = QApplication.instance()
    if existing is None:
        # Fractional scale factors (125 %, 150 %) as they are: icons are SVG, text is text.
        QApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
    app = existing or QApplication(list(argv))
    assert isinstance(app, QApplication)
    app.setApplicationName("DCMS Desktop")
    app.setOrganizationName("DCMS")
    app.setApplicationVersion(__version__)
    app.setStyleSheet(read_text("style.qss"))
    return app


class _ChangeRelay(QObject):
    """Brings change events from the bus's thread to the UI thread."""

    arrived = Signal(str)


class Launcher(QObject):
    """Shows the sign-in, opens the clinic in the background, and leads from sign-in to
    the main window and back.

    ``signin`` and ``window`` are the windows on screen (None before they exist).
    ``signin_shown`` fires when the sign-in window first shows, ``signin_ready`` once the
    clinic is open and sign-in can go, ``main_shown`` when the main window shows.
    ``idle_ms`` and ``sync_interval_ms`` override the clinic's idle-lock setting and the
    5 s sync poll (for tests); ``remember_windows=False`` leaves the per-user window
    memory alone; ``report_failure(message)`` replaces the "can't be opened" panel.
    """

    signin_shown = Signal()
    signin_ready = Signal()
    main_shown = Signal()
    signed_out = Signal()

    def __init__(
        self,
        settings: Settings,
        *,
        idle_ms: int | None = None,
        sync_interval_ms: int | None = None,
        remember_windows: bool = True,
        report_failure: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.context: ServiceContext | None = None
        self.auth: AuthService | None = None
        self.demo_credentials: dict[str, str] | None = None
        self.signin: SignInWindow | None = None
        self.window: MainWindow | None = None
        self.signed_in: SignedIn | None = None
        self.change_dialog: ChangePasswordDialog | None = None
        self.connect_dialog: QDialog | None = None
        self._idle_ms = idle_ms
        self._sync_interval_ms = sync_interval_ms
        self._memory = WindowMemory(settings.config_dir) if remember_windows else None
        self._report_failure = report_failure
        self._relay = _ChangeRelay()
        self._relay.arrived.connect(self._change_arrived)
        self._unsubscribe: Callable[[], None] | None = None
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._quitting)

    # -- opening the clinic ---------------------------------------------------------------
    def start(self) -> None:
        """Show the sign-in window (at once) and open the clinic in the background."""
        # The task first: its imports overlap with building the window. Its result comes
        # back through the event loop, so after the window exists.
        settings = self.settings
        run_task(
            lambda report: open_for_sign_in(settings, report),
            on_done=self._opened,
            on_error=self._failed,
            on_progress=self._progressed,
        )
        if self.signin is None:
            self.signin = SignInWindow(
                None,
                clinic=self._where(),
                can_connect=not self.settings.demo,
            )
            self.signin.signed_in.connect(self._signed_in)
            self.signin.connect_requested.connect(self.open_connect_dialog)
            self.signin.retry_requested.connect(self.start)
            self.signin.show()
            self.signin_shown.emit()
        else:
            self.signin.opening("Opening the clinic")

    def _where(self, database: str | None = None) -> str:
        if self.settings.demo:
            return f"Demo clinic · {database}" if database else "Demo clinic"
        return f"Clinic database: {database}" if database else "Opening the clinic database"

    def _progressed(self, phase: str, done: int, total: int) -> None:
        if self.signin is not None and not self.signin.ready:
            self.signin.opening(phase, done, total)

    def _opened(self, opened: OpenedClinic) -> None:
        self.context = opened.context
        self.auth = opened.auth
        self.demo_credentials = opened.demo_credentials
        self._unsubscribe = opened.context.bus.subscribe(self._on_change)
        assert self.signin is not None
        self.signin.set_ready(
            opened.auth,
            clinic=self._where(opened.context.database.describe()),
            needs_first_admin=opened.needs_first_admin,
            demo_credentials=opened.demo_credentials,
        )
        self.signin_ready.emit()
        QTimer.singleShot(WARM_UP_AFTER_MS, self._warm_up)

    def _warm_up(self) -> None:
        """Import the screens while the person types (not once they have signed in: then
        the imports would only compete with opening the window)."""
        form = self.signin.form if self.signin is not None else None
        if self.window is None and form is not None and not form.busy_now:
            run_task(import_screens, on_error=lambda error: log.warning("warm-up: %s", error))

    def _failed(self, error: BaseException) -> None:
        message = (
            error.message
            if isinstance(error, DcmsError)
            else (
                f"DCMS Desktop could not open the clinic ({type(error).__name__}). "
                "See the log for details."
            )
        )
        log.error("start-up failed", exc_info=error)
        if self._report_failure is not None:
            self._report_failure(message)
        elif self.signin is not None:
            self.signin.show_unavailable(message)

    def open_connect_dialog(self) -> None:
        """The "Connect to clinic server" dialog; after a change the clinic is reopened
        with the new connection as soon as the dialog closes (no restart needed)."""
        from dcms_desktop.views.connect_dialog import ConnectDialog

        dialog = ConnectDialog(self.settings, parent=self.signin)
        changed: list[str] = []
        dialog.connection_changed.connect(changed.append)

        def finished(_result: int) -> None:
            self.connect_dialog = None
            dialog.deleteLater()
            if changed:
                self.reopen(load_settings(demo=self.settings.demo))

        dialog.finished.connect(finished)
        self.connect_dialog = dialog
        dialog.open()

    def reopen(self, settings: Settings) -> None:
        """Open the clinic again with new settings (after connecting elsewhere)."""
        self._close_context()
        self.settings = settings
        self.auth = None
        self.demo_credentials = None
        if self.signin is not None:
            self.signin.close()
            self.signin.deleteLater()
            self.signin = None
        self.start()

    # -- signing in -----------------------------------------------------------------------
    def _signed_in(self, signed_in: SignedIn, password: str) -> None:
        self.signed_in = signed_in
        if signed_in.must_change_password:
            self._ask_new_password(signed_in, password)
        else:
            self._open_main(signed_in)

    def _ask_new_password(self, signed_in: SignedIn, password: str) -> None:
        auth = self.auth
        assert auth is not None
        dialog = ChangePasswordDialog(
            lambda current, new: auth.change_own_password(
                signed_in.actor, current=current, new=new
            ),
            email=signed_in.user.email,
            required=True,
            current_password=password or None,
            parent=self.signin,
        )
        self.change_dialog = dialog

        def finished(result: int) -> None:
            self.change_dialog = None
            dialog.deleteLater()
            if result == QDialog.DialogCode.Accepted:
                self._open_main(dataclasses.replace(signed_in, must_change_password=False))
            else:
                self.sign_out()

        dialog.finished.connect(finished)
        dialog.open()

    def _open_main(self, signed_in: SignedIn) -> None:
        assert self.context is not None and self.auth is not None
        self.signed_in = signed_in
        window = build_main_window(
            self.context,
            self.settings,
            signed_in,
            self.auth,
            memory=self._memory,
            idle_ms=self._idle_ms,
            sync_interval_ms=self._sync_interval_ms,
        )
        window.sign_out_requested.connect(self.sign_out)
        window.change_password_requested.connect(self.change_password)
        self.window = window
        window.show()
        if self.signin is not None:
            self.signin.hide()
        self.main_shown.emit()
        if self._idle_ms is None:
            self._load_idle_setting()

    def _load_idle_setting(self) -> None:
        """Read the clinic's idle-lock minutes in the background and apply them."""
        if self.context is None or self.signed_in is None:
            return
        from dcms_desktop.services.settings import SettingsService

        context, actor = self.context, self.signed_in.actor
        run_task(
            lambda _report: SettingsService(context).get(actor).idle_lock_minutes,
            on_done=self._apply_idle_minutes,
            on_error=lambda error: log.warning("idle-lock setting not read: %s", error),
        )

    def _apply_idle_minutes(self, minutes: int) -> None:
        watcher = self.window.idle_watcher if self.window is not None else None
        if watcher is not None and watcher.interval_ms != minutes_to_ms(minutes):
            watcher.set_interval_ms(minutes_to_ms(minutes))

    def _on_change(self, event: Any) -> None:
        # Called in the bus's thread: only hand the entity over to the UI thread.
        self._relay.arrived.emit(str(getattr(event, "entity", "")))

    def _change_arrived(self, entity: str) -> None:
        if entity in ("settings", "*") and self.window is not None and self._idle_ms is None:
            self._load_idle_setting()

    # -- the signed-in person's own actions -----------------------------------------------
    def change_password(self) -> None:
        """ "Change password…" from the menu: an ordinary dialog with Cancel."""
        if self.window is None or self.signed_in is None or self.auth is None:
            return
        auth, actor = self.auth, self.signed_in.actor
        dialog = ChangePasswordDialog(
            lambda current, new: auth.change_own_password(actor, current=current, new=new),
            email=self.signed_in.user.email,
            parent=self.window,
        )
        self.change_dialog = dialog
        window = self.window

        def finished(result: int) -> None:
            self.change_dialog = None
            dialog.deleteLater()
            if result == QDialog.DialogCode.Accepted:
                window.statusBar().showMessage("Your password was changed.", 6000)

        dialog.finished.connect(finished)
        dialog.open()

    def sign_out(self) -> None:
        """Close the main window (remembering it) and show an empty sign-in."""
        signed_in, auth = self.signed_in, self.auth
        self.signed_in = None
        if self.window is not None:
            window, self.window = self.window, None
            window.shut_down()
            window.hide()
            window.deleteLater()
        if signed_in is not None and auth is not None:
            run_task(
                lambda _report: auth.sign_out(signed_in),
                on_error=lambda error: log.warning("sign-out not recorded: %s", error),
            )
        if self.signin is not None:
            self.signin.reset()
            self.signin.show()
        self.signed_out.emit()

    def _quitting(self) -> None:
        """The app is closing with someone signed in: record the sign-out."""
        if self.window is not None:
            self.window.shut_down()
        if self.signed_in is not None and self.auth is not None:
            try:
                self.auth.sign_out(self.signed_in)
            except Exception as exc:  # the app is closing: log, don't stop it
                log.warning("sign-out at exit not recorded: %s", exc)
            self.signed_in = None

    def _close_context(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self.context is not None:
            self.context.database.dispose()
            self.context = None

    def close(self) -> None:
        """Close the windows and the database (tests; the app quits instead)."""
        if self.window is not None:
            self.window.shut_down()
            self.window.close()
            self.window = None
        if self.signin is not None:
            self.signin.close()
            self.signin = None
        self._close_context()


# -- measuring start-up (for dcms bench) --------------------------------------------------
class StartupMeasurement(QObject):
    """Times start-up to the sign-in window, then sign-in to the main window, once.

    ``signin_window_at``: the sign-in window first painted (epoch seconds);
    ``signin_ready_at``: the clinic open and sign-in possible; ``signin_to_main_ms``: from
    the sign-in being sent to the main window painted. It signs in with ``email`` and
    ``password`` when given, else the demo admin's account.
    """

    def __init__(self, launcher: Launcher, email: str | None, password: str | None) -> None:
        super().__init__()
        self.launcher = launcher
        self.email = email
        self.password = password
        self.result: dict[str, Any] = {}
        self._sent_at = 0.0
        launcher.signin_shown.connect(self._signin_shown)
        launcher.signin_ready.connect(self._signin_ready)
        launcher.main_shown.connect(self._main_shown)

    def _signin_shown(self) -> None:
        QApplication.processEvents()  # the first paint
        self.result["signin_window_at"] = time.time()

    def _signin_ready(self) -> None:
        QApplication.processEvents()  # the first paint of the ready form
        self.result["signin_ready_at"] = time.time()
        signin = self.launcher.signin
        assert signin is not None
        email, password = self.email, self.password
        credentials = self.launcher.demo_credentials
        if not email and credentials:
            email, password = credentials.get("admin"), credentials.get("password")
        if not email or not password or signin.showing_first_admin:
            self.result["signin_to_main_ms"] = None
            self.result["note"] = "no account to sign in with"
            QTimer.singleShot(0, QApplication.quit)
            return
        signin.form.signed_in.connect(self._quit_if_it_must_change_password)
        signin.form.fill(email, password)
        self._sent_at = time.perf_counter()
        signin.form.submit()

    def _quit_if_it_must_change_password(self, signed_in: Any, _password: str) -> None:
        if getattr(signed_in, "must_change_password", False):
            self.result["signin_to_main_ms"] = None
            self.result["note"] = "the account must change its password first"
            QTimer.singleShot(0, QApplication.quit)

    def _main_shown(self) -> None:
        QApplication.processEvents()  # laid out and painted
        self.result["signin_to_main_ms"] = (time.perf_counter() - self._sent_at) * 1000
        QTimer.singleShot(0, QApplication.quit)


def run_measurement(settings: Settings, request: dict[str, Any]) -> int:
    """The ``--measure-startup`` mode: one start, JSON on stdout, no window memory."""
    if request.get("database_url"):
        settings = dataclasses.replace(settings, database_url=str(request["database_url"]))
    app = create_application([sys.argv[0]])
    failure: list[str] = []

    def failed(message: str) -> None:
        failure.append(message)
        QApplication.exit(1)

    launcher = Launcher(
        settings, remember_windows=False, idle_ms=60 * 60_000, report_failure=failed
    )
    measurement = StartupMeasurement(launcher, request.get("email"), request.get("password"))
    launcher.start()
    QTimer.singleShot(int(request.get("timeout_ms", 60_000)), lambda: QApplication.exit(2))
    code = app.exec()
    finish_background_work()
    launcher.close()
    if failure:
        measurement.result["error"] = failure[0]
    print(json.dumps(measurement.result), flush=True)
    return code


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="dcms-desktop", description="DCMS Desktop")
    parser.add_argument(
        "--demo", action="store_true", help="open the demo clinic (created on first use)"
    )
    parser.add_argument("--measure-startup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--version", action="version", version=f"dcms-desktop {__version__}")
    return parser.parse_args(list(argv))


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=os.environ.get("DCMS_LOG_LEVEL", "WARNING"))
    args = parse_args(argv)
    try:
        settings = load_settings(demo=args.demo)
    except ConfigError as exc:
        print(f"dcms-desktop: {exc}", file=sys.stderr)
        return 1
    if args.measure_startup:
        # The request (database URL, account) comes on stdin: never in argv or the env.
        line = sys.stdin.readline()
        return run_measurement(settings, json.loads(line) if line.strip() else {})
    app = create_application([sys.argv[0], *argv])
    launcher = Launcher(settings)
    launcher.start()
    code = app.exec()
    finish_background_work()  # e.g. the screens' imports, when quitting at the sign-in
    return code


if __name__ == "__main__":
    sys.exit(main())
