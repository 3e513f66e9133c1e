"""Personal data and education records, chosen from the dictionary's tables and columns, and
shown in the review report with what plugin.toml declares and suppresses."""

from __future__ import annotations

import pytest
from helpers import write_tree

from plugin_builder.pipeline import review as build_review
from plugin_builder.reports.review import render_review
from plugin_builder.sql import personal_data
from plugin_builder.sql.dictionary import load_dictionary, powerschool_dictionary


class FakeDictionary:
    """Tables by their columns only, as the classification reads them."""

    def __init__(self, tables):
        self.tables = tables

    def columns(self, table):
        return self.tables.get(table)


DICTIONARY = FakeDictionary(
    {
        "STOREDGRADES": {"STUDENTID": "NUMBER", "GRADE": "VARCHAR2", "PERCENT": "NUMBER", "GPA_POINTS": "NUMBER"},
        "TEST": {"ID": "NUMBER", "NAME": "VARCHAR2"},
        "STUDENTTESTSCORE": {"STUDENTID": "NUMBER", "NUMSCORE": "NUMBER"},
        "FEE_TYPE": {"ID": "NUMBER", "NAME": "VARCHAR2"},
        "FEE_TRANSACTION": {"STUDENTID": "NUMBER", "AMOUNT": "NUMBER"},
        "ATTENDANCE_CODE": {"ID": "NUMBER", "ATT_CODE": "VARCHAR2"},
        "ATTENDANCE": {"STUDENTID": "NUMBER", "ATT_DATE": "DATE", "ATT_COMMENT": "VARCHAR2"},
    }
)


@pytest.mark.parametrize(
    ("table", "column", "category"),
    [
        ("STOREDGRADES", "GRADE", "grades and credits"),
        ("STOREDGRADES", "PERCENT", "grades and credits"),
        ("STOREDGRADES", "GPA_POINTS", "GPA"),
        ("STOREDGRADES", "STUDENTID", None),  # the key links the record; it is not the record
        ("STUDENTTESTSCORE", "NUMSCORE", "tests"),
        ("TEST", "NAME", None),  # test definitions: no key to a person
        ("FEE_TRANSACTION", "AMOUNT", "fees"),
        ("FEE_TYPE", "NAME", None),
        ("ATTENDANCE", "ATT_DATE", "attendance"),
        ("ATTENDANCE", "ATT_COMMENT", "attendance"),
        ("ATTENDANCE_CODE", "ATT_CODE", None),
        ("SPENROLLMENTS", "ENTER_DATE", "special programs and cohorts"),
        ("INCIDENT", "INCIDENT_TS", "discipline and log entries"),
        ("LOG", "ENTRY", "discipline and log entries"),
        ("HEALTHSTUDIMMREC", "VACCINE", "health"),
        ("STUDENTS", "ALERT_MEDICAL", "health"),
        ("STUDENTCONTACTASSOC", "CURRRELTYPECODESETID", None),
        ("STUDENTCONTACTDETAIL", "RELATIONSHIPNOTE", "contacts"),
        ("STUDENTS", "HOME_PHONE", "addresses and phones"),
        ("STUDENTS", "SSN", "identity"),
        ("U_DISTRICT_BUS", "STREET", "addresses and phones"),  # an extension, by its column's name
        ("SECTIONS", "ROOM", None),
    ],
)
def test_categories_from_tables_and_columns(table, column, category):
    assert personal_data.category(table, column, DICTIONARY) == category


def test_the_shipped_dictionary_is_classified_by_pattern_not_by_a_list():
    """Every table of the shipped dictionary whose rows record people of a kind is found."""
    dictionary = powerschool_dictionary()
    found = {}
    for table in load_dictionary():
        kind = personal_data.table_category(table, dictionary)
        if kind:
            found.setdefault(kind, set()).add(table)
    assert "ATTENDANCE" in found.get("attendance", set())
    assert "SPENROLLMENTS" in found.get("special programs and cohorts", set())


def test_sq315_and_the_review_share_one_judgement():
    from plugin_builder.checks import sql_rules

    assert sql_rules.sensitive is personal_data.sensitive
    assert personal_data.sensitive("STUDENTS", "SSN") == "social security number"
    assert personal_data.category("STUDENTS", "SSN") == "identity"
    assert personal_data.sensitive("USERS", "PASSWORD") and personal_data.category("USERS", "PASSWORD") == "credential"


CONFIG = """
[plugin]
name = "Grades Export"
version = "1.0.0"
publisher = "District IT"
contact_email = "it@example.org"
namespace = "org.example.grades"
oauth = true

[queries]
include = ["student_grades", "section_attendance", "ed_fi_student_cohort_associations"]

[dictionary]
extensions = { STOREDGRADES = { STUDENTID = "NUMBER", GRADE = "VARCHAR2", PERCENT = "NUMBER" } }

[checks.suppress]
student_grades = { SQ301 = "the receiver sorts the file itself" }
"""


def test_the_review_flags_education_records_and_shows_declarations(tmp_path):
    write_tree(
        tmp_path,
        {
            "plugin.toml": CONFIG,
            "queries/student_grades.sql.j2": "SELECT s.STUDENT_NUMBER AS student_number, sg.GRADE AS grade, sg.PERCENT AS percent\n"
            "FROM STOREDGRADES sg JOIN STUDENTS s ON s.ID = sg.STUDENTID\n",
            "queries/student_grades.toml": 'summary = "Stored grades"\ngroup = "grades"\ncore_table = "STOREDGRADES"\n'
            'columns = [{ alias = "student_number" }, { alias = "grade" }, { alias = "percent" }]\n',
        },
    )
    review = build_review(tmp_path / "plugin.toml").report
    by_name = {q.name.rsplit(".", 1)[1]: q for q in review.queries}
    assert by_name["student_grades"].pii["grades and credits"] == ["STOREDGRADES.GRADE", "STOREDGRADES.PERCENT"]
    assert "attendance" in by_name["section_attendance"].pii
    assert "special programs and cohorts" in by_name["ed_fi_student_cohort_associations"].pii
    for fmt in ("md", "html"):
        text = render_review(review, fmt)
        assert "STOREDGRADES" in text and "PERCENT NUMBER" in text  # the [dictionary] declaration
        assert "SQ301" in text and "the receiver sorts the file itself" in text  # the suppression and its reason
        assert "grades and credits" in text and "Personal data: none" not in text
