"""A main-window section made of tabs, each screen built the first time its tab is shown.

The shell's Ctrl+F and F5 (``focus_search()`` and ``refresh()``) go to the tab in front,
when that screen has them. Building on first show keeps opening a section as fast as its
first tab.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

TabFactory = Callable[[], QWidget]


class TabbedSection(QWidget):
    """``TabbedSection([(title, factory), ...], name)``: one lazily built screen per tab."""

    def __init__(
        self,
        tabs: Sequence[tuple[str, TabFactory]],
        object_name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self._factories = [factory for _, factory in tabs]
        self._built: dict[int, QWidget] = {}
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        for title, _ in tabs:
            holder = QWidget()
            QVBoxLayout(holder).setContentsMargins(0, 0, 0, 0)
            self.tabs.addTab(holder, title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.tabs.currentChanged.connect(self._build)
        self._build(self.tabs.currentIndex())

    def screen(self, index: int) -> QWidget:
        """The screen of tab ``index``, built now if it hasn't been."""
        return self._build(index)

    def current_screen(self) -> QWidget:
        return self._build(self.tabs.currentIndex())

    def _build(self, index: int) -> QWidget:
        screen = self._built.get(index)
        if screen is None:
            screen = self._factories[index]()
            holder = self.tabs.widget(index)
            layout = holder.layout()
            assert layout is not None
            layout.addWidget(screen)
            self._built[index] = screen
        return screen

    def focus_search(self) -> None:
        screen = self.current_screen()
        focus = getattr(screen, "focus_search", None)
        if callable(focus):
            focus()

    def refresh(self) -> None:
        screen = self.current_screen()
        refresh = getattr(screen, "refresh", None)
        if callable(refresh):
            refresh()
