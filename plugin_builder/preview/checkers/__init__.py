"""Preview's rules (``PV6xx``): the files preview wrote, judged the way a receiver would.

They are rules of the same engine as the plugin's (:mod:`plugin_builder.checks.engine`, scope
``output``): a stable code, a name, a docstring with a bad and a good example, fixtures,
listed by ``plugin-builder checks``, reported as :class:`~plugin_builder.findings.Finding`
records. They read the files back from disk and compare them with the formats' own
descriptions — never with the queries' metadata — so a wrong alias, a broken reference or a
bad value is found the way a receiver would find it:

* OneRoster and Clever CSVs by their Frictionless Data Package descriptors
  (``data/*.datapackage.json``, written beside the CSVs as ``datapackage.json``);
* Ed-Fi JSON by the DS 5.0 schema, Schoology attendance bodies by their JSON Schema, both
  compiled by ``fastjsonschema``;
* the queries preview ran, with their rows (scope ``run``): an ORDER BY that does not
  identify a row (``paging.py``);
* what no descriptor says (the OneRoster manifest and ZIP, contacts and students pointing at
  each other, one primary teacher at a time, dates in order) by the rules below.

Examples in the docstrings are runnable: ``== <path>`` starts a file of the preview folder
(``tests/test_rule_fixtures.py`` runs them).
"""

from plugin_builder.preview.checkers import (  # noqa: F401  (registers the rules)
    clever,
    edfi,
    files,
    lists,
    losses,
    oneroster,
    paging,
    schoology,
    schools,
    settings,
)
from plugin_builder.preview.checkers.outputs import (
    KINDS,
    MAX_PER_RULE,
    DistrictData,
    Lost,
    Outputs,
    Setting,
    Table,
    check_district,
    check_outputs,
    loss_rules,
    output_kind,
    output_rules,
)
from plugin_builder.preview.checkers.paging import QueryRun, check_runs

__all__ = [
    "KINDS",
    "MAX_PER_RULE",
    "DistrictData",
    "Lost",
    "Outputs",
    "QueryRun",
    "Setting",
    "Table",
    "check_district",
    "check_outputs",
    "check_runs",
    "loss_rules",
    "output_kind",
    "output_rules",
]
