"""The auditors' data-quality report: an HTML page and CSV/XLSX of every finding, grouped by agency."""
