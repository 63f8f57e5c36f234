"""The composition root of the desktop app: config -> services -> Qt.

``dcms-desktop`` opens the configured clinic; ``dcms-desktop --demo`` opens the demo
clinic's own SQLite file, creating and filling it on first use. The database work runs in
the background while a progress dialog shows what is happening.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog

from dcms_desktop import __version__
from dcms_desktop.config import ConfigError, Settings, load_settings
from dcms_desktop.domain.errors import DcmsError
from dcms_desktop.resources_path import read_text
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.startup import open_clinic
from dcms_desktop.views.main_window import MainWindow, StatusInfo
from dcms_desktop.views.tasks import run_task

log = logging.getLogger(__name__)


def sync_state_text(context: ServiceContext) -> str:
    """The status bar's words for live sync between workstations."""
    state = getattr(context.bus, "state", "local")
    if state == "connected":
        return "Live sync: connected"
    if state == "offline":
        return "Live sync: offline, retrying"
    return "Live sync: this workstation only"


def build_main_window(context: ServiceContext, settings: Settings) -> MainWindow:
    title = "DCMS Desktop — demo clinic" if settings.demo else "DCMS Desktop"
    status = StatusInfo(
        database=context.database.describe(),
        sync=sync_state_text(context),
        workstation=f"Workstation: {settings.workstation}",
    )
    return MainWindow(title, status)


def create_application(argv: Sequence[str]) -> QApplication:
    app = QApplication.instance() or QApplication(list(argv))
    assert isinstance(app, QApplication)
    app.setApplicationName("DCMS Desktop")
    app.setOrganizationName("DCMS")
    app.setApplicationVersion(__version__)
    app.setStyleSheet(read_text("style.qss"))
    return app


class Launcher:
    """Opens the clinic in the background, then shows the main window."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.window: MainWindow | None = None
        self.context: ServiceContext | None = None
        self.progress = QProgressDialog("Opening the clinic…", "", 0, 0)
        self.progress.setObjectName("startupProgress")
        self.progress.setWindowTitle("DCMS Desktop")
        self.progress.setCancelButton(None)
        self.progress.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.progress.setMinimumDuration(300)

    def start(self) -> None:
        run_task(
            lambda report: open_clinic(self.settings, report),
            on_done=self._opened,
            on_error=self._failed,
            on_progress=self._progressed,
        )

    def _progressed(self, phase: str, done: int, total: int) -> None:
        self.progress.setLabelText(f"{phase}…")
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(min(done, max(total, 1)))

    def _opened(self, context: ServiceContext) -> None:
        self.progress.close()
        self.context = context
        self.window = build_main_window(context, self.settings)
        self.window.show()

    def _failed(self, error: BaseException) -> None:
        self.progress.close()
        message = (
            error.message
            if isinstance(error, DcmsError)
            else (
                f"DCMS Desktop could not open the clinic ({type(error).__name__}). "
                "See the log for details."
            )
        )
        log.error("start-up failed", exc_info=error)
        QMessageBox.critical(None, "DCMS Desktop", message)
        QApplication.exit(1)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="dcms-desktop", description="DCMS Desktop")
    parser.add_argument(
        "--demo", action="store_true", help="open the demo clinic (created on first use)"
    )
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
    app = create_application([sys.argv[0], *argv])
    launcher = Launcher(settings)
    launcher.start()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
