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
    if rendered is None or not rendered.spec.replaces_builtin or rendered.spec.unchanged_copy:
        return  # an unchanged copy is PQ234's
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


@rule("PQ234", "sidecar.unchanged-copy", Severity.INFO, scope="query")
def sidecar_unchanged_copy(ctx: CheckContext, query: QueryDef) -> Iterator[Hit]:
    """A copy of a built-in query in the project's ``queries/`` that is still identical to it (a note).

    ``plugin-builder queries --copy NAME`` writes such a copy to be edited. Until it is, it
    renders exactly as the built-in, but it is the project's: a later plugin-builder release
    that fixes the built-in query does not change it. Edit it, or delete both files to use
    the built-in again.

    The examples are project folders, each file after a ``== <path>`` line; a file whose only
    line is ``copy: NAME`` is the built-in catalogue file NAME.

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
        include = ["one_roster_orgs"]
        == queries/one_roster_orgs.sql.j2
        copy: one_roster_orgs.sql.j2
        == queries/one_roster_orgs.toml
        copy: one_roster_orgs.toml

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
        include = ["one_roster_orgs"]
    """
    rendered = query.rendered
    if rendered is None or not rendered.spec.unchanged_copy:
        return
    spec = rendered.spec
    yield Hit(
        f"query {spec.name!r} of the project is an unchanged copy of the built-in query: it renders the same "
        "SQL, but later fixes of the built-in will not reach it",
        file=spec.metadata_display,
        line=1,
        hint=f"edit queries/{spec.name}.sql.j2 or .toml, or delete both to use the built-in again",
    )


@rule("PQ235", "sidecar.project-macros", Severity.INFO)
def sidecar_project_macros(ctx: CheckContext) -> Iterator[Hit]:
    """A project ``queries/_*.sql.j2`` with the name of a built-in macro file replaces it for every query (a note).

    Templates find macros in the project's ``queries/`` first, the built-in queries too: a
    project ``_common.sql.j2`` changes every catalogue query that imports it, not only the
    project's own. The note names the file, so the change is deliberate; a copy that lacks a
    macro the catalogue calls fails at render, naming it.

    The examples are project folders, each file after a ``== <path>`` line; a file whose only
    line is ``copy: NAME`` is the built-in catalogue file NAME.

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
        include = ["one_roster_orgs"]
        == queries/_common.sql.j2
        copy: _common.sql.j2

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
        include = ["one_roster_orgs"]
        == queries/_district.sql.j2
        {% macro active() -%}ENROLL_STATUS = 0{%- endmacro %}
    """
    from plugin_builder.project.catalog import project_macro_files
    from plugin_builder.resources import builtin_queries_dir

    project = ctx.project
    if project is None:
        return
    for path in project_macro_files(project):
        builtin = builtin_queries_dir() / path.name
        if not builtin.is_file():
            continue  # macros of the project's own, under a name of their own
        same = path.read_bytes() == builtin.read_bytes()
        yield Hit(
            f"queries/{path.name} replaces the built-in {path.name} for every query, the built-in ones too"
            + (" (it is still identical to the built-in)" if same else ""),
            file=f"queries/{path.name}",  # as the project's other files are shown
            line=1,
            hint="keep it only to change every query; macros of your own belong in a file of another name",
        )
