"""The open bound: how a figure written without an upper (or lower) limit is held in DECIMAL arithmetic.

"hơn 3.000" (more than 3,000) has no upper limit. Intervals are exact decimals, so "no limit" is
this sentinel, far above any real figure (the whole GDP is ~1.2e16 đồng) and far below the limit
of DECIMAL(38,9). It is defined here only; everything else imports it. The warehouse's tables hold
no sentinel: a mart's open bound is NULL (marts.fct_published_figure low/high), and the engine maps
NULL to this value when it builds figures (engine._figure_source_sql).
"""

UNBOUNDED = "1e24"
# the type every figure, interval and side is held in (rule kinds and the engine both cast to it)
NUM = "DECIMAL(38,9)"
