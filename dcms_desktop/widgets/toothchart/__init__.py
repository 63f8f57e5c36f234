"""The interactive FDI tooth chart.

- :mod:`.widget`: ``ToothChartWidget``, the chart (state in through setters, the user's
  intent out through signals);
- :mod:`.legend`: ``ToothChartLegend``, what its colours and marks mean;
- :mod:`.state`: ``ChartState``, ``SelectionMode``, ``Notation``, ``TreatmentKind``;
- :mod:`.geometry` and :mod:`.shapes`: the layout and hit-testing (no Qt);
- :mod:`.painting`, :mod:`.palette`, :mod:`.accessibility`: drawing and screen readers;
- :mod:`.bench`: the paint benchmark behind ``dcms bench``'s ``toothchart_paint``.

Nothing is imported here, so the Qt-free modules stay importable without Qt.
"""
