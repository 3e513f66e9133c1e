"""OneRoster's own rules: the manifest and ZIP, contacts and students both ways, primary teachers, school orgs, dates in order (PV620-PV626)."""

from __future__ import annotations

import zipfile
from collections import defaultdict
from collections.abc import Iterator


from plugin_builder.checks.engine import Hit, rule
from plugin_builder.preview import formats
from plugin_builder.preview.checkers.lists import cut_lists

from plugin_builder.preview.checkers.outputs import (
    Outputs,
    _flag,
    _split,
    _valid_date,
)


# --------------------------------------------------------------------------- OneRoster


@rule("PV620", "oneroster.manifest", scope="output")
def oneroster_manifest(outputs: Outputs) -> Iterator[Hit]:
    """``manifest.csv`` is there, says OneRoster 1.1, and marks each file ``bulk`` exactly when it is present.

    Bad::

        == oneroster/manifest.csv
        propertyName,value
        manifest.version,1.0
        oneroster.version,1.1
        file.academicSessions,absent
        file.categories,absent
        file.classes,absent
        file.classResources,absent
        file.courses,absent
        file.courseResources,absent
        file.demographics,absent
        file.enrollments,absent
        file.lineItems,absent
        file.orgs,absent
        file.resources,absent
        file.results,absent
        file.users,absent
        == oneroster/orgs.csv
        sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
        d1,,,Example USD,district,,

    Good::

        == oneroster/manifest.csv
        propertyName,value
        manifest.version,1.0
        oneroster.version,1.1
        file.academicSessions,absent
        file.categories,absent
        file.classes,absent
        file.classResources,absent
        file.courses,absent
        file.courseResources,absent
        file.demographics,absent
        file.enrollments,absent
        file.lineItems,absent
        file.orgs,bulk
        file.resources,absent
        file.results,absent
        file.users,absent
        == oneroster/orgs.csv
        sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
        d1,,,Example USD,district,,
    """
    if "oneroster" not in outputs.kinds:
        return
    rel = "oneroster/manifest.csv"
    tables = outputs.tables("oneroster")
    if "manifest.csv" not in tables:
        yield Hit("is missing", file=rel)
        return
    _rel, parsed = tables["manifest.csv"]
    manifest = dict(zip(parsed.col("propertyName"), parsed.col("value")))
    if manifest.get("manifest.version") != "1.0" or manifest.get("oneroster.version") != "1.1":
        yield Hit("needs manifest.version 1.0 and oneroster.version 1.1", file=rel)
    present = {name for name in tables if name != "manifest.csv"}
    for data_file in formats.ONEROSTER_MANIFEST_FILES:
        value = manifest.get(f"file.{data_file}")
        if value is None:
            yield Hit(f"file.{data_file} is missing", file=rel)
        elif value not in ("absent", "bulk", "delta"):
            yield Hit(f"file.{data_file} is {value!r}, not absent/bulk/delta", file=rel)
        elif (value != "absent") != (f"{data_file}.csv" in present):
            state = "present" if f"{data_file}.csv" in present else "absent"
            yield Hit(f"file.{data_file} is {value} but {data_file}.csv is {state}", file=rel)


@rule("PV621", "oneroster.zip", scope="output")
def oneroster_zip(outputs: Outputs) -> Iterator[Hit]:
    """``oneroster.zip`` holds exactly the folder's CSVs and its manifest (what an SFTP importer unpacks).

    Bad::

        == oneroster/orgs.csv
        sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
        d1,,,Example USD,district,,
        == oneroster.zip
        orgs.csv
        users.csv

    Good::

        == oneroster/orgs.csv
        sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
        d1,,,Example USD,district,,
        == oneroster.zip
        manifest.csv
        orgs.csv
    """
    if "oneroster" not in outputs.kinds:
        return
    present = {p.name for p in outputs.csv_files("oneroster")} | {"manifest.csv"}
    zip_path = outputs.out / "oneroster.zip"
    if not zip_path.is_file():
        yield Hit("is missing", file="oneroster.zip")
        return
    try:
        with zipfile.ZipFile(zip_path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        yield Hit(f"cannot be read as a ZIP: {exc}", file="oneroster.zip")
        return
    if names != present:
        yield Hit(f"holds {sorted(names)}, the folder {sorted(present)}", file="oneroster.zip")


@rule("PV622", "oneroster.empty-file", scope="output")
def oneroster_empty_file(outputs: Outputs) -> Iterator[Hit]:
    """A OneRoster file has data rows; a file with none is left out and marked ``absent`` in the manifest.

    Bad::

        == oneroster/orgs.csv
        sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId

    Good::

        == oneroster/orgs.csv
        sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
        d1,,,Example USD,district,,
    """
    for name, (rel, table) in outputs.tables("oneroster").items():
        if name != "manifest.csv" and not len(table):
            yield Hit(
                "has no data rows (leave it out and mark it absent)" if table.header else "is empty (no header)",
                file=rel,
            )


@rule("PV623", "oneroster.agents", scope="output")
def oneroster_agents(outputs: Outputs) -> Iterator[Hit]:
    """Students and their contacts list each other in ``agentSourcedIds``, both ways, and only each other.

    With ``[csv] quotes = false`` a list carries only its first value, so only the roles are checked.

    Bad::

        == oneroster/users.csv
        sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password
        s1,,,true,o1,student,ann,,Ann,Lee,,,,,,,09,
        c1,,,true,o1,parent,bo,,Bo,Lee,,,,,,s1,,

    Good::

        == oneroster/users.csv
        sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password
        s1,,,true,o1,student,ann,,Ann,Lee,,,,,,c1,09,
        c1,,,true,o1,parent,bo,,Bo,Lee,,,,,,s1,,
    """
    found = outputs.tables("oneroster").get("users.csv")
    if found is None or "agentSourcedIds" not in found[1] or "role" not in found[1]:
        return
    rel, users = found
    role = dict(zip(users.col("sourcedId"), users.col("role")))
    agents = {sid: set(_split(value)) for sid, value in zip(users.col("sourcedId"), users.col("agentSourcedIds"))}
    contact_roles = {"parent", "guardian", "relative"}
    # A list cut at 4,000 bytes is PV673's (a warning with its count), not a broken link.
    cut = cut_lists(users.col("sourcedId"), users.col("agentSourcedIds")) if outputs.full_lists else {}
    for line, me in zip(users.lines, users.col("sourcedId")):
        mine = agents[me]
        if role[me] in contact_roles and not mine:
            yield Hit(f"{role[me]} {me} is linked to no student", file=rel, line=line)
        for other in sorted(mine):
            if other not in role:
                continue  # a foreign key (PV611)
            if role[me] == "student" and role[other] not in contact_roles:
                yield Hit(
                    f"student {me} lists {other} ({role[other]}), not a parent/guardian/relative", file=rel, line=line
                )
            elif role[me] in contact_roles and role[other] != "student":
                yield Hit(f"{role[me]} {me} lists {other} ({role[other]}), not a student", file=rel, line=line)
            if outputs.full_lists and me not in agents[other] and me not in cut.get(other, ()):
                yield Hit(f"{me} lists {other} but {other} does not list {me}", file=rel, line=line)


@rule("PV624", "oneroster.primary-teacher", scope="output")
def oneroster_primary_teacher(outputs: Outputs) -> Iterator[Hit]:
    """Only teachers are primary, and a class has at most one primary teacher at any time (Apple School Manager refuses more).

    Bad::

        == oneroster/enrollments.csv
        sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate
        e1,,,c1,s1,t1,teacher,true,2025-08-13,2026-06-05
        e2,,,c1,s1,t2,teacher,true,2026-01-05,2026-06-05

    Good::

        == oneroster/enrollments.csv
        sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate
        e1,,,c1,s1,t1,teacher,true,2025-08-13,2026-01-04
        e2,,,c1,s1,t2,teacher,true,2026-01-05,2026-06-05
    """
    found = outputs.tables("oneroster").get("enrollments.csv")
    if found is None:
        return
    rel, enrollments = found
    by_class: dict[str, list[tuple[str, str, int, str]]] = defaultdict(list)
    columns = zip(enrollments.lines, enrollments.col("role"), enrollments.col("primary"), enrollments.col("classSourcedId"),
                  enrollments.col("userSourcedId"), enrollments.col("beginDate"), enrollments.col("endDate"))  # fmt: skip
    for line, role, primary, klass, user, begin, end in columns:
        if primary != "true":
            continue
        if role == "teacher":
            by_class[klass].append((begin or "0000-00-00", end or "9999-99-99", line, user))
        else:
            yield Hit(f"a {role} enrollment is primary", file=rel, line=line)
    for klass, spans in by_class.items():
        spans.sort()
        for (_b1, e1, _n1, u1), (b2, _e2, n2, u2) in zip(spans, spans[1:]):
            if b2 <= e1:
                yield Hit(f"class {klass} has two primary teachers at once ({u1}, {u2} from {b2})", file=rel, line=n2)


@rule("PV625", "oneroster.school-org", scope="output")
def oneroster_school_org(outputs: Outputs) -> Iterator[Hit]:
    """An enrollment's ``schoolSourcedId`` is an org of type ``school`` (not the district).

    Bad::

        == oneroster/orgs.csv
        sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
        d1,,,Example USD,district,,
        == oneroster/enrollments.csv
        sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate
        e1,,,c1,d1,u1,student,false,,

    Good::

        == oneroster/orgs.csv
        sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
        d1,,,Example USD,district,,
        s1,,,Lincoln High,school,,d1
        == oneroster/enrollments.csv
        sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate
        e1,,,c1,s1,u1,student,false,,
    """
    tables = outputs.tables("oneroster")
    if "enrollments.csv" not in tables or "orgs.csv" not in tables:
        return
    _rel, orgs = tables["orgs.csv"]
    not_schools = {sid for sid, kind in zip(orgs.col("sourcedId"), orgs.col("type")) if kind != "school"}
    rel, enrollments = tables["enrollments.csv"]
    yield from _flag(
        rel,
        enrollments,
        "schoolSourcedId",
        lambda v: v in not_schools,
        lambda v: f"schoolSourcedId {v} is not an org of type school",
    )


@rule("PV626", "output.date-order", scope="output")
def output_date_order(outputs: Outputs) -> Iterator[Hit]:
    """A record does not end before it begins (OneRoster sessions and enrollments, Ed-Fi associations).

    Bad::

        == oneroster/enrollments.csv
        sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate
        e1,,,c1,s1,u1,student,false,2025-08-13,2025-08-12

    Good::

        == oneroster/enrollments.csv
        sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate
        e1,,,c1,s1,u1,student,false,2025-08-13,2025-08-13
    """
    for rel, table in outputs.tables("oneroster").values():
        begin_column = "beginDate" if "beginDate" in table else "startDate"
        if begin_column in table and "endDate" in table:
            for line, begin, end in zip(table.lines, table.col(begin_column), table.col("endDate")):
                if begin and end and begin > end and _valid_date(begin) and _valid_date(end):
                    yield Hit(f"begins {begin} after it ends {end}", file=rel, line=line)
    for rel, _resource, objects in outputs.edfi_resources():
        for number, obj in enumerate(objects, start=1):
            if isinstance(obj, dict):
                begin, end = obj.get("beginDate"), obj.get("endDate")
                if isinstance(begin, str) and isinstance(end, str) and end < begin:
                    yield Hit(f"endDate {end} is before beginDate {begin}", file=rel, line=number + 1)
