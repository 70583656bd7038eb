"""What one submission may hold at most, in one place, with the reason for each number.

A file over a limit is quarantined with a message naming the limit and the value found. The
limits admit any national-scale file (a million task rows fit in every one of them) and refuse
what no spreadsheet could have produced, before the expensive parsing starts:

| limit | value | why | checked |
|---|---|---|---|
| file size | 50 MB (`R57_MAX_FILE_BYTES`) | the default of `Settings.max_file_bytes` (`pipelines/settings.py`), which the loader receives; a bigger file is refused unread | before reading |
| lines in a CSV file | 1,048,576 | Excel's rows per sheet: a file Excel cannot show in full did not come from one | before parsing (a count of line breaks) |
| columns in a row | 1,000 | the widest form has 20 columns; room for any working columns an agency adds | before parsing: the header, and every line's commas |
| characters in a cell | 32,767 | Excel's limit for one cell | on the cells as read, before any value is typed |
| problems listed per file | 1,000 | enough to fix a file; a final row says how many more there are | when the file is quarantined |
| a value shown in a problem | 120 characters | invisible characters are shown as `⟨U+200B⟩`; longer values are cut with `…` | idem |
| ignored columns named in the submission record | 20 | the rest are counted, not listed | when the file is accepted |
| an XLSX workbook's parts, sizes, compression ratio, rows, columns, cells, shared strings | `Limits` in `pipelines/ingest/xlsx_package.py` | checked from the zip directory and while streaming, before anything is allocated in proportion | before and while reading |

Cost of the worst case inside the limits: see README.md (Benchmarks).
"""

from __future__ import annotations

MAX_FILE_BYTES = 50 * 1024 * 1024  # Settings.max_file_bytes's default (R57_MAX_FILE_BYTES overrides it)
MAX_LINES = 1_048_576
MAX_COLUMNS = 1_000
MAX_CELL_CHARS = 32_767
MAX_PROBLEM_ROWS = 1_000
MAX_VALUE_CHARS = 120
MAX_REASON_CHARS = 400
MAX_FIELD_CHARS = 80  # a header named in a problem's field
MAX_IGNORED_NAMES = 20
