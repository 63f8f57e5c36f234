"""The main window: a section list on the left, the section on the right, a status bar.

Each role sees the sections it may use (:func:`visible_sections`, from the permission
table). Ctrl+1…7 switch among the visible sections, Ctrl+F asks the current section to
focus its search (``page.focus_search()``), F5 to reload (``page.refresh()``). Sections
that are not built yet say so plainly instead of showing an empty pane.

While the screen is locked the work is covered, not closed (the work area shows a blank
page, the lock screen lies over it in a window of its own: see
:mod:`dcms_desktop.views.lock_screen`), so whatever was typed is still there after the
unlock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence, QMoveEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain.enums import Role
from dcms_desktop.domain.permissions import Action, is_allowed
from dcms_desktop.resources_path import resource_path
from dcms_desktop.views.idle import IdleWatcher
from dcms_desktop.views.lock_screen import LockScreen, LockWindow, hide_windows, restore_windows
from dcms_desktop.views.session_state import WindowMemory
from dcms_desktop.views.sync_status import SYNC_TIPS, SyncStatusMonitor, sync_text


@dataclass(frozen=True)
class Section:
    """One entry of the section list: shown when the role may do any of ``actions``."""

    key: str
    title: str
    coming: str
    actions: tuple[Action, ...]

    @property
    def icon_path(self) -> str:
        return str(resource_path(f"icons/{self.key}.svg"))


SECTIONS: tuple[Section, ...] = (
    Section(
        "schedule",
        "Schedule",
        "The appointment book (day and week views, booking, check-in) is being built.",
        (Action.VIEW_SCHEDULE,),
    ),
    Section(
        "patients",
        "Patients",
        "Patient search, the patient form and the patient page are being built.",
        (Action.VIEW_PATIENTS,),
    ),
    Section(
        "billing",
        "Billing",
        "Bills, payments and printed invoices are being built.",
        (Action.VIEW_BILLS,),
    ),
    Section(
        "inventory",
        "Inventory",
        "Stock, movements, restock requests and stock reports are being built.",
        (Action.VIEW_INVENTORY,),
    ),
    Section(
        "records",
        "Records",
        "Medical records (images, forms, letters) are being built.",
        (Action.VIEW_RECORDS,),
    ),
    Section(
        "reports",
        "Reports",
        "Revenue and stock reports are being built.",
        (Action.VIEW_REPORTS,),
    ),
    Section(
        "admin",
        "Admin",
        "Users, clinic settings and workstation set-up are being built.",
        (Action.MANAGE_USERS, Action.EDIT_SETTINGS),
    ),
)


def visible_sections(role: Role | str | None) -> tuple[Section, ...]:
    """The sections ``role`` may open, in menu order (all of them when ``role`` is None)."""
    if role is None:
        return SECTIONS
    return tuple(s for s in SECTIONS if any(is_allowed(role, a) for a in s.actions))


@dataclass(frozen=True)
class StatusInfo:
    """What the status bar shows."""

    database: str
    sync: str
    workstation: str
    user: str = ""


class ComingSoonPage(QWidget):
    """A section that is not built yet, saying so."""

    def __init__(self, section: Section, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"page_{section.key}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 28, 32, 28)
        title = QLabel(section.title)
        title.setObjectName("sectionTitle")
        note = QLabel(f"Not available yet. {section.coming}")
        note.setObjectName("comingSoon")
        note.setWordWrap(True)
        layout.addWidget(title)
        layout.addSpacing(8)
        layout.addWidget(note)
        layout.addStretch(1)


class MainWindow(QMainWindow):
    """The clinic's main window.

    ``role`` decides the sections (None: all of them, for previews). ``pages`` maps a
    section key to its widget, or to a function that makes it the first time the section
    is opened (so that sign-in is not kept waiting by screens nobody has opened yet); the
    others show what is being built.
    """

    sign_out_requested = Signal()
    change_password_requested = Signal()
    locked = Signal()
    unlocked = Signal()

    def __init__(
        self,
        title: str,
        status: StatusInfo,
        pages: Mapping[str, QWidget | Callable[[], QWidget]] | None = None,
        parent: QWidget | None = None,
        *,
        role: Role | str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle(title)
        self.resize(1280, 720)
        self.setMinimumSize(1000, 600)
        self.sections = visible_sections(role)
        self._lock_window: LockWindow | None = None
        self._locked = False
        self._hidden_windows: dict[QWidget, float] = {}
        self._idle: IdleWatcher | None = None
        self._sync: SyncStatusMonitor | None = None
        self._badges: list[Any] = []
        self._badge_labels: dict[str, QLabel] = {}
        self._memory: WindowMemory | None = None
        self._user_key: object = None
        self._focus_before_lock: QWidget | None = None
        self._can_change_password = False

        self.work = QWidget()
        self.work.setObjectName("work")
        row = QHBoxLayout(self.work)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.section_list = QListWidget()
        self.section_list.setObjectName("sectionList")
        self.section_list.setFixedWidth(190)
        self.section_list.setIconSize(QSize(20, 20))
        self.section_list.setAccessibleName("Sections")
        self.stack = QStackedWidget()
        self.stack.setObjectName("sectionStack")
        pages = pages or {}
        self._factories: dict[int, Callable[[], QWidget]] = {}
        for index, section in enumerate(self.sections, start=1):
            item = QListWidgetItem(QIcon(section.icon_path), section.title)
            item.setToolTip(f"{section.title} (Ctrl+{index})")
            item.setData(Qt.ItemDataRole.UserRole, section.key)
            self.section_list.addItem(item)
            page = pages.get(section.key)
            if page is None:
                self.stack.addWidget(ComingSoonPage(section))
            elif isinstance(page, QWidget):
                self.stack.addWidget(page)
            else:
                self._factories[index - 1] = page
                self.stack.addWidget(QWidget())  # stands in until the section is opened
        self.section_list.currentRowChanged.connect(self._row_changed)
        row.addWidget(self.section_list)
        row.addWidget(self.stack, 1)

        # The cover: the work, or (while locked) a blank page under the lock window.
        self.cover = QStackedWidget()
        self.cover.setObjectName("cover")
        self.cover.addWidget(self.work)
        self.blank = QWidget()
        self.blank.setObjectName("lockedCover")
        self.blank.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.cover.addWidget(self.blank)
        self.cover.installEventFilter(self)
        self.setCentralWidget(self.cover)

        self._build_menus()
        self._build_status_bar(status)
        self.show_section(0)

    # -- menus and shortcuts --------------------------------------------------------------
    def _action(self, text: str, name: str, shortcut: str | None = None) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        self.addAction(action)  # shortcuts work even when the menu bar is hidden
        return action

    def _build_menus(self) -> None:
        menu_bar = self.menuBar()
        self.account_menu = menu_bar.addMenu("&Account")
        self.change_password_action = self._action("&Change password…", "actionChangePassword")
        self.change_password_action.triggered.connect(self.change_password_requested)
        self.lock_action = self._action("&Lock the screen", "actionLock", "Ctrl+L")
        self.lock_action.triggered.connect(self.lock)
        self.sign_out_action = self._action("&Sign out", "actionSignOut", "Ctrl+Shift+Q")
        self.sign_out_action.triggered.connect(self.sign_out_requested)
        self.account_menu.addAction(self.change_password_action)
        self.account_menu.addAction(self.lock_action)
        self.account_menu.addSeparator()
        self.account_menu.addAction(self.sign_out_action)
        self.lock_action.setEnabled(False)  # until a lock screen is installed
        self.change_password_action.setEnabled(False)

        self.go_menu = menu_bar.addMenu("&Go")
        self.section_actions: list[QAction] = []
        for index, section in enumerate(self.sections, start=1):
            action = self._action(section.title, f"actionSection_{section.key}", f"Ctrl+{index}")
            action.triggered.connect(lambda _c=False, i=index - 1: self.show_section(i))
            self.go_menu.addAction(action)
            self.section_actions.append(action)
        self.go_menu.addSeparator()
        self.find_action = self._action("&Find in this section", "actionFind", "Ctrl+F")
        self.find_action.triggered.connect(self.focus_search)
        self.refresh_action = self._action("&Refresh", "actionRefresh", "F5")
        self.refresh_action.triggered.connect(self.refresh)
        self.go_menu.addAction(self.find_action)
        self.go_menu.addAction(self.refresh_action)
        self._work_actions = [*self.section_actions, self.find_action, self.refresh_action]

    def _build_status_bar(self, status: StatusInfo) -> None:
        self.user_label = QLabel(status.user)
        self.database_label = QLabel(status.database)
        self.sync_label = QLabel(status.sync)
        self.workstation_label = QLabel(status.workstation)
        for label, name in (
            (self.user_label, "statusUser"),
            (self.database_label, "statusDatabase"),
            (self.sync_label, "statusSync"),
            (self.workstation_label, "statusWorkstation"),
        ):
            label.setObjectName(name)
            self.statusBar().addPermanentWidget(label)
        self.user_label.setVisible(bool(status.user))
        self.statusBar().setSizeGripEnabled(False)

    # -- sections -------------------------------------------------------------------------
    def _row_changed(self, index: int) -> None:
        self._ensure_page(index)
        self.stack.setCurrentIndex(index)

    def _ensure_page(self, index: int) -> QWidget:
        """The page at ``index``, made now if it was waiting for its first opening."""
        factory = self._factories.pop(index, None)
        if factory is not None:
            stand_in = self.stack.widget(index)
            self.stack.insertWidget(index, factory())
            self.stack.removeWidget(stand_in)
            stand_in.deleteLater()
        return self.stack.widget(index)

    def show_section(self, index: int) -> None:
        """Switch to the visible section at ``index`` (0-based), as Ctrl+1…7 do."""
        if 0 <= index < len(self.sections) and not self.is_locked:
            self.section_list.setCurrentRow(index)

    def show_section_key(self, key: str) -> bool:
        """Switch to the section named ``key``; False when this role can't see it."""
        for index, section in enumerate(self.sections):
            if section.key == key:
                self.show_section(index)
                return True
        return False

    def current_section(self) -> Section:
        return self.sections[self.stack.currentIndex()]

    def section_titles(self) -> list[str]:
        return [self.section_list.item(i).text() for i in range(self.section_list.count())]

    def page(self, key: str) -> QWidget | None:
        """The widget of section ``key``, or None when this role can't see it."""
        for index, section in enumerate(self.sections):
            if section.key == key:
                return self._ensure_page(index)
        return None

    def focus_search(self) -> None:
        """Ctrl+F: the current section's search field, when it has one."""
        page: Any = self.stack.currentWidget()
        if callable(getattr(page, "focus_search", None)):
            page.focus_search()
        else:
            self.statusBar().showMessage(f"{self.current_section().title} has no search yet.", 4000)

    def refresh(self) -> None:
        """F5: the current section reloads what it shows."""
        page: Any = self.stack.currentWidget()
        if callable(getattr(page, "refresh", None)):
            page.refresh()
        else:
            self.statusBar().showMessage(
                f"{self.current_section().title} has nothing to reload yet.", 4000
            )

    # -- section badges (the low-stock count on Inventory) ---------------------------------
    def set_section_badge(self, key: str, count: int, tip: str = "") -> None:
        """Show ``count`` as a red badge on section ``key`` (hidden when 0), with ``tip``
        in its tooltip and accessible text."""
        for index, section in enumerate(self.sections):
            if section.key != key:
                continue
            item = self.section_list.item(index)
            badge = self._badge_labels.get(key)
            if badge is None:
                holder = QWidget()
                holder.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
                row = QHBoxLayout(holder)
                row.setContentsMargins(0, 0, 14, 0)
                row.addStretch(1)
                badge = QLabel()
                badge.setObjectName(f"badge_{key}")
                badge.setStyleSheet(
                    "QLabel { background: #c62828; color: white; border-radius: 9px;"
                    " padding: 1px 7px; font-weight: 600; }"
                )
                row.addWidget(badge)
                self.section_list.setItemWidget(item, holder)
                self._badge_labels[key] = badge
            badge.setText(str(count))
            badge.setVisible(count > 0)
            spoken = f"{section.title}, {tip}" if count else section.title
            item.setData(Qt.ItemDataRole.AccessibleTextRole, spoken)
            item.setToolTip(f"{section.title} (Ctrl+{index + 1})" + (f"\n{tip}" if tip else ""))
            return

    def section_badge(self, key: str) -> str:
        """The badge shown on section ``key`` ("" when none)."""
        badge = self._badge_labels.get(key)
        return badge.text() if badge is not None and not badge.isHidden() else ""

    def watch_badge(self, key: str, monitor: Any) -> None:
        """Show ``monitor``'s ``changed(count, tip)`` on section ``key`` from now on (the
        monitor is kept, started now and stopped with the window)."""
        if not any(section.key == key for section in self.sections):
            return
        self._badges.append(monitor)
        monitor.setParent(self)
        monitor.changed.connect(lambda count, tip: self.set_section_badge(key, count, tip))
        monitor.start()

    # -- status bar -----------------------------------------------------------------------
    def set_sync_state(self, text: str) -> None:
        self.sync_label.setText(text)

    def watch_sync(self, monitor: SyncStatusMonitor) -> None:
        """Show the monitor's state now and whenever it is checked again."""
        self._sync = monitor
        monitor.setParent(self)
        monitor.changed.connect(self._sync_changed)
        self._sync_changed(monitor.state)
        monitor.start()

    def _sync_changed(self, state: str) -> None:
        self.sync_label.setText(sync_text(state))
        self.sync_label.setToolTip(SYNC_TIPS.get(state, ""))
        self.sync_label.setProperty("state", state)
        self.sync_label.style().unpolish(self.sync_label)
        self.sync_label.style().polish(self.sync_label)

    # -- the lock -------------------------------------------------------------------------
    def install_lock(self, lock_screen: LockScreen, idle: IdleWatcher | None = None) -> None:
        """Cover the work with ``lock_screen`` on Ctrl+L and when ``idle`` fires."""
        self._lock_window = LockWindow(lock_screen, self)
        lock_screen.unlocked.connect(self.unlock)
        lock_screen.sign_out_requested.connect(self.sign_out_requested)
        self.lock_action.setEnabled(True)
        if idle is not None:
            self._idle = idle
            idle.setParent(self)
            idle.idle.connect(self.lock)
            idle.start()

    def enable_change_password(self, enabled: bool = True) -> None:
        self._can_change_password = enabled
        self.change_password_action.setEnabled(enabled and not self.is_locked)

    @property
    def idle_watcher(self) -> IdleWatcher | None:
        return self._idle

    @property
    def is_locked(self) -> bool:
        return self._locked

    @property
    def lock_screen(self) -> LockScreen | None:
        return self._lock_window.lock_screen if self._lock_window is not None else None

    @property
    def lock_window(self) -> LockWindow | None:
        return self._lock_window

    def lock(self) -> None:
        """Cover the work; only the signed-in person's password uncovers it."""
        if self._lock_window is None or self._locked:
            return
        self._locked = True
        focused = QApplication.focusWidget()
        self._focus_before_lock = (
            focused if focused is not None and self.work.isAncestorOf(focused) else None
        )
        if self._idle is not None:
            self._idle.stop()
        self.cover.setCurrentWidget(self.blank)
        self.work.setEnabled(False)  # nothing behind the cover takes keys or clicks
        self.menuBar().hide()  # the lock screen has its own Sign out
        self._set_work_actions(False)
        self._hidden_windows = hide_windows(self, self._lock_window)
        self._lock_window.cover(self.cover)
        self._lock_window.open()
        self._lock_window.raise_()
        self._lock_window.activateWindow()
        self._lock_window.lock_screen.reset()
        self.locked.emit()

    def unlock(self) -> None:
        if not self._locked or self._lock_window is None:
            return
        self._locked = False
        self._lock_window.leave()
        restore_windows(self._hidden_windows)
        self._hidden_windows = {}
        self.work.setEnabled(True)
        self.cover.setCurrentWidget(self.work)
        self.menuBar().show()
        self._set_work_actions(True)
        self.activateWindow()
        if self._focus_before_lock is not None:
            self._focus_before_lock.setFocus(Qt.FocusReason.OtherFocusReason)
        if self._idle is not None:
            self._idle.start()
        self.unlocked.emit()

    def _set_work_actions(self, enabled: bool) -> None:
        for action in self._work_actions:
            action.setEnabled(enabled)
        self.change_password_action.setEnabled(enabled and self._can_change_password)
        self.lock_action.setEnabled(enabled)
        self.go_menu.setEnabled(enabled)

    # -- remembering the window -----------------------------------------------------------
    def remember(self, memory: WindowMemory, user_key: object) -> None:
        """Restore this user's size, position and section; save them when closing."""
        self._memory = memory
        self._user_key = user_key
        geometry = memory.geometry(user_key)
        if geometry is not None:
            self.restoreGeometry(geometry)
        section = memory.section(user_key)
        if section:
            self.show_section_key(section)

    def save_state(self) -> None:
        if self._memory is not None:
            self._memory.save(self._user_key, self.saveGeometry(), self.current_section().key)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The work area changes size when the menu bar hides, or the window is resized.
        if (
            watched is self.cover
            and event.type() in (QEvent.Type.Resize, QEvent.Type.Move)
            and self._locked
            and self._lock_window is not None
        ):
            self._lock_window.cover(self.cover)
        return super().eventFilter(watched, event)

    def moveEvent(self, event: QMoveEvent) -> None:
        super().moveEvent(event)
        if self._locked and self._lock_window is not None:
            self._lock_window.cover(self.cover)

    def shut_down(self) -> None:
        """Stop the timers and remember the window (before signing out or quitting)."""
        if self._lock_window is not None:
            self._lock_window.leave()
        self.save_state()
        if self._idle is not None:
            self._idle.stop()
        if self._sync is not None:
            self._sync.stop()
        for badge in self._badges:
            badge.stop()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shut_down()
        super().closeEvent(event)
