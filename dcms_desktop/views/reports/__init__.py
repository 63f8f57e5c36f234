"""The Reports section's screens: revenue (:mod:`.revenue_tab`)."""
