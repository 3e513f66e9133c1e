"""Write plugin_builder/data/powerschool-dictionary.json.gz from the reference dictionary.

Usage: python tools/compact_dictionary.py DICTIONARY.json AUDIT-COLUMNS.json

The input is the team's reference dictionary (715 tables and views with per-column types and
evidence tags, and the legacy audit columns). The output keeps every fact in a compact form
that loads in a few milliseconds: column -> "TYPE|TAGS", a status per table (complete, partial
or district) and source indices. GAPS adds the reporting views the reference lacks, each from
PowerSchool's public data dictionary pages (facts only: names and types).
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "plugin_builder" / "data" / "powerschool-dictionary.json.gz"

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


def compact(dictionary: dict, audit: dict) -> dict:
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
    tables = {}
    for name, entry in sorted({**dictionary, **GAPS}.items()):
        columns = entry.get("columns", {})
        if "copy_columns_of" in entry:
            columns = {
                c: {"type": v["type"], "evidence": ["DD-DERIVED"]}
                for c, v in dictionary[entry["copy_columns_of"]]["columns"].items()
            }
        status = "district" if entry.get("district_defined") else "partial" if entry.get("partial") else "complete"
        packed = {}
        for column, info in sorted(columns.items()):
            if isinstance(info, str):
                info = {"type": info, "evidence": ["DOCPAGE"]}
            packed[column.upper()] = f"{(info.get('type') or '').upper()}|{','.join(info.get('evidence') or [])}"
        record = {
            "kind": entry.get("kind", "table"),
            "status": status,
            "sources": [source_id(s) for s in entry.get("sources", [])],
            "columns": packed,
        }
        if entry.get("notes"):
            record["notes"] = entry["notes"]
        tables[name.upper()] = record
    return {
        "format": 1,
        "sources": sources,
        "tables": tables,
        "audit": {
            "legacy": {k: v.split(" ")[0] for k, v in audit["legacy_audit_columns"].items()},
            "newer": audit["newer_table_audit_columns"],
            "observed_on": audit["observed_on"],
            "likely_on": audit["likely_but_unobserved_legacy_tables"],
        },
    }


def main(argv: list[str]) -> None:
    dictionary = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    audit = json.loads(Path(argv[2]).read_text(encoding="utf-8"))
    data = json.dumps(compact(dictionary, audit), separators=(",", ":"), sort_keys=True).encode()
    OUT.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    print(f"wrote {OUT} ({len(data)} bytes, {OUT.stat().st_size} compressed)")


if __name__ == "__main__":
    main(sys.argv)
