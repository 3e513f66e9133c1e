"""Personal data and education records: which kind a ``TABLE.COLUMN`` holds.

The one home of this judgement: the review report flags what each query reads with it, and
the sensitive-field rule (SQ315) refuses what it marks sensitive. It is chosen from the
dictionary, not from a short list of names:

* a column's own name says what it is wherever it appears (``DOB``, ``SSN``, ``EMAIL``,
  ``STREET``, ``GPA``, ``ALERT_MEDICAL``);
* a table's name says what its rows record (``STOREDGRADES`` grades, ``ATTENDANCE``,
  ``INCIDENT*`` discipline, ``HEALTH*``, ``FEE*``, ``*TEST*``, ``SPENROLLMENTS``), and such a
  table holds records about people when the dictionary gives it a key to a person
  (``STUDENTID``, ``STUDENTSDCID``, ``PERSONID``, …): ``TEST`` (the test definitions) is not
  personal, ``STUDENTTESTSCORE`` is. Every column of such a table is part of the record,
  except the keys and audit columns that only link or stamp it. A table the dictionary does
  not know (a district extension) is judged by its name.

Any other table keyed by a student (``STUDENTS`` itself, ``CC``: each student's schedule)
holds "student records". Web ids, login ids and user names are credentials, like passwords.
Tables describing organisations (``SCHOOLS``, ``PREFS``, ``DISTRICT``) hold no personal data.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from plugin_builder.sql.dictionary import Dictionary

# In the order the review report lists them.
CATEGORIES = (
    "identity",
    "name",
    "birth date",
    "addresses and phones",
    "contacts",
    "demographics",
    "health",
    "special programs and cohorts",
    "student records",
    "grades and credits",
    "GPA",
    "tests",
    "attendance",
    "discipline and log entries",
    "fees",
    "credential",
)

# Column names that are personal data wherever they appear, by category (fullmatch).
_COLUMN_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (category, re.compile(pattern))
    for category, pattern in (
        (
            "credential",
            r".*PASSWORD.*|.*_PW|PIN|.*PASSPHRASE|(STUDENT_|TEACHER|PARENT_?)?WEB_?ID|.*LOGIN_?(ID|NAME)"
            r"|(.*_)?USER_?NAME",
        ),
        (
            "identity",
            r"SSN|.*_SSN|STATE_STUDENTNUMBER|SIF_STATEPRID|STATECONTACT(ID|NUMBER)|STATE_GUARDIANNUMBER"
            r"|.*NATIONAL_?ID.*|ALIEN_?NUMBER|PASSPORT.*",
        ),
        ("GPA", r".*GPA.*"),
        ("birth date", r"DOB|BIRTH_?DATE|DATEOFBIRTH|.*BIRTHDATE"),
        (
            "name",
            r"(PSCORE_LEGAL_)?(FIRST|LAST|MIDDLE)_?NAME|LASTFIRST|PREFERREDNAME|NAMEASIMPORTED|NICKNAME"
            r"|MOTHER(_FIRST|_LAST)?|FATHER(_FIRST|_LAST)?|(DOCTOR|DENTIST|GUARDIAN|EMERG_CONTACT)_?[0-9]?_?NAME"
            r"|.*_(FIRST|LAST)NAME",
        ),
        ("health", r".*MEDICAL.*|.*ALLERG.*|.*IMMUNIZ.*|.*MEDICATION.*|.*HEALTH.*|.*DIAGNOS.*|DOCTOR.*|DENTIST.*"),
        (
            "special programs and cohorts",
            r".*(^|_)(ELL|LEP|IEP|SPED|504|GIFTED|TITLE_?1|MIGRANT|HOMELESS|FOSTER)(_.*|$)"
            r"|ALERT_(GUARDIAN|OTHER)",
        ),
        ("discipline and log entries", r"ALERT_DISCIPLINE.*|.*DISCIPLIN.*"),
        (
            "demographics",
            r"(PSCORE_LEGAL_)?GENDER(CODESETID)?|SEX|ETHNICITY|FEDETHNICITY|FEDRACEDECLINE|RACECD|RACE"
            r"|LUNCHSTATUS|LUNCH_ID|LANGUAGE.*|.*CITIZENSHIP.*|.*BIRTH_?(PLACE|COUNTRY|STATE|CITY).*",
        ),
        (
            "addresses and phones",
            r".*EMAIL.*|.*PHONE.*|.*STREET.*|MAILING_.*|.*ADDRESSLINE.*|ADDRESS|CITY|ZIP|STATE_?PROVINCE"
            r"|POSTAL_?CODE|HOME_.*|GEOCODE|.*LATITUDE|.*LONGITUDE",
        ),
    )
)
# Keys and flags that merely point at or stamp a record (search).
_NOT_DATA = re.compile(
    r"(?<!PA)(?<!VAL)ID$|PRIORITYORDER$|FLG$|FLAG$|SORTORDER$|^IS[A-Z_]|^WHO(CREATED|MODIFIED)$|^WHEN(CREATED|MODIFIED)$"
    r"|^TRANSACTION_DATE$|^PSM?_?GUID$|^IP_ADDRESS$"
)

# What a table's rows record, by table name (search, in this order).
_TABLE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (category, re.compile(pattern))
    for category, pattern in (
        ("health", r"^HEALTH|IMMUNIZ|MEDICAT|VACCIN"),
        ("GPA", r"GPA"),
        (
            "grades and credits",
            r"STOREDGRADES|FINALGRADE|PGSCORES|ASSIGNMENTSCORE|ASSIGNMENTRETAKE|STANDARDSCORE|STANDARDGRADE"
            r"|STANDARDRETAKE|SECTIONSCORES|GRADESCALESECTIONSTUDENT|DM_.*GRADE|HONORROLL|CLASSRANK"
            r"|GPPROGRESS|GPSTUDENT|GRADPLAN|CREDIT|TRANSCRIPT|STUDENTSECTCATEGORYTOTAL",
        ),
        ("tests", r"TEST"),
        ("attendance", r"ATTENDANCE|^ATT_|ADAADM|MEMBERSHIP|TRUANC|UNEXCUSED|CONSECUTIVEDAYS"),
        ("discipline and log entries", r"^LOG2?$|INCIDENT|DISCIPLIN|TEACHERNOTE|PHONELOG"),
        ("special programs and cohorts", r"SPENROLLMENTS|STUDENTPROGRAMS|STUDENTCREDENTIALS|COHORT|GIFTED|SPECIALED"),
        ("fees", r"FEE"),
        ("contacts", r"CONTACT|GUARDIAN|^RELATIONSHIP$|EMERGENCY"),
        ("addresses and phones", r"ADDRESS|PHONENUMBER|EMAILADDRESS|TRANSPORTATION"),
    )
)
# Tables of codes, types and setup, whatever their subject: no one's record.
_DEFINITIONS = re.compile(
    r"_LU_|LOOKUP|_?CODES?$|TEMPLATE|TYPES?$|SETUP|CONFIG|_RSN_DESC$|SECURITY_GROUP|SETTINGS$|QUEUE$"
)
# Columns that make a table's rows records about a person.
_PERSON_KEY = re.compile(r"(STUDENTS?|STUDENTS?DCID|PERSON|USERS?|USERSDCID|GUARDIAN|CONTACT|TEACHER|STAFF)_?(DC)?ID")
# Columns that make a table's rows records about one student (CC: a student's schedule).
_STUDENT_KEY = re.compile(r"STUDENTS?_?(DC)?ID")
# Tables that describe people's contacts or addresses even without such a key.
_ALWAYS_PERSONAL = frozenset({"contacts", "addresses and phones", "discipline and log entries"})
ORGANISATION_TABLES = frozenset({"SCHOOLS", "PREFS", "DISTRICT", "SCHOOLSCOREFIELDS", "INSTITUTION", "POSTSECONDARY"})

# Never to leave PowerSchool in a roster export without a stated reason (SQ315).
SENSITIVE_FIELDS = {
    "USERS.PASSWORD": "staff password hash",
    "USERS.TEACHERPASSWORD": "staff password hash",
    "USERS.SSN": "social security number",
    "TEACHERS.PASSWORD": "staff password hash",
    "TEACHERS.SSN": "social security number",
    "TEACHERS.TEACHERPASSWORD": "staff password hash",
    "STUDENTS.SSN": "social security number",
    "STUDENTS.WEB_PASSWORD": "student portal password",
    "STUDENTS.STUDENT_WEB_PASSWORD": "student portal password",
    "PCAS_ACCOUNT.PASSWORD": "parent portal password",
}
SENSITIVE_SUFFIXES = ("PASSWORD", "SSN")


def _column_category(column: str) -> str | None:
    patterns = dict(_COLUMN_PATTERNS)
    # State ids, web ids and login ids end in ID, yet are the person's identity or credential.
    for kind in ("identity", "credential"):
        if patterns[kind].fullmatch(column):
            return kind
    if _NOT_DATA.search(column):
        return None
    for category, pattern in _COLUMN_PATTERNS:
        if pattern.fullmatch(column):
            return category
    return None


def table_category(table: str, dictionary: Dictionary | None = None) -> str | None:
    """What the rows of ``table`` record about people, or None (definitions, setup, organisations)."""
    table = table.upper()
    if table in ORGANISATION_TABLES or _DEFINITIONS.search(table):
        return None
    for category, pattern in _TABLE_PATTERNS:
        if pattern.search(table):
            if category in _ALWAYS_PERSONAL:
                return category
            columns = dictionary.columns(table) if dictionary is not None else None
            if columns is None or any(_PERSON_KEY.fullmatch(c.upper()) for c in columns):
                return category
            return None
    # Any other table whose rows are about one student (STUDENTS itself, CC's schedule,
    # STUDENTCOREFIELDS): education records, whatever their subject.
    if dictionary is None:
        from plugin_builder.sql.dictionary import powerschool_dictionary

        dictionary = powerschool_dictionary()
    columns = dictionary.columns(table)
    if table == "STUDENTS" or (
        any(_STUDENT_KEY.fullmatch(c.upper()) for c in columns) if columns is not None else table.startswith("STUDENT")
    ):
        return "student records"
    return None


def category(table: str, column: str, dictionary: Dictionary | None = None) -> str | None:
    """The kind of personal data ``table.column`` holds, or None."""
    table, column = table.upper(), column.upper()
    if table in ORGANISATION_TABLES and "PRINCIPAL" not in column:
        return None
    own = _column_category(column)
    if own is not None:
        return own
    if _PERSON_KEY.fullmatch(column):
        return None
    if _NOT_DATA.search(column):
        # In a student's record, what it links to is the record (CC.SECTIONID: a class
        # the student takes); only its own key and audit stamps are not.
        if column.endswith("ID") and column not in ("ID", "DCID") and not column.startswith(("WHO", "PS")):
            if table_category(table, dictionary) == "student records":
                return "student records"
        return None
    return table_category(table, dictionary)


def sensitive(table: str, column: str) -> str | None:
    """Why ``table.column`` must not be exported without a stated reason, or None."""
    table, column = table.upper(), column.upper()
    key = f"{table}.{column}"
    if key in SENSITIVE_FIELDS:
        return SENSITIVE_FIELDS[key]
    if column.endswith(SENSITIVE_SUFFIXES):
        return "a sensitive field"
    return None
