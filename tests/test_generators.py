"""The generators reproduce what is committed, byte for byte: a generator that drifts, or a sample, template or
report rule edited by hand, fails here (regenerate with the generator named in the file's header instead)."""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

from generators import report_rules, samples_domains, samples_tasks, templates
from generators.inputs import ROOT, SOURCES
from generators.writers import csv_bytes


def files_under(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_samples_and_templates_regenerate_byte_for_byte(tmp_path):
    samples_tasks.main(tmp_path)
    samples_domains.main(tmp_path)
    templates.main(tmp_path)
    for folder in ("samples", "templates"):
        committed, generated = files_under(SOURCES / folder), files_under(tmp_path / folder)
        assert sorted(generated) == sorted(committed), folder
        differing = [name for name in committed if generated[name] != committed[name]]
        assert not differing, f"sources/{folder}: {differing} differ from what the generators write"
    assert len(files_under(tmp_path / "samples")) == 401  # 112 task + 288 budget/database/IP files + README
    assert (tmp_path / "reference" / "databases.csv").read_bytes() == (SOURCES / "reference" / "databases.csv").read_bytes()


def test_report_rules_regenerate_byte_for_byte(tmp_path):
    for report in ("BCD_2025", "GOV_2025"):
        written = report_rules.main(report, tmp_path)
        assert written.read_bytes() == (ROOT / "expectations" / "rules" / f"report_{report}.yml").read_bytes(), report


def test_csv_writer_styles():
    decomposed = unicodedata.normalize("NFD", "Thời hạn")
    rows = [{"a": date(2025, 4, 1), "b": "x,y", "c": decomposed}, {"a": None, "b": 'say "hi"'}]
    assert csv_bytes(["a", "b", "c"], rows, excel=True) == (
        b"\xef\xbb\xbfa,b,c\r\n01/04/2025,\"x,y\"," + "Thời hạn".encode() + b"\r\n,\"say \"\"hi\"\"\",\r\n")
    assert csv_bytes(["a"], [{"a": 7}]) == b"a\n7\n"
