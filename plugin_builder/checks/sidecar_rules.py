"""Rules on a query we render from a template and its TOML sidecar (PQ23x).

They need what the sidecar declared, so they report nothing when ``lint`` checks a plugin
built elsewhere (there, ``<column>`` text and SQL aliases may differ on purpose).
"""

from __future__ import annotations

from collections.abc import Iterator

from plugin_builder.build.model import QueryDef
from plugin_builder.checks.engine import CheckContext, Hit, rule
from plugin_builder.findings import Severity
from plugin_builder.sql.sqlparse import output_expressions


@rule("PQ230", "sidecar.alias-differs-from-sql", scope="query")
def sidecar_alias_differs(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """Each SELECT output's alias equals its sidecar ``alias`` (or ``sql_alias``), in order.

    PowerSchool maps ``<column>`` headers to the SELECT by position only, so an alias that
    differs from its header is almost always an output in the wrong place: the file then
    carries one column's data under another's header. A header longer than Oracle's 30 bytes
    declares the shorter alias the SQL uses as ``sql_alias`` (the identifier-length rule
    warns about a longer alias).

    The examples are project folders, each file after a ``== <path>`` line.

    Bad::

        # project
        == plugin.toml
        [plugin]
        name = "Grades Export"
        version = "1.0.0"
        publisher = "District IT"
        contact_email = "it@example.org"
        namespace = "org.example.grades"
        [queries]
        include = ["student_grades"]
        == queries/student_grades.toml
        summary = "Student grade levels"
        group = "grades"
        core_table = "STUDENTS"
        columns = [{ alias = "student_number", column = "STUDENTS.STUDENT_NUMBER" },
                   { alias = "grades", column = "STUDENTS.GRADE_LEVEL" }]
        == queries/student_grades.sql.j2
        SELECT s.STUDENT_NUMBER AS student_number, s.GRADE_LEVEL AS grade
        FROM STUDENTS s ORDER BY 1

    Good::

        # project
        == plugin.toml
        [plugin]
        name = "Grades Export"
        version = "1.0.0"
        publisher = "District IT"
        contact_email = "it@example.org"
        namespace = "org.example.grades"
        [queries]
        include = ["student_grades"]
        == queries/student_grades.toml
        summary = "Student grade levels"
        group = "grades"
        core_table = "STUDENTS"
        columns = [{ alias = "student_number", column = "STUDENTS.STUDENT_NUMBER" },
                   { alias = "grade", column = "STUDENTS.GRADE_LEVEL" }]
        == queries/student_grades.sql.j2
        SELECT s.STUDENT_NUMBER AS student_number, s.GRADE_LEVEL AS grade
        FROM STUDENTS s ORDER BY 1
    """
    rendered = query.rendered
    if rendered is None or not rendered.spec.metadata_display:
        return
    spec = rendered.spec
    outputs = ctx.analysis(query).outputs
    parsed = ctx.parsed(query)
    written = output_expressions(parsed.statement) if parsed.statement is not None else None
    if not outputs or len(outputs) != len(spec.columns) or written is None or len(written) != len(outputs):
        return  # PQ202 reports the count; SQ rules report an unparsable SELECT
    for index, (output, column) in enumerate(zip(outputs, spec.columns)):
        key = f"columns[{index}]"
        where = {"file": spec.metadata_display, "line": spec.metadata_line(key)}
        wanted = column.select_alias
        if output.name is None:
            yield Hit(
                f"output {index + 1} of the SELECT has no alias; the sidecar calls it {wanted!r}",
                hint=f"end that output with AS {wanted}",
                **where,
            )
        elif output.name.lower() != wanted.lower():
            named = "sql_alias" if column.sql_alias else "alias"
            as_written = written[index].alias_or_name or output.name
            yield Hit(
                f"output {index + 1} of the SELECT is named {as_written!r} but {key}.{named} is {wanted!r}",
                hint=f'write {named} = "{as_written}" here, or AS {wanted} in the SQL; '
                "a different name usually means the columns are out of order",
                **where,
            )


@rule("PQ231", "sidecar.replaces-builtin", Severity.INFO, scope="query")
def sidecar_replaces_builtin(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """A project query with the name of a built-in query replaces the built-in (a note).

    This is how a project changes a built-in query: copy its ``.sql.j2`` and ``.toml`` into
    the project's ``queries/`` and edit them. The note says the built-in is not used, so an
    accidental clash of names does not go unnoticed.

    The examples are project folders, each file after a ``== <path>`` line.

    Bad::

        # project
        == plugin.toml
        [plugin]
        name = "Rostering"
        version = "1.0.0"
        publisher = "District IT"
        contact_email = "it@example.org"
        namespace = "org.example.roster"
        [queries]
        include = ["clever_sections"]
        == queries/clever_sections.toml
        summary = "Sections, the district's way"
        group = "roster"
        core_table = "SECTIONS"
        columns = [{ alias = "section_id", column = "SECTIONS.ID" }]
        == queries/clever_sections.sql.j2
        SELECT sec.ID AS section_id FROM SECTIONS sec ORDER BY 1

    Good::

        # project
        == plugin.toml
        [plugin]
        name = "Rostering"
        version = "1.0.0"
        publisher = "District IT"
        contact_email = "it@example.org"
        namespace = "org.example.roster"
        [queries]
        include = ["district_sections"]
        == queries/district_sections.toml
        summary = "Sections, the district's way"
        group = "roster"
        core_table = "SECTIONS"
        columns = [{ alias = "section_id", column = "SECTIONS.ID" }]
        == queries/district_sections.sql.j2
        SELECT sec.ID AS section_id FROM SECTIONS sec ORDER BY 1
    """
    rendered = query.rendered
    if rendered is None or not rendered.spec.replaces_builtin:
        return
    spec = rendered.spec
    yield Hit(
        f"query {spec.name!r} of the project replaces the built-in query of that name",
        file=spec.metadata_display,
        line=1,
        hint="rename the files to add a query instead of replacing one",
    )


@rule("PQ232", "sidecar.same-output")
def sidecar_same_output(ctx: CheckContext) -> Iterator[Hit]:
    """Two queries write one output file (the same ``group`` and ``file_name``).

    The receiver gets one file: preview kept only the rows of the query written last, and
    the DEM guide would schedule both exports to the same file, each overwriting the
    other. Give each query its own ``file_name`` (or leave the built-in query out with
    ``[queries] exclude`` when the project's query replaces it under another name).

    The examples are project folders, each file after a ``== <path>`` line.

    Bad::

        # project
        == plugin.toml
        [plugin]
        name = "Rostering"
        version = "1.0.0"
        publisher = "District IT"
        contact_email = "it@example.org"
        namespace = "org.example.roster"
        [queries]
        include = ["one_roster_orgs", "district_orgs"]
        == queries/district_orgs.toml
        summary = "Schools, the district's way"
        group = "oneroster"
        core_table = "SCHOOLS"
        file_name = "orgs.csv"
        columns = [{ alias = "sourcedId", column = "SCHOOLS.SCHOOL_NUMBER" }]
        == queries/district_orgs.sql.j2
        SELECT TO_CHAR(sch.SCHOOL_NUMBER) AS "sourcedId" FROM SCHOOLS sch ORDER BY 1

    Good::

        # project
        == plugin.toml
        [plugin]
        name = "Rostering"
        version = "1.0.0"
        publisher = "District IT"
        contact_email = "it@example.org"
        namespace = "org.example.roster"
        [queries]
        include = ["district_orgs"]
        == queries/district_orgs.toml
        summary = "Schools, the district's way"
        group = "oneroster"
        core_table = "SCHOOLS"
        file_name = "orgs.csv"
        columns = [{ alias = "sourcedId", column = "SCHOOLS.SCHOOL_NUMBER" }]
        == queries/district_orgs.sql.j2
        SELECT TO_CHAR(sch.SCHOOL_NUMBER) AS "sourcedId" FROM SCHOOLS sch ORDER BY 1
    """
    from plugin_builder.preview.writers import output_file

    by_output: dict[str, list] = {}
    for query in ctx.model.queries:
        if query.rendered is None:
            continue  # a plugin built elsewhere declares no output files
        spec = query.rendered.spec
        by_output.setdefault(output_file(spec.name, spec.group, spec.file_name), []).append(spec)
    for output, specs in sorted(by_output.items()):
        if len(specs) < 2:
            continue
        specs.sort(key=lambda s: (s.origin != "project", s.name))  # point at the project's own sidecar
        names = [s.name for s in sorted(specs, key=lambda s: s.name)]
        where = specs[0]
        yield Hit(
            f"{len(names)} queries write {output}: {', '.join(names)}; the receiver would get one "
            "query's rows and lose the others'",
            file=where.metadata_display,
            line=where.metadata_line("file_name") or 1,
            hint="give each query its own file_name, or leave one out with [queries] exclude",
        )
