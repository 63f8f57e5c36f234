"""The FDI tooth chart widget: state in through setters, intent out through signals."""
