"""The synthetic district's calendar and hard cases (the generator is tested through preview
too; these pin what the Oracle-facing queries rely on)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from plugin_builder.preview.synthetic import AGENCY_PERSON_ID, generate, school_days


@pytest.fixture(scope="module")
def district():
    con = duckdb.connect()
    generate(con, 3000, seed=2)
    return con


def test_attendance_is_taken_on_school_days_only(district):
    dates = [d for (d,) in district.execute("SELECT DISTINCT ATT_DATE FROM ATTENDANCE ORDER BY 1").fetchall()]
    in_session = {
        d for (d,) in district.execute("SELECT DISTINCT DATE_VALUE FROM CALENDAR_DAY WHERE INSESSION = 1").fetchall()
    }
    assert len(dates) == 15
    assert all(d.weekday() < 5 and d in in_session for d in dates)
    assert not any(dt.date(2025, 12, 20) <= d <= dt.date(2026, 1, 5) for d in dates)  # winter break


def test_calendar_has_weekends_and_breaks_out_of_session():
    days = dict(school_days(2025))
    assert days[dt.date(2025, 9, 1)] is False  # Labor Day
    assert days[dt.date(2025, 11, 27)] is False  # Thanksgiving
    assert days[dt.date(2025, 12, 29)] is False  # winter break
    assert days[dt.date(2026, 1, 6)] is True
    assert days[dt.date(2026, 1, 10)] is False  # a Saturday


def test_the_hard_cases_of_many_links_are_there(district):
    guardian = district.execute(
        f"SELECT COUNT(*) FROM STUDENTCONTACTASSOC WHERE PERSONID = {AGENCY_PERSON_ID}"
    ).fetchone()[0]
    assert guardian == 1000
    contacts = district.execute(
        "SELECT MAX(n) FROM (SELECT STUDENTDCID, COUNT(*) AS n FROM STUDENTCONTACTASSOC GROUP BY 1)"
    ).fetchone()[0]
    assert contacts >= 20
    sections = district.execute(
        "SELECT COUNT(DISTINCT SECTIONID) FROM SECTIONTEACHER WHERE TEACHERID = 5001"
    ).fetchone()[0]
    assert sections == 60
