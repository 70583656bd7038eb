"""Load the figures quoted from the national reports (sources/published_figures/<DOCUMENT>.csv).

They go through the same loader as agency files (register, archive, parse against a contract,
load or quarantine whole), identified by document code instead of the agency file-name pattern.
"""

from __future__ import annotations

from datetime import date
from functools import partial

import polars as pl

from pipelines.ingest.contracts import load_contracts
from pipelines.ingest.loader import LoadSummary, load_paths
from pipelines.ingest.parsing import problem
from pipelines.settings import Settings


def load_published(settings: Settings, log=None) -> LoadSummary:
    folder = settings.sources_dir / "published_figures"
    documents = pl.read_csv(settings.reference_dir / "report_documents.csv", infer_schema=False)
    as_of = dict(zip(documents["document"], documents["as_of"]))
    references = {"document": set(as_of)}
    paths = sorted(folder.glob("*.csv"))
    # a partial of a module function, which the loader's worker processes can receive
    return load_paths(settings, paths, partial(_identify, as_of=as_of), references, load_contracts(settings.contracts_dir), log=log)


def _identify(file_name: str, as_of: dict[str, str]):
    stem, _, ext = file_name.rpartition(".")
    if stem not in as_of:
        return None, problem(0, "(file name)", stem, f"unknown document '{stem}'; list it in sources/reference/report_documents.csv")
    return {"agency_code": None, "domain": "published_figures",
            "reporting_date": date.fromisoformat(as_of[stem]), "ext": ext.lower()}, None
