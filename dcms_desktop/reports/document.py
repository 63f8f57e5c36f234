"""The page set-up every printed document shares: one body frame inside the margins, a
header drawn on each page, and "page n of m" from a :class:`NumberedCanvas` subclass."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

PageHook = Callable[[Any, Any], None]
"""Called with (canvas, document) for each page, as ReportLab's ``onPage`` is."""


def build_pdf(
    story: Sequence[Flowable],
    *,
    pagesize: tuple[float, float],
    side_margin: float,
    top_margin: float,
    bottom_margin: float,
    title: str,
    author: str,
    subject: str,
    canvasmaker: Callable[..., Any],
    on_page: PageHook | None = None,
    on_page_end: PageHook | None = None,
    invariant: bool = False,
) -> bytes:
    """``story`` laid out on ``pagesize`` pages, as PDF bytes.

    ``on_page`` draws before a page's body, ``on_page_end`` after it (when the page knows
    what it holds). ``invariant`` fixes the creation date and document id, so that the same
    input gives the same bytes."""
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=side_margin,
        rightMargin=side_margin,
        topMargin=top_margin,
        bottomMargin=bottom_margin,
        title=title,
        author=author,
        subject=subject,
        creator="DCMS Desktop",
        invariant=1 if invariant else 0,
    )
    frame = Frame(
        document.leftMargin,
        document.bottomMargin,
        document.width,
        document.height,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    hooks: dict[str, PageHook] = {}
    if on_page is not None:
        hooks["onPage"] = on_page
    if on_page_end is not None:
        hooks["onPageEnd"] = on_page_end
    document.addPageTemplates([PageTemplate(id="page", frames=[frame], pagesize=pagesize, **hooks)])
    document.build(list(story), canvasmaker=canvasmaker)
    return buffer.getvalue()
