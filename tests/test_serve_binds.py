"""serve: request args typed like PowerSchool types them, by the dictionary type of column=."""

from __future__ import annotations

import datetime as dt

import pytest

from plugin_builder.serve.binds import ArgError, ArgSpec, arg_family, typed_binds

YEAR = ArgSpec("yearid", "TERMS.YEARID")
START = ArgSpec("start_date", "attendance.att_date")
NAME = ArgSpec("last_name", "STUDENTS.LAST_NAME")
SCHOOLS = ArgSpec("schools", "STUDENTS.SCHOOLID", is_array=True)
REQUIRED = ArgSpec("student_number", "STUDENTS.STUDENT_NUMBER", required=True, description="the student's number")


def test_families_come_from_the_dictionary_case_insensitively():
    assert arg_family(YEAR) == "NUMBER"
    assert arg_family(START) == "DATE"
    assert arg_family(NAME) == "VARCHAR2"
    assert arg_family(ArgSpec("x", None)) == "VARCHAR2"  # no column=: text
    assert arg_family(ArgSpec("x", "NOSUCH.TABLE")) == "VARCHAR2"


@pytest.mark.parametrize(
    ("arg", "given", "expected"),
    [
        (YEAR, 35, 35),
        (YEAR, "35", 35),
        (YEAR, 35.0, 35),
        (YEAR, "2.5", 2.5),
        (START, "2026-01-12", dt.date(2026, 1, 12)),
        (NAME, "O'Brien", "O'Brien"),
        (NAME, 12, "12"),
        (NAME, "", None),  # '' is NULL
        (YEAR, None, None),
        (SCHOOLS, [100, "101"], (100, 101)),
        (SCHOOLS, [], None),
    ],
)
def test_values_are_typed_by_column(arg, given, expected):
    assert typed_binds({arg.name: given}, [arg]) == {arg.name: expected}


@pytest.mark.parametrize(
    ("arg", "body", "message"),
    [
        (YEAR, {"yearid": "abc"}, "'abc' is not a number (TERMS.YEARID is NUMBER)"),
        (YEAR, {"yearid": True}, "expected a number"),
        (YEAR, {"yearid": [35]}, "expected a single value, not a JSON array"),
        (START, {"start_date": "2026/01/12"}, "write YYYY-MM-DD"),
        (START, {"start_date": "2026-02-30"}, "not a valid date"),
        (START, {"start_date": 20260112}, "is not a date"),
        (SCHOOLS, {"schools": 100}, "array arg: give a JSON array"),
        (SCHOOLS, {"schools": ["x"]}, "arg 'schools'[0]: 'x' is not a number"),
        (REQUIRED, {}, "arg 'student_number' is required (the student's number)"),
        (REQUIRED, {"student_number": ""}, "is required"),
        (YEAR, {"YearID": 35}, "arg names are case-sensitive; did you mean 'yearid'?"),
        (YEAR, {"school": 1}, "unknown arg 'school'; this query's args: 'yearid'"),
        (YEAR, {"$q": "x==1"}, "'$q' is not emulated"),
    ],
)
def test_bad_args_are_refused_with_a_reason(arg, body, message):
    with pytest.raises(ArgError) as raised:
        typed_binds(body, [arg])
    assert message in str(raised.value)


def test_defaults_apply_when_an_arg_is_left_out():
    args = [
        ArgSpec("low", "STUDENTS.GRADE_LEVEL", default="0"),
        ArgSpec("school", "STUDENTS.SCHOOLID", default="~(curschoolid)"),
    ]
    assert typed_binds({}, args) == {"low": 0, "school": None}
    assert typed_binds({"low": 5}, args) == {"low": 5, "school": None}


def test_the_body_must_be_an_object():
    with pytest.raises(ArgError, match="JSON object"):
        typed_binds([1, 2], [YEAR])  # type: ignore[arg-type]
