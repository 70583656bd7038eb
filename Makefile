# Two commands: `make run` (install + build the warehouse from the shipped samples) and `make test`.
# Needs only Python 3.11, pip and make. Versions are locked in uv.lock.
PYTHON      ?= python3.11
UV_VERSION  := 0.13.9
TOOLS       := .tools
UV          := $(TOOLS)/bin/uv
VENV        := .venv
BIN         := $(VENV)/bin
WAREHOUSE   ?= $(CURDIR)/warehouse
DAGSTER_HOME ?= $(WAREHOUSE)/dagster_home
MANIFEST    := dbt_project/target/manifest.json
DBT_FILES   := $(shell find dbt_project -name '*.sql' -o -name '*.yml' | grep -v '/target/')

export R57_WAREHOUSE_DIR ?= $(WAREHOUSE)
export DAGSTER_HOME

.PHONY: install run test dev clean docs bench bench-ingest bench-xlsx bench-gx

$(UV):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; install Python 3.11 (or pass PYTHON=/path/to/python3.11)"; exit 1; }
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	UV_PYTHON=$$(command -v $(PYTHON)) $(UV) sync --frozen --quiet
	touch $@

# The dbt manifest is prepared once here (dbt parse needs no database), not on every import of the code location.
$(MANIFEST): $(VENV)/.installed $(DBT_FILES)
	cd dbt_project && ../$(BIN)/dbt parse --quiet --profiles-dir . --project-dir .

install: $(VENV)/.installed $(MANIFEST)

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@

# One line per stage and a summary (pipelines/cli.py); `make run VERBOSE=1` shows every event, DEBUG and dbt's output included;
# `make run FULL_REFRESH=1` rebuilds the marts whole (dbt build --full-refresh), even with nothing new.
run: install $(DAGSTER_HOME)/dagster.yaml
	@$(BIN)/python -m pipelines.cli run $(if $(VERBOSE),--verbose) $(if $(filter-out 0 no false,$(FULL_REFRESH)),--full-refresh)

# The analyst copy (published after every load: pipelines/publish.py), read-only in the DuckDB CLI from PyPI
# (duckdb-cli, a locked dev dependency); it opens while a load runs. Queries can be piped in: `make -s sql < q.sql`.
.PHONY: sql
sql: install
	@test -f $(R57_WAREHOUSE_DIR)/analyst.duckdb || { echo "error: $(R57_WAREHOUSE_DIR)/analyst.duckdb does not exist yet: run \`make run\` first"; exit 1; }
	@$(BIN)/duckdb -readonly $(R57_WAREHOUSE_DIR)/analyst.duckdb

# One worker per core, a test file per worker (its module fixtures run once): the pipeline tests are mostly
# single-threaded Python, so two cores take the suite in a little over half the time.
test: install
	$(BIN)/pytest -n auto --dist loadfile

dev: install $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster dev -m pipelines.definitions -h 127.0.0.1 -p 3000

# The dbt docs (models, sources, columns, lineage) as one self-contained page: $(WAREHOUSE)/reports/dbt_docs.html.
# Needs a built warehouse (`make run` first): the catalog (column types, row counts) is read from it, so run it
# while no load is running. dbt's working files go to a scratch folder, not dbt_project/target.
DOCS_TARGET := $(WAREHOUSE)/dbt_docs_target
docs: install
	cd dbt_project && ../$(BIN)/dbt docs generate --static --quiet --profiles-dir . --project-dir . \
		--target-path $(DOCS_TARGET) --vars '{duckdb_path: "$(R57_WAREHOUSE_DIR)/r57.duckdb"}'
	mkdir -p $(R57_WAREHOUSE_DIR)/reports
	cp $(DOCS_TARGET)/static_index.html $(R57_WAREHOUSE_DIR)/reports/dbt_docs.html
	rm -rf $(DOCS_TARGET)
	@echo "dbt docs (one page):   $(R57_WAREHOUSE_DIR)/reports/dbt_docs.html"

# The report pages laid out at 1280 px in headless Chromium (Debian: apt-get install -y chromium): fails when a page
# is wider than the window (pipelines/report/check_width.py). Needs a built warehouse (`make run`).
REPORT_PAGES = $(wildcard $(R57_WAREHOUSE_DIR)/reports/dq_report*.html $(R57_WAREHOUSE_DIR)/reports/rounds/*/dq_report*.html)
.PHONY: check-report
check-report: install
	@test -n "$(REPORT_PAGES)" || { echo "error: no report in $(R57_WAREHOUSE_DIR)/reports: run \`make run\` first"; exit 1; }
	$(BIN)/python -m pipelines.report.check_width $(REPORT_PAGES)

clean:
	rm -rf $(WAREHOUSE) dbt_project/target dbt_project/logs

# Regenerate the committed test data (sources/samples/, sources/templates/, expectations/rules/report_*.yml) from
# generators/; tests/test_generators.py fails when what is committed differs from what they write.
.PHONY: generate
generate: install
	$(BIN)/python -m generators

# One JSON document (stdout and $(WAREHOUSE)/bench/bench.json), measured in one run on one generated round: full
# build, no-op, one day after history and into an empty warehouse, the plain-DuckDB floor, ratios (bench/national.py).
# Size: `make bench` (small, a few minutes), `make bench SCALE=national` (1 M task rows), SCALE=national5 (5 M).
SCALE ?= $(or $(BENCH_SCALE),small)
bench:
	@$(MAKE) --no-print-directory install >&2
	@BENCH_SCALE=$(SCALE) $(BIN)/python bench/national.py

# Parse and load one national-scale task-status file (BENCH_ROWS rows, default 1,000,000): rows/s and peak RSS.
bench-ingest: install
	$(BIN)/python bench/bench_ingest.py

# The Great Expectations step: time and peak RSS on BENCH_GX_ROUNDS rounds x 56 agencies (first run, re-run, new round).
bench-gx: install
	$(BIN)/python bench/bench_gx.py

# Peak memory of reading each XLSX bomb (and a good sheet of BENCH_XLSX_ROWS rows), one capped process each.
bench-xlsx: install
	$(BIN)/python bench/bench_xlsx_bombs.py
