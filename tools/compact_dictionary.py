"""Write plugin_builder/data/powerschool-dictionary{,-evidence}.json.gz from the reference files.

Usage: python tools/compact_dictionary.py DICTIONARY.json AUDIT-COLUMNS.json LIVE-SCHEMA.json

The inputs are the team's reference dictionary (715 tables and views with per-column types and
evidence tags: the docs scrape ``DD``, the dbt staging models ``TEAMSTER``, …), the legacy audit
columns, and a live PowerSchool Oracle schema (``reference/powerschool-live-schema-2017.json``, a
reflection of one district's database, PowerSchool 10.1-11.x). The output keeps every fact in two
compact files: what every check needs, read on first use in a few milliseconds (per table its
kind, status - complete, partial, district or older - and column -> Oracle type; the audit
columns), and the evidence, read only to show a table (per table its source indices and notes,
and column -> "TAGS" or "TAGS|TAG=OTHER TYPE" where the sources disagree on the type). GAPS adds the reporting views the reference lacks, each from PowerSchool's
public data dictionary pages (facts only: names and types).

How the sources are merged (a column any source knows is known):

* The scrape's mistakes are corrected first (SCRAPE_RENAMES, SCRAPE_COPIED_COLUMNS): typos and
  reserved-word forms become the real names, and the wrong forms are written to
  ``wrong-names.json`` so that "did you mean" points at the real column.
* The live schema adds the columns the scrape lacks (tag LIVE2017) and wins on the type family
  where the two disagree, except where the scrape's type is a plausible later change (a text
  column widened to CLOB; NUMBER and FLOAT are one number). The losing type is kept beside it.
* The scrape wins on columns the live schema lacks: they are almost all newer than 2018.
* PowerSchool's own tables that only the live schema has join with status ``older``: present on
  older servers, so reading them is a warning. The district's own objects (state tables
  S_<state>_*, one-off backup and work tables) stay out.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "plugin_builder" / "data"
OUT = DATA / "powerschool-dictionary.json.gz"
EVIDENCE_OUT = DATA / "powerschool-dictionary-evidence.json.gz"
WRONG_NAMES = DATA / "wrong-names.json"

LIVE_TAG = "LIVE2017"
# The scrape's names that are not PowerSchool's: HTML-extraction typos, table-prefixed and
# reserved-word forms (DATE, GROUP, ACCESS cannot be Oracle column names). The live schema
# has the real name in every case.
SCRAPE_RENAMES: dict[str, dict[str, str]] = {
    "ATT_DAYPART_CURYEAR": {"PERIOD_ABSENT": "PERIODS_ABSENT"},
    "AUTOCOMM": {"FIELDS": "FIELDSVALUE"},
    "BLOBS": {"BLOBS_DATA": "DATA"},
    "CLASSRANK": {"CLASSRANK_LOG": "LOG"},
    "COURSESBYYEAR": {"PREREQUISITES": "PREREQUISITESVALUE"},
    "CST_REPORTCONFIG": {"DISABLEEMTPYRESULTSMSG": "DISABLEEMPTYRESULTSMSG"},
    "CST_VLDGROUPRULE": {"CST_VLDGROUPD": "CST_VLDGROUPID"},
    "DICTIONARYCOLUMN": {"COLUMNTNAME": "COLUMNNAME"},
    "DNLDQUEUE": {"DNLDQUEUE_DATA": "DATA"},
    "PERMISSIONGROUPVALUE": {"PERMISSIONGROUPLLABELID": "PERMISSIONGROUPLABELID"},
    "PLUGINSUBSCRIBEREVENTTYPE": {"PLUGINEVENTSUBSSCRIBERID": "PLUGINEVENTSUBSCRIBERID"},
    "PS_SCHOOLENROLLMENT": {"SOUCEID": "SOURCEID"},
    "QUEUE": {"COUNT": "COUNTVALUE", "DATE": "DATE_VALUE"},
    "REPOSETUPS": {"DESTINATION_EMAIL_SEND_AS_ATTA": "DESTINATION_EMAIL_SEND_ATTACH"},
    "REPOSETUPSUSERDATA": {"VALID_MX_NBR_OF_CHARS": "VALID_MAX_NBR_OF_CHARS"},
    "SCHOOLFEE": {"DATE": "DATE_VALUE"},
    "SECTPROGSETTINGS": {"WHOCCREATED": "WHOCREATED"},
    "STATESUPPORTDATA": {"STATESUPPORTDATA_DATA": "DATA", "STATESUPPORTDATA_TYPE": "TYPE"},
    "STATS": {"DATE": "DATE_VALUE"},
    "TEACHERS": {"ACCESS": "ACCESSVALUE", "GROUP": "GROUPVALUE"},
    "TEACHERS_NCF31": {"ACCESS": "ACCESSVALUE", "GROUP": "GROUPVALUE"},
    "VIRTUALTABLESDEF": {"LISTOPTION_INSERTLINKTOPAGEVIEW": "LISTOPTION_INSERTLINKTOPAGE"},
}
# Tables whose scraped column list belongs to another table (DAILYATTENDANCE's page repeats
# CYCLE_DAY's columns): the live schema's list replaces it.
SCRAPE_COPIED_COLUMNS = {"DAILYATTENDANCE": "CYCLE_DAY"}
# Live-schema objects that are the district's own, not PowerSchool's: state tables keep the
# S_<state>_* convention's judgement; one-off backups and work tables (a ticket or job number in
# the name), Oracle's audit work table and PowerBuilder's catalog tables are no release's.
DISTRICT_OBJECT_RE = re.compile(r"^(S_[A-Z]{2}_|U_|Z_|SC\$_|PBCAT|SAVED_)|\d{4}")
LIVE_SOURCE = (
    "Live PowerSchool Oracle schema, about PowerSchool 10.1-11.x (2016-2018): one district's database "
    "reflected with sqlacodegen, in public code (reference/powerschool-live-schema-2017.json)"
)
OLDER_NOTE = "only on older PowerSchool servers as far as the sources know (the 2017 live schema); check yours"

DD_VIEWS = "PowerSchool Data Dictionary, reporting views: ps.powerschool-docs.com/pssis-data-dictionary/latest/"
SIS_VIEWS_TOC = (
    "PowerSchool Premier 5.2 Data Dictionary 'SIS Views' contents (SIS repository views, ver5.0.0), "
    "transcript at wixlib.com/document/e8d4_powerschool-data-dictionary-sis-views-island-trees.html"
)

# Reporting views the reference dictionary lacks. "columns" are facts from the cited page;
# partial means the page (or what could be read of it) does not give the whole column list.
GAPS: dict[str, dict] = {
    "PS_PERIOD_ATT": {
        "kind": "view",
        "sources": [DD_VIEWS + "ps_period_att-ver6-2-0"],
        "columns": {
            "ATTENDANCE_TYPE": "VARCHAR2(1)",
            "ATT_DATE": "DATE",
            "DAILY_ATT": "VARCHAR2",
            "DISTRICTNUMBER": "VARCHAR2",
            "ENTRYDATE": "DATE",
            "EXITDATE": "DATE",
            "GRADE_LEVEL": "NUMBER(10)",
            "INSESSION": "VARCHAR2(1)",
            "PERIODS_ABSENT": "NUMBER(10)",
            "POTENTIAL_PERIODS": "NUMBER(10)",
            "SCHOOLID": "NUMBER(10)",
            "STUDENTID": "NUMBER(10)",
            "YEARID": "NUMBER(10)",
        },
    },
    "PS_ENROLLMENT_ALL": {
        "kind": "view",
        "partial": True,
        "sources": [DD_VIEWS + "ps_membership_defaults-ver5-0-14 (columns marked [From PS_Enrollment_All])"],
        "notes": ["only the columns other DD pages cite as coming from this view"],
        "columns": {
            "ATT_CALCCNTPRESENTABSENT": "VARCHAR2(7)",
            "ATT_INTERVALDURATION": "VARCHAR2(30)",
            "DFLT_ATT_MODE_CODE": "NUMBER(10,0)",
            "DFLT_CONVERSION_MODE_CODE": "NUMBER(10,0)",
            "FTEID": "NUMBER(10,0)",
            "GRADE_LEVEL": "NUMBER(10,0)",
        },
    },
    "PS_MEMBERSHIP_REG": {
        "kind": "view",
        "partial": True,
        "sources": [DD_VIEWS + "att_adaadm_defaults_all-ver12-1-0 (columns marked [From PS_Membership_Reg])"],
        "notes": ["only the columns other DD pages cite as coming from this view"],
        "columns": {
            "CALENDARDATE": "DATE",
            "DFLT_CONVERSION_MODE_CODE": "VARCHAR2(11)",
            "FTEID": "NUMBER(10,0)",
            "GRADE_LEVEL": "NUMBER(10,0)",
        },
    },
    "PS_ADAADM_DEFAULTS_ALL": {
        "kind": "view",
        "partial": True,
        "sources": [
            DD_VIEWS
            + "att_adaadm_defaults_all-ver12-1-0 (the table's data 'is available for reporting through the PS_ADAADM_DEFAULTS_ALL view')"
        ],
        "notes": ["columns taken from the ATT_ADAADM_DEFAULTS_ALL table that feeds it"],
        "copy_columns_of": "ATT_ADAADM_DEFAULTS_ALL",
    },
}
OBSERVED_TABLES = (
    "Tables read by PowerQueries in production plugins: Lawrence-Public-Schools/OneRoster-1.1-PowerQueries@f87ace00, "
    "sriehl/Clever-PowerQueries@6b74fc40, jthweatt/Booksystems-Atriuum-Powerschool-Plugin@bac9fb52 "
    "(PSM_*/SYNC_*: the contact and sync tables behind PowerSchool's contacts)"
)
# Columns those queries read (names only: the SQL does not tell their types).
OBSERVED_COLUMNS = {
    "PSM_STUDENT": ["ID"],
    "PSM_STUDENTCONTACT": ["EMAIL", "ID", "STUDENTCONTACTTYPEID", "STUDENTID"],
    "PSM_STUDENTCONTACTTYPE": ["ID", "NAME"],
    "SYNC_STUDENTMAP": ["STUDENTID", "STUDENTSDCID"],
}
for _name, _columns in OBSERVED_COLUMNS.items():
    GAPS[_name] = {
        "kind": "table",
        "partial": True,
        "sources": [OBSERVED_TABLES],
        "notes": ["not in the data dictionary's table pages: only the columns working queries read"],
        "columns": {c: {"type": None, "evidence": ["OBSERVED"]} for c in _columns},
    }
for _name in (
    "ADAADM_DAILY_CTOD ADAADM_DAILY_TTOD ADAADM_INTERVAL_TTOD ADAADM_MEETING_PTOD ADAADM_MEETING_TTOD "
    "ADAADM_TIMEINTER_TTOD ADAADM_TIME_TTOD ATTENDANCE_DAILY ATTENDANCE_INTERVAL ATTENDANCE_MEETING "
    "ATTENDANCE_TIME ATTENDANCE_TIMEINTER BUS_ROUTES ENROLLMENT_ALL MEMBERSHIP_DEFAULTS MEMBERSHIP_PROG "
    "MEMBERSHIP_REG NCLB_FIELDS"
).split():
    GAPS["PSSIS_" + _name] = {
        "kind": "view",
        "partial": True,
        "sources": [SIS_VIEWS_TOC],
        "notes": ["known by name only: the column list could not be read"],
        "columns": {},
    }


# Oracle's reserved words (V$RESERVED_WORDS, RESERVED = 'Y'): never a column name.
ORACLE_RESERVED = frozenset(
    """ACCESS ADD ALL ALTER AND ANY AS ASC AUDIT BETWEEN BY CHAR CHECK CLUSTER COLUMN COMMENT
    COMPRESS CONNECT CREATE CURRENT DATE DECIMAL DEFAULT DELETE DESC DISTINCT DROP ELSE EXCLUSIVE
    EXISTS FILE FLOAT FOR FROM GRANT GROUP HAVING IDENTIFIED IMMEDIATE IN INCREMENT INDEX INITIAL
    INSERT INTEGER INTERSECT INTO IS LEVEL LIKE LOCK LONG MAXEXTENTS MINUS MLSLABEL MODE MODIFY
    NOAUDIT NOCOMPRESS NOT NOWAIT NULL NUMBER OF OFFLINE ON ONLINE OPTION OR ORDER PCTFREE PRIOR
    PUBLIC RAW RENAME RESOURCE REVOKE ROW ROWID ROWNUM ROWS SELECT SESSION SET SHARE SIZE SMALLINT
    START SUCCESSFUL SYNONYM SYSDATE TABLE THEN TO TRIGGER UID UNION UNIQUE UPDATE USER VALIDATE
    VALUES VARCHAR VARCHAR2 VIEW WHENEVER WHERE WITH""".split()
)
_VIEW_PREFIX_RE = re.compile(r"^(PS_|PSSIS_|PSRW_|PT_|VW_|MV_)")


def family(oracle_type: str | None) -> str:
    """The type family that decides a check: DATE and TIMESTAMP are one, NUMBER and FLOAT are one."""
    base = (oracle_type or "").upper().split("(")[0].strip()
    if base.startswith("TIMESTAMP"):
        return "DATE"
    if base in ("VARCHAR", "CHAR", "NVARCHAR2", "NCHAR"):
        return "VARCHAR2"
    if base == "FLOAT":
        return "NUMBER"
    return base


def _normal(oracle_type: str) -> str:
    text = oracle_type.upper().replace(" ", "")
    return re.sub(r"^NUMBER\((\d+)\)$", r"NUMBER(\1,0)", text)


def live_wins(scraped: str, live: str) -> bool:
    """Whether the live schema's type replaces the scrape's: on a different family, unless the
    scrape's is a plausible later change (a text column widened to CLOB)."""
    if family(scraped) == family(live):
        return False
    return not (family(scraped) == "CLOB" and family(live) == "VARCHAR2")


def corrected_scrape(dictionary: dict) -> dict:
    """The reference dictionary with the scrape's wrong names replaced by the real ones."""
    tables = {name: {**entry, "columns": dict(entry.get("columns", {}))} for name, entry in dictionary.items()}
    for table, renames in SCRAPE_RENAMES.items():
        columns = tables[table]["columns"]
        for wrong, right in renames.items():
            info = columns.pop(wrong)  # a KeyError here: the reference changed, review the list
            if right in columns:
                kept = columns[right]
                columns[right] = {**kept, "evidence": list(dict.fromkeys(kept["evidence"] + info["evidence"]))}
            else:
                columns[right] = info
    for table in SCRAPE_COPIED_COLUMNS:
        tables[table]["columns"] = {}
        tables[table]["notes"] = list(tables[table].get("notes", [])) + [
            f"the docs scrape repeated {SCRAPE_COPIED_COLUMNS[table]}'s columns here; columns from the live schema"
        ]
    return tables


def merge_live(tables: dict, live: dict) -> dict:
    """The corrected scrape plus the live schema (see the module docstring)."""
    merged = dict(tables)
    for name, entry in sorted(live.items()):
        if name in merged:
            record = {**merged[name], "columns": dict(merged[name]["columns"])}
            if LIVE_SOURCE not in record.get("sources", []):
                record["sources"] = list(record.get("sources", [])) + [LIVE_SOURCE]
        elif DISTRICT_OBJECT_RE.search(name):
            continue
        else:
            record = {
                "kind": "view" if _VIEW_PREFIX_RE.match(name) and entry.get("kind") != "table" else "table",
                "older": True,
                "sources": [LIVE_SOURCE],
                "notes": [OLDER_NOTE],
                "columns": {},
            }
        columns = record["columns"]
        for column, live_type in entry["columns"].items():
            info = columns.get(column)
            if info is None:
                columns[column] = {"type": live_type, "evidence": [LIVE_TAG]}
                continue
            info = {**info, "evidence": list(info.get("evidence") or []) + [LIVE_TAG]}
            scraped = info.get("type")
            if not scraped or ("(" not in scraped and family(scraped) == family(live_type)):
                info["type"] = live_type  # the scrape gives a family only: the live type is the fuller fact
            elif _normal(scraped) != _normal(live_type):
                if live_wins(scraped, live_type):
                    info["type"] = live_type
                    info["other"] = f"{info['evidence'][0]}={scraped}"
                else:
                    info["other"] = f"{LIVE_TAG}={live_type}"
            columns[column] = info
        merged[name] = record
    return merged


def check_names(tables: dict) -> list[str]:
    """Names Oracle cannot have: reserved words, or longer than 30 bytes (before Oracle 12.2)."""
    problems = []
    for table, entry in tables.items():
        for column in entry.get("columns", {}):
            if column.upper() in ORACLE_RESERVED:
                problems.append(f"{table}.{column} is an Oracle reserved word")
            if len(column.encode()) > 30:
                problems.append(f"{table}.{column} is longer than 30 bytes")
    return problems


def compact(dictionary: dict, audit: dict, live: dict | None = None) -> tuple[dict, dict]:
    """(what the checks read, the evidence shown by `dictionary TABLE`)."""
    sources: list[str] = []
    index: dict[str, int] = {}

    def source_id(text: str) -> int:
        if text not in index:
            index[text] = len(sources)
            sources.append(text)
        return index[text]

    overlap = sorted(set(GAPS) & set(dictionary))
    if overlap:  # the reference wins; a gap is only for what it lacks
        raise SystemExit(f"GAPS repeats tables of the reference dictionary: {', '.join(overlap)}")
    gaps = {}
    for name, entry in GAPS.items():
        if "copy_columns_of" in entry:
            entry = {
                **entry,
                "columns": {
                    c: {"type": v["type"], "evidence": ["DD-DERIVED"]}
                    for c, v in dictionary[entry["copy_columns_of"]]["columns"].items()
                },
            }
        gaps[name] = {
            **entry,
            "columns": {
                c: ({"type": v, "evidence": ["DOCPAGE"]} if isinstance(v, str) else v)
                for c, v in entry.get("columns", {}).items()
            },
        }
    merged = {**corrected_scrape(dictionary), **gaps}
    if live is not None:
        merged = merge_live(merged, live)
    problems = check_names(merged)
    if problems:
        raise SystemExit("names Oracle cannot have:\n  " + "\n  ".join(problems))
    tables, evidence = {}, {}
    for name, entry in sorted(merged.items()):
        status = (
            "district"
            if entry.get("district_defined")
            else "older"
            if entry.get("older")
            else "partial"
            if entry.get("partial")
            else "complete"
        )
        types, tags = {}, {}
        for column, info in sorted(entry.get("columns", {}).items()):
            types[column.upper()] = (info.get("type") or "").upper()
            tags[column.upper()] = ",".join(info.get("evidence") or []) + (
                f"|{info['other'].upper()}" if info.get("other") else ""
            )
        tables[name.upper()] = {"kind": entry.get("kind", "table"), "status": status, "columns": types}
        evidence[name.upper()] = {"sources": [source_id(s) for s in entry.get("sources", [])], "columns": tags}
        if entry.get("notes"):
            evidence[name.upper()]["notes"] = entry["notes"]
    hot = {
        "format": 2,
        "tables": tables,
        "audit": {
            "legacy": {k: v.split(" ")[0] for k, v in audit["legacy_audit_columns"].items()},
            "newer": audit["newer_table_audit_columns"],
            "observed_on": audit["observed_on"],
            "likely_on": audit["likely_but_unobserved_legacy_tables"],
        },
    }
    return hot, {"format": 2, "sources": sources, "tables": evidence}


def wrong_names_with_renames(wrong: dict) -> dict:
    """wrong-names.json with every corrected scrape name pointing at the real column."""
    columns = dict(wrong["columns"])
    for table, renames in sorted(SCRAPE_RENAMES.items()):
        for bad, right in sorted(renames.items()):
            columns.setdefault(f"{table}.{bad}", f"use {table}.{right}")
    return {**wrong, "columns": columns}


def main(argv: list[str]) -> None:
    dictionary = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    audit = json.loads(Path(argv[2]).read_text(encoding="utf-8"))
    live = json.loads(Path(argv[3]).read_text(encoding="utf-8"))["tables"] if len(argv) > 3 else None
    for path, document in zip((OUT, EVIDENCE_OUT), compact(dictionary, audit, live)):
        data = json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
        path.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
        print(f"wrote {path} ({len(data)} bytes, {path.stat().st_size} compressed)")
    wrong = wrong_names_with_renames(json.loads(WRONG_NAMES.read_text(encoding="utf-8")))
    WRONG_NAMES.write_text(json.dumps(wrong, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv)
