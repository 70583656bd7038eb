"""The figure ids each relation rule names (`bind: id`), read from the rule catalogue (expectations/rules/).

One row per rule and figure id. Two figures named by one rule are already related by it, so the
pair-candidate search (int_published_figures__pair_candidates) leaves them out. The catalogue is
loaded and expanded exactly as the engine does (pipelines.quality.rules / engine); this model only
lists its configuration, it reads no data.
"""

from pathlib import Path

import polars as pl

from pipelines.quality.engine import rule_roles
from pipelines.quality.rules import load_catalogue


def model(dbt, session):
    dbt.config(materialized="table")
    # the transform step's settings, through the var in _models.yml (dbt_project.yml has the default)
    catalogue = load_catalogue(Path(dbt.config.meta_get("rules_dir")))
    rows = sorted({(rule.id, rule.file, ref)
                   for rule in catalogue.rules.values() if rule.bind == "id" and rule.kind != "row_check"
                   for _, _, ref in rule_roles(rule)})
    return pl.DataFrame(rows, schema={"rule_id": pl.String, "rule_file": pl.String, "figure_id": pl.String}, orient="row")
