"""Submission contracts (sources/contracts/*.yml) loaded into typed objects, and written to the
warehouse as data (raw.contract_columns) for the models that follow them (the "6 rõ" fields)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import duckdb
import polars as pl
import yaml


def normalize_header(text: str) -> str:
    """Header matching key: NFC, case-folded, inner whitespace collapsed, BOM and outer spaces removed."""
    text = unicodedata.normalize("NFC", text.replace("\ufeff", ""))
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class Column:
    name: str
    header: str
    type: str
    required: bool
    description: str
    reference: str | None = None
    enum: str | None = None
    six_clear: str | None = None  # the "6 rõ" field this column holds (who, what, when...): read by dbt via raw.contract_columns
    not_after_reporting_date: bool = False  # type date: a value after the file's reporting date is refused
    non_negative: bool = False  # type number: a negative value is refused
    # type number or integer: the largest value accepted (as written, in the file's unit). It keeps every
    # figure inside what the warehouse's exact decimals hold after unit conversion, so an absurd cell is
    # refused on arrival instead of overflowing a model downstream.
    maximum: int | None = None
    minimum: int | None = None  # type integer: the smallest value accepted (a budget year, say)
    parsed_as: str | None = None  # type number: the column that receives the exact value (plus _decimals, _trailing_zeros)


@dataclass(frozen=True)
class Contract:
    domain: str
    description: str
    target_table: str
    date_format: str
    number_style: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    enums: dict[str, dict[str, str]] = field(default_factory=dict)  # enum name -> {normalized label: code}
    number_style_column: str | None = None  # a column in which the file declares its own number style
    constant_columns: tuple[str, ...] = ()  # columns that must hold one value for the whole file
    submitted_by: str = "agency"  # agency (inbox files) or central_office (files kept in this repository)

    def output_columns(self) -> list[str]:
        """Columns of the target table after parsing, in order."""
        out = []
        for c in self.columns:
            out.append(c.name)
            if c.type == "number":
                out += [c.parsed_as, f"{c.parsed_as}_decimals", f"{c.parsed_as}_trailing_zeros"]
        return out

    def header_map(self) -> dict[str, Column]:
        return {normalize_header(c.header): c for c in self.columns}


@lru_cache(maxsize=None)
def load_contracts(contracts_dir: Path) -> dict[str, Contract]:
    enums_raw = yaml.safe_load((contracts_dir / "enums.yml").read_text(encoding="utf-8"))
    enums = {
        name: {normalize_header(label): code for code, labels in values.items() for label in labels}
        for name, values in enums_raw.items()
    }
    contracts: dict[str, Contract] = {}
    for path in sorted(contracts_dir.glob("*.yml")):
        if path.name == "enums.yml":
            continue
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        columns = tuple(Column(**c) for c in raw["columns"])
        contracts[raw["domain"]] = Contract(
            domain=raw["domain"],
            description=raw["description"],
            target_table=raw["target_table"],
            date_format=raw["date_format"],
            number_style=raw["number_style"],
            key=tuple(raw.get("key", [])),
            columns=columns,
            enums={c.enum: enums[c.enum] for c in columns if c.enum},
            submitted_by=raw.get("submitted_by", "agency"),
            number_style_column=raw.get("number_style_column"),
            constant_columns=tuple(raw.get("constant_columns", ())),
        )
    return contracts


CONTRACT_COLUMNS_TABLE = "raw.contract_columns"


def contract_columns(contracts: dict[str, Contract]) -> pl.DataFrame:
    """One row per column of every contract: what the models need to follow the contracts."""
    return pl.DataFrame(
        [{"domain": c.domain, "column_name": col.name, "header": col.header, "column_type": col.type,
          "is_required": col.required, "six_clear": col.six_clear}
         for c in contracts.values() for col in c.columns],
        schema={"domain": pl.String, "column_name": pl.String, "header": pl.String, "column_type": pl.String,
                "is_required": pl.Boolean, "six_clear": pl.String},
    )


def write_contract_columns(con: duckdb.DuckDBPyConnection, contracts: dict[str, Contract]) -> None:
    """Rewrite raw.contract_columns from the contracts in use, so a model reading it (the 6 rõ gaps,
    intermediate.int_task_six_clear_gaps) changes with the contract and needs no SQL edit."""
    frame = contract_columns(contracts)
    con.execute(f"CREATE OR REPLACE TABLE {CONTRACT_COLUMNS_TABLE} AS SELECT * FROM frame")
