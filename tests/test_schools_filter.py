"""[schools] include/exclude: every catalogue query exports only the chosen schools."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from helpers import example_config
from plugin_builder.errors import ConfigError
from plugin_builder.pipeline import validate
from plugin_builder.project.config import parse_project


def _project_text(schools: str) -> str:
    return example_config() + "\n[schools]\n" + schools + "\n"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize(
    "schools, message",
    [
        ('include = ["101"]', "integers"),
        ("include = 101", "list of school numbers"),
        ("include = []", "lists no school"),
        ("include = [0]", "no school number"),
        ("include = [101]\nexclude = [101]", "which schools.include also lists"),
        ("pilot = [101]", "is not a known key"),
    ],
)
def test_bad_schools_settings_name_the_key(tmp_path: Path, schools: str, message: str):
    with pytest.raises(ConfigError) as caught:
        parse_project(_project_text(schools), tmp_path / "plugin.toml")
    problems = caught.value.problems
    assert any(message in p.message for p in problems), [p.message for p in problems]
    assert all(p.key and p.key.startswith("schools") and p.line for p in problems)


def test_no_schools_table_renders_no_filter(tmp_path: Path):
    (tmp_path / "plugin.toml").write_text(example_config(), encoding="utf-8")
    tree = validate(tmp_path / "plugin.toml").tree
    assert not any("SCHOOL_NUMBER IN (" in q.sql or "SCHOOLID IN (" in q.sql for q in tree.queries)


def test_every_catalogue_query_applies_the_filter(tmp_path: Path):
    (tmp_path / "plugin.toml").write_text(_project_text("include = [104, 105]\nexclude = [999]"), encoding="utf-8")
    tree = validate(tmp_path / "plugin.toml").tree
    assert len(tree.queries) == 13
    for query in tree.queries:
        assert " IN (104, 105)" in query.sql and " NOT IN (999)" in query.sql, query.spec.name


def test_preview_exports_only_the_included_school(tmp_path: Path):
    from plugin_builder.preview.runner import run_preview

    config = tmp_path / "plugin.toml"
    config.write_text(_project_text("include = [104]"), encoding="utf-8")
    out = tmp_path / "out"
    result = run_preview(config, out, students=300)
    assert not [f for f in result.findings if f.severity.value == "error"], result.findings

    orgs = _rows(out / "oneroster" / "orgs.csv")
    assert sorted(r["identifier"] for r in orgs if r["type"] == "school") == ["104"]
    users = _rows(out / "oneroster" / "users.csv")
    assert users and {o for r in users for o in r["orgSourcedIds"].split(",")} <= {"104", orgs[0]["sourcedId"]}
    assert {r["schoolSourcedId"] for r in _rows(out / "oneroster" / "enrollments.csv")} == {"104"}
    sections = _rows(out / "clever" / "sections.csv")
    assert {r["School_id"] for r in sections} == {"104"}
    assert {r["School_id"] for r in _rows(out / "clever" / "enrollments.csv")} == {"104"}
    for name in ("studentSectionAssociation.json", "staffSectionAssociation.json"):
        documents = json.loads((out / "edfi" / name).read_text(encoding="utf-8"))
        assert documents and {str(d["sectionReference"]["schoolId"])[-3:] for d in documents} == {"104"}
    cohorts = json.loads((out / "edfi" / "studentCohortAssociation.json").read_text(encoding="utf-8"))
    assert cohorts and {str(d["cohortReference"]["educationOrganizationId"])[-3:] for d in cohorts} == {"104"}
    attendance = json.loads((out / "attendance" / "section_attendance.json").read_text(encoding="utf-8"))
    assert attendance and set(attendance) <= {r["Section_id"] for r in sections}
    # 104 is a school of the synthetic district: nothing to report about the setting itself.
    assert not [f for f in result.findings if f.code == "PV669"]


def test_preview_names_a_school_number_the_district_lacks(tmp_path: Path):
    from plugin_builder.preview.runner import run_preview

    config = tmp_path / "plugin.toml"
    config.write_text(_project_text("include = [104]\nexclude = [140]"), encoding="utf-8")
    result = run_preview(config, tmp_path / "out", students=300, select=("one_roster_orgs",))
    found = [f for f in result.findings if f.code == "PV669"]
    assert len(found) == 1 and "schools.exclude lists 140" in found[0].message
    assert "105 (Central High 1)" in found[0].hint
    assert found[0].file.endswith("plugin.toml") and found[0].line
