"""Bind values typed as PowerSchool types them: by the dictionary type of the arg's ``column=``.

PowerSchool runs a PowerQuery as a prepared statement and binds each ``:arg`` with the type
of the field its ``column=`` names: an arg on ``ATTENDANCE.ATT_DATE`` arrives as a DATE (DEM
and the API take it as ``YYYY-MM-DD`` and refuse anything else), one on ``TERMS.YEARID`` as a
NUMBER, one on a VARCHAR2 as text. An ``array`` arg is a list of such values (``IN (:arg)``).
A blank value is NULL, as ``''`` is in Oracle.

Preview, the tests and the local API all bind through :func:`typed_binds`, so the SQL is run
with the values Oracle would see (comparing a DATE bind with ``TO_DATE(:d, …)`` fails here as it
fails on the server).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from plugin_builder.errors import PluginBuilderError, Problem
from plugin_builder.sql.dictionary import Dictionary, powerschool_dictionary

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
INTEGER_RE = re.compile(r"^[+-]?\d+$")


class ArgLike(Protocol):
    name: str
    column: str
    type: str


class BindError(PluginBuilderError):
    """A value given for an arg is not of the type its ``column=`` gives it."""


def bind_kind(column: str | None, dictionary: Dictionary | None = None) -> str:
    """``date``, ``number`` or ``text``: how PowerSchool binds an arg on this ``TABLE.FIELD``.

    A field the dictionary does not know is bound as text (as a VARCHAR2 placeholder field is).
    """
    table, _, field_name = (column or "").upper().partition(".")
    family = (dictionary or powerschool_dictionary()).family(table, field_name) if field_name else None
    if family in ("DATE", "TIMESTAMP"):
        return "date"
    if family in ("NUMBER", "FLOAT"):
        return "number"
    return "text"


def _typed(arg: ArgLike, kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = str(value).strip()
        if text == "":
            return None
        if DATE_RE.fullmatch(text):
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                pass
        raise BindError(
            Problem(
                f"{text!r} is not a date in YYYY-MM-DD form",
                key=f"arg {arg.name}",
                hint=f"PowerSchool takes a date for {arg.column} as YYYY-MM-DD, e.g. 2026-01-12",
            )
        )
    if kind == "number":
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, (int, Decimal)):
            return value
        if isinstance(value, float):
            return Decimal(repr(value))
        text = str(value).strip()
        if text == "":
            return None
        if INTEGER_RE.fullmatch(text):
            return int(text)
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise BindError(
                Problem(f"{text!r} is not a number", key=f"arg {arg.name}", hint=f"{arg.column} is a NUMBER field")
            )
        return number
    text = value if isinstance(value, str) else str(value)
    return None if text == "" else text  # '' is NULL in Oracle


def _items(arg: ArgLike, value: Any) -> list[Any]:
    """An array arg's values: a list, a JSON array, or one value."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return []
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError:
                raise BindError(
                    Problem(
                        "is not a JSON array",
                        key=f"arg {arg.name}",
                        hint='write ["a", "b"] (an array arg is a JSON array)',
                    )
                ) from None
            if isinstance(parsed, list):
                return parsed
    return [value]


def typed_binds(
    args_spec: Iterable[ArgLike],
    raw_values: Mapping[str, Any],
    dictionary: Dictionary | None = None,
) -> dict[str, Any]:
    """Each declared arg's value typed by its ``column=`` (an arg not given is NULL).

    ``raw_values`` holds what DEM or an API caller passes (text, or already typed values);
    values for names that are not args are ignored. A date that is not ``YYYY-MM-DD`` or a
    number that is not a number raises :class:`BindError`, as PowerSchool refuses it before
    running the SQL.
    """
    dictionary = dictionary or powerschool_dictionary()
    binds: dict[str, Any] = {}
    for arg in args_spec:
        kind = bind_kind(arg.column, dictionary)
        value = raw_values.get(arg.name)
        if getattr(arg, "type", "primitive") == "array":
            binds[arg.name] = [_typed(arg, kind, v) for v in _items(arg, value)]
        else:
            binds[arg.name] = _typed(arg, kind, value)
    return binds


def arg_families(args_spec: Iterable[ArgLike], dictionary: Dictionary | None = None) -> dict[str, str]:
    """Each arg's bind type family (DATE, NUMBER or VARCHAR2), for the Oracle model."""
    return {
        arg.name: {"date": "DATE", "number": "NUMBER"}.get(bind_kind(arg.column, dictionary), "VARCHAR2")
        for arg in args_spec
    }
