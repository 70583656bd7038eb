"""Generators of the project's test data, kept apart from the data they read and write.

- samples_tasks, samples_domains: the shipped sample submissions (sources/samples/, with their planted faults)
- templates: the submission templates (sources/templates/) from the contracts
- report_rules: the identity rules between published figures (expectations/rules/report_*.yml)
- bench_data: the large or hostile files the benchmarks (bench/) measure

All of them write through writers.py and read their inputs through inputs.py. Each is run from the
repository root, e.g.  .venv/bin/python -m generators.samples_tasks  (deterministic: same bytes every run);
tests/test_generators.py regenerates everything into a temporary folder and compares it with what is committed.
"""
