"""Jinja environments for SQL and XML, and the filters that keep config values safe.

SQL templates run with ``StrictUndefined`` and are checked before rendering
(:func:`check_sql_template`): every ``{{ … }}`` must be a value passed through ``|lit``,
``|lits`` or ``|num`` (quoted literals), a macro call whose arguments are safe in the same
way, a macro parameter, or a constant written in the template. A value from config can
therefore never be pasted into SQL unquoted; the template is refused with its line.

XML templates autoescape everything; SQL goes into ``<![CDATA[…]]>`` through ``|cdata``,
which refuses a body containing ``]]>``.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

import jinja2
from markupsafe import Markup

from plugin_builder.build import jinja_cache
from plugin_builder.build.jinja_cache import bytecode_cache
from plugin_builder.errors import Problem, TemplateError
from plugin_builder.userfiles import read_user_file


class SqlText(str):
    """A fragment of SQL that a filter built from a value and may be emitted as is."""


class UnsafeValueError(Exception):
    pass


_BIND_LIKE = re.compile(r":(?=[A-Za-z_])")


def sql_literal(value: object) -> SqlText:
    """Quote a config value as an Oracle literal.

    Strings become ``'…'`` with quotes doubled. Character sequences that PowerSchool or
    XML would read specially are split out of the literal, keeping the value: ``:name``
    (a bind), ``~(`` / ``~[`` (PS-HTML tags), ``<@`` (restricted_table) and ``]]>`` (end of
    CDATA).
    """
    _fail_if_undefined(value)
    if isinstance(value, bool):
        raise UnsafeValueError(f"{value!r} is a boolean; use it in an {{% if %}}, not in SQL")
    if isinstance(value, int):
        return SqlText(str(value))
    if not isinstance(value, str):
        raise UnsafeValueError(f"cannot quote {type(value).__name__} {value!r} as an SQL literal")
    if "\x00" in value:
        raise UnsafeValueError("a NUL character cannot be written into SQL")
    body = value.replace("'", "''")
    body = _BIND_LIKE.sub("' || CHR(58) || '", body)
    body = body.replace("~(", "' || CHR(126) || '(").replace("~[", "' || CHR(126) || '[")
    body = body.replace("<@", "<' || '@").replace("]]>", "]]' || '>")
    literal = f"'{body}'"
    # Splitting at the very start or end leaves an empty '' piece; drop it for readability
    # (Oracle reads it as NULL, which || ignores, so the value is the same either way).
    if literal.startswith("'' || ") and len(literal) > 6:
        literal = literal[6:]
    if literal.endswith(" || ''") and len(literal) > 6:
        literal = literal[:-6]
    return SqlText(literal)


def _fail_if_undefined(value: object) -> None:
    # A filter receives an undefined name as a value; raise Jinja's own "'x' is undefined"
    # rather than a confusing "cannot quote StrictUndefined".
    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()


def sql_literal_list(values: Iterable[object]) -> SqlText:
    """``'a', 'b'`` for an IN list; an empty list becomes ``NULL`` (matches nothing)."""
    _fail_if_undefined(values)
    if isinstance(values, (str, bytes)):
        raise UnsafeValueError(f"|lits needs a list, not the string {values!r}; use |lit for one value")
    items = [sql_literal(v) for v in values]
    return SqlText(", ".join(items) if items else "NULL")


def sql_number(value: object) -> SqlText:
    _fail_if_undefined(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise UnsafeValueError(f"{value!r} is not an integer")
    return SqlText(str(value))


def _finalize(value: object) -> object:
    # Strings are vetted statically (check_sql_template); anything else is a mistake.
    if isinstance(value, bool) or isinstance(value, (list, tuple, dict, set)):
        raise UnsafeValueError(f"{value!r} cannot be written into SQL; use |lit, |lits or |num")
    return value


SAFE_FILTERS = frozenset({"lit", "lits", "num"})


def _safe(node: jinja2.nodes.Node, params: frozenset[str]) -> bool:
    n = jinja2.nodes
    if isinstance(node, n.Filter):
        return node.name in SAFE_FILTERS
    if isinstance(node, n.Const):
        return isinstance(node.value, (str, int)) and not isinstance(node.value, bool)
    if isinstance(node, n.Name):
        return node.name in params
    if isinstance(node, n.Concat):
        return all(_safe(part, params) for part in node.nodes)
    if isinstance(node, n.CondExpr):
        return _safe(node.expr1, params) and (node.expr2 is None or _safe(node.expr2, params))
    if isinstance(node, n.Call):
        # A macro call: its body is a template checked on its own; its arguments must be safe.
        args = list(node.args) + [kw.value for kw in node.kwargs]
        return all(_safe(arg, params) for arg in args)
    return False


def unsafe_outputs(source: str, env: jinja2.Environment) -> list[tuple[int, str]]:
    """(line, expression) of every ``{{ … }}`` that could paste a value into SQL unquoted."""
    found: list[tuple[int, str]] = []

    def walk(node: jinja2.nodes.Node, params: frozenset[str]) -> None:
        if isinstance(node, jinja2.nodes.Macro):
            params = params | {arg.name for arg in node.args} | {"caller", "varargs", "kwargs"}
        if isinstance(node, jinja2.nodes.Output):
            for child in node.nodes:
                if not isinstance(child, jinja2.nodes.TemplateData) and not _safe(child, params):
                    found.append((child.lineno, _describe(child)))
        for child in node.iter_child_nodes():
            walk(child, params)

    walk(env.parse(source), frozenset())
    return found


def _describe(node: jinja2.nodes.Node) -> str:
    n = jinja2.nodes
    if isinstance(node, n.Name):
        return node.name
    if isinstance(node, n.Getattr):
        return f"{_describe(node.node)}.{node.attr}"
    if isinstance(node, n.Filter):
        return f"{_describe(node.node)} | {node.name}"
    return type(node).__name__.lower()


def read_template_source(path: Path, display: str) -> str:
    """A template's text; a missing, unreadable or non-UTF-8 file is a TemplateError."""
    return read_user_file(path, TemplateError, display)


# Templates that passed check_sql_template, by (path, source): every query imports the same
# macros, and parsing them once per build instead of once per query halves rendering time.
_checked_sources: set[tuple[str, str]] = set()


@functools.lru_cache(maxsize=1)
def _checker_digest() -> str:
    """This module's own text: the check's code (SAFE_FILTERS, _safe, unsafe_outputs) lives here."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def _verdict_key(env: jinja2.Environment, source: str) -> str:
    """What a template's verdict depends on: its text, the check's code and how Jinja parses it."""
    return "\x1e".join(("sql-template-quoting", _checker_digest(), jinja_cache.environment_fingerprint(env), source))


def check_sql_template(env: jinja2.Environment, path: Path, display: str) -> None:
    """Refuse a SQL template that outputs a value without a quoting filter.

    A template that passed is remembered in the user's cache folder (jinja_cache), keyed by its
    text, this module's code and the environment: parsing each template again cost a twentieth of
    a build. A refusal is never remembered."""
    source = read_template_source(path, display)
    if (str(path), source) in _checked_sources:
        return
    if jinja_cache.passed_before(_verdict_key(env, source)):
        _checked_sources.add((str(path), source))
        return
    try:
        unsafe = unsafe_outputs(source, env)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            Problem(message=f"template syntax error: {exc.message}", file=display, line=exc.lineno)
        ) from None
    if unsafe:
        raise TemplateError(
            [
                Problem(
                    message=f"{{{{ {expr} }}}} would paste a value into SQL unquoted",
                    file=display,
                    line=line,
                    hint="write {{ value | lit }} for a literal, | lits for a list, | num for an integer",
                )
                for line, expr in unsafe
            ]
        )
    _checked_sources.add((str(path), source))
    jinja_cache.remember_passed(_verdict_key(env, source))


def _cdata(value: str) -> Markup:
    if "]]>" in value:
        raise UnsafeValueError("the SQL contains ']]>', which ends a CDATA section")
    return Markup(f"<![CDATA[{value}]]>")


class KeyUndefined(jinja2.StrictUndefined):
    """StrictUndefined that names the known keys when a config section has no such key.

    ``{{ oneroster.parnet }}`` says "'parnet' is not a key of OneRosterSection (known:
    parent, guardian, …)" rather than "'plugin_builder.project.config.OneRosterSection object' has
    no attribute 'parnet'".
    """

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        owner = self._undefined_obj
        if not self._undefined_hint and isinstance(self._undefined_name, str) and dataclasses.is_dataclass(owner):
            known = ", ".join(f.name for f in dataclasses.fields(owner))
            return f"{self._undefined_name!r} is not a key of {type(owner).__name__} (known: {known})"
        return super()._undefined_message


def sql_environment(search_path: list[Path]) -> jinja2.Environment:
    """The SQL environment for these template folders (shared: Jinja caches compiled
    templates per environment and reloads a template whose file changed)."""
    return _sql_environment(tuple(str(p) for p in search_path))


@functools.lru_cache(maxsize=32)
def _sql_environment(search_path: tuple[str, ...]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(list(search_path)),
        bytecode_cache=bytecode_cache(),
        undefined=KeyUndefined,
        autoescape=False,
        finalize=_finalize,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["lit"] = sql_literal
    env.filters["lits"] = sql_literal_list
    env.filters["num"] = sql_number
    return env


def xml_environment(search_path: list[Path]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in search_path]),
        bytecode_cache=bytecode_cache(),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cdata"] = _cdata
    return env


def render_template(env: jinja2.Environment, name: str, context: dict, display: str) -> str:
    """Render one template; every failure becomes a TemplateError naming file and line."""
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            Problem(
                message=f"template syntax error: {exc.message}",
                file=exc.filename or display,
                line=exc.lineno,
            )
        ) from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(Problem(message=f"template {exc.name!r} not found", file=display)) from None
    except (jinja2.UndefinedError, UnsafeValueError, jinja2.TemplateError, TypeError) as exc:
        file, line = _template_position(exc, display)
        hint = None
        if isinstance(exc, jinja2.UndefinedError):
            hint = "check the name; configuration is under plugin, csv, oneroster, edfi, attendance"
        raise TemplateError(Problem(message=str(exc), file=file, line=line, hint=hint)) from None


def _template_position(exc: BaseException, display: str) -> tuple[str, int | None]:
    """Find the innermost template frame of a rendering error."""
    tb = exc.__traceback__
    found: tuple[str, int | None] = (display, None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".j2", ".xml", ".sql")) or "<template>" in filename:
            template = tb.tb_frame.f_globals.get("__jinja_template__")
            line = template.get_corresponding_lineno(tb.tb_lineno) if template else tb.tb_lineno
            found = (filename if Path(filename).exists() else display, line)
        tb = tb.tb_next
    return found
