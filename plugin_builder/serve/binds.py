"""Request args to typed binds, as PowerSchool checks a PowerQuery call's JSON body.

:func:`typed_binds` is the one seam: the JSON body and the query's ``<arg>`` specs in,
binds typed by the dictionary type of each arg's ``column=`` out (DATE → ``datetime.date``,
NUMBER → ``int``/``float``, text → ``str``, ``type="array"`` → a tuple of those), or an
:class:`ArgError` the server answers with 400.

PowerSchool's rules, as documented: a ``required`` arg must be given; an array arg takes a
JSON array; a DATE-column arg takes ``YYYY-MM-DD``; an arg not given takes its ``default``
(a PS-HTML default such as ``~(curschoolid)`` has no meaning outside a PowerSchool page and
is passed as NULL); ``''`` is NULL, as in Oracle.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from plugin_builder.sql.dictionary import Dictionary, powerschool_dictionary

# Body keys PowerSchool gives a meaning of its own; the local server does not emulate them.
RESERVED_KEYS = ("$q", "projection", "$dataversion", "$dataversion_applicationname")

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class ArgError(ValueError):
    """The body does not fit the query's args; the message says which arg and why."""


@dataclass(frozen=True)
class ArgSpec:
    """One ``<arg>`` as the server needs it."""

    name: str
    column: str | None = None
    required: bool = False
    is_array: bool = False
    default: str | None = None
    description: str = ""


def arg_family(arg: ArgSpec, dictionary: Dictionary | None = None) -> str:
    """The Oracle type family that types the arg: that of its ``column=``, else VARCHAR2."""
    if not arg.column or "." not in arg.column:
        return "VARCHAR2"
    table, _, column = arg.column.partition(".")
    family = (dictionary or powerschool_dictionary()).family(table.strip(), column.strip())
    if family in ("DATE", "TIMESTAMP"):
        return "DATE"
    if family in ("NUMBER", "FLOAT"):
        return "NUMBER"
    return "VARCHAR2"


def _typed(arg: ArgSpec, family: str, value: object, where: str) -> object:
    if value is None or value == "":
        return None
    if isinstance(value, (dict, list)):
        raise ArgError(
            f"{where}: expected a single value, not a JSON {'object' if isinstance(value, dict) else 'array'}"
        )
    if family == "DATE":
        if not isinstance(value, str) or not _DATE_RE.match(value):
            raise ArgError(f"{where}: {value!r} is not a date; {arg.column} is a DATE column, write YYYY-MM-DD")
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ArgError(f"{where}: {value!r} is not a valid date (YYYY-MM-DD)") from None
    if family == "NUMBER":
        if isinstance(value, bool):
            raise ArgError(f"{where}: expected a number ({arg.column} is NUMBER), not {str(value).lower()}")
        if isinstance(value, (int, float)):
            number = value
        elif isinstance(value, str) and _NUMBER_RE.match(value.strip()):
            number = float(value) if any(c in value for c in ".eE") else int(value)
        else:
            raise ArgError(f"{where}: {value!r} is not a number ({arg.column} is NUMBER)")
        if isinstance(number, float):
            if not math.isfinite(number):
                raise ArgError(f"{where}: {value!r} is not a finite number")
            if number.is_integer():
                number = int(number)
        return number
    if isinstance(value, bool):
        return "true" if value else "false"  # Oracle sees text; JSON true becomes 'true'
    return str(value)


def typed_binds(
    body: Mapping[str, object],
    args: Sequence[ArgSpec],
    dictionary: Dictionary | None = None,
) -> dict[str, object]:
    """One bind per arg, typed by its ``column=``; raises :class:`ArgError` (answered 400)."""
    if not isinstance(body, Mapping):
        raise ArgError('the body must be a JSON object of args, e.g. {} or {"yearid": 35}')
    by_name = {arg.name: arg for arg in args}
    for key in body:
        if key in by_name:
            continue
        if key in RESERVED_KEYS:
            raise ArgError(f"{key!r} is not emulated by the local server; leave it out")
        near = [name for name in by_name if name.lower() == str(key).lower()]
        if near:
            raise ArgError(f"unknown arg {key!r}: arg names are case-sensitive; did you mean {near[0]!r}?")
        known = ", ".join(repr(n) for n in by_name) or "none"
        raise ArgError(f"unknown arg {key!r}; this query's args: {known}")
    binds: dict[str, object] = {}
    for arg in args:
        family = arg_family(arg, dictionary)
        given = arg.name in body
        value = body[arg.name] if given else arg.default
        if not given and value is not None and "~(" in value:
            value = None  # a PS-HTML default means nothing outside a PowerSchool page
        where = f"arg {arg.name!r}"
        if arg.is_array:
            if value is None or value == "":
                bound: object = None
            elif given and not isinstance(value, list):
                raise ArgError(f"{where} is an array arg: give a JSON array, e.g. [1, 2]")
            else:
                items = value if isinstance(value, list) else [value]
                bound = tuple(_typed(arg, family, item, f"{where}[{i}]") for i, item in enumerate(items))
                if not bound:
                    bound = None
        else:
            bound = _typed(arg, family, value, where)
        if arg.required and bound is None:
            raise ArgError(f"{where} is required" + (f" ({arg.description})" if arg.description else ""))
        binds[arg.name] = bound
    return binds
