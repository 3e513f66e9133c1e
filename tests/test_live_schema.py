"""The dictionary agrees with a live PowerSchool database, not only with its documentation.

The judge is the team's live-schema reference file (``powerschool-live-schema-2017.json``, kept
beside the repository): a reflection of one district's live PowerSchool 10.1-11.x Oracle schema.
Where it is absent, the dictionary's own LIVE2017 evidence stands in for it.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import re
import zipfile
from functools import cache
from pathlib import Path

import pytest

from plugin_builder.build.lint import lint
from plugin_builder.cli import main
from plugin_builder.findings import Severity
from plugin_builder.resources import data_path
from plugin_builder.sql.dictionary import (
    OLDER,
    load_full_dictionary,
    load_wrong_names,
    placeholder_field,
    powerschool_dictionary,
    table_info,
)

REPO = Path(__file__).resolve().parents[1]
LIVE_NAME = "powerschool-live-schema-2017.json"
LIVE_CANDIDATES = [
    Path(os.environ["PB_LIVE_SCHEMA"]) if os.environ.get("PB_LIVE_SCHEMA") else None,
    REPO.parent / "shared" / "reference" / LIVE_NAME,
    REPO.parent.parent / "shared" / "reference" / LIVE_NAME,
]


def _compact_tool():
    spec = importlib.util.spec_from_file_location("compact_dictionary", REPO / "tools" / "compact_dictionary.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def live_schema() -> dict[str, list[str]]:
    """TABLE -> columns of the live schema that PowerSchool ships (the district's own left out)."""
    district = _compact_tool().DISTRICT_OBJECT_RE
    for path in LIVE_CANDIDATES:
        if path is not None and path.is_file():
            tables = json.loads(path.read_text(encoding="utf-8"))["tables"]
            return {t: sorted(e["columns"]) for t, e in tables.items() if not district.search(t)}
    with gzip.open(data_path("powerschool-dictionary-evidence.json.gz"), "rb") as handle:
        packed = json.loads(handle.read())["tables"]
    return {
        t: sorted(c for c, v in e["columns"].items() if "LIVE2017" in v.split("|")[0].split(","))
        for t, e in packed.items()
        if any("LIVE2017" in v.split("|")[0].split(",") for v in e["columns"].values())
    }


def test_every_table_and_column_of_the_live_schema_powerschool_ships_is_known():
    dictionary = powerschool_dictionary()
    live = live_schema()
    assert len(live) > 900 and sum(len(c) for c in live.values()) > 12000
    refused = []
    for table, columns in live.items():
        verdict = dictionary.judge_table(table)
        if verdict is not None and verdict.severity != "warning":
            refused.append(f"{table}: {verdict.message}")
        for column in columns:
            if not dictionary.has_field(table, column):
                refused.append(f"{table}.{column} unknown")
            column_verdict = dictionary.judge_column(table, column)
            if column_verdict is not None and column_verdict.severity != "warning":
                refused.append(f"{table}.{column}: {column_verdict.message}")
    assert refused == []


def _named_queries(tables: dict[str, list[str]]) -> str:
    queries = []
    for number, (table, columns) in enumerate(sorted(tables.items())):
        selected = ", ".join(f"t.{c} AS c{i}" for i, c in enumerate(columns))
        listed = "".join(f'<column column="{table}.{c}">c{i}</column>' for i, c in enumerate(columns))
        queries.append(
            f'<query name="org.example.live.q{number}" flattened="true"><columns>{listed}</columns>'
            f"<sql><![CDATA[SELECT {selected} FROM {table} t ORDER BY 1]]></sql></query>"
        )
    return "<queries>\n" + "\n".join(queries) + "\n</queries>\n"


PLUGIN = (
    '<plugin xmlns="http://plugin.powerschool.pearson.com" name="Live schema" version="1.0">'
    '<publisher name="District IT"><contact email="it@example.org"/></publisher></plugin>'
)
NAME_RULES = ("SQ304", "SQ305", "SQ306", "PQ212")


def test_lint_accepts_every_table_and_column_of_the_live_schema_powerschool_ships(tmp_path):
    """One query per live table reading all its columns, in SQL and in column=: no name error."""
    path = tmp_path / "live.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("plugin.xml", PLUGIN)
        archive.writestr("queries_root/org.example.live.named_queries.xml", _named_queries(live_schema()))
    findings = lint(path).findings
    errors = [f"{f.code} {f.query}: {f.message}" for f in findings if f.severity is Severity.ERROR]
    assert errors == []
    older_warnings = [f for f in findings if f.code == "SQ304" and "older PowerSchool servers" in f.message]
    assert len(older_warnings) > 300  # PowerSchool's own older tables: a warning each, not an error


def test_validate_accepts_the_live_names_the_scrape_got_wrong(runner, tmp_path):
    from helpers import example_config, write_tree

    sql = """
        SELECT a.PERIODS_ABSENT AS periods_absent, d.ATTENDANCE_DATE AS attendance_date,
               q.DATE_VALUE AS queued_on, q.COUNTVALUE AS queued, t.GROUPVALUE AS staff_group,
               f.TIME AS fee_time, ps.ID AS section_id
        FROM ATT_DAYPART_CURYEAR a
        JOIN DAILYATTENDANCE d ON d.STUDENTID = a.STUDENTID
        JOIN QUEUE q ON q.ID = a.STUDENTID
        JOIN TEACHERS t ON t.ID = a.STUDENTID
        JOIN FEE f ON f.ID = a.STUDENTID
        JOIN PSM_SECTION ps ON ps.ID = a.STUDENTID
        ORDER BY 1
    """
    toml = """
        summary = "Live names"
        description = "Columns of a live PowerSchool the docs scrape misnamed"
        group = "custom"
        core_table = "STUDENTS"
        file_name = "live.csv"
        columns = [
          { alias = "periods_absent", column = "ATT_DAYPART_CURYEAR.PERIODS_ABSENT" },
          { alias = "attendance_date", column = "DAILYATTENDANCE.ATTENDANCE_DATE" },
          { alias = "queued_on", column = "QUEUE.DATE_VALUE" },
          { alias = "queued", column = "QUEUE.COUNTVALUE" },
          { alias = "staff_group", column = "TEACHERS.GROUPVALUE" },
          { alias = "fee_time", column = "FEE.TIME" },
          { alias = "section_id", column = "PSM_SECTION.ID" },
        ]
    """
    write_tree(
        tmp_path,
        {"plugin.toml": example_config(), "queries/live_names.sql.j2": sql, "queries/live_names.toml": toml},
    )
    result = runner.invoke(main, ["validate", "-c", str(tmp_path / "plugin.toml"), "--format", "json"])
    report = json.loads(result.stdout)
    mine = [f for f in report["findings"] if (f.get("query") or "").endswith(".live_names")]
    assert [f for f in mine if f["severity"] == "error"] == []
    assert any(f["code"] == "SQ304" and "PSM_SECTION" in f["message"] for f in mine)  # older: a warning


def test_no_dictionary_name_is_an_oracle_reserved_word_or_longer_than_30_bytes():
    reserved = _compact_tool().ORACLE_RESERVED
    dictionary = powerschool_dictionary()
    bad = [
        f"{table}.{column}"
        for table, columns in dictionary.tables.items()
        for column in columns
        if column in reserved or len(column.encode()) > 30
    ]
    assert bad == []
    # table names: Oracle 12.2 allows 128 bytes (PowerSchool's newest tables use more than 30)
    assert [t for t in dictionary.tables if t in reserved or len(t.encode()) > 128] == []
    assert "DATE" in reserved and "GROUP" in reserved  # the list is Oracle's, not empty


QUALIFIED_NAME_RE = re.compile(r"\b([A-Z][A-Z0-9_$#]*)\.([A-Z][A-Z0-9_$#]*)\b")


def test_every_name_wrong_names_suggests_exists():
    dictionary = powerschool_dictionary()
    wrong_tables, wrong_columns = load_wrong_names()
    suggested = {
        m.groups()
        for hint in [*wrong_tables.values(), *wrong_columns.values()]
        for m in QUALIFIED_NAME_RE.finditer(hint)
    }
    assert len(suggested) > 30
    missing = sorted(f"{t}.{c}" for t, c in suggested if not dictionary.has_field(t, c))
    assert missing == []
    # and no wrong form is itself a dictionary column
    packaged = load_full_dictionary()
    assert [k for k in wrong_columns if k.partition(".")[2] in packaged.get(k.partition(".")[0], {})] == []


def test_the_scrapes_wrong_forms_point_at_the_real_column():
    dictionary = powerschool_dictionary()
    assert dictionary.has_field("ATT_DAYPART_CURYEAR", "PERIODS_ABSENT")
    typo = dictionary.judge_column("ATT_DAYPART_CURYEAR", "PERIOD_ABSENT")
    assert typo.severity == "error" and "ATT_DAYPART_CURYEAR.PERIODS_ABSENT" in typo.hint
    assert dictionary.judge_column("ATT_DAYPART_CURYEAR", "PERIODS_ABSNT").suggestions == ("PERIODS_ABSENT",)
    assert "DATE_VALUE" in dictionary.judge_column("QUEUE", "DATE").hint
    assert "COUNTVALUE" in dictionary.judge_column("QUEUE", "COUNT").hint
    for table, column in [("STATS", "DATE_VALUE"), ("SCHOOLFEE", "DATE_VALUE"), ("CLASSRANK", "LOG")]:
        assert dictionary.has_field(table, column)
    assert dictionary.has_field("BLOBS", "DATA") and dictionary.has_field("TEACHERS", "NOTES")
    assert dictionary.has_field("TEACHERS", "GROUPVALUE") and not dictionary.has_field("TEACHERS", "GROUP")
    # DAILYATTENDANCE's scraped page repeated CYCLE_DAY's columns
    assert dictionary.has_field("DAILYATTENDANCE", "ATTENDANCE_DATE")
    assert dictionary.judge_column("DAILYATTENDANCE", "DAY_NAME").severity == "error"
    assert (
        len(
            [
                c
                for c in dictionary.columns("PGFINALGRADESSETUP")
                if "LIVE2017" == table_info("PGFINALGRADESSETUP").evidence[c]
            ]
        )
        == 17
    )


def test_live_types_win_where_the_scrape_is_implausible_and_both_are_kept():
    dictionary = powerschool_dictionary()
    assert dictionary.family("COURSES", "TERMSOFFERED") == "CLOB"
    assert dictionary.family("STUDENTS", "WM_PASSWORD") == "CLOB"
    assert dictionary.family("ATTENDANCE", "PROGRAMID") == "NUMBER"
    assert dictionary.family("FEE", "TIME") == "NUMBER"
    assert dictionary.family("ATT_DAYPART_CURYEAR", "DFLT_CONVERSION_MODE_CODE") == "VARCHAR2"
    assert table_info("COURSES").other_types["TERMSOFFERED"] == "DD=VARCHAR2(40)"
    # a text column widened to CLOB later is plausible: the scrape's CLOB stays, the live type beside it
    assert dictionary.family("SERVER_CONFIG", "CONFIG_VALUE") == "CLOB"
    assert table_info("SERVER_CONFIG").other_types["CONFIG_VALUE"].startswith("LIVE2017=VARCHAR2")


def test_the_scrape_wins_on_columns_newer_than_the_live_schema():
    dictionary = powerschool_dictionary()
    assert dictionary.has_field("USERSCOREFIELDS", "PSCORE_LEGAL_FIRST_NAME")
    assert dictionary.has_field("PERSON", "FIRSTNAME") and dictionary.has_field("EMAILADDRESS", "EMAILADDRESS")
    assert "LIVE2017" not in table_info("USERSCOREFIELDS").evidence["PSCORE_LEGAL_FIRST_NAME"]


def test_older_tables_are_a_warning_and_district_prefixes_keep_their_judgement():
    dictionary = powerschool_dictionary()
    older = dictionary.judge_table("PSM_SECTION")
    assert dictionary.status("PSM_SECTION") == OLDER
    assert older.severity == "warning" and "present on older PowerSchool servers" in older.message
    assert "check yours" in older.message
    unknown_column = dictionary.judge_column("PSM_SECTION", "NO_SUCH_COLUMN")
    assert unknown_column.severity == "warning"
    for name in ("U_SPED_STUDENTS2", "S_TX_STU_X"):
        assert dictionary.judge_table(name).kind == "unverified-table"
    assert dictionary.judge_table("PSM_SECTIONZZZ").severity == "error"
    assert dictionary.status("S_CA_STU_X") != OLDER  # state tables are not taken from the live schema
    # a district that declares an older table has it without a warning
    assert dictionary.extended({"PSM_SECTION": {"ID": "NUMBER"}}).judge_table("PSM_SECTION") is None


def test_dictionary_command_shows_each_columns_sources_and_both_types(runner):
    result = runner.invoke(main, ["dictionary", "COURSES"])
    assert result.exit_code == 0, result.output
    (line,) = [line for line in result.output.splitlines() if line.split()[:1] == ["TERMSOFFERED"]]
    assert line.split()[1] == "CLOB" and "LIVE2017" in line and "(DD: VARCHAR2(40))" in line
    assert "LIVE2017: a live PowerSchool" in result.output
    shown = json.loads(runner.invoke(main, ["dictionary", "COURSES", "--format", "json"]).output)
    (termsoffered,) = [c for c in shown["columns"] if c["name"] == "TERMSOFFERED"]
    assert termsoffered["other_type"] == {"source": "DD", "type": "VARCHAR2(40)"}
    assert set(termsoffered["evidence"]) >= {"DD", "LIVE2017"}


def test_a_date_output_may_take_a_timestamp_placeholder():
    dictionary = powerschool_dictionary().extended({"U_EVENTS": {"WHENCREATED": "TIMESTAMP(6)", "NAME": "VARCHAR2"}})
    assert placeholder_field(dictionary, "DATE", "U_EVENTS") == "U_EVENTS.WHENCREATED"


def test_date_and_timestamp_mix_without_error(tmp_path):
    """PERSON.WHENCREATED is TIMESTAMP(6) in the scrape, STUDENTS.ENTRYDATE a DATE: one family."""
    assert table_info("PERSON").columns["WHENCREATED"].startswith("TIMESTAMP")
    join = "FROM STUDENTS s JOIN PERSON p ON p.ID = s.PERSON_ID"
    sqls = [
        "SELECT p.WHENCREATED AS changed FROM PERSON p UNION ALL SELECT s.ENTRYDATE AS changed FROM STUDENTS s ORDER BY 1",
        f"SELECT CASE WHEN s.ID > 1 THEN p.WHENCREATED ELSE s.ENTRYDATE END AS changed {join} ORDER BY 1",
        f"SELECT COALESCE(p.WHENCREATED, s.ENTRYDATE) AS changed {join} ORDER BY 1",
        f"SELECT s.ENTRYDATE AS changed {join} WHERE p.WHENCREATED > s.ENTRYDATE - 1 ORDER BY 1",
    ]
    queries = "".join(
        f'<query name="org.example.dates.q{i}" flattened="true"><columns>'
        '<column column="STUDENTS.ENTRYDATE">changed</column></columns>'
        f"<sql><![CDATA[{sql}]]></sql></query>"
        for i, sql in enumerate(sqls)
    )
    path = tmp_path / "mix.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("plugin.xml", PLUGIN)
        archive.writestr("queries_root/org.example.dates.named_queries.xml", f"<queries>{queries}</queries>")
    findings = lint(path).findings
    assert [f.code for f in findings if f.severity is Severity.ERROR or f.code == "SQ320"] == []


EXTENSION = """<?xml version="1.0" encoding="UTF-8"?>
<psExtension xmlns="http://www.powerschool.com">
  <extensionname>SPED</extensionname>
  <extendedTable type="child" coreTable="STUDENTS" dbTableName="U_SPED_STUDENTS2">
    <field name="Plan" type="String" length="20"/>
  </extendedTable>
</psExtension>
"""


def test_lint_knows_the_coretable_key_of_an_extension_table(tmp_path):
    query = (
        '<queries><query name="org.example.sped.plans" coreTable="students" flattened="true"><columns>'
        '<column column="U_SPED_STUDENTS2.STUDENTSDCID">dcid</column><column column="U_SPED_STUDENTS2.PLAN">plan</column>'
        "</columns><sql><![CDATA[SELECT x.STUDENTSDCID AS dcid, x.PLAN AS plan FROM U_SPED_STUDENTS2 x ORDER BY 1]]>"
        "</sql></query></queries>"
    )
    findings = {}
    for with_core_table in (True, False):
        path = tmp_path / f"sped{with_core_table}.zip"
        extension = EXTENSION if with_core_table else EXTENSION.replace(' coreTable="STUDENTS"', "")
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("plugin.xml", PLUGIN)
            archive.writestr("queries_root/org.example.sped.named_queries.xml", query)
            archive.writestr("user_schema_root/sped.xml", extension)
        findings[with_core_table] = [f.code for f in lint(path).findings if f.code in ("SQ305", "PQ212")]
    assert findings[True] == []
    assert findings[False]  # without coreTable= the key is not PowerSchool's to create


def test_unused_full_access_fields_are_advised_as_write_back(tmp_path):
    plugin = PLUGIN.replace(
        "</plugin>",
        '<oauth/><access_request><field table="STUDENTS" field="DCID" access="ViewOnly"/>'
        '<field table="STOREDGRADES" field="GRADE" access="FullAccess"/>'
        '<field table="STUDENTS" field="SSN" access="ViewOnly"/></access_request></plugin>',
    )
    query = (
        '<queries><query name="org.example.grades.students" coreTable="students" flattened="true"><columns>'
        '<column column="STUDENTS.DCID">dcid</column></columns>'
        "<sql><![CDATA[SELECT s.DCID AS dcid FROM STUDENTS s ORDER BY 1]]></sql></query></queries>"
    )
    path = tmp_path / "grades.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("plugin.xml", plugin)
        archive.writestr("queries_root/org.example.grades.named_queries.xml", query)
    unused = {QUALIFIED_NAME_RE.search(f.message).group(0): f for f in lint(path).findings if f.code == "AC401"}
    assert set(unused) == {"STOREDGRADES.GRADE", "STUDENTS.SSN"}
    assert "writes it back" in unused["STOREDGRADES.GRADE"].hint
    assert "FullAccess" in unused["STOREDGRADES.GRADE"].message
    assert unused["STUDENTS.SSN"].hint.startswith("remove it")
    assert all(f.severity is Severity.WARNING for f in unused.values())


@pytest.mark.parametrize("table", ["ATT_DAYPART_CURYEAR", "DAILYATTENDANCE", "PSM_SECTION"])
def test_preview_can_create_merged_and_older_tables(table):
    import duckdb

    from plugin_builder.sql.dictionary import create_tables

    con = duckdb.connect()
    create_tables(con, [table])
    columns = {
        r[0]
        for r in con.execute(
            f"SELECT column_name FROM information_schema.columns WHERE table_name = '{table}'"
        ).fetchall()
    }
    assert columns == set(powerschool_dictionary().columns(table))


def test_the_shipped_dictionary_is_what_the_tool_writes_from_the_references():
    """No hand edits in the gzip: corrections live in tools/compact_dictionary.py."""
    live_path = next((p for p in LIVE_CANDIDATES if p is not None and p.is_file()), None)
    if live_path is None:
        pytest.skip(f"{LIVE_NAME} is not beside the repository")
    reference = live_path.parent
    tool = _compact_tool()
    hot, evidence = tool.compact(
        json.loads((reference / "powerschool-dictionary.json").read_text(encoding="utf-8")),
        json.loads((reference / "powerschool-audit-columns.json").read_text(encoding="utf-8")),
        json.loads(live_path.read_text(encoding="utf-8"))["tables"],
    )
    for name, document in (
        ("powerschool-dictionary.json.gz", hot),
        ("powerschool-dictionary-evidence.json.gz", evidence),
    ):
        with gzip.open(data_path(name), "rb") as handle:
            assert json.loads(handle.read()) == document, name
    shipped = json.loads(Path(data_path("wrong-names.json")).read_text(encoding="utf-8"))
    assert tool.wrong_names_with_renames(shipped) == shipped  # every corrected form is a known-wrong name
