"""What the generators read: the repository's folders, the contracts' headers and enum labels, the agencies."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "sources"
CONTRACTS = SOURCES / "contracts"


def headers(domain: str) -> list[str]:
    """The contract's column headers, in order."""
    spec = yaml.safe_load((CONTRACTS / f"{domain}.yml").read_text(encoding="utf-8"))
    return [c["header"] for c in spec["columns"]]


@cache
def enums() -> dict:
    return yaml.safe_load((CONTRACTS / "enums.yml").read_text(encoding="utf-8"))


def label(enum: str, code: str) -> str:
    """The canonical (first) label of an enum code."""
    return enums()[enum][code][0]


def read_agencies() -> list[dict]:
    with open(SOURCES / "reference" / "agencies.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))
