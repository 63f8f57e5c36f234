"""The colours every printed document shares (the invoice, the day list, the revenue,
stock and movements reports): ink, muted text, rules, table heads and stripes, alerts."""

from __future__ import annotations

from reportlab.lib import colors

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
RULE = colors.HexColor("#cbd2d9")
HEAD_FILL = colors.HexColor("#e4e7eb")
STRIPE = colors.HexColor("#f5f7fa")
ALERT = colors.HexColor("#b42318")
