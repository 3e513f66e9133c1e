"""Aggregated lists cut at Oracle's 4,000 bytes (PV673).

The catalogue builds OneRoster's lists with ``LISTAGG … ON OVERFLOW TRUNCATE``: no row can fail
the export, and a list that would pass 4,000 bytes keeps the whole ids that fit. Every
student–contact pair is listed from both sides, so the ids a cut list drops are still linked
from the other side; this rule names every cut list with the count it lost. A user's
``orgSourcedIds`` has no other side: a list with no room for another org is named, with the
schools it lacks where the user is enrolled.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from plugin_builder.checks.engine import Hit, rule
from plugin_builder.findings import Severity
from plugin_builder.preview.checkers.outputs import Outputs, _split

LIST_MAX_BYTES = 4000  # VARCHAR2 in SQL: LISTAGG's limit
SHOWN_IDS = 5


def cut_lists(sourced_ids: list[str], lists: list[str]) -> dict[str, list[str]]:
    """For each user whose ``agentSourcedIds`` was cut at 4,000 bytes: the ids that list it but
    that it does not list (a list that had room for the next id was not cut: PV623 judges it)."""
    value = dict(zip(sourced_ids, lists))  # a repeated sourcedId: its last row, as PV610 reports the rest
    longest_id = max((len(sid.encode()) for sid in value), default=0)
    # Only a list too long to take even the longest id can have been cut: few or none, so the
    # ids listing each of them are gathered for those alone.
    length = {
        sid: n for sid, n in ((sid, len(v.encode())) for sid, v in value.items()) if n + 1 + longest_id > LIST_MAX_BYTES
    }
    if not length:
        return {}
    candidates = set(length)
    listed_by: dict[str, list[str]] = defaultdict(list)
    for sid in sourced_ids:
        if value[sid]:
            for other in candidates.intersection(_split(value[sid])):
                listed_by[other].append(sid)
    cut = {}
    for sid in sourced_ids:
        if sid not in candidates:
            continue
        listed = set(_split(value[sid]))
        missing = sorted(o for o in listed_by.get(sid, ()) if o not in listed)
        if missing and length[sid] + 1 + min(len(m.encode()) for m in missing) > LIST_MAX_BYTES:
            cut[sid] = missing
    return cut


@rule("PV673", "oneroster.list-cut", Severity.WARNING, scope="output")
def oneroster_list_cut(outputs: Outputs) -> Iterator[Hit]:
    """A user's ``agentSourcedIds`` was cut at 4,000 bytes (``LISTAGG … ON OVERFLOW TRUNCATE``): named with the count it lost.

    Each student still lists the contact, so the link survives from the side that holds few;
    a receiver that reads links only from the contact's side misses the dropped ones. (In the
    Bad example the guardian's list is 500 seven-byte ids, 3,999 bytes: no room for ``S1``.)

    Bad::

        == oneroster/users.csv
        sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password
        S1,,,true,o1,student,ann,,Ann,Lee,,,,,,C9,09,
        S2,,,true,o1,student,bo,,Bo,Lee,,,,,,C9,09,
        C9,,,true,o1,guardian,ag,,Agency,Care,,,,,,"{CUT_LIST}",,

    Good::

        == oneroster/users.csv
        sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password
        S1,,,true,o1,student,ann,,Ann,Lee,,,,,,C9,09,
        S2,,,true,o1,student,bo,,Bo,Lee,,,,,,C9,09,
        C9,,,true,o1,guardian,ag,,Agency,Care,,,,,,"S1,S2",,
    """
    found = outputs.tables("oneroster").get("users.csv")
    if found is None or not outputs.full_lists:
        return
    yield from _cut_org_lists(outputs, *found)
    if "agentSourcedIds" not in found[1]:
        return
    rel, users = found
    ids = users.col("sourcedId")
    lists = users.col("agentSourcedIds")
    lines = dict(zip(ids, users.lines))
    role = dict(zip(ids, users.col("role"))) if "role" in users else {}
    value = dict(zip(ids, lists))
    for sid, missing in cut_lists(ids, lists).items():
        kept = len(_split(value[sid]))
        shown = ", ".join(missing[:SHOWN_IDS]) + (
            f" and {len(missing) - SHOWN_IDS} more" if len(missing) > SHOWN_IDS else ""
        )
        yield Hit(
            f"{role.get(sid, 'user')} {sid}: agentSourcedIds keeps {kept} of {kept + len(missing)} ids "
            f"({len(missing)} cut at Oracle's 4,000 bytes: {shown}); each of them still lists {sid}",
            file=rel,
            line=lines.get(sid),
            hint="receivers must read links from both sides; [csv] clob_lists = true keeps the whole list "
            "(opt-in: run the canary query in docs/catalog.md first)",
        )


def _cut_org_lists(outputs: Outputs, rel: str, users) -> Iterator[Hit]:
    """``orgSourcedIds`` lists with no room left for another org id: cut, or as full as a list can be.

    No other file lists a user's orgs, so the ids a cut dropped are known only where the user
    is enrolled (enrollments.csv) at a school the list lacks; a full list without that evidence
    is still named (a teacher would need some 800 schools to fill one)."""
    if "orgSourcedIds" not in users:
        return
    ids, lists = users.col("sourcedId"), users.col("orgSourcedIds")
    orgs = outputs.tables("oneroster").get("orgs.csv")
    org_ids = [o for o in (orgs[1].col("sourcedId") if orgs else ()) if o]
    shortest = min((len(o.encode()) for o in org_ids), default=1)
    full = {
        sid: value for sid, value in zip(ids, lists) if value and len(value.encode()) + 1 + shortest > LIST_MAX_BYTES
    }
    if not full:
        return
    schools: dict[str, set[str]] = defaultdict(set)
    enrollments = outputs.tables("oneroster").get("enrollments.csv")
    if enrollments is not None and "userSourcedId" in enrollments[1] and "schoolSourcedId" in enrollments[1]:
        table = enrollments[1]
        for user, school in zip(table.col("userSourcedId"), table.col("schoolSourcedId")):
            if user in full and school:
                schools[user].add(school)
    lines = dict(zip(ids, users.lines))
    for sid, value in full.items():
        listed = set(_split(value))
        missing = sorted(schools.get(sid, set()) - listed)
        lost = (
            f"at least {len(missing)} cut: enrolled at {', '.join(missing[:SHOWN_IDS])}"
            + (f" and {len(missing) - SHOWN_IDS} more" if len(missing) > SHOWN_IDS else "")
            if missing
            else "no room for another org: any org past them was cut"
        )
        yield Hit(
            f"{sid}: orgSourcedIds keeps {len(listed)} ids in {len(value.encode())} bytes ({lost})",
            file=rel,
            line=lines.get(sid),
            hint="[csv] clob_lists = true keeps the whole list (opt-in: run the canary query in docs/catalog.md first)",
        )


# The Bad example's cut list, written out where the docstring is read (it runs as a fixture).
CUT_LIST_EXAMPLE = ",".join(f"S{100000 + i}" for i in range(500))
oneroster_list_cut.__doc__ = (oneroster_list_cut.__doc__ or "").replace('"{CUT_LIST}"', f'"{CUT_LIST_EXAMPLE}"', 1)
