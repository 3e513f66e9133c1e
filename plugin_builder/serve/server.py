"""Putting it together: load the plugin and the district, listen, run uvicorn.

:func:`prepare` loads everything ``serve`` needs (the API object, ready to answer);
:func:`listen` binds the socket first, so a port in use is a clear message rather than a
server that starts and dies; :class:`ServerThread` runs the server in a thread for tests and
benchmarks, on a free port when ``port=0``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from plugin_builder.sql.analysis import analyze
from plugin_builder.errors import PluginBuilderError, Problem
from plugin_builder.preview.filler import filter_literals
from plugin_builder.preview.fitting import plugin_filters, prepare_district
from plugin_builder.preview.sources import Source, open_district
from plugin_builder.preview.synthetic import DEFAULT_TODAY
from plugin_builder.serve.app import PowerQueryApi
from plugin_builder.serve.auth import Credentials, new_credentials
from plugin_builder.serve.engine import QueryEngine
from plugin_builder.serve.plugin import ServedPlugin, load_project_plugin, load_zip_plugin


class ListenError(PluginBuilderError):
    """The address cannot be listened on."""


@dataclass
class Prepared:
    api: PowerQueryApi
    source: Source
    today: dt.datetime


def query_needs(plugin: ServedPlugin) -> dict[str, dict[str, set[str]]]:
    """What each query reads: query -> TABLE -> COLUMNs (the project's SQL analysis)."""
    needs: dict[str, dict[str, set[str]]] = {}
    for query in plugin.queries.values():
        tables = needs.setdefault(query.name, {})
        for use in analyze(query.sql, plugin.dictionary).uses:
            tables.setdefault(use.table.upper(), set()).add(use.field.upper())
    return needs


def open_plugin_district(
    plugin: ServedPlugin,
    students: int | None = None,
    db: Path | None = None,
    tables: list[Path] | None = None,
    seed: int = 1,
    today: dt.datetime | None = None,
) -> tuple[Source, object | None]:
    """The one place ``serve`` opens its district for the plugin's queries, with the functions
    ``preview`` uses (open the district, then make it ready for what the queries read). Queries
    reading a table or column the district still lacks answer 500 with the reason; the others serve."""
    # a plugin built elsewhere gets a district fitted to what its filters name, as preview's
    filters = plugin_filters(query.sql for query in plugin.queries.values()) if plugin.project is None else None
    source, district = open_district(students, db, tables, seed, today, None, filters.school_numbers if filters else ())
    dictionary = plugin.dictionary
    declared = {table: dict(dictionary.columns(table) or {}) for table in dictionary.extensions}
    # the values queries filter on, as preview fills them, so that serve's rows are preview's
    literals = filter_literals(query.sql for query in plugin.queries.values())
    unrunnable, notes = prepare_district(source, district, query_needs(plugin), declared, dictionary, literals, filters)
    plugin.notes.extend(notes)
    for name, why in sorted(unrunnable.items()):
        query = plugin.queries[name]
        query.unavailable = why
        plugin.notes.append(f"query {name} will answer 500: {why}")
    return source, district


def prepare(
    config: str | Path = "plugin.toml",
    zip_path: str | Path | None = None,
    students: int | None = None,
    db: Path | None = None,
    tables: list[Path] | None = None,
    seed: int = 1,
    today: dt.datetime | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    token_lifetime: int | None = None,
) -> Prepared:
    """The plugin (a project or a ZIP), the district (as ``preview`` loads it) and credentials."""
    plugin = load_zip_plugin(zip_path) if zip_path is not None else load_project_plugin(config)
    source, district = open_plugin_district(plugin, students, db, tables, seed, today)
    today = today or (district.today if district else DEFAULT_TODAY)
    generated_id, generated_secret = new_credentials()
    credentials = Credentials(client_id or generated_id, client_secret or generated_secret)
    if token_lifetime is not None:
        credentials.lifetime = token_lifetime
    return Prepared(PowerQueryApi(plugin, QueryEngine(source.con, today), credentials), source, today)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listen(host: str, port: int) -> socket.socket:
    """A listening socket, or a :class:`ListenError` naming the address and why."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
            sock.listen(128)
        except OSError:
            sock.close()
            raise
    except OSError as exc:
        raise ListenError(
            Problem(
                f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                hint="choose another --port (or --port 0 for any free one)",
            )
        ) from None
    sock.set_inheritable(True)
    return sock


def check_certificate(certfile: str | Path, keyfile: str | Path) -> None:
    """A clear :class:`ListenError` when the certificate and key cannot serve HTTPS (not PEM,
    not a pair), before the server starts rather than inside it."""
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(str(certfile), str(keyfile))
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise ListenError(
            Problem(
                f"cannot serve HTTPS with {certfile} and {keyfile}: {getattr(exc, 'reason', None) or exc}",
                file=str(certfile),
                hint="give a PEM certificate and its PEM private key (docs/api.md shows an openssl command)",
            )
        ) from None


def base_url(sock: socket.socket, https: bool = False) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"{'https' if https else 'http'}://{shown}:{port}"


def banner(prepared: Prepared, url: str) -> list[str]:
    """What ``serve`` prints at start: what it serves, where, the credentials and the first call
    to make (a token: every other endpoint needs one)."""
    api = prepared.api
    plugin = api.plugin
    return [
        f"serving {plugin.name} {plugin.version} ({len(plugin.queries)} queries) from {plugin.origin}",
        f"data:          {prepared.source.description} (SYSDATE {prepared.today:%Y-%m-%d %H:%M})",
        f"base URL:      {url}",
        f"client id:     {api.credentials.client_id}",
        f"client secret: {api.credentials.client_secret}",
        f"token:         POST {url}/oauth/access_token (HTTP Basic client id:secret, grant_type=client_credentials)",
        "then:          Authorization: Bearer <token> on every call; GET /ws/schema/query/api lists the queries",
        "               (docs/api.md has curl and client examples); Ctrl-C stops",
    ]


def uvicorn_server(
    api: PowerQueryApi, ssl_certfile: str | None = None, ssl_keyfile: str | None = None
) -> uvicorn.Server:
    # Our own request log replaces uvicorn's access log; lifespan is not used.
    config = uvicorn.Config(
        api.app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=5,
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
    )
    return uvicorn.Server(config)


class ServerThread:
    """The server in a background thread (tests, benchmarks): ``start()``, ``url``, ``stop()``.
    With a certificate and key it answers HTTPS, as PowerSchool does (for clients that only
    speak HTTPS)."""

    def __init__(
        self,
        api: PowerQueryApi,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_certfile: str | None = None,
        ssl_keyfile: str | None = None,
    ):
        self.api = api
        self.sock = listen(host, port)
        self.url = base_url(self.sock, https=bool(ssl_certfile))
        self.server = uvicorn_server(api, ssl_certfile, ssl_keyfile)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def start(self, timeout: float = 10.0) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)
        self.sock.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
