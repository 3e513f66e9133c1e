"""Kept so that ``from plugin_builder.oracle_compat import …`` still works: the Oracle layer
lives in :mod:`plugin_builder.oracle` (``compat`` translates to DuckDB)."""

from plugin_builder.oracle.compat import *  # noqa: F401,F403
from plugin_builder.oracle.compat import UnsupportedOracle, execute, prepare_connection, run, to_duckdb  # noqa: F401
