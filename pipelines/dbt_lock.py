"""dbt-duckdb plugin (profiles.yml): dbt waits for the warehouse like every other writer, and never lets go of it.

dbt opens the file 10-20 s after its step starts (start-up, manifest), and DuckDB has no lock
timeout of its own: a session opened meanwhile made dbt fail at once ("Could not set lock on
file"). dbt-duckdb calls update_connection_config() right before its own duckdb.connect(); here
we open the same file with the same settings, waiting as every other step does
(pipelines.warehouse.open_waiting, bounded by the plugin's `lock_wait_seconds`), and keep that connection
until configure_connection(), which dbt-duckdb calls right after its connect. DuckDB shares one
database instance per file within a process, so dbt's connect joins ours instead of taking the
lock again: nothing can slip in between the wait and dbt. dbt then keeps its connection open to
the end of the invocation (keep_open), so it waits at most once.

The plugin runs in dbt's process, so it reads nothing of Dagster's: profiles.yml gives it
`lock_wait_seconds` from the dbt var of that name, which the transform step passes with the
warehouse path (Settings.dbt_vars()).

The wait line goes to dbt's log as a warning; pipelines/assets/transform.py copies it into the
run log, and turns dbt's failure into the same one line when the wait runs out.
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt.adapters.events.logging import AdapterLogger

from pipelines.warehouse import DEFAULT_LOCK_WAIT_SECONDS, WarehouseLocked, open_waiting

LOGGER = AdapterLogger("DuckDB")


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        # a rendered profile value may arrive as text
        self._wait_seconds = float(plugin_config.get("lock_wait_seconds", DEFAULT_LOCK_WAIT_SECONDS))
        self._held = None
        self._gave_up: WarehouseLocked | None = None

    def update_connection_config(self, creds, config: dict[str, Any]) -> None:
        if creds.path == ":memory:" or creds.is_motherduck:
            return
        if self._gave_up is not None:
            # dbt tries to connect again for each phase of the invocation: one wait per invocation is the limit
            raise self._gave_up
        try:
            # the very arguments dbt-duckdb passes to duckdb.connect, so its connection shares this instance
            self._held = open_waiting(creds.path, read_only=False, config=dict(config),
                                      wait_seconds=self._wait_seconds, log=LOGGER.warning)
        except WarehouseLocked as exc:
            self._gave_up = exc
            raise

    def configure_connection(self, conn) -> None:
        if self._held is not None:
            self._held.close()  # dbt's own connection now keeps the database (and its lock)
            self._held = None
