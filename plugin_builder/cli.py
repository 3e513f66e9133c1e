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
from plugin_builder.report import FORMATS

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class _Group(click.Group):
    """Turns our exceptions into messages and exit codes, in one place."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except PluginBuilderError as exc:
            for problem in exc.problems:
                click.secho(f"error: {problem}", fg="red", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
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


def _print_findings(findings, fmt: str, to_err: bool = False) -> None:
    from plugin_builder.report import render_findings

    if findings or fmt != "text":
        click.echo(render_findings(findings, fmt), err=to_err)


@main.command()
@config_option
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), help="Folder for the unzipped plugin tree [default: build/<slug>-<version>].")
@select_option
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the rendered SQL instead of writing files.")
def render(config: Path, output: Path | None, select: tuple[str, ...], to_stdout: bool) -> None:
    """Render plugin.xml and the named queries (SQL in CDATA).

    Writes the unzipped plugin tree (default build/<slug>-<version>/), or prints the rendered
    SQL with --stdout; findings go to stderr.

    Exit: 0 ok, 1 error-level findings, 2 usage.
    """
    from plugin_builder.package import write_tree
    from plugin_builder.pipeline import validate

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
def validate(config: Path, select: tuple[str, ...], fmt: str) -> None:
    """Run every check; write nothing.

    Exit: 0 clean, 1 error-level findings, 2 usage.
    """
    from plugin_builder.pipeline import validate as run_validate

    result = run_validate(config, select)
    _print_findings(result.findings, fmt)
    sys.exit(EXIT_OK if result.ok else EXIT_FINDINGS)


@main.command()
@config_option
@click.option("-o", "--output", default="dist", show_default=True, type=click.Path(file_okay=False, path_type=Path), help="Folder for the ZIP.")
@click.option("--force", is_flag=True, help="Replace an existing ZIP of the same version with different contents.")
@click.option("--against", type=click.Path(dir_okay=False, path_type=Path), metavar="OLD.zip", help="The previous release: refuse a version not greater than its version.")
@format_option
def build(config: Path, output: Path, force: bool, against: Path | None, fmt: str) -> None:
    """Render, validate and package dist/<slug>-<version>.zip (never past an error).

    Writes DIR/<slug>-<version>.zip (default dist/), its .sha256, the Data Export Manager setup
    guide <slug>-<version>-DEM-setup.md and the reviewers' report <slug>-<version>-review.html.
    Refuses to write past an error-level finding; refuses a version not greater than --against
    or the newest release of the plugin in DIR; refuses to replace a ZIP of the same version
    with different bytes unless --force.

    Exit: 0 written, 1 error-level findings or a version not raised, 2 usage.
    """
    from plugin_builder.pipeline import build as run_build

    result = run_build(config, output, force=force, against=against)
    _print_findings(result.validated.findings, fmt, to_err=fmt == "text")
    if result.zip is None:
        click.secho("error: no ZIP written: fix the errors above", fg="red", err=True)
        sys.exit(EXIT_FINDINGS)
    note = " (unchanged)" if result.zip.unchanged else ""
    click.echo(f"wrote {result.zip.path}{note}", err=True)
    click.echo(f"sha256 {result.zip.sha256}", err=True)
    if result.guide is not None:
        click.echo(f"wrote {result.guide} (Data Export Manager setup)", err=True)
    if result.review is not None:
        click.echo(f"wrote {result.review} (review report)", err=True)


@main.command("queries")
@click.option("-c", "--config", "config", type=click.Path(path_type=Path), default=None, metavar="FILE", help="Also list the project's own queries.")
def list_queries(config: Path | None) -> None:
    """List the query catalogue.

    A * marks what the project builds (its [queries] include and exclude).

    Exit: 0.
    """
    from plugin_builder.catalog import available_queries, builtin_catalog, load_catalog
    from plugin_builder.config import load_project

    if config is None and Path("plugin.toml").exists():
        config = Path("plugin.toml")
    if config is not None:
        project = load_project(config)
        chosen = {s.name for s in load_catalog(project)}
        specs = available_queries(project)
    else:
        chosen = None
        specs = builtin_catalog()
    width = max(len(n) for n in specs)
    for name, spec in sorted(specs.items()):
        mark = "" if chosen is None else ("* " if name in chosen else "  ")
        click.echo(f"{mark}{name:<{width}}  {spec.group:<10}  {spec.summary}")
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

    rules = all_rules()
    if code:
        matches = [r for r in rules if r.code == code.upper() or r.name == code]
        if not matches:
            raise click.UsageError(f"no rule {code!r}; run `plugin-builder checks` for the list")
        r = matches[0]
        click.echo(f"{r.code} {r.name} ({r.severity.value}, per {r.scope})\n\n{r.doc}")
        return
    for r in rules:
        click.echo(f"{r.code}  {r.severity.value:<7}  {r.name:<32}  {r.summary}")


# --- administrators and reviewers: init, review ------------------------------------------


@main.command()
@click.argument("directory", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    """Write a commented plugin.toml (and queries/ for your own queries) into DIRECTORY.

    The plugin.toml builds as is; nothing is overwritten.

    Exit: 0, 2 when DIRECTORY cannot be written.
    """
    from plugin_builder.scaffold import init_project

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
@click.option("--against", type=click.Path(dir_okay=False, path_type=Path), metavar="OLD.zip", help="A previous release: also report what changed since it.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE.html|FILE.md", help="Where to write the report; the suffix picks HTML or Markdown; - prints Markdown [default: dist/<slug>-<version>-review.html].")
def review(config: Path, against: Path | None, output: Path | None) -> None:
    """Report for reviewers: each query's SQL, fields read, personal data, changes.

    Every table.field read and why, personal-data flags, arguments, and what changed since
    --against OLD.zip.

    Exit: 0 written and clean, 1 written but with error-level findings or a version not
    raised above OLD.zip, 2 usage.
    """
    from plugin_builder.pipeline import release_files, write_review
    from plugin_builder.pipeline import review as run_review
    from plugin_builder.review import render_review, review_format

    if output is not None and str(output) != "-":
        review_format(output)  # a wrong suffix is a usage error before any work
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
def lint_command(path: Path, fmt: str, dictionary_file: Path | None) -> None:
    """Check an existing plugin ZIP, folder or plugin.xml (not built by us).

    The same checks as validate, on a plugin built elsewhere; safe on hostile archives
    (nothing extracted, no entity expansion, no network).

    Exit: 0 clean, 1 error-level findings, 2 usage.
    """
    from plugin_builder.lint import lint, load_dictionary_file

    dictionary = load_dictionary_file(dictionary_file) if dictionary_file else None
    result = lint(path, dictionary)
    _print_findings(result.findings, fmt)
    if fmt == "text" and not result.findings:
        click.echo(f"{path}: no findings", err=True)
    sys.exit(EXIT_OK if result.ok else EXIT_FINDINGS)


# --- end lint --------------------------------------------------------------------------


# ---- preview ---------------------------------------------------------------------------


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


@main.command()
@config_option
@click.option("--students", type=click.IntRange(100, 100_000), default=None, help="Synthetic district size (100-100000) [default: 3000].")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Run on this DuckDB file (read-only).")
@click.option("--tables", type=click.Path(file_okay=False, path_type=Path), multiple=True, help="Run on a folder of <TABLE>.csv extracts (repeat to add the rows of more folders).")
@click.option("-o", "--output", default="preview", show_default=True, type=click.Path(file_okay=False, path_type=Path), help="Folder for the outputs.")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the synthetic district.")
@click.option("--today", callback=_parse_today, default=None, metavar="DATE", help="SYSDATE for the queries [default: 2026-01-15 10:30, inside the synthetic school year].")
@select_option
@click.option("--arg", "args", multiple=True, metavar="NAME=VALUE", help="A query arg as DEM would pass it, e.g. --arg start_date=2026-01-12 (repeatable).")
@click.option("--quiet", is_flag=True, help="No progress on stderr.")
@format_option
def preview(config: Path, students: int | None, db: Path | None, tables: tuple[Path, ...], output: Path, seed: int, today, select: tuple[str, ...], args: tuple[str, ...], quiet: bool, fmt: str) -> None:
    """Run every query on DuckDB, write OneRoster/Ed-Fi/Clever/attendance outputs, check them.

    Runs on a deterministic synthetic district by default, or on a DuckDB file or CSV
    extracts, through an Oracle-compatibility layer. Writes oneroster/ (CSVs, manifest.csv,
    datapackage.json, a zip), edfi/*.json, clever/*.csv (and datapackage.json),
    attendance/*.json, and checks each against its format with the PV6xx rules.

    Exit: 0 clean, 1 error-level findings, 2 usage.
    """
    from plugin_builder.preview.runner import run_preview, summary_table

    if sum(bool(x) for x in (students is not None, db is not None, tables)) > 1:
        raise click.UsageError("give at most one of --students, --db and --tables")
    arg_values = {}
    for item in args:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.UsageError(f"--arg {item!r}: write NAME=VALUE")
        arg_values[name.strip()] = value
    progress = None if quiet else (lambda message: click.echo(message, err=True))
    result = run_preview(
        config, output, students=students, db=db, tables=list(tables) or None, seed=seed, today=today, progress=progress,
        select=select, args=arg_values,
    )
    # text: the table on stdout, findings on stderr; a machine format alone on stdout
    click.echo(summary_table(result), err=fmt != "text")
    for note in result.written.skipped:
        click.echo(f"note: {note}", err=True)
    _print_findings(result.findings, fmt, to_err=fmt == "text")
    click.echo(f"wrote {result.out}/ ({result.source})", err=True)
    sys.exit(EXIT_OK if result.ok else EXIT_FINDINGS)


# ---- end preview -------------------------------------------------------------------------


if __name__ == "__main__":  # pragma: no cover
    main()
