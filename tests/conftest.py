"""Shared fixtures: the example project, a PowerSchool-shaped DuckDB district, a CLI runner."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLE_CONFIG = REPO / "plugin.toml"

# The fixture district's "today" (SYSDATE): school year 2025-26 (yearid 35) is current.
TODAY = dt.datetime(2026, 1, 15, 10, 30, 0)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """A copy of the example project in a temporary folder."""
    shutil.copy(EXAMPLE_CONFIG, tmp_path / "plugin.toml")
    return tmp_path


def load_district(folder: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB database with every dictionary table, filled from <TABLE>.csv files."""
    from plugin_builder.dictionary import create_tables

    con = duckdb.connect()
    create_tables(con)
    for csv in sorted(folder.glob("*.csv")):
        con.execute(
            f'INSERT INTO "{csv.stem.upper()}" BY NAME '
            f"SELECT * FROM read_csv('{csv}', header = true, all_varchar = true, quote = '\"')"
        )
    return con


@pytest.fixture(scope="session")
def district() -> duckdb.DuckDBPyConnection:
    return load_district(FIXTURES / "district")
