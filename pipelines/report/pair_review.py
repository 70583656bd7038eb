"""The auditor's review list of report-figure pairs: reports/published_figure_pairs.csv.

Every pair of figures in the two national reports that may state the same quantity and that no rule
relates yet (dbt model intermediate.int_published_figures__pair_candidates), with both quotes, both
values and intervals and whether they agree within rounding; undecided pairs first, disagreeing
pairs first among them. An auditor records a decision per pair in
sources/published_figures/reviews/pair_reviews.csv (README: "Reviewing restatements").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipelines.quality.bounds import UNBOUNDED
from pipelines.quality.engine import MACROS
from pipelines.report.safe_cells import neutralise
from pipelines.settings import Settings
from pipelines.warehouse import connect

FILE_NAME = "published_figure_pairs.csv"

# Numbers and intervals written as in the findings (the engine's macros r57_fmt, r57_interval: no trailing
# zeros, an open bound as +∞). The marts hold an open bound as NULL; here it is the engine's open bound.
QUERY = f"""
SELECT pair_rank, coalesce(review_decision, 'to review') AS status,
       CASE WHEN review_decision = 'part_of' THEN 'part and whole (rule PF-PART-LE-WHOLE-REVIEWED)'
            WHEN intervals_overlap THEN 'agree within rounding' ELSE 'DISAGREE' END AS verdict,
       r57_fmt(gap) AS gap, score,
       figure_id_a, document_a, section_a, quote_a, stated_a, r57_interval(coalesce(low_a, -{UNBOUNDED}), coalesce(high_a, {UNBOUNDED})) AS interval_a, base_unit_a, metric_a,
       figure_id_b, document_b, section_b, quote_b, stated_b, r57_interval(coalesce(low_b, -{UNBOUNDED}), coalesce(high_b, {UNBOUNDED})) AS interval_b, base_unit_b, metric_b,
       reasons, review_note
FROM intermediate.int_published_figures__pair_candidates
ORDER BY pair_rank
"""


@dataclass
class PairReview:
    csv: Path
    pairs: int
    to_review: int
    disagreeing_to_review: int


def write_pair_review(settings: Settings) -> PairReview:
    """Write reports/published_figure_pairs.csv (UTF-8 with BOM for Excel) and say how many pairs await review."""
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    with connect(settings.duckdb_path, read_only=True, wait_seconds=settings.lock_wait_seconds) as con:
        con.execute(MACROS)
        frame = con.sql(QUERY).pl()
    path = settings.reports_dir / FILE_NAME
    neutralise(frame).write_csv(path, include_bom=True)
    pending = frame.filter(frame["status"] == "to review")
    return PairReview(path, frame.height, pending.height, pending.filter(pending["verdict"] == "DISAGREE").height)
