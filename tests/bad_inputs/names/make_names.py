"""Write the `names` family of the bad-input corpus: file names that are odd but can be committed as files.

Run from the project root: .venv/bin/python tests/bad_inputs/names/make_names.py
Deterministic. Every name uses the reporting date 2025-12-02 (unique across families). Names that
cannot be committed (a newline, a tab, a link, a FIFO, a file that vanishes) are built at test time
in tests/test_inbox_boundary.py. The rule: a name is at most 120 characters, every character
printable, and matches <AGENCY_CODE>__<domain>__<YYYY-MM-DD>.<ext> whole, ASCII only; the
extension's case does not matter.
"""

from __future__ import annotations

import sys
from pathlib import Path


HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from make_corpus import write_family  # noqa: E402
SAMPLES = HERE.parent.parent.parent / "sources" / "samples" / "2025-12-15"
SUMMARY_CSV = (SAMPLES / "CAO_BANG__task_summary__2025-12-15.csv").read_bytes()  # counts only: valid at any date of 2025-Q4
SUMMARY_XLSX = (SAMPLES / "BCA__task_summary__2025-12-15.xlsx").read_bytes()
PATTERN = "file name must be <AGENCY_CODE>__<domain>__<YYYY-MM-DD>.csv|xlsx"
TAIL = "__task_status__2025-12-02.csv"  # 29 characters

# A Vietnamese title (2 and 3 bytes a letter in UTF-8) cut and padded to exactly 255 bytes with its tail.
TITLE = ("Báo_cáo_tình_hình_thực_hiện_nhiệm_vụ_Nghị_quyết_57_của_Bộ_Chính_trị_về_đột_phá_phát_triển_khoa_học_"
         "công_nghệ_đổi_mới_sáng_tạo_và_chuyển_đổi_số_quốc_gia_đợt_tháng_mười_hai")


def vietnamese_255() -> str:
    head = ""
    for char in TITLE:
        if len((head + char + TAIL).encode()) > 255:
            break
        head += char
    name = head + "x" * (255 - len((head + TAIL).encode())) + TAIL
    assert len(name.encode()) == 255 and len(name) > 120, (len(name.encode()), len(name))
    return name


def cases() -> list[tuple[str, bytes, dict]]:
    def rejected(reason: str, field: str = "(file name)") -> dict:
        return {"row": 0, "field": field, "reason": reason, "status": "rejected"}

    accepted = {"row": 0, "field": "", "reason": "", "status": "accepted", "message": "1 rows loaded"}
    viet = vietnamese_255()
    return [
        # the extension's case does not matter
        ("BCA__task_summary__2025-12-02.CSV", SUMMARY_CSV, accepted),
        ("BCT__task_summary__2025-12-02.Xlsx", SUMMARY_XLSX, {**accepted, "message": "2 rows loaded"}),
        # double extensions: neither is taken for the other
        ("BNG__task_summary__2025-12-02.csv.xlsx", SUMMARY_CSV, rejected(PATTERN)),
        ("BNV__task_summary__2025-12-02.xlsx.csv", SUMMARY_XLSX, rejected(PATTERN)),
        # starts with "..": not a hidden file to skip, a bad name to reject
        ("..BTP__task_summary__2025-12-02.csv", SUMMARY_CSV, rejected(PATTERN)),
        # a browser's second download, a space, a trailing space or dot, dots for separators, no extension
        ("BXD__task_summary__2025-12-02 (1).csv", SUMMARY_CSV, rejected(PATTERN)),
        ("BYT__task summary__2025-12-02.csv", SUMMARY_CSV, rejected(PATTERN)),
        ("BTC__task_summary__2025-12-02.csv ", SUMMARY_CSV, rejected(PATTERN)),
        ("BQP__task_summary__2025-12-02.csv.", SUMMARY_CSV, rejected(PATTERN)),
        ("BCA.task_summary.2025-12-02.csv", SUMMARY_CSV, rejected(PATTERN)),
        ("BCT__task_summary__2025-12-02", SUMMARY_CSV, rejected(PATTERN)),
        # lower-case agency; full-width digits and a Cyrillic "А" look right but are not the ASCII the pattern takes
        ("bng__task_summary__2025-12-02.csv", SUMMARY_CSV, rejected(PATTERN)),
        ("BNV__task_summary__２０２５-12-02.csv", SUMMARY_CSV, rejected(PATTERN)),
        ("BC\u0410__task_summary__2025-12-02.csv", SUMMARY_CSV, rejected(PATTERN)),
        # length: 120 characters is allowed (then the unknown agency is what is wrong), 121 is not
        ("Q" * 91 + TAIL, SUMMARY_CSV, rejected("unknown agency code 'QQQQ")),
        ("Q" * 92 + TAIL, SUMMARY_CSV, rejected("file name is 121 characters long, over the limit of 120: "
                                                "'QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ...' (121 characters)")),
        # a 220-character agency code (the archive name must stay within the file system's limit)
        ("A" * 220 + TAIL, SUMMARY_CSV, rejected("file name is 249 characters long, over the limit of 120")),
        # 255 bytes of Vietnamese (multi-byte) name: the longest a file name can be here
        (viet, SUMMARY_CSV, rejected(f"file name is {len(viet)} characters long, over the limit of 120: 'Báo_cáo_tình_hình")),
    ]


def main() -> None:
    write_family(HERE, cases(), "File names that are odd but legal on disk (written by make_names.py).")


if __name__ == "__main__":
    main()
