"""``[schools]`` against the district preview ran on (PV669): a school number that names no school."""

from __future__ import annotations

from collections.abc import Iterator

from plugin_builder.checks.engine import Hit, rule
from plugin_builder.findings import Severity
from plugin_builder.preview.checkers.outputs import DistrictData
from plugin_builder.userfiles import display_path, toml_key_lines

CLOSEST = 3  # school numbers shown as the closest present


def closest_schools(number: int, schools: list[tuple[int, str]], count: int = CLOSEST) -> list[tuple[int, str]]:
    """The ``count`` schools whose numbers are nearest ``number`` (ties: the smaller number)."""
    return sorted(schools, key=lambda s: (abs(s[0] - number), s[0]))[:count]


@rule("PV669", "settings.school-unknown", Severity.WARNING, scope="district")
def school_unknown(district: DistrictData) -> Iterator[Hit]:
    """Every school number of ``[schools]`` include/exclude is a SCHOOLS.SCHOOL_NUMBER of the district.

    A number that names no school filters nothing: with ``include`` its school is simply
    missing from every file, with ``exclude`` the school meant to stay out is exported. The
    finding names the closest school numbers the district has. On the synthetic district
    (``--students``) the numbers are made up; preview on an extract (``--db``, ``--tables``)
    judges the district's own.

    Bad::

        -- district
        -- plugin.toml: [schools]
        -- plugin.toml: include = [101, 130]
        INSERT INTO SCHOOLS (NAME, SCHOOL_NUMBER) VALUES ('Lincoln Elementary', 101);
        INSERT INTO SCHOOLS (NAME, SCHOOL_NUMBER) VALUES ('Roosevelt Middle', 103);

    Good::

        -- district
        -- plugin.toml: [schools]
        -- plugin.toml: include = [101, 103]
        INSERT INTO SCHOOLS (NAME, SCHOOL_NUMBER) VALUES ('Lincoln Elementary', 101);
        INSERT INTO SCHOOLS (NAME, SCHOOL_NUMBER) VALUES ('Roosevelt Middle', 103);
    """
    project = district.project
    settings = getattr(project, "schools", None)
    if settings is None or not settings.filtered:
        return
    import duckdb

    try:
        rows = district.con.execute(
            "SELECT SCHOOL_NUMBER, NAME FROM SCHOOLS WHERE SCHOOL_NUMBER IS NOT NULL"
        ).fetchall()
    except duckdb.Error:
        return  # a district without SCHOOLS has nothing to match against
    schools = sorted({(int(number), str(name or "")) for number, name in rows})
    present = {number for number, _ in schools}
    config = display_path(project.config_path)
    try:
        lines = toml_key_lines(project.config_path.read_text(encoding="utf-8-sig"))
    except OSError:
        lines = {}
    for key, number in settings.configured:
        if number in present:
            continue
        near = closest_schools(number, [s for s in schools if s[0] != 0])
        shown = ", ".join(f"{n} ({name})" if name else str(n) for n, name in near)
        effect = (
            "no school is exported for it"
            if key == "schools.include"
            else "it excludes nothing, so a school meant to stay out may be exported"
        )
        yield Hit(
            f"{key} lists {number}, which is no SCHOOLS.SCHOOL_NUMBER of this district: {effect}",
            file=config,
            line=lines.get(key) or lines.get("schools"),
            hint=f"closest school numbers present: {shown}" if shown else "the district has no school",
        )
