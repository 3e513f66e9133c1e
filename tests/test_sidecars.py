"""A project's own query: strict sidecars, and every mistake reported at its line in the
user's own files, in the words of that file."""

from __future__ import annotations

import pytest
from helpers import write_tree

from plugin_builder.errors import CatalogError, ConfigError, InputError
from plugin_builder.pipeline import validate
from plugin_builder.project.catalog import load_catalog
from plugin_builder.project.config import load_project

CONFIG = """
[plugin]
name = "Grades Export"
version = "1.0.0"
publisher = "District IT"
contact_email = "it@example.org"
namespace = "org.example.grades"

[queries]
include = ["student_grades"]

[dictionary]
# STOREDGRADES as the district's dictionary has it (declared so that the test does not
# depend on the shipped dictionary's coverage).
extensions = { STOREDGRADES = { STUDENTID = "NUMBER", GRADE = "VARCHAR2", PERCENT = "NUMBER", STORECODE = "VARCHAR2", TERMID = "NUMBER" } }
"""

SQL = """SELECT sg.STUDENTID AS student_id,
       sg.GRADE AS grade,
       sg.PERCENT AS percent
FROM STOREDGRADES sg
WHERE (:storecode IS NULL OR sg.STORECODE = :storecode)
ORDER BY sg.STUDENTID
"""

SIDECAR = """summary = "Stored grades"
group = "grades"
core_table = "STOREDGRADES"
file_name = "grades.csv"
args = [
  { name = "storecode", column = "STOREDGRADES.STORECODE", required = false },
]
columns = [
  { alias = "student_id", column = "STOREDGRADES.STUDENTID" },
  { alias = "grade", column = "STOREDGRADES.GRADE" },
  { alias = "percent", column = "STOREDGRADES.PERCENT" },
]
"""


def project(tmp_path, sidecar=SIDECAR, sql=SQL, config=CONFIG):
    write_tree(
        tmp_path,
        {"plugin.toml": config, "queries/student_grades.sql.j2": sql, "queries/student_grades.toml": sidecar},
    )
    return tmp_path / "plugin.toml"


def sidecar_problems(tmp_path, sidecar):
    with pytest.raises(CatalogError) as caught:
        load_catalog(load_project(project(tmp_path, sidecar=sidecar)))
    return caught.value.problems


def test_the_grades_query_is_clean(tmp_path):
    assert validate(project(tmp_path)).findings == []


def test_required_must_be_a_boolean(tmp_path):
    (problem,) = sidecar_problems(tmp_path, SIDECAR.replace("required = false", 'required = "no"'))
    assert (problem.file, problem.line, problem.key) == ("queries/student_grades.toml", 6, "args[0].required")
    assert "must be true or false, not a string" in problem.message
    assert "without quotes" in problem.hint


@pytest.mark.parametrize(
    ("old", "new", "key", "line", "known"),
    [
        (
            '{ alias = "grade",',
            '{ alias = "grade", colum = "X.Y",',
            "columns[1].colum",
            10,
            "alias, column, description, sql_alias",
        ),
        (
            "required = false",
            "required = false, default = 1",
            "args[0].default",
            6,
            "name, column, description, required, type",
        ),
        ('file_name = "grades.csv"', 'filename = "grades.csv"', "filename", 4, "summary, description, group"),
    ],
)
def test_unknown_keys_are_refused_in_every_table(tmp_path, old, new, key, line, known):
    (problem,) = sidecar_problems(tmp_path, SIDECAR.replace(old, new))
    assert (problem.line, problem.key) == (line, key)
    assert "is not a known key" in problem.message and known in problem.hint


def test_every_mistake_at_once_with_lines(tmp_path):
    sidecar = SIDECAR.replace('summary = "Stored grades"', "summary = 3").replace(
        'alias = "percent", column = "STOREDGRADES.PERCENT"', 'alias = "percent", column = "PERCENT"'
    )
    problems = sidecar_problems(tmp_path, sidecar)
    assert [(p.key, p.line) for p in problems] == [("summary", 1), ("columns[2].column", 11)]
    assert "must be a string, not an integer" in problems[0].message
    assert str(problems[1]).startswith(
        "queries/student_grades.toml:11: columns[2].column is 'PERCENT', not TABLE.FIELD"
    )


def test_a_byte_order_mark_is_allowed(tmp_path):
    config = project(tmp_path)
    sidecar = tmp_path / "queries" / "student_grades.toml"
    sidecar.write_bytes(b"\xef\xbb\xbf" + sidecar.read_bytes())
    assert validate(config).findings == []


def test_toml_syntax_errors_name_the_line_and_a_relative_path(tmp_path):
    (problem,) = sidecar_problems(tmp_path, SIDECAR.replace('group = "grades"', "group = grades"))
    assert (problem.file, problem.line) == ("queries/student_grades.toml", 2)


def test_sql_alias_for_a_long_header(tmp_path):
    header = "studentGradePercentageForTheTerm"  # 32 bytes: too long for an Oracle alias
    sidecar = SIDECAR.replace('alias = "percent",', f'alias = "{header}", sql_alias = "grade_percent",')
    findings = validate(project(tmp_path, sidecar=sidecar)).findings
    (finding,) = [f for f in findings if f.code == "PQ230"]
    assert (finding.file, finding.line) == ("queries/student_grades.toml", 11)
    assert "sql_alias is 'grade_percent'" in finding.message
    fixed = project(tmp_path, sidecar=sidecar, sql=SQL.replace("AS percent", "AS grade_percent"))
    assert validate(fixed).findings == []
    (spec,) = load_catalog(load_project(fixed))
    assert spec.headers[2] == header  # the header stays the receiver's
    too_long = SIDECAR.replace(
        'alias = "percent",', 'alias = "percent", sql_alias = "a_very_long_alias_of_thirty_one",'
    )
    (problem,) = sidecar_problems(tmp_path, too_long)
    assert problem.key == "columns[2].sql_alias" and "31 bytes" in problem.message


def test_a_sidecar_alias_that_differs_from_the_sql(tmp_path):
    findings = validate(project(tmp_path, sidecar=SIDECAR.replace('alias = "grade"', 'alias = "grades"'))).findings
    assert [(f.code, f.file, f.line) for f in findings] == [("PQ230", "queries/student_grades.toml", 10)]
    assert 'alias = "grade"' in findings[0].hint


def test_an_output_without_an_alias(tmp_path):
    sql = SQL.replace("sg.PERCENT AS percent", "sg.PERCENT * 1")
    findings = validate(project(tmp_path, sql=sql)).findings
    assert ("PQ230", "queries/student_grades.toml", 11) in [(f.code, f.file, f.line) for f in findings]


# --- findings derived from the sidecar point at the sidecar, in TOML words -------------------


def test_column_field_findings_point_at_the_sidecar_entry(tmp_path):
    sidecar = SIDECAR.replace('column = "STOREDGRADES.GRADE"', 'column = "STOREDGRADES.GRADES"').replace(
        'column = "STOREDGRADES.PERCENT"', 'column = "STOREDGRADES.GRADE"'
    )
    findings = validate(project(tmp_path, sidecar=sidecar)).findings
    by_code = {f.code: f for f in findings}
    assert (by_code["PQ212"].file, by_code["PQ212"].line) == ("queries/student_grades.toml", 10)
    # both placeholders are one finding (one cause), at the first entry, in TOML words
    assert (by_code["PQ217"].file, by_code["PQ217"].line) == ("queries/student_grades.toml", 10)
    assert "PERCENT is STOREDGRADES.PERCENT" in by_code["PQ217"].message
    assert by_code["PQ217"].hint == 'write each output\'s own column = "TABLE.FIELD" in its entry'
    assert all("<" not in (f.hint or "") for f in findings)


def test_the_column_count_points_at_columns(tmp_path):
    sidecar = SIDECAR.replace('  { alias = "percent", column = "STOREDGRADES.PERCENT" },\n', "")
    findings = validate(project(tmp_path, sidecar=sidecar)).findings
    (count,) = [f for f in findings if f.code == "PQ202"]
    assert (count.file, count.line) == ("queries/student_grades.toml", 8)
    assert count.hint == "list one entry in columns per SELECT item, in the same order"
    assert count.message == "the SELECT returns 3 columns but columns lists 2"


def test_arg_findings_point_at_args_and_binds_at_the_template(tmp_path):
    sidecar = SIDECAR.replace('name = "storecode"', 'name = "termid"').replace(
        "STOREDGRADES.STORECODE", "STOREDGRADES.TERMID"
    )
    findings = validate(project(tmp_path, sidecar=sidecar)).findings
    unused = next(f for f in findings if f.code == "PQ216")
    assert (unused.file, unused.line) == ("queries/student_grades.toml", 6)
    undeclared = next(f for f in findings if f.code == "PQ215")
    assert (undeclared.file, undeclared.line) == ("queries/student_grades.sql.j2", 5)  # SQL stays on the template
    assert undeclared.hint.startswith('add { name = "storecode", column = "TABLE.FIELD" } to args')
    assert undeclared.message == "bind :storecode is not declared under args"


# --- plugin.toml and dictionary side files --------------------------------------------------


def test_a_dictionary_side_file_reports_its_own_lines(tmp_path):
    config = CONFIG.replace("extensions = {", 'file = "district.toml"\nextensions = {')
    write_tree(tmp_path, {"district.toml": '\ufeff# district tables\nS_NM_SEC_X = ["SECTIONSDCID"]\nU_BAD = 3\n'})
    with pytest.raises(ConfigError) as caught:
        load_project(project(tmp_path, config=config))
    (problem,) = caught.value.problems
    assert problem.file.endswith("district.toml") and problem.line == 3 and problem.key == "U_BAD"


def test_lint_dictionary_files_report_lines(tmp_path):
    from plugin_builder.build.lint import load_dictionary_file

    path = tmp_path / "dictionary.toml"
    path.write_text('S_NM_SEC_X = ["SECTIONSDCID"]\n\nU_X = ["1BAD"]\n', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_dictionary_file(path)
    (problem,) = caught.value.problems
    assert problem.line == 3 and problem.key == "U_X"


def test_lint_hints_do_not_mention_plugin_toml(tmp_path):
    import zipfile

    from plugin_builder.build.lint import lint

    plugin = (
        '<plugin xmlns="http://plugin.powerschool.pearson.com" name="Roster" version="1.0">'
        '<publisher name="District IT"><contact email="it@example.org"/></publisher></plugin>'
    )
    queries = """<queries><query name="org.example.roster.grades" coreTable="students" flattened="true">
<columns><column column="STUDENTS.ID">id</column><column column="STUDENTS.SSN">ssn</column></columns>
<sql><![CDATA[SELECT s.ID AS id, s.SSN AS ssn, s.U_MADE_UP AS x FROM STUDENTS s ORDER BY s.ID]]></sql>
</query></queries>"""
    archive = tmp_path / "plugin.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("plugin.xml", plugin)
        out.writestr("queries_root/org.example.roster.named_queries.xml", queries)
    hints = [f.hint for f in lint(archive).findings if f.hint]
    assert hints and not [h for h in hints if "plugin.toml" in h]


def _readme_block(text, heading):
    """The indented block that follows a line ``heading`` in queries/README.txt."""
    lines = text.split(heading + "\n", 1)[1].splitlines()
    block = []
    for line in lines[1:] if not lines[0].strip() else lines:
        if not line.strip():
            break
        block.append(line[2:])
    return "\n".join(block) + "\n"


def test_the_readme_example_works_as_written(runner, tmp_path):
    """Following only queries/README.txt: the example query validates, previews on the
    synthetic district plus the README's extra rows, and is classified in the review."""
    from plugin_builder.cli import main
    from plugin_builder.pipeline import review as build_review
    from plugin_builder.sql.dictionary import powerschool_dictionary

    assert runner.invoke(main, ["init", str(tmp_path)]).exit_code == 0
    readme = (tmp_path / "queries" / "README.txt").read_text(encoding="utf-8")
    sql = _readme_block(readme, "queries/student_grades.sql.j2:")
    sidecar = _readme_block(readme, "queries/student_grades.toml:")
    rows = "\n".join(line.strip() for line in readme.split("extra/STOREDGRADES.csv:\n", 1)[1].splitlines()[:2]) + "\n"
    write_tree(
        tmp_path,
        {"queries/student_grades.sql.j2": sql, "queries/student_grades.toml": sidecar, "extra/STOREDGRADES.csv": rows},
    )
    config = tmp_path / "plugin.toml"
    if not powerschool_dictionary().has_table("STOREDGRADES"):  # a dictionary without it: declare it
        config.write_text(
            config.read_text() + '\n[dictionary]\nextensions = { STOREDGRADES = { STUDENTID = "NUMBER", '
            'STORECODE = "VARCHAR2", GRADE = "VARCHAR2", PERCENT = "NUMBER" } }\n'
        )
    result = runner.invoke(main, ["validate", "-c", str(config)])
    assert result.exit_code == 0 and "ok: " in result.output, result.output
    out = tmp_path / "out"
    result = runner.invoke(
        main,
        [
            "preview",
            "-c",
            str(config),
            "--students",
            "100",
            "--tables",
            str(tmp_path / "extra"),
            "-o",
            str(out),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = (out / "grades" / "grades.csv").read_text().splitlines()
    assert lines[0] == '"student_number","term","grade","percent"' and lines[1].endswith('"Q1","A","95"')
    (query,) = [q for q in build_review(config).report.queries if q.name.endswith(".student_grades")]
    assert query.pii["grades and credits"] == ["STOREDGRADES.GRADE", "STOREDGRADES.PERCENT", "STOREDGRADES.STORECODE"]


def _paths(value, prefix=""):
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            yield path
            yield from _paths(item, path)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, (dict, list)):
                yield f"{prefix}[{index}]"
                yield from _paths(item, f"{prefix}[{index}]")


def test_every_key_of_the_shipped_toml_files_has_its_line():
    import tomllib
    from pathlib import Path

    from plugin_builder.userfiles import toml_key_lines

    root = Path(__file__).resolve().parent.parent
    files = [
        *sorted((root / "queries").glob("*.toml")),
        root / "plugin.toml",
        *sorted((root / "tests" / "fixtures").rglob("*.toml")),
    ]
    assert len(files) > 15
    checked = 0
    for path in files:
        text = path.read_text(encoding="utf-8-sig")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            continue  # fixtures of broken TOML
        checked += 1
        lines = toml_key_lines(text)
        missing = [p for p in _paths(data) if p not in lines]
        assert missing == [], path
        for key, line in lines.items():  # each key's line really holds its last part (or the array's opening)
            last = key.rsplit(".", 1)[-1].split("[")[0]
            assert last in text.splitlines()[line - 1] or key.endswith("]"), (path, key, line)
    assert checked > 15
