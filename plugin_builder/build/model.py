"""A plugin's files parsed into what the checks need, whoever built the plugin.

XML is parsed with lxml without entity expansion, DTD loading or network access, so the
same code is safe for ``lint`` on archives from elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from plugin_builder.build.render import PLUGIN_XML, PERMISSIONS_ROOT, QUERIES_ROOT, PluginTree, RenderedQuery

PLUGIN_NS = "http://plugin.powerschool.pearson.com"


def safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


@dataclass
class XmlFile:
    path: str
    data: bytes
    root: etree._Element | None = None
    error: str | None = None
    error_line: int | None = None
    error_column: int | None = None
    has_doctype: bool = False


def parse_xml(path: str, data: bytes) -> XmlFile:
    result = XmlFile(path=path, data=data)
    try:
        root = etree.fromstring(data, parser=safe_parser())
    except etree.XMLSyntaxError as exc:
        result.error = exc.msg
        result.error_line, result.error_column = exc.position if exc.position else (None, None)
        return result
    result.root = root
    docinfo = root.getroottree().docinfo
    result.has_doctype = bool(docinfo.doctype) or docinfo.internalDTD is not None
    return result


@dataclass
class ArgDef:
    name: str
    column: str | None
    default: str | None
    line: int | None
    attrs: dict[str, str] = field(default_factory=dict)

    # How PowerSchool reads the other attributes (one mapping for preview --zip and serve).
    @property
    def required(self) -> bool:
        return (self.attrs.get("required") or "").strip().lower() == "true"

    @property
    def type(self) -> str:
        """``primitive`` (the default) or ``array``, lower-case."""
        return (self.attrs.get("type") or "primitive").strip().lower()

    @property
    def description(self) -> str:
        return self.attrs.get("description", "")


@dataclass
class ColumnDef:
    alias: str
    column: str | None
    line: int | None


@dataclass
class QueryDef:
    """One ``<query>`` of a named_queries.xml file."""

    name: str
    file: str
    line: int | None
    core_table: str | None
    flattened: str | None
    summary: str | None
    args: list[ArgDef]
    columns: list[ColumnDef]
    sql: str
    sql_line: int | None  # line of the first SQL character in the XML file
    rendered: RenderedQuery | None = None  # set when we rendered it from a template

    def locate(self, sql_line: int | None, sql_column: int | None = None) -> tuple[str, int | None, int | None]:
        """Map a position in the SQL to (file, line, column): the template if known, else the XML."""
        if sql_line is None:
            return self.file, self.sql_line or self.line, None
        if self.rendered is not None:
            source = self.rendered.source_of(sql_line)
            if source is not None:
                return source.file, source.line, sql_column
        if self.sql_line is not None:
            return self.file, self.sql_line + sql_line - 1, sql_column
        return self.file, self.line, sql_column


def _text(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    return "".join(element.itertext())


def _sql_start(element: etree._Element) -> tuple[str, int | None]:
    """The SQL text and the XML line on which it starts (CDATA keeps the newlines)."""
    text = _text(element) or ""
    line = element.sourceline
    # The <sql> tag's own line, plus the newlines before the first SQL character.
    leading = len(text) - len(text.lstrip("\n\r\t "))
    prefix = text[:leading]
    if line is not None:
        line += prefix.count("\n")
    return text, line


def parse_queries(xml: XmlFile) -> list[QueryDef]:
    if xml.root is None:
        return []
    queries = []
    for element in xml.root.iter("query"):
        args = [
            ArgDef(
                name=a.get("name", ""),
                column=a.get("column"),
                default=a.get("default"),
                line=a.sourceline,
                attrs=dict(a.attrib),
            )
            for a in element.iterfind("args/arg")
        ]
        columns = []
        for c in element.iterfind("columns/column"):
            text = (_text(c) or "").strip()
            columns.append(
                ColumnDef(
                    alias=text,
                    column=c.get("column") or (text if "column" not in c.attrib else None),
                    line=c.sourceline,
                )
            )
        sql_element = element.find("sql")
        sql, sql_line = _sql_start(sql_element) if sql_element is not None else ("", None)
        summary = element.find("summary")
        queries.append(
            QueryDef(
                name=element.get("name", ""),
                file=xml.path,
                line=element.sourceline,
                core_table=element.get("coreTable"),
                flattened=element.get("flattened"),
                summary=_text(summary) if summary is not None else None,
                args=args,
                columns=columns,
                sql=sql.strip(),
                sql_line=sql_line,
            )
        )
    return queries


@dataclass
class PluginModel:
    """What the checks see: every file, the parsed XML, and the queries."""

    files: dict[str, bytes]
    plugin: XmlFile | None
    query_files: list[XmlFile]
    permission_files: list[XmlFile]
    queries: list[QueryDef]
    origin: str = "built"  # "built" (rendered by us) or "linted" (someone else's plugin)
    source: str | None = None  # the ZIP or folder that was linted

    @property
    def plugin_root(self) -> etree._Element | None:
        return self.plugin.root if self.plugin else None


def build_model(files: dict[str, bytes], tree: PluginTree | None = None, origin: str = "built") -> PluginModel:
    plugin = parse_xml(PLUGIN_XML, files[PLUGIN_XML]) if PLUGIN_XML in files else None
    query_files = [
        parse_xml(path, data)
        for path, data in sorted(files.items())
        if path.startswith(QUERIES_ROOT + "/") and path.endswith(".named_queries.xml")
    ]
    permission_files = [
        parse_xml(path, data)
        for path, data in sorted(files.items())
        if path.startswith(PERMISSIONS_ROOT + "/") and path.endswith(".permission_mappings.xml")
    ]
    queries: list[QueryDef] = []
    for xml in query_files:
        queries.extend(parse_queries(xml))
    if tree is not None:
        for query in queries:
            query.rendered = tree.query(query.name)
    return PluginModel(
        files=files,
        plugin=plugin,
        query_files=query_files,
        permission_files=permission_files,
        queries=queries,
        origin=origin,
    )
