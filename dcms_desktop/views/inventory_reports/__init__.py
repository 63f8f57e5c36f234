"""The stock reports of the Reports section: stock report and movements report."""
