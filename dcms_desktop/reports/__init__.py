"""ReportLab documents: data in, PDF out."""
