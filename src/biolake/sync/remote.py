"""``biolake sql --remote s3://bucket/prefix``: DuckDB over the S3 mirror.

httpfs is loaded from its PyPI wheel (``duckdb-extension-httpfs``; nothing is downloaded at run time).
Credentials come from boto3's standard chain (environment, ``AWS_PROFILE``, ~/.aws, SSO, instance role),
the endpoint from ``AWS_ENDPOINT_URL_S3``/``AWS_ENDPOINT_URL`` or the profile, as for ``biolake sync``.
The mirror's manifest lists each table's current files, so views read exactly those (not whatever else a
prefix holds): silver entities, ``bronze_*``, ``*_log`` and the gold tables in schema ``gold``.
"""

from __future__ import annotations

from contextlib import suppress
from importlib.resources import files
from urllib.parse import urlparse

import duckdb

from biolake.errors import SyncError
from biolake.lake.catalog import SESSION_SETTINGS, sql_string
from biolake.lake.query import QueryResult, check_read_only, fetch_and_close
from biolake.sync.manifest import Manifest
from biolake.sync.push import _remote_manifest
from biolake.sync.s3 import Bucket, Connection, Destination


def load_httpfs(con: duckdb.DuckDBPyConnection) -> None:
    """Load httpfs from the ``duckdb-extension-httpfs`` wheel that matches this DuckDB."""
    try:
        import duckdb_extension_httpfs  # type: ignore[import-untyped]
    except ImportError:
        raise SyncError(
            "the httpfs extension is not installed (pip install duckdb-extension-httpfs)"
        ) from None
    path = (
        files(duckdb_extension_httpfs) / "extensions" / f"v{duckdb.__version__}" / "httpfs.duckdb_extension"
    )
    con.execute(f"LOAD {sql_string(str(path))}")


def s3_secret(conn: Connection) -> str:
    """``CREATE SECRET`` for DuckDB from boto3's credential chain and endpoint settings."""
    session = conn.session()
    client = conn.client("s3")
    creds = session.get_credentials()
    if creds is None:
        raise SyncError("no AWS credentials found (environment, ~/.aws/credentials, AWS_PROFILE)")
    frozen = creds.get_frozen_credentials()
    parts = [
        "TYPE s3",
        f"KEY_ID {sql_string(frozen.access_key)}",
        f"SECRET {sql_string(frozen.secret_key)}",
        f"REGION {sql_string(client.meta.region_name or 'us-east-1')}",
    ]
    if frozen.token:
        parts.append(f"SESSION_TOKEN {sql_string(frozen.token)}")
    endpoint = conn.endpoint_url or client.meta.endpoint_url
    parsed = urlparse(endpoint)
    if parsed.hostname and not parsed.hostname.endswith("amazonaws.com"):
        parts += [f"ENDPOINT {sql_string(parsed.netloc)}", "URL_STYLE 'path'"]
        parts.append(f"USE_SSL {'true' if parsed.scheme == 'https' else 'false'}")
    return "CREATE OR REPLACE SECRET biolake_mirror (" + ", ".join(parts) + ")"


def remote_views(dest: Destination, manifest: Manifest) -> dict[str, str]:
    """View name → SELECT over the mirror's current files for every table the manifest describes."""
    views: dict[str, str] = {}
    for name, spec in sorted(manifest.tables.items()):
        folder = spec["folder"] + "/"
        keys = sorted(k for k in manifest.entries if k.startswith(folder) and k.endswith(".parquet"))
        if not keys:
            continue
        urls = "[" + ", ".join(sql_string(f"s3://{dest.bucket}/{dest.key(k)}") for k in keys) + "]"
        source = f"read_parquet({urls}, hive_partitioning = true, union_by_name = true)"
        if spec.get("layer") == "gold":
            hive = ", ".join(
                f"'{p}': '{'INTEGER' if p == 'year' else 'VARCHAR'}'" for p in spec["partitions"]
            )
            if hive:
                source = source[:-1] + f", hive_types = {{{hive}}})"
            cols = ", ".join(f'"{c}"' for c in spec["columns"]) or "*"
            views[f"gold.{name.removeprefix('gold_')}"] = f"SELECT {cols} FROM {source}"
        else:
            views[name] = f"SELECT * FROM {source}"
    return views


def open_remote(url: str, conn: Connection, query: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with views over the mirror at ``url``: those ``query`` reads, else all (a view
    reads its files' footers from S3 when it is created)."""
    dest = Destination.parse(url)
    bucket = Bucket(conn, dest)
    bucket.check()
    manifest = _remote_manifest(bucket)
    if not manifest.tables:
        raise SyncError(f"{dest.url}: no biolake mirror there (run 'biolake sync {dest.url}' first)")
    con = duckdb.connect()
    for statement in SESSION_SETTINGS:
        con.execute(statement)
    load_httpfs(con)
    con.execute(s3_secret(conn))
    con.execute("CREATE SCHEMA gold")
    views = remote_views(dest, manifest)
    wanted = set(views)
    if query is not None:
        with suppress(duckdb.Error):  # a query DuckDB cannot read reports its own error below
            wanted = {n.lower() for n in con.get_table_names(query, qualified=True)}
    for name, sql in views.items():
        if name.lower() in wanted:
            schema, _, table = name.rpartition(".")
            qualified = f'{schema}."{table}"' if schema else f'"{table}"'
            con.execute(f"CREATE VIEW {qualified} AS {sql}")
    return con


def run_remote_query(url: str, sql: str, conn: Connection | None = None) -> QueryResult:
    """Run one read-only query over the S3 mirror at ``url``."""
    check_read_only(sql)
    return fetch_and_close(open_remote(url, conn or Connection(), sql), sql)
