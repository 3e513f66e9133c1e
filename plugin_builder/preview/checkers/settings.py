"""Settings checked against the district preview ran on (PV660): each name plugin.toml gives
(teacher roles, contact relationship codes, attendance codes, cohort programs) is compared with
the names the district holds, so that a district's own spelling is caught on its extract."""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Iterator

from plugin_builder.checks.engine import Hit, rule
from plugin_builder.findings import Severity
from plugin_builder.preview.checkers.outputs import DistrictData, Setting
from plugin_builder.userfiles import display_path

# setting -> (what the district calls it, SQL listing the names it holds, the outputs that use it,
# matched as globs). The SQL is DuckDB's, on the preview database.
ROLE_NAMES = "SELECT DISTINCT NAME FROM ROLEDEF WHERE NAME IS NOT NULL"
RELATIONSHIP_CODES = (  # the relationship code set, and any code a contact's relationship uses
    "SELECT DISTINCT CODE FROM CODESET WHERE CODETYPE = 'Relationship' AND CODE IS NOT NULL",
    "SELECT DISTINCT cs.CODE FROM CODESET cs JOIN STUDENTCONTACTDETAIL scd "
    "ON scd.RELATIONSHIPTYPECODESETID = cs.CODESETID WHERE cs.CODE IS NOT NULL",
)
ATTENDANCE_CODES = "SELECT DISTINCT ATT_CODE FROM ATTENDANCE_CODE WHERE ATT_CODE IS NOT NULL"
PROGRAMS = "SELECT DISTINCT NAME FROM GEN WHERE CAT = 'specprog' AND NAME IS NOT NULL"
NAMED = {
    "oneroster.primary_teacher_roles": ("ROLEDEF.NAME", ROLE_NAMES, {"oneroster", "clever", "edfi"}, False),
    "oneroster.secondary_teacher_roles": ("ROLEDEF.NAME", ROLE_NAMES, {"oneroster", "clever", "edfi"}, False),
    "oneroster.parent": ("CODESET relationship code", RELATIONSHIP_CODES, {"oneroster"}, False),
    "oneroster.guardian": ("CODESET relationship code", RELATIONSHIP_CODES, {"oneroster"}, False),
    "oneroster.relative": ("CODESET relationship code", RELATIONSHIP_CODES, {"oneroster"}, False),
    "attendance.tardy_codes": ("ATTENDANCE_CODE.ATT_CODE", ATTENDANCE_CODES, {"attendance"}, False),
    "attendance.excused_codes": ("ATTENDANCE_CODE.ATT_CODE", ATTENDANCE_CODES, {"attendance"}, False),
    "edfi.cohort_programs": ("special program (GEN specprog NAME)", PROGRAMS, {"edfi"}, True),
}


def project_settings(project) -> dict[str, Setting]:
    """The project's settings that name things in the district, with their plugin.toml lines."""
    from plugin_builder.project.config import _key_lines

    try:
        lines = _key_lines(project.config_path.read_text(encoding="utf-8-sig"))
    except OSError:
        lines = {}
    file = display_path(project.config_path)
    settings = {}
    for key in NAMED:
        section, name = key.split(".")
        values = getattr(getattr(project, section), name)
        settings[key] = Setting(tuple(values), file, lines.get(key) or lines.get(section))
    return settings


def closest(value: str, present: list[str]) -> list[str]:
    """The district's names nearest ``value``: the same but for case first, then similar ones."""
    same = [p for p in present if p.casefold() == value.casefold()]
    return same or difflib.get_close_matches(value, present, n=3, cutoff=0.6)


@rule("PV660", "district.unmatched-setting", Severity.WARNING, scope="district")
def unmatched_setting(district: DistrictData) -> Iterator[Hit]:
    """A name plugin.toml gives matches nothing in the district preview ran on.

    Teacher roles are matched with ``ROLEDEF.NAME``, contact relationships with ``CODESET``
    codes, tardy and excused codes with ``ATTENDANCE_CODE.ATT_CODE``, cohort programs (globs)
    with the names of the ``GEN`` special programs, all exactly, case included, as Oracle
    compares them. A name that matches nothing exports nothing: with ``Lead teacher`` for the
    district's ``Lead Teacher`` no class has a primary teacher. The finding names the closest
    values the district holds; run preview on the district's own extract (``--db``,
    ``--tables``) to catch its spelling. A table the district leaves empty is not judged.

    Bad::

        -- district
        -- setting: oneroster.primary_teacher_roles = ["Lead teacher"]
        INSERT INTO ROLEDEF (ID, NAME) VALUES (101, 'Lead Teacher');
        INSERT INTO ROLEDEF (ID, NAME) VALUES (205, 'Co-teacher');

    Good::

        -- district
        -- setting: oneroster.primary_teacher_roles = ["Lead Teacher"]
        INSERT INTO ROLEDEF (ID, NAME) VALUES (101, 'Lead Teacher');
        INSERT INTO ROLEDEF (ID, NAME) VALUES (205, 'Co-teacher');
    """
    import duckdb

    present_by_sql: dict[object, list[str]] = {}
    for key, setting in district.settings:
        if key not in NAMED:
            continue
        what, sql, kinds, globs = NAMED[key]
        if not kinds & district.kinds:
            continue  # no output written that uses this setting
        if sql not in present_by_sql:
            names: set[str] = set()
            for query in (sql,) if isinstance(sql, str) else sql:
                try:
                    names.update(str(v) for (v,) in district.con.execute(query).fetchall())
                except duckdb.Error:
                    pass  # a district without the table: nothing to judge by it
            present_by_sql[sql] = sorted(names)
        present = present_by_sql[sql]
        if not present:
            continue
        section, name = key.split(".")
        for value in setting.values:
            if globs and any(fnmatch.fnmatchcase(p, value) for p in present):
                continue
            if not globs and value in present:
                continue
            near = closest(value, present)
            shown = near or present[:5]
            yield Hit(
                f"[{section}] {name} {value!r} matches no {what} in this district: it exports nothing",
                file=setting.file,
                line=setting.line,
                hint=f"{'closest' if near else 'the district has'}: {', '.join(repr(v) for v in shown)}"
                + ("" if near or len(present) <= 5 else f" … ({len(present)} in all)"),
            )
