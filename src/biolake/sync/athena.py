"""``biolake sync --athena``: a Glue database with a table for every synced table (schemas read from the
Parquet files, partitions registered), and Athena views for the dbt models translated from DuckDB.

Glue names follow the lake's catalog: silver entities by their own name (``glucose_readings``), bronze as
``bronze_<source>__<table>``, logs as ``<name>_log``, gold exports as ``gold_<model>``. The staging,
intermediate and gold models become views of their own name (``daily_summary``) over those tables, so a
question asked of the local catalog reads the same in Athena; a gold model whose SQL cannot be translated
(see translate.py), or that is a dbt Python model with no SQL at all (the glucose marts), is served by its
Parquet export instead, under its own name too.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pyarrow as pa

from biolake.errors import SyncError
from biolake.lake.paths import LakePaths
from biolake.sync.plan import PARTITION_RE, Item, Plan, TableSpec
from biolake.sync.s3 import Bucket
from biolake.sync.translate import Compiled, Model, compile_project, to_athena, trino_problems

log = logging.getLogger(__name__)

PARQUET_IN = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
INT_PARTITIONS = {"year", "month"}
DUCKDB_TO_HIVE = {
    "VARCHAR": "string",
    "TIMESTAMPTZ": "timestamp",
    "TIMESTAMP": "timestamp",
    "DATE": "date",
    "DOUBLE": "double",
    "INTEGER": "int",
    "BIGINT": "bigint",
    "BOOLEAN": "boolean",
}
QUERY_TIMEOUT_S = 120.0
PYTHON_MODEL = "a dbt Python model (computed by biolake in Python), no SQL to translate"


def hive_type(t: pa.DataType) -> str:
    """The Hive/Glue type of an Arrow type (as Athena reads Parquet)."""
    if isinstance(t, pa.BaseExtensionType):  # e.g. arrow.json: read as its storage type
        return hive_type(t.storage_type)
    if pa.types.is_dictionary(t):
        return hive_type(t.value_type)
    simple = [
        (pa.types.is_boolean, "boolean"),
        (pa.types.is_int8, "tinyint"),
        (pa.types.is_int16, "smallint"),
        (pa.types.is_int32, "int"),
        (pa.types.is_int64, "bigint"),
        (pa.types.is_uint8, "smallint"),
        (pa.types.is_uint16, "int"),
        (pa.types.is_uint32, "bigint"),
        (pa.types.is_uint64, "decimal(20,0)"),
        (pa.types.is_float16, "float"),
        (pa.types.is_float32, "float"),
        (pa.types.is_float64, "double"),
        (pa.types.is_string, "string"),
        (pa.types.is_large_string, "string"),
        (pa.types.is_binary, "binary"),
        (pa.types.is_large_binary, "binary"),
        (pa.types.is_date, "date"),
        (pa.types.is_timestamp, "timestamp"),
        (pa.types.is_null, "string"),
    ]
    for test, name in simple:
        if test(t):
            return name
    if pa.types.is_decimal(t):
        return f"decimal({t.precision},{t.scale})"
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return f"array<{hive_type(t.value_type)}>"
    if pa.types.is_struct(t):
        return "struct<" + ",".join(f"{f.name}:{hive_type(f.type)}" for f in t) + ">"
    if pa.types.is_map(t):
        return f"map<{hive_type(t.key_type)},{hive_type(t.item_type)}>"
    if pa.types.is_time(t) or pa.types.is_duration(t):
        return "bigint"
    raise SyncError(f"no Athena type for Parquet type {t}")


def parquet_schema(files: Iterable[Path]) -> pa.Schema:
    """The union of the Parquet files' schemas (columns appended as files add them)."""
    import pyarrow.parquet as pq

    schemas = [pq.read_schema(f) for f in files]
    return pa.unify_schemas(schemas, promote_options="permissive")


@dataclass
class Athena:
    """Glue and Athena clients for one database and workgroup, writing query results under the mirror."""

    bucket: Bucket
    database: str
    workgroup: str

    def __post_init__(self) -> None:
        self.glue = self.bucket.conn.client("glue")
        self.athena = self.bucket.conn.client("athena")

    def location(self, folder: str) -> str:
        return f"s3://{self.bucket.dest.bucket}/{self.bucket.dest.key(folder)}/"

    def ensure_database(self) -> None:
        try:
            self.glue.get_database(Name=self.database)
        except self.glue.exceptions.EntityNotFoundException:
            self.glue.create_database(
                DatabaseInput={"Name": self.database, "Description": "biolake mirror (biolake sync)"}
            )

    def put_table(self, name: str, folder: str, columns: list[dict[str, str]], partitions: list[str]) -> None:
        """Create or update an external Parquet table."""
        table_input: dict[str, Any] = {
            "Name": name,
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": "parquet", "EXTERNAL": "TRUE"},
            "PartitionKeys": [
                {"Name": p, "Type": "int" if p in INT_PARTITIONS else "string"} for p in partitions
            ],
            "StorageDescriptor": {
                "Columns": columns,
                "Location": self.location(folder),
                "InputFormat": PARQUET_IN,
                "OutputFormat": PARQUET_OUT,
                "SerdeInfo": {"SerializationLibrary": PARQUET_SERDE},
            },
        }
        try:
            self.glue.create_table(DatabaseName=self.database, TableInput=table_input)
        except self.glue.exceptions.AlreadyExistsException:
            self.glue.update_table(DatabaseName=self.database, TableInput=table_input)

    def put_partitions(
        self, name: str, folder: str, columns: list[dict[str, str]], values: set[tuple[str, ...]]
    ) -> int:
        """Register the partitions of ``name`` that Glue does not have yet; how many were added."""
        existing: set[tuple[str, ...]] = set()
        for page in self.glue.get_paginator("get_partitions").paginate(
            DatabaseName=self.database, TableName=name
        ):
            existing |= {tuple(p["Values"]) for p in page["Partitions"]}
        table = self.glue.get_table(DatabaseName=self.database, Name=name)["Table"]
        keys = [k["Name"] for k in table["PartitionKeys"]]
        new = sorted(values - existing)
        for start in range(0, len(new), 100):
            batch = [
                {
                    "Values": list(v),
                    "StorageDescriptor": {
                        "Columns": columns,
                        "Location": self.location(
                            "/".join([folder, *(f"{k}={x}" for k, x in zip(keys, v, strict=True))])
                        ),
                        "InputFormat": PARQUET_IN,
                        "OutputFormat": PARQUET_OUT,
                        "SerdeInfo": {"SerializationLibrary": PARQUET_SERDE},
                    },
                }
                for v in new[start : start + 100]
            ]
            answer = self.glue.batch_create_partition(
                DatabaseName=self.database, TableName=name, PartitionInputList=batch
            )
            if answer.get("Errors"):
                raise SyncError(f"Glue refused partitions of {name}: {answer['Errors'][0]['ErrorDetail']}")
        return len(new)

    def run(self, sql: str) -> str:
        """Run one statement in Athena and wait for it; the final state, SyncError when it fails."""
        started = self.athena.start_query_execution(
            QueryString=sql,
            QueryExecutionContext={"Database": self.database},
            WorkGroup=self.workgroup,
            ResultConfiguration={"OutputLocation": self.location("_athena")},
        )
        qid = started["QueryExecutionId"]
        deadline = time.monotonic() + QUERY_TIMEOUT_S
        pause = 0.2
        while True:
            status = self.athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]
            state = str(status["State"])
            if state == "SUCCEEDED":
                return state
            if state in ("FAILED", "CANCELLED"):
                raise SyncError(f"Athena {state.lower()}: {status.get('StateChangeReason', '')}")
            if time.monotonic() > deadline:
                raise SyncError(f"Athena query {qid} still {state} after {QUERY_TIMEOUT_S:g} s")
            time.sleep(pause)
            pause = min(pause * 2, 2.0)


def table_columns(spec: TableSpec, items: list[Item]) -> list[dict[str, str]]:
    """Glue columns of a table from its Parquet files (partition columns excluded)."""
    files = [i.path for i in items if i.key.startswith(spec.folder + "/")]
    schema = parquet_schema(files)
    return [{"Name": f.name, "Type": hive_type(f.type)} for f in schema if f.name not in spec.partitions]


def partition_values(spec: TableSpec, items: list[Item]) -> set[tuple[str, ...]]:
    """The partition values of a table's files, in the order of ``spec.partitions``."""
    values: set[tuple[str, ...]] = set()
    for i in items:
        if not i.key.startswith(spec.folder + "/") or not spec.partitions:
            continue
        found = {
            m.group(1): m.group(2)
            for part in i.key[len(spec.folder) + 1 :].split("/")
            if (m := PARTITION_RE.match(part))
        }
        values.add(tuple(unquote(found.get(p, "")) for p in spec.partitions))
    return values


def empty_silver_tables(plan: Plan) -> list[tuple[str, list[dict[str, str]]]]:
    """Silver entities the lake has no data for, with the contract's columns: the staging views read
    them, so they exist in Glue as empty tables (as they are empty views in the local catalog)."""
    from biolake.lake.crosssource import has_rule
    from biolake.lake.schema import ENTITIES, PROVENANCE

    present = {t.name for t in plan.tables if t.layer == "silver"}
    out = []
    for name, entity in ENTITIES.items():
        if name in present:
            continue
        cols = [*entity.all_columns, *(PROVENANCE if has_rule(name) else ())]
        out.append((name, [{"Name": c, "Type": DUCKDB_TO_HIVE.get(t.upper(), "string")} for c, t in cols]))
    return out


def register(
    paths: LakePaths, bucket: Bucket, plan: Plan, database: str, workgroup: str
) -> list[dict[str, str]]:
    """Register every table of ``plan`` in Glue and the dbt models as Athena views; one row per object:
    name, kind (table | view), and a note (partitions added, or why a model is a table)."""
    from biolake.config import load_settings
    from biolake.transform.project import training_vars

    try:
        return _register(
            paths, bucket, plan, database, workgroup, training_vars(load_settings(lake=paths.root))
        )
    except SyncError:
        raise
    except Exception as exc:  # botocore errors from Glue/Athena
        from biolake.sync.s3 import explain

        raise explain(exc, bucket.dest, bucket.conn.endpoint_url) from None


def _register(
    paths: LakePaths, bucket: Bucket, plan: Plan, database: str, workgroup: str, variables: dict[str, Any]
) -> list[dict[str, str]]:
    athena = Athena(bucket, database, workgroup)
    athena.ensure_database()
    rows: list[dict[str, str]] = []
    for spec in plan.tables:
        columns = table_columns(spec, plan.items)
        athena.put_table(spec.name, spec.folder, columns, spec.partitions)
        added = (
            athena.put_partitions(spec.name, spec.folder, columns, partition_values(spec, plan.items))
            if spec.partitions
            else 0
        )
        note = f"{spec.layer}; {added} new partition(s)" if spec.partitions else spec.layer
        rows.append({"name": spec.name, "kind": "table", "note": note})
    if any(t.layer == "silver" for t in plan.tables):
        for name, columns in empty_silver_tables(plan):
            athena.put_table(name, f"silver/{name}", columns, ["year"])
            rows.append({"name": name, "kind": "table", "note": "silver; no data yet (empty)"})
    glue_tables = {
        t["Name"]
        for page in athena.glue.get_paginator("get_tables").paginate(DatabaseName=database)
        for t in page["TableList"]
    }
    compiled = compile_project(variables)
    exports = {t.name: t.columns for t in plan.tables if t.layer == "gold"}
    for name, sql, note in athena_views(compiled, database, glue_tables, exports):
        if sql is None:
            rows.append({"name": name, "kind": "table", "note": note})
            continue
        athena.run(f'CREATE OR REPLACE VIEW "{database}"."{name}" AS {sql}')
        rows.append({"name": name, "kind": "view", "note": note})
    return rows


def _translate(model: Model, relations: dict[tuple[str, str], tuple[str, str]]) -> tuple[str, list[str]]:
    """A model's Athena SQL and why it cannot run there (empty when it can)."""
    if model.is_python:
        return "", [PYTHON_MODEL]
    try:
        sql = to_athena(model.sql, relations)
    except SyncError as exc:
        return "", [str(exc)]
    except Exception as exc:  # sqlglot could not read the DuckDB SQL
        return "", [f"sqlglot: {str(exc).splitlines()[0]}"]
    return sql, trino_problems(sql)


def athena_views(
    compiled: Compiled, database: str, glue_tables: set[str], exports: dict[str, list[str]] | None = None
) -> list[tuple[str, str | None, str]]:
    """For every model in dependency order: (name, translated SQL or None, note). A model whose SQL cannot
    be translated, that reads one that could not, or that is a dbt Python model (no SQL to translate), is
    None, unless it is a gold model with a Parquet export (``gold_<name>`` in Glue, its columns in
    ``exports``): then its export serves it, through a view that selects the model's columns from that
    table, and the note says why."""
    exports = exports or {}
    relations: dict[tuple[str, str], tuple[str, str]] = {}
    for name in compiled.sources.values():
        if name in glue_tables:
            relations[("main", name)] = (database, name)
    out: list[tuple[str, str | None, str]] = []
    for model in compiled.order():
        sql, problems = _translate(model, relations)
        export = f"gold_{model.name}"
        if not problems:
            relations[(model.schema, model.name)] = (database, model.name)
            out.append((model.name, sql, "translated from DuckDB"))
        elif model.schema == "gold" and export in glue_tables and exports.get(export):
            relations[(model.schema, model.name)] = (database, model.name)
            columns = ", ".join(f'"{c}"' for c in exports[export])
            sql = f'SELECT {columns} FROM "{database}"."{export}"'
            note = f"served by table {export} (its Parquet export): " + "; ".join(problems)
            out.append((model.name, sql, note))
        else:
            out.append((model.name, None, "not in Athena: " + "; ".join(problems)))
    return out
