"""Every rule, tested as data: tests/fixtures/rules/<CODE>/{bad,warn,good}/<case>.<kind>.

A ``bad`` case must produce at least one finding with its rule's code (an error when the rule
is an error rule), a ``warn`` case findings of that code that are all warnings (a name the dictionary
cannot verify, a lenient case), a ``good`` case none.
A bad or warn case declares where its findings are, in a comment line of its own kind
(``-- expect: FILE:LINE:COLUMN`` in SQL, ``<!-- expect: … -->`` in XML, ``# expect: …`` in
TOML, entry listings and preview cases; in a ``.project`` folder, in its ``plugin.toml``): the
file (its path's end), the line and the column, as far as the finding has them; a finding must
be at each declared place, with no line or column where none is declared.
Case kinds (the plugin around a case is a minimal valid one):

* ``.sql``: the SQL of one query; ``<columns>`` follow its SELECT. Comment lines set options:
  ``-- args: name=TABLE.FIELD, …``, ``-- columns: alias, …`` (instead of the SELECT's),
  ``-- oauth: TABLE.FIELD, …`` (``<oauth/>`` with that access_request),
  ``-- extensions: TABLE=COL,COL`` (declared district extension),
  ``-- built: why`` (checked as a plugin we rendered, not as a linted one).
* ``.named_queries.xml`` / ``.plugin.xml``: that file as written.
* ``.plugin.toml``: a project, checked with ``validate`` (rules on the configuration, PS19x).
* a folder ``<case>.project/``: a project with its own ``queries/``, checked with ``validate``
  (rules on a query's TOML sidecar, PQ23x). In the docstring form (``== <path>`` sections), a
  section whose only line is ``copy: NAME`` is the built-in catalogue file NAME, byte for byte.
* ``.entries``: a ZIP listing, one entry per line (``name/`` a folder; ``big NAME BYTES``
  zeros; ``symlink NAME -> TARGET``; ``many PREFIX N`` N files).
* ``.district``: SQL statements (``INSERT INTO SCHOOLS …;``) that fill dictionary-shaped
  tables, checked by preview's district-scope rules (PV643, PV660) as after a preview that
  wrote every kind of output; ``-- setting: section.key = ["value", …]`` lines give the
  project's settings (PV660).
* ``.run``: ``-- run``, statements filling the district's tables, then ``== query`` and one
  query, which preview's run-scope rules judge with its rows (PV681).
* ``.preview``: files of a preview folder, each after a ``== <path>`` line, checked by
  preview's rules (PV6xx). ``== oneroster.zip`` lists the ZIP's entries; without it a
  OneRoster folder gets the ZIP preview would write; ``== lost <file> <column>
  [quotes=false] [cut=N]`` gives values a lossy step took away (PV67x), a JSON string a line.
  The same form runs the rules' docstring examples.

A rule's docstring examples are whole cases of these kinds, told apart by their first line
(``_example_kind``); the kinds a first line cannot otherwise tell are marked by a comment:
``# plugin.toml`` (a project's configuration), ``# zip entries`` (an entry listing), and
``# project`` (a project folder whose files each follow a ``== <path>`` line).
"""

from __future__ import annotations

import json
import re
import shutil
import stat
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from plugin_builder.build.lint import lint
from plugin_builder.checks import all_rules
from plugin_builder.findings import Severity
from plugin_builder.preview.checkers import check_outputs
from plugin_builder.sql.analysis import analyze
from plugin_builder.sql.dictionary import powerschool_dictionary

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
QUERIES_PATH = "queries_root/org.example.roster.named_queries.xml"
PLUGIN = """<plugin xmlns="http://plugin.powerschool.pearson.com" name="Roster" version="1.0">
  <publisher name="District IT"><contact email="it@example.org"/></publisher>{extra}
</plugin>
"""
QUERIES = """<queries>
  <query name="org.example.roster.test" coreTable="students" flattened="true">
    <args>{args}
    </args>
    <columns>{columns}
    </columns>
    <sql><![CDATA[
{sql}
]]></sql>
  </query>
</queries>
"""
DEFAULT_QUERIES = QUERIES.format(
    args="",
    columns='\n      <column column="STUDENTS.DCID">dcid</column>',
    sql="SELECT s.DCID AS dcid FROM STUDENTS s ORDER BY 1",
)

CASES = sorted(FIXTURES.glob("*/*/*"))


def _options(sql: str) -> dict[str, str]:
    return {m.group(1): m.group(2).strip() for m in re.finditer(r"^--\s*(\w+):(.*)$", sql, re.M)}


def _sql_plugin(sql: str) -> tuple[dict[str, bytes], dict]:
    options = _options(sql)
    args = ""
    for item in filter(None, (a.strip() for a in options.get("args", "").split(","))):
        name, _, column = item.partition("=")
        args += f'\n      <arg name="{name}" column="{column}" type="primitive" required="false"/>'
    if "columns" in options:
        columns = [(a.strip(), "STUDENTS.DCID") for a in options["columns"].split(",")]
    else:
        outputs = analyze(sql).outputs or []
        columns = [
            (o.name or f"col{i}", "{}.{}".format(*o.source) if o.source else "STUDENTS.DCID")
            for i, o in enumerate(outputs, 1)
        ]
    column_xml = "".join(f'\n      <column column="{c}">{escape(a)}</column>' for a, c in columns)
    extra = ""
    if "oauth" in options:
        fields = [f.strip().split(".") for f in options["oauth"].split(",")]
        extra = (
            "\n  <oauth/>\n  <access_request>"
            + "".join(f'<field table="{t}" field="{f}" access="ViewOnly"/>' for t, f in fields)
            + "</access_request>"
        )
    extensions = {}
    if "extensions" in options:
        table, _, cols = options["extensions"].partition("=")
        extensions[table.strip()] = {c.strip(): "VARCHAR2" for c in cols.split(",")}
    files = {
        "plugin.xml": PLUGIN.format(extra=extra).encode(),
        QUERIES_PATH: QUERIES.format(args=args, columns=column_xml, sql=sql.rstrip("\n")).encode(),
    }
    return files, extensions


def _write_zip(path: Path, files: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)


def _entries_zip(path: Path, listing: str) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for line in filter(None, (x.strip() for x in listing.splitlines())):
            if line.startswith("#"):
                continue  # a comment: the case's expect line
            if line.startswith("big "):
                _, name, size = line.split()
                archive.writestr(name, b"\0" * int(size))
            elif line.startswith("symlink "):
                name, _, target = line[len("symlink ") :].partition(" -> ")
                info = zipfile.ZipInfo(name)
                info.create_system = 3
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                archive.writestr(info, target)
            elif line.startswith("many "):
                _, prefix, count = line.split()
                for i in range(int(count)):
                    archive.writestr(f"{prefix}{i}.txt", "")
            elif line.endswith("/"):
                archive.writestr(zipfile.ZipInfo(line), "")
            elif line.endswith("plugin.xml"):
                archive.writestr(line, PLUGIN.format(extra=""))
            elif line.endswith(".named_queries.xml"):
                archive.writestr(line, DEFAULT_QUERIES)
            else:
                archive.writestr(line, "x")


def write_preview_files(text: str, folder: Path) -> list[str]:
    """Write the ``== <path>`` sections of a preview case; return the output kinds present."""
    files: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("== "):
            current = files.setdefault(line[3:].strip(), [])
        elif current is not None:
            current.append(line)
    for name, lines in files.items():
        if name.startswith("lost "):
            continue  # values a lossy step took away: see lost_values
        if name == "oneroster.zip":
            with zipfile.ZipFile(folder / name, "w") as archive:
                for entry in filter(None, lines):
                    archive.writestr(entry, "x")
            continue
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        body = [line for line in lines if line.strip()]
        if len(body) == 1 and body[0].startswith("copy: "):  # a built-in file, byte for byte
            from plugin_builder.resources import builtin_queries_dir

            path.write_bytes((builtin_queries_dir() / body[0][len("copy: ") :].strip()).read_bytes())
            continue
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8", errors="surrogateescape")
    if (folder / "oneroster").is_dir() and "oneroster.zip" not in files:
        with zipfile.ZipFile(folder / "oneroster.zip", "w") as archive:
            for entry in sorted({p.name for p in (folder / "oneroster").glob("*.csv")} | {"manifest.csv"}):
                archive.writestr(entry, "x")
    return sorted({name.split("/")[0] for name in files if "/" in name and not name.startswith("lost ")})


def lost_values(text: str):
    """The ``== lost <file> <column> [quotes=false] [cut=N]`` sections: one JSON string a line."""
    from plugin_builder.preview.checkers import Lost

    lost, current = [], None
    for line in text.splitlines():
        if line.startswith("== "):
            words = line[3:].split()
            current = None
            if words[0] == "lost":
                options = dict(w.split("=", 1) for w in words[3:])
                current = {"file": words[1], "column": words[2], "values": []}
                current |= {"quotes_off": options.get("quotes") == "false", "cut": int(options.get("cut", 0)) or None}
                lost.append(current)
        elif current is not None and line.strip():
            current["values"].append(json.loads(line))
    return [Lost(**(entry | {"values": tuple(entry["values"])})) for entry in lost]


def preview_findings(text: str, folder: Path):
    kinds = write_preview_files(text, folder)
    return check_outputs(folder, kinds, lost=lost_values(text))


DISTRICT_PROJECT = """[plugin]
name = "Rostering"
version = "1.0.0"
publisher = "District IT"
contact_email = "it@example.org"
namespace = "org.example.roster"
"""


def district_findings(sql: str, tmp_path: Path | None = None):
    """Preview's district-scope rules on a database of dictionary-shaped tables filled by ``sql``;
    ``-- plugin.toml: …`` lines add to the project's configuration."""
    import duckdb

    from plugin_builder.preview.checkers import check_district
    from plugin_builder.project.config import parse_project
    from plugin_builder.sql.dictionary import create_tables

    from plugin_builder.preview.checkers import KINDS, Setting

    con = duckdb.connect()
    create_tables(con, sorted({"PREFS", "SCHOOLS"} | set(re.findall(r"INSERT INTO (\w+)", sql))))
    statements = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    for statement in statements.split(";"):
        if statement.strip():
            con.execute(statement)
    settings = {
        m.group(1): Setting(tuple(json.loads(m.group(2))))
        for m in re.finditer(r"^--\s*setting:\s*([\w.]+)\s*=\s*(.*)$", sql, re.M)
    }
    toml_lines = [m.group(1) for m in re.finditer(r"^--\s*plugin\.toml:\s?(.*)$", sql, re.M)]
    text = DISTRICT_PROJECT + "\n".join(toml_lines) + "\n"
    config = Path(tmp_path or ".") / "plugin.toml"
    if tmp_path is not None:  # on disk, so that findings can name the line of a key
        config.write_text(text, encoding="utf-8")
    project = parse_project(text, config)
    return check_district(con, KINDS, settings, project)


def run_findings(text: str, case_name: str):
    """Preview's run-scope rules on one query run on a district filled by ``-- run`` statements:
    the lines before ``== query`` insert rows, the lines after are the query."""
    import duckdb

    from plugin_builder.preview.checkers import QueryRun, check_runs
    from plugin_builder.sql.dictionary import create_tables
    from plugin_builder.sql.oracle import compat

    lines = text.splitlines()
    split = lines.index("== query")
    con = duckdb.connect()
    create_tables(con)
    statements = "\n".join(line for line in lines[:split] if not line.lstrip().startswith("--"))
    for statement in statements.split(";"):
        if statement.strip():
            con.execute(statement)
    sql = "\n".join(lines[split + 1 :]).strip("\n")
    cursor = compat.execute(con, sql)
    headers = [d[0] for d in cursor.description]
    run = QueryRun("example", case_name, sql, headers, cursor.fetchall(), line_of=lambda n: (case_name, n + split + 1))
    return check_runs([run])


def findings_for(case: Path, tmp_path: Path):
    if case.is_dir() and case.name.endswith(".project"):
        from plugin_builder.pipeline import validate

        copies = [f for f in case.rglob("*") if f.is_file() and f.read_bytes().startswith(b"copy: ")]
        if copies:  # a file ``copy: NAME`` stands for the built-in file NAME, whatever it holds today
            from plugin_builder.resources import builtin_queries_dir

            work = tmp_path / case.name
            shutil.copytree(case, work)
            for copy in copies:
                name = copy.read_text(encoding="utf-8").strip()[len("copy: ") :]
                (work / copy.relative_to(case)).write_bytes((builtin_queries_dir() / name).read_bytes())
            case = work
        return validate(case / "plugin.toml").findings
    if case.suffix == ".run":
        return run_findings(case.read_text(encoding="utf-8"), case.name)
    if case.suffix == ".district":
        return district_findings(case.read_text(encoding="utf-8"), tmp_path)
    if case.suffix == ".preview":  # surrogateescape: a case may hold bytes that are not UTF-8
        return preview_findings(case.read_text(encoding="utf-8", errors="surrogateescape"), tmp_path)
    text = case.read_text(encoding="utf-8")
    archive = tmp_path / "case.zip"
    dictionary = None
    if case.suffix == ".sql":
        files, extensions = _sql_plugin(text)
        _write_zip(archive, files)
        dictionary = powerschool_dictionary().extended(extensions) if extensions else None
        if "built" in _options(text):
            from plugin_builder.build.model import build_model
            from plugin_builder.checks import CheckContext, run_rules

            return run_rules(CheckContext(model=build_model(files), dictionary=dictionary or powerschool_dictionary()))
    elif case.name.endswith(".named_queries.xml"):
        _write_zip(archive, {"plugin.xml": PLUGIN.format(extra="").encode(), QUERIES_PATH: text.encode()})
    elif case.name.endswith(".plugin.xml"):
        _write_zip(archive, {"plugin.xml": text.encode(), QUERIES_PATH: DEFAULT_QUERIES.encode()})
    elif case.name.endswith(".plugin.toml"):
        from plugin_builder.pipeline import validate

        config = tmp_path / "plugin.toml"
        config.write_text(text, encoding="utf-8")
        return validate(config).findings
    elif case.suffix == ".entries":
        _entries_zip(archive, text)
    else:
        raise AssertionError(f"unknown fixture kind: {case.name}")
    return lint(archive, dictionary).findings


EXPECT_RE = re.compile(r"^(?:#|--|<!--)\s*expect:\s*(\S+?)(?::(\d+))?(?::(\d+))?\s*(?:-->)?\s*$", re.M)


def expected_positions(case: Path) -> list[tuple[str, int | None, int | None]]:
    """``expect: FILE[:LINE[:COLUMN]]`` lines of a bad case: where its finding must be."""
    path = case / "plugin.toml" if case.is_dir() else case
    text = path.read_text(encoding="utf-8", errors="surrogateescape")
    return [
        (m.group(1), int(m.group(2)) if m.group(2) else None, int(m.group(3)) if m.group(3) else None)
        for m in EXPECT_RE.finditer(text)
    ]


def _matches(expected: tuple[str, int | None, int | None], found: tuple[str | None, int | None, int | None]) -> bool:
    file, line, column = expected
    return (found[0] or "").endswith(file) and found[1] == line and found[2] == column


@pytest.mark.parametrize("case", CASES, ids=[str(c.relative_to(FIXTURES)) for c in CASES])
def test_rule_fixture(case: Path, tmp_path: Path):
    code, kind = case.parent.parent.name, case.parent.name
    findings = findings_for(case, tmp_path)
    hits = [f for f in findings if f.code == code]
    if kind == "bad":
        assert hits, f"{code} not reported; got {[(f.code, f.message) for f in findings]}"
        assert all(f.file for f in hits), "every finding names a file"
        if next(r.severity for r in all_rules() if r.code == code) is Severity.ERROR:
            assert any(f.severity is Severity.ERROR for f in hits), [(f.severity.value, f.message) for f in hits]
    elif kind == "warn":
        assert hits, f"{code} not reported; got {[(f.code, f.message) for f in findings]}"
        assert all(f.severity is Severity.WARNING for f in hits), [(f.severity.value, f.message) for f in hits]
    if kind in ("bad", "warn"):
        expected = expected_positions(case)
        assert expected, f"{case.name} declares no position (an expect: FILE[:LINE[:COLUMN]] comment line)"
        found = [(f.file, f.line, f.column) for f in hits]
        for where in expected:
            assert any(_matches(where, position) for position in found), f"expected {where}, found {found}"
    else:
        assert not hits, [(f.code, f.message) for f in hits]


def test_every_rule_has_failing_and_passing_fixtures():
    missing = []
    for rule in all_rules():
        for kind in ("bad", "good"):
            if not any((FIXTURES / rule.code / kind).glob("*")):
                missing.append(f"{rule.code}/{kind}")
    assert missing == []


def test_every_rule_documents_a_bad_and_a_good_example():
    for rule in all_rules():
        assert "Bad::" in rule.doc and "Good::" in rule.doc, rule.code


def _examples(doc: str, label: str) -> str:
    """The indented block after ``Bad::`` or ``Good::`` in a rule's docstring."""
    lines = doc.splitlines()
    start = lines.index(f"{label}::") + 1
    block = []
    for line in lines[start:]:
        if line.strip() and not line.startswith("    "):
            break
        block.append(line[4:])
    return "\n".join(block).strip("\n")


def _example_kind(block: str) -> str | None:
    """The fixture kind a docstring example is written as, if it is a whole case."""
    first = block.lstrip().split("\n", 1)[0]
    if first.startswith("# plugin.toml"):
        return ".plugin.toml"
    if first.startswith("# zip entries"):
        return ".entries"
    if first.startswith("# project"):
        return ".project"
    if first.startswith("== "):
        return ".preview"
    if first.startswith(("<plugin", "<?xml", "<!DOCTYPE plugin")):
        return ".plugin.xml"
    if first.startswith("<queries"):
        return ".named_queries.xml"
    if first.startswith("-- district"):
        return ".district"
    if first.startswith("-- run"):
        return ".run"
    if first.upper().startswith(("SELECT", "WITH ", "-- ")):
        return ".sql"
    return None


def example_findings(rule, label: str, folder: Path):
    """The findings of the rule's own code on its ``Bad``/``Good`` example, or None when the
    example is not a whole case."""
    block = _examples(rule.doc, label)
    kind = _example_kind(block)
    if kind is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    case = folder / f"example{kind}"
    if kind == ".project":
        case.mkdir()
        write_preview_files(block, case)  # the same ``== <path>`` sections
    else:
        case.write_text(block + "\n", encoding="utf-8")
    return [f for f in findings_for(case, folder) if f.code == rule.code]


RULES = all_rules()


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_docstring_examples_run_as_fixtures(rule, tmp_path: Path):
    """A rule's bad example is reported by it, its good example is not."""
    bad = example_findings(rule, "Bad", tmp_path / "bad")
    good = example_findings(rule, "Good", tmp_path / "good")
    assert bad is not None and good is not None, "write the examples as whole cases (see the fixture kinds above)"
    assert bad and all(f.file for f in bad), f"{rule.code} does not report its bad example"
    assert good == [], [f.message for f in good]
