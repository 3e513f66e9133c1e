"""The ``plugin-builder`` command line: wiring only (the commands: README.md, "Commands").

Exit codes: 0 ok, 1 error-level findings, 2 usage or internal errors. Domain errors
(:class:`~plugin_builder.errors.PluginBuilderError`) become one message per problem on
stderr; ``--debug`` shows the traceback of anything unexpected.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click

from plugin_builder import __version__
from plugin_builder.errors import PluginBuilderError
from plugin_builder.userfiles import display_path
from plugin_builder.reports.report import FORMATS

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class _Group(click.Group):
    """Turns our exceptions into messages and exit codes, in one place."""

    def main(self, args=None, *rest, **extra):
        # No args: the process's own command line (the console script, ``python -m``), so the
        # process ends with the command; a caller in a process that goes on (a test's
        # CliRunner) passes its args.
        if args is None:
            extra.setdefault("obj", {})["own_process"] = True
        return super().main(args, *rest, **extra)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except PluginBuilderError as exc:
            for problem in exc.problems:
                click.secho(f"error: {problem}", fg="red", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except BrokenPipeError:
            # The reader went away (`render --stdout | head`): stop quietly, as Unix tools do.
            _silence_stdout()
            sys.exit(EXIT_OK)
        except KeyboardInterrupt:
            click.secho("error: interrupted", fg="red", err=True)
            sys.exit(EXIT_USAGE)
        except Exception as exc:  # an internal error: never a bare traceback by default
            if ctx.obj and ctx.obj.get("debug"):
                traceback.print_exc()
            else:
                click.secho(
                    f"internal error: {type(exc).__name__}: {exc} (run with --debug for details)",
                    fg="red",
                    err=True,
                )
            sys.exit(EXIT_USAGE)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush cannot fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (tests): nothing to flush
        pass


config_option = click.option(
    "-c",
    "--config",
    "config",
    default="plugin.toml",
    show_default=True,
    type=click.Path(dir_okay=True, path_type=Path),
    metavar="FILE",
    help="The project's plugin.toml.",
)
select_option = click.option(
    "--select",
    multiple=True,
    metavar="GLOB",
    help="Only queries whose catalogue name matches (repeatable).",
)
strict_option = click.option("--strict", is_flag=True, help="Warnings fail too (exit 1).")
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="How findings are printed.",
)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="plugin-builder")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Build, validate and preview PowerSchool PowerQuery plugins."""
    ctx.ensure_object(dict)["debug"] = debug


def _ends_the_process() -> None:
    """A command after which the process exits: tell the pipeline, when it is the process's
    own command line (pipeline.process_ends_with_this_command)."""
    if (click.get_current_context().find_root().obj or {}).get("own_process"):
        from plugin_builder.pipeline import process_ends_with_this_command

        process_ends_with_this_command()


def _print_findings(findings, fmt: str, to_err: bool = False) -> None:
    from plugin_builder.reports.report import render_findings

    if findings or fmt != "text":
        click.echo(render_findings(findings, fmt), err=to_err)


@main.command()
@config_option
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the unzipped plugin tree [default: build/<slug>-<version>].",
)
@select_option
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the rendered SQL instead of writing files.")
def render(config: Path, output: Path | None, select: tuple[str, ...], to_stdout: bool) -> None:
    """Render plugin.xml and the named queries (SQL in CDATA).

    Writes the unzipped plugin tree (default build/<slug>-<version>/), or prints the rendered
    SQL with --stdout; findings go to stderr.

    Exit: 0 ok, 1 error-level findings, 2 usage.
    """
    from plugin_builder.build.package import write_tree
    from plugin_builder.pipeline import validate

    _ends_the_process()
    result = validate(config, select)
    if to_stdout:
        for query in result.tree.queries:
            click.echo(f"-- {query.full_name} ({query.spec.template.name})")
            click.echo(query.sql)
            click.echo()
    else:
        out = output or result.project.root / "build" / f"{result.project.slug}-{result.project.plugin.version}"
        written = write_tree(result.tree, out)
        click.echo(f"wrote {len(written)} files to {out}", err=True)
    _print_findings(result.findings, "text", to_err=True)
    sys.exit(EXIT_OK if result.ok else EXIT_FINDINGS)


@main.command()
@config_option
@select_option
@format_option
@strict_option
def validate(config: Path, select: tuple[str, ...], fmt: str, strict: bool) -> None:
    """Run every check; write nothing.

    On success, one line says what was checked. --strict makes warnings fail too.

    Exit: 0 clean, 1 error-level findings (with --strict, any warning), 2 usage.
    """
    from plugin_builder.findings import has_errors
    from plugin_builder.pipeline import validate as run_validate
    from plugin_builder.reports.listings import validate_summary

    _ends_the_process()
    result = run_validate(config, select)
    _print_findings(result.findings, fmt)
    failed = has_errors(result.findings, strict)
    if fmt == "text" and not failed:
        click.echo(validate_summary(result))
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


@main.command()
@config_option
@click.option(
    "-o",
    "--output",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the ZIP [default: dist/ beside plugin.toml].",
)
@click.option("--force", is_flag=True, help="Replace an existing ZIP of the same version with different contents.")
@click.option(
    "--against",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="OLD.zip",
    help="The previous release: refuse a version not greater than its version.",
)
@format_option
@strict_option
def build(config: Path, output: Path | None, force: bool, against: Path | None, fmt: str, strict: bool) -> None:
    """Render, validate and package dist/<slug>-<version>.zip beside plugin.toml (never past an error).

    Writes DIR/<slug>-<version>.zip (default dist/ beside the plugin.toml, so `build -c
    other/plugin.toml` writes other/dist/ and checks that project's earlier releases), its
    .sha256, the Data Export Manager setup guide <slug>-<version>-DEM-setup.md and the
    reviewers' report <slug>-<version>-review.html. Refuses to write past an error-level
    finding (with --strict, past a warning); refuses a version not greater than --against or
    the newest release of the plugin in DIR; refuses to replace a ZIP of the same version with
    different bytes unless --force.

    Exit: 0 written, 1 error-level findings or a version not raised, 2 usage.
    """
    from plugin_builder.pipeline import build as run_build

    _ends_the_process()
    result = run_build(config, output, force=force, against=against, strict=strict)
    _print_findings(result.validated.findings, fmt, to_err=fmt == "text")
    if result.zip is None:
        what = "errors" if result.validated.findings and not result.validated.ok else "findings (--strict)"
        click.secho(f"error: no ZIP written: fix the {what} above", fg="red", err=True)
        sys.exit(EXIT_FINDINGS)
    note = " (unchanged)" if result.zip.unchanged else ""
    click.echo(f"wrote {display_path(result.zip.path)}{note}", err=True)
    click.echo(f"sha256 {result.zip.sha256}", err=True)
    if result.guide is not None:
        click.echo(f"wrote {display_path(result.guide)} (Data Export Manager setup)", err=True)
    if result.review is not None:
        click.echo(f"wrote {display_path(result.review)} (review report)", err=True)


@main.command("queries")
@click.option(
    "-c",
    "--config",
    "config",
    type=click.Path(path_type=Path),
    default=None,
    metavar="FILE",
    help="Also list the project's own queries.",
)
@click.option(
    "--copy",
    "copy_name",
    default=None,
    metavar="NAME",
    help="Copy the built-in query NAME (its .sql.j2 and .toml; _common: the shared macros) into DIR/queries/ "
    "to edit it; never overwrites.",
)
@click.argument("folder", required=False, type=click.Path(path_type=Path), metavar="[DIR]")
def list_queries(config: Path | None, copy_name: str | None, folder: Path | None) -> None:
    """List the query catalogue, or copy a built-in query into a project.

    A * marks what the project builds (its [queries] include and exclude).
    With --copy NAME, DIR is the project's folder (default: that of -c FILE, else the
    current one); the copy replaces the built-in query until it is deleted.

    Exit: 0; 2 for an unknown name or a file that exists.
    """
    from plugin_builder.project.catalog import available_queries, builtin_catalog, load_catalog
    from plugin_builder.project.config import load_project
    from plugin_builder.project.scaffold import copy_builtin_query
    from plugin_builder.reports.listings import query_listing

    if copy_name is not None:
        target = folder if folder is not None else (config.parent if config is not None else Path("."))
        for path in copy_builtin_query(copy_name, target):
            click.echo(f"wrote {display_path(path)}", err=True)
        click.echo(
            f"next: edit them; validate notes the copy (PQ234) until it differs from the built-in {copy_name}",
            err=True,
        )
        return
    if folder is not None:
        raise click.UsageError("DIR is where --copy writes; without --copy, give no DIR")

    if config is None and Path("plugin.toml").exists():
        config = Path("plugin.toml")
    if config is not None:
        project = load_project(config)
        chosen = {s.name for s in load_catalog(project)}
        specs = available_queries(project)
    else:
        chosen = None
        specs = builtin_catalog()
    for line in query_listing(specs, chosen):
        click.echo(line)
    if chosen is not None:
        click.echo("\n* = built by this project's [queries] include/exclude", err=True)


@main.command("checks")
@click.argument("code", required=False)
def list_checks(code: str | None) -> None:
    """List the rule codes, or explain one rule with its examples.

    Every rule the tool can report: the plugin's, the queries' and preview's.

    Exit: 0, or 2 for an unknown code.
    """
    from plugin_builder.checks import all_rules
    from plugin_builder.reports.listings import rule_explanation, rule_listing

    rules = all_rules()
    if code:
        matches = [r for r in rules if r.code == code.upper() or r.name == code]
        if not matches:
            raise click.UsageError(f"no rule {code!r}; run `plugin-builder checks` for the list")
        click.echo(rule_explanation(matches[0]))
        return
    for line in rule_listing(rules):
        click.echo(line)


# --- administrators and reviewers: init, review ------------------------------------------


@main.command()
@click.argument("directory", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    """Write a commented plugin.toml (and queries/ for your own queries) into DIRECTORY.

    The plugin.toml builds as is; nothing is overwritten.

    Exit: 0, 2 when DIRECTORY cannot be written.
    """
    from plugin_builder.project.scaffold import init_project

    result = init_project(directory)
    for path in result.written:
        click.echo(f"wrote {path}", err=True)
    for path in result.kept:
        click.echo(f"kept {path} (already there)", err=True)
    config = directory / "plugin.toml"
    click.echo(
        f"next: change the lines marked CHANGE in {config}, then run `plugin-builder build -c {config}`",
        err=True,
    )


@main.command()
@config_option
@click.option(
    "--against",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="OLD.zip",
    help="A previous release: also report what changed since it.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE.html|FILE.md",
    help="Where to write the report; the suffix picks HTML or Markdown; - prints Markdown [default: dist/<slug>-<version>-review.html].",
)
def review(config: Path, against: Path | None, output: Path | None) -> None:
    """Report for reviewers: each query's SQL, fields read, personal data, changes.

    Every table.field read and why, personal-data flags, arguments, and what changed since
    --against OLD.zip.

    Exit: 0 written and clean, 1 written but with error-level findings or a version not
    raised above OLD.zip, 2 usage.
    """
    from plugin_builder.pipeline import release_files, write_review
    from plugin_builder.pipeline import review as run_review
    from plugin_builder.reports.review import render_review, review_format

    if output is not None and str(output) != "-":
        review_format(output)  # a wrong suffix is a usage error before any work
    _ends_the_process()
    reviewed = run_review(config, against)
    report = reviewed.report
    if output is not None and str(output) == "-":
        click.echo(render_review(report, "md"), nl=False)
    else:
        target = output or release_files(reviewed.validated.project, "dist")["review"]
        click.echo(f"wrote {write_review(report, target)}", err=True)
    if report.errors:
        click.secho(f"error: the plugin has {report.errors} error finding(s); see the report", fg="red", err=True)
    comparison = report.comparison
    if comparison is not None and comparison.version_problem is not None:
        click.secho(f"error: {comparison.version_problem}", fg="red", err=True)  # as build says it
    sys.exit(EXIT_OK if report.ok else EXIT_FINDINGS)


# --- end of administrators and reviewers ------------------------------------------------


# --- lint --------------------------------------------------------------------------


@main.command("lint")
@click.argument("path", type=click.Path(path_type=Path, exists=False))
@format_option
@click.option(
    "--dictionary",
    "dictionary_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help='District extension tables: a TOML file of TABLE = ["COLUMN", …].',
)
@click.option(
    "--select",
    "select_codes",
    multiple=True,
    metavar="CODE",
    help="Only these rule codes or prefixes (SQ3, AC400; repeatable or comma-separated).",
)
@click.option(
    "--ignore",
    "ignore_codes",
    multiple=True,
    metavar="CODE",
    help="Leave out these rule codes or prefixes (repeatable or comma-separated).",
)
@strict_option
def lint_command(
    path: Path,
    fmt: str,
    dictionary_file: Path | None,
    select_codes: tuple[str, ...],
    ignore_codes: tuple[str, ...],
    strict: bool,
) -> None:
    """Check an existing plugin ZIP, folder or plugin.xml (not built by us).

    The same checks as validate, on a plugin built elsewhere; safe on hostile archives
    (nothing extracted, no entity expansion, no network). --select/--ignore take rule codes
    or prefixes (SQ3, AC400,PQ217).

    Exit: 0 clean, 1 error-level findings (with --strict, any warning), 2 usage.
    """
    from plugin_builder.findings import has_errors, select_codes as filter_codes
    from plugin_builder.build.lint import lint, load_dictionary_file
    from plugin_builder.checks import rule_codes

    codes = {}
    for option, values in (("--select", select_codes), ("--ignore", ignore_codes)):
        try:
            codes[option] = rule_codes(values)
        except ValueError as exc:
            raise click.UsageError(f"{option} {exc}; run `plugin-builder checks` for the list") from None
    dictionary = load_dictionary_file(dictionary_file) if dictionary_file else None
    result = lint(path, dictionary)
    findings = filter_codes(result.findings, codes["--select"], codes["--ignore"])
    _print_findings(findings, fmt)
    if fmt == "text" and not findings:
        click.echo(f"{path}: no findings", err=True)
    sys.exit(EXIT_FINDINGS if has_errors(findings, strict) else EXIT_OK)


# --- dictionary ------------------------------------------------------------------------


@main.command("dictionary")
@click.argument("name", required=False, metavar="[PATTERN|TABLE]")
@click.option(
    "--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True, help="How to print."
)
@click.option(
    "--dictionary",
    "dictionary_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help='Also district extension tables: a TOML file of TABLE = ["COLUMN", …].',
)
def dictionary_command(name: str | None, fmt: str, dictionary_file: Path | None) -> None:
    """List PowerSchool tables matching PATTERN (glob or substring), or show TABLE's columns."""
    import json

    from plugin_builder.sql.dictionary import powerschool_dictionary
    from plugin_builder.sql.dictionary import describe_table, list_tables
    from plugin_builder.build.lint import load_dictionary_file
    from plugin_builder.reports.listings import described_text, table_listing

    dictionary = load_dictionary_file(dictionary_file) if dictionary_file else powerschool_dictionary()
    if name and dictionary.has_table(name):
        described = describe_table(dictionary, name)
        click.echo(json.dumps(described, indent=2, ensure_ascii=False) if fmt == "json" else described_text(described))
        return
    rows = list_tables(dictionary, name)
    if not rows:
        suggestions = dictionary.suggest_tables(name or "")
        hint = f" (did you mean {' or '.join(suggestions)}?)" if suggestions else ""
        raise click.UsageError(f"no PowerSchool table matches {name!r}{hint}")
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for line in table_listing(rows):
        click.echo(line)
    click.echo(f"{len(rows)} table(s); `plugin-builder dictionary TABLE` shows one", err=True)


# --- end lint --------------------------------------------------------------------------


# ---- preview ---------------------------------------------------------------------------


def _stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def _parse_today(ctx, param, value):
    import datetime as dt

    if value is None:
        return None
    for fmt in ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M"):
        try:
            return dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)")


def district_options(command):
    """The district a command runs on, the same for preview and serve."""
    options = [
        click.option(
            "--students",
            type=click.IntRange(100, 100_000),
            default=None,
            help="Synthetic district size (100-100000) [default: 3000].",
        ),
        click.option(
            "--db",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="Run on this DuckDB file (read-only).",
        ),
        click.option(
            "--tables",
            type=click.Path(file_okay=False, path_type=Path),
            multiple=True,
            help="A folder of <TABLE>.csv extracts: alone, the whole district; with --students or --db, each file adds or replaces that table (repeat to add the rows of more folders).",
        ),
        click.option("--seed", type=int, default=1, show_default=True, help="Seed of the synthetic district."),
        click.option(
            "--today",
            callback=_parse_today,
            default=None,
            metavar="DATE",
            help="SYSDATE for the queries [default: 2026-01-15 10:30, inside the synthetic school year].",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _one_district(students: int | None, db: Path | None) -> None:
    if students is not None and db is not None:
        raise click.UsageError("give at most one of --students and --db (--tables may add tables to either)")


@main.command()
@config_option
@district_options
@click.option(
    "-o",
    "--output",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the outputs, holding exactly this run's files [default: preview/ beside plugin.toml].",
)
@select_option
@click.option(
    "--arg",
    "args",
    multiple=True,
    metavar="NAME=VALUE",
    help="A query arg as DEM would pass it, e.g. --arg start_date=2026-01-12 (repeatable).",
)
@click.option(
    "--zip",
    "plugin_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Run the queries of this plugin (a ZIP or an unzipped folder, built anywhere) instead of the project's.",
)
@click.option(
    "--dictionary",
    "dictionary_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help='With --zip: the district\'s extension tables (TABLE = ["COL", …]), as for lint; they are filled too.',
)
@click.option(
    "--write-district",
    type=click.Path(path_type=Path),
    default=None,
    metavar="PATH",
    help="Also write the district the queries ran on: a folder of <TABLE>.csv files (the --tables layout), or a .duckdb file; with a README.md of its ids.",
)
@click.option("--quiet", is_flag=True, help="No progress on stderr (there is none when stderr is not a terminal).")
@format_option
@strict_option
def preview(
    config: Path,
    plugin_path: Path | None,
    dictionary_file: Path | None,
    write_district: Path | None,
    students: int | None,
    db: Path | None,
    tables: tuple[Path, ...],
    output: Path | None,
    seed: int,
    today,
    select: tuple[str, ...],
    args: tuple[str, ...],
    quiet: bool,
    fmt: str,
    strict: bool,
) -> None:
    """Run every query on DuckDB, write OneRoster/Ed-Fi/Clever/attendance outputs, check them.

    Runs the project's queries, or with --zip those of a plugin built elsewhere (args from
    --arg, else the district's year, year term and first school; the district takes the
    school numbers and texts its filters name, each change noted). Runs on a deterministic
    synthetic district by default — every table a query reads has rows that agree with its
    students, sections and terms (docs/preview.md) — or on a DuckDB file or CSV extracts
    (--tables with --students or --db adds or replaces tables from <TABLE>.csv files; a table
    a query reads that a user's data lacks is created empty), through an
    Oracle-compatibility layer. --write-district writes the district out with its ids. Writes oneroster/ (CSVs, manifest.csv, datapackage.json, a
    zip), edfi/*.json, clever/*.csv (and datapackage.json), attendance/*.json, and checks each
    against its format with the PV6xx rules, with validate's checks, the settings against the
    district (PV660), what cleaning, cutting or quotes off lost (PV670-PV673) and whether each
    ORDER BY identifies a row (PV681). A query that
    cannot run (a required arg without --arg NAME=…, a name the data lacks) is reported and
    the others still run. The folder (default preview/ beside plugin.toml) holds exactly this
    run's files; one holding files preview did not write is refused.

    Exit: 0 clean, 1 error-level findings or a query that failed (with --strict, any warning), 2 usage.
    """
    from plugin_builder.findings import has_errors
    from plugin_builder.preview.runner import run_preview, summary_table

    _one_district(students, db)
    config_given = click.get_current_context().get_parameter_source("config") == click.core.ParameterSource.COMMANDLINE
    if plugin_path is not None and config_given:
        raise click.UsageError("give either -c/--config or --zip, not both")
    if dictionary_file is not None and plugin_path is None:
        raise click.UsageError("--dictionary goes with --zip (a project declares its tables under [dictionary])")
    arg_values = {}
    for item in args:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.UsageError(f"--arg {item!r}: write NAME=VALUE")
        arg_values[name.strip()] = value
    progress = None if quiet or not _stderr_is_terminal() else (lambda message: click.echo(message, err=True))
    result = run_preview(
        config,
        output,
        students=students,
        db=db,
        tables=list(tables) or None,
        seed=seed,
        today=today,
        progress=progress,
        select=select,
        args=arg_values,
        plugin=plugin_path,
        dictionary=dictionary_file,
        write_district=write_district,
    )
    # text: the table on stdout, findings on stderr; a machine format alone on stdout
    click.echo(summary_table(result), err=fmt != "text")
    for note in [*result.notes, *result.written.skipped]:
        click.echo(f"note: {note}", err=True)
    for failure in result.failures:
        click.secho(f"error: {failure}", fg="red", err=True)
    _print_findings(result.findings, fmt, to_err=fmt == "text")
    click.echo(f"wrote {result.out}/ ({result.source})", err=True)
    failed = not result.ok or has_errors(result.findings, strict)
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


# ---- end preview -------------------------------------------------------------------------


# ---- serve -------------------------------------------------------------------------------


@main.command()
@config_option
@click.option(
    "--zip",
    "zip_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Serve this plugin ZIP (built anywhere) instead of the project's plugin.",
)
@district_options
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (anything but loopback exposes the district's data).",
)
@click.option("--port", type=click.IntRange(0, 65535), default=8090, show_default=True, help="Port (0: any free port).")
@click.option("--client-id", default=None, help="OAuth client id [default: generated].")
@click.option("--client-secret", default=None, help="OAuth client secret [default: generated].")
@click.option(
    "--ssl-certfile",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Answer HTTPS with this certificate (PEM), as PowerSchool does; for clients that only speak HTTPS.",
)
@click.option(
    "--ssl-keyfile",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The certificate's private key (PEM), with --ssl-certfile.",
)
def serve(
    config: Path,
    zip_path: Path | None,
    students: int | None,
    db: Path | None,
    tables: tuple[Path, ...],
    seed: int,
    today,
    host: str,
    port: int,
    client_id: str | None,
    client_secret: str | None,
    ssl_certfile: Path | None,
    ssl_keyfile: Path | None,
) -> None:
    """PowerSchool's PowerQuery API (OAuth, paging, count, access_request) over the preview district."""
    import logging

    from plugin_builder.serve.server import (
        banner,
        base_url,
        check_certificate,
        is_loopback,
        listen,
        prepare,
        uvicorn_server,
    )

    _one_district(students, db)
    config_given = click.get_current_context().get_parameter_source("config") == click.core.ParameterSource.COMMANDLINE
    if zip_path is not None and config_given:
        raise click.UsageError("give either -c/--config or --zip, not both")
    if (ssl_certfile is None) != (ssl_keyfile is None):
        raise click.UsageError("give --ssl-certfile and --ssl-keyfile together")
    if ssl_certfile is not None:
        check_certificate(ssl_certfile, ssl_keyfile)
    prepared = prepare(
        config,
        zip_path,
        students=students,
        db=db,
        tables=list(tables) or None,
        seed=seed,
        today=today,
        client_id=client_id,
        client_secret=client_secret,
    )
    api = prepared.api
    sock = listen(host, port)
    url = base_url(sock, https=ssl_certfile is not None)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    request_log = logging.getLogger("plugin_builder.serve")
    request_log.addHandler(handler)
    request_log.setLevel(logging.INFO)
    for note in api.plugin.notes:
        click.echo(f"note: {note}", err=True)
    if not is_loopback(host):
        click.secho(
            f"warning: listening on {host}: anyone who reaches this machine with the credentials reads the district's data",
            fg="yellow",
            err=True,
        )
    for line in banner(prepared, url):
        click.echo(line)
    sys.stdout.flush()
    try:
        ssl = (str(ssl_certfile), str(ssl_keyfile)) if ssl_certfile else (None, None)
        uvicorn_server(api, *ssl).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn shuts down gracefully, then re-raises the Ctrl-C it caught
        pass
    finally:
        sock.close()
        request_log.removeHandler(handler)
    click.echo("stopped", err=True)


# ---- end serve ---------------------------------------------------------------------------


if __name__ == "__main__":  # pragma: no cover
    main()
