"""Shared fixtures: the example project, a PowerSchool-shaped DuckDB district, a CLI runner."""

from __future__ import annotations

import datetime as dt
import os
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


@pytest.fixture(scope="session", autouse=True)
def _own_cache_folder(tmp_path_factory):
    """The tests' compiled templates go to a cache folder of their own, not the user's."""
    saved = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if saved is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = saved


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
    from plugin_builder.sql.dictionary import create_tables

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


# Tests that build or validate the whole catalogue, run preview end to end, generate
# districts or search with hypothesis (each 0.2 s or more on the shared 2-core machine):
# `pytest -m "not slow"` leaves them out for a quick run; CI runs everything. Kept here in one
# list rather than as decorators, so that marking does not touch every test module.
SLOW_TESTS = {
    "adversarial/test_output.py": "*",
    "adversarial/test_bad_inputs.py": {"test_config_with_a_byte_order_mark_is_read", "test_syntax_error_in_a_project_macro_file"},
    "adversarial/test_config_values.py": {
        "test_a_code_with_every_special_sequence_finds_its_own_rows_in_the_real_catalogue",
        "test_hostile_codes_are_refused_or_quoted_with_the_same_meaning",
        "test_hostile_plugin_text_is_refused_or_kept_exactly",
        "test_property_codes_are_refused_or_quoted_with_the_same_meaning",
        "test_property_free_text_is_refused_or_kept_exactly",
        "test_property_namespace_is_refused_or_names_every_query",
        "test_property_version_is_refused_or_dotted_ascii_digits",
    },
    "adversarial/test_lint_hostile.py": {"test_doctype_fetching_a_url_makes_no_request"},
    "test_catalog_queries.py": {
        "test_blank_state_course_code_pref_uses_the_course_number", "test_clever_outputs_stay_in_the_enumerations",
        "test_every_catalogue_query_is_in_the_example_zip", "test_example_plugin_validates_with_every_catalogue_query",
        "test_local_course_code_follows_state_course_code", "test_oneroster_files_reference_each_other",
        "test_query_returns_expected_rows", "test_quotes_off_is_a_validate_warning",
        "test_quotes_off_strips_commas_and_quotes_from_free_text", "test_secondary_roles_come_from_config",
        "test_yearid_selects_another_year",
    },
    "test_checks_foundation.py": {"test_parse_error_points_at_the_template_line"},
    "test_cli.py": {
        "test_build_refuses_past_an_error", "test_build_writes_zip_and_checksum", "test_render_stdout_and_tree",
        "test_validate_json", "test_validate_reports_errors_with_exit_1",
    },
    "test_guide.py": {
        "test_a_json_query_is_read_through_the_api", "test_build_writes_the_guide_beside_the_zip",
        "test_quotes_false_says_multi_valued_columns_keep_one_value",
    },
    "test_init.py": {
        "test_init_writes_a_config_that_builds", "test_build_with_c_writes_dist_beside_that_plugin_toml",
        "test_init_then_build_says_the_api_needs_oauth",
    },
    "test_lint.py": {"test_example_validates_with_oauth_and_no_finding", "test_validate_sarif_on_the_example_is_valid"},
    "test_oneroster_queries.py": {
        "test_agent_links_go_both_ways", "test_every_enrollment_points_at_an_exported_user_and_class",
        "test_query_returns_expected_rows", "test_relationship_codes_come_from_config",
        "test_without_csv_quotes_lists_keep_their_first_value_and_text_loses_commas",
    },
    "test_package.py": "*",
    "test_preview.py": {
        "test_a_broken_query_is_reported", "test_bad_extract_values_and_bad_today_are_clear_errors",
        "test_missing_tables_and_columns_are_named", "test_preview_findings_in_every_format_with_exit_1",
        "test_preview_of_the_fixture_district_gives_the_hand_written_rows",
        "test_preview_runs_on_a_duckdb_file_and_on_csv_extracts", "test_preview_writes_every_output_and_reports_it_clean",
        "test_preview_writes_the_data_packages_it_checks_against", "test_proportions_are_realistic",
        "test_queries_of_every_group_plug_in_by_their_sidecar", "test_quotes_false_writes_values_as_they_are",
        "test_synthetic_is_deterministic", "test_sysdate_follows_today",
        "test_the_written_data_packages_validate_with_frictionless_and_agree_with_our_rules",
    },
    "test_render.py": {
        "test_config_values_reach_sql_as_literals", "test_project_queries_join_the_catalogue",
        "test_rendered_xml_is_valid_against_our_schemas", "test_sql_findings_point_at_the_template_line",
        "test_a_copy_of_the_catalogue_beside_plugin_toml_renders_as_the_catalogue",
    },
    "test_review.py": {
        "test_build_writes_the_review_report_of_the_zip_it_wrote", "test_review_against_an_older_build_markdown",
        "test_review_default_output_is_in_dist", "test_review_html_is_self_contained_and_escaped",
        "test_review_refuses_a_version_not_greater", "test_review_resolves_columns_of_declared_extension_tables",
        "test_review_without_against_and_to_stdout",
    },
    "test_versions.py": {
        "test_a_lower_version_than_one_in_dist_is_refused", "test_against_a_previous_release",
        "test_rebuilding_the_same_version_is_fine_and_a_changed_one_needs_force",
        "test_the_newest_release_is_compared_numerically",
    },
    "test_xsd_fast_path.py": "*",
    # servers started on a port, districts generated, whole projects built or previewed
    "test_serve.py": "*",
    "test_preview_own_queries.py": "*",
    "test_crowded_links.py": "*",
    "test_preview_gc.py": {"test_preview_pauses_the_cycle_collector_while_writing_and_gives_it_back", "test_a_failure_while_paused_gives_the_collector_back"},
    "test_synthetic_district.py": "*",
    "test_cli_strict_and_dictionary.py": "*",
    "test_sidecars.py": {"test_the_readme_example_works_as_written"},
    "test_no_internal_errors.py": {"test_no_internal_error_on_generated_sql"},
    "test_cli_details.py": {"test_a_closed_pipe_ends_quietly", "test_validate_says_ok_in_one_line", "test_the_dem_guide_reads_as_plain_text"},
    "test_live_schema.py": {
        "test_lint_accepts_every_table_and_column_of_the_live_schema_powerschool_ships",
        "test_validate_accepts_the_live_names_the_scrape_got_wrong", "test_dictionary_command_shows_each_columns_sources_and_both_types",
    },
    "test_dictionary.py": {"test_own_query_misspelt_names_are_errors_in_sql_and_column_alike", "test_own_query_on_grade_and_staff_tables_has_no_error"},
}  # fmt: skip


def pytest_collection_modifyitems(config, items):
    tests = Path(__file__).resolve().parent
    for item in items:
        try:
            module = item.path.resolve().relative_to(tests).as_posix()
        except ValueError:
            continue
        names = SLOW_TESTS.get(module)
        if names == "*" or (names and item.originalname in names):
            item.add_marker(pytest.mark.slow)
