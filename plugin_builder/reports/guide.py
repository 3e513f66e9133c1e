"""The Data Export Manager setup guide, ``dist/<slug>-<version>-DEM-setup.md`` (docs/administrators.md).

PowerSchool administrators turn each PowerQuery into a file by hand in Data Export Manager
(DEM): pick the query, pick its fields, type a label for each, set the output options, save
a template, schedule it to SFTP. Every one of those choices is knowable from the build, so
the guide spells them out per query, in the receiver's column order (DEM lists the fields
alphabetically as ``<coreTable>.<alias>``; the label to type is the alias, the receiver's
header).
"""

from __future__ import annotations

from dataclasses import dataclass

from plugin_builder import __version__
from plugin_builder.build.render import PluginTree, RenderedQuery
from plugin_builder.project.config import Project
from plugin_builder.reports.mdtext import document_environment

# OneRoster 1.1 "List of …" fields: several values, comma-separated inside one quoted field.
ONEROSTER_MULTI_VALUED = frozenset(
    {"orgSourcedIds", "agentSourcedIds", "grades", "termSourcedIds", "subjects", "subjectCodes", "periods", "userIds"}
)


@dataclass(frozen=True)
class Receiver:
    """What the system receiving a query's file needs of it, by catalogue group."""

    name: str
    headers: str  # what it needs of the header row
    multi_valued: frozenset[str] = frozenset()


RECEIVERS = {
    "oneroster": Receiver(
        "OneRoster 1.1 bulk CSV",
        "OneRoster fixes the header names and their order, and they are case-sensitive: "
        "keep exactly these labels in exactly this order.",
        ONEROSTER_MULTI_VALUED,
    ),
    "clever": Receiver(
        "Clever SFTP CSV",
        "Clever needs the header names exactly as listed (case matters); it does not mind the "
        "column order, but keeping this one makes files easy to compare.",
    ),
    "edfi": Receiver(
        "Ed-Fi",
        "The labels are Ed-Fi property names: keep them exactly (case matters).",
    ),
    "attendance": Receiver(
        "Schoology attendance",
        "The labels are the field names the attendance integration reads: keep them exactly.",
    ),
}
DEFAULT_RECEIVER = Receiver(
    "a CSV receiver",
    "The labels are the query's output names: keep them unless the receiver asks for others.",
)


@dataclass(frozen=True)
class GuideField:
    position: int
    dem_field: str  # as DEM lists it
    label: str  # what to type


@dataclass(frozen=True)
class GuideQuery:
    number: int
    query: RenderedQuery
    receiver: Receiver
    file_name: str  # what DEM writes (a .csv; for an API query, the CSV alternative)
    template_name: str
    fields: list[GuideField]
    multi_valued: list[str]  # this query's multi-valued columns, in column order
    api_output: str | None = None  # the sidecar's JSON file name: the receiver reads the API
    # "clever/" when another query writes a file of the same name: each receiver's own folder.
    folder: str = ""

    @property
    def spec(self):
        return self.query.spec


def _fields(query: RenderedQuery) -> list[GuideField]:
    fields = []
    for position, column in enumerate(query.spec.columns, start=1):
        if "." in column.alias:  # a two-part alias is listed as written; the header is its field part
            dem_field, label = column.alias, column.alias.split(".", 1)[1]
        else:
            dem_field, label = f"{query.spec.core_table}.{column.alias}", column.alias
        fields.append(GuideField(position, dem_field, label))
    return fields


def guide_queries(project: Project, tree: PluginTree) -> list[GuideQuery]:
    result = []
    names: dict[str, set[str]] = {}
    for query in tree.queries:
        names.setdefault((query.spec.file_name or f"{query.spec.name}.csv").lower(), set()).add(query.spec.group)
    for number, query in enumerate(tree.queries, start=1):
        receiver = RECEIVERS.get(query.spec.group, DEFAULT_RECEIVER)
        file_name = query.spec.file_name or f"{query.spec.name}.csv"
        api_output = None
        if query.spec.read_through_api:
            # DEM writes delimited text only: a JSON receiver calls the PowerQuery API instead.
            api_output, file_name = file_name, file_name[: -len(".json")] + ".csv"
        result.append(
            GuideQuery(
                number=number,
                query=query,
                receiver=receiver,
                file_name=file_name,
                template_name=f"{project.slug}-{query.spec.name}",
                fields=_fields(query),
                multi_valued=[c.alias for c in query.spec.columns if c.alias in receiver.multi_valued],
                api_output=api_output,
                folder=f"{query.spec.group}/"
                if len(names[(query.spec.file_name or f"{query.spec.name}.csv").lower()]) > 1
                else "",
            )
        )
    return result


def render_dem_guide(project: Project, tree: PluginTree, sha256: str | None = None) -> str:
    """The guide as Markdown text; ``sha256`` is the ZIP's checksum it quotes."""
    env = document_environment(autoescape=False)
    return env.get_template("dem_setup.md.j2").render(
        project=project,
        plugin=project.plugin,
        quotes=project.csv.quotes,
        queries=guide_queries(project, tree),
        zip_name=project.zip_name,
        sha256=sha256,
        tool_version=__version__,
    )
