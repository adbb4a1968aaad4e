"""The gold models' SQL for Athena: dbt compiles each model, sqlglot translates it from DuckDB to the
Athena (Trino) dialect with every ``ref``/``source`` pointing at the Glue tables and views, and a check
makes sure no DuckDB-only construct reaches Athena.

sqlglot translates most of DuckDB (``list()`` → ``ARRAY_AGG``, ``QUALIFY`` → a subquery, ``epoch`` →
``TO_UNIXTIME``, date arithmetic); two DuckDB functions it passes through are rewritten here
(``isoyear(d)`` → Trino's ``year_of_week(d)``, ``to_seconds(x)`` → ``x * INTERVAL '1' SECOND``). What is
left untranslatable (lambdas, ``list_reduce``, ``GROUP BY ALL``, list slices) is reported, and the model
is then served in Athena as a table over its Parquet export instead of a view. dbt Python models (the
glucose marts, which call ``biolake.glucose``) have no SQL at all: the manifest names their language, and
they are always served by their export.
"""

from __future__ import annotations

import functools
import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from biolake.errors import SyncError
from biolake.resources import resource_dir

PROFILE = """\
biolake:
  target: compile
  outputs:
    compile:
      type: duckdb
      path: ":memory:"
      schema: main
      threads: 1
"""
# Trino functions sqlglot does not model (they stay exp.Anonymous) that the rewrites below produce.
TRINO_FUNCTIONS = {"YEAR_OF_WEEK"}
# DuckDB-only calls caught by name as well, should a sqlglot version model them as known functions.
DUCKDB_ONLY = re.compile(
    r"\b(LIST_REDUCE|LIST_AGGREGATE|LIST_TRANSFORM|LIST_FILTER|ISOYEAR|TO_SECONDS|STRUCT_PACK)\s*\(|"
    r"\bGROUP\s+BY\s+ALL\b",
    re.IGNORECASE,
)


@dataclass
class Model:
    """One dbt model as compiled: its relation in DuckDB, its SQL and what it depends on."""

    unique_id: str
    name: str
    schema: str  # staging | intermediate | gold
    sql: str
    depends_on: list[str] = field(default_factory=list)
    language: str = "sql"  # sql | python (dbt's node language)

    @property
    def is_python(self) -> bool:
        """A dbt Python model: its compiled code is Python, so there is no SQL to translate."""
        return self.language == "python"


@dataclass
class Compiled:
    """Every model of the dbt project and every source, by unique id."""

    models: dict[str, Model]
    sources: dict[str, str]  # unique id → silver table name

    @property
    def gold(self) -> list[Model]:
        return sorted((m for m in self.models.values() if m.schema == "gold"), key=lambda m: m.name)

    def order(self) -> list[Model]:
        """Models in dependency order (each after what it reads)."""
        done: set[str] = set()
        out: list[Model] = []

        def visit(uid: str) -> None:
            if uid in done or uid not in self.models:
                return
            done.add(uid)
            for dep in self.models[uid].depends_on:
                visit(dep)
            out.append(self.models[uid])

        for uid in sorted(self.models):
            visit(uid)
        return out


def compile_project(variables: dict[str, Any] | None = None) -> Compiled:
    """``dbt compile`` of the shipped project in a worker process against an empty in-memory DuckDB (the
    SQL of a model does not depend on the data), read back from dbt's manifest; once per process for the
    same variables."""
    return _compile(json.dumps(variables or {}, sort_keys=True))


@functools.lru_cache(maxsize=4)
def _compile(variables: str) -> Compiled:
    from biolake.transform.build import run_worker

    with tempfile.TemporaryDirectory(prefix="biolake-compile-") as tmp:
        home = Path(tmp)
        (home / "profiles.yml").write_text(PROFILE, encoding="utf-8")
        args = ["compile", "--select", "resource_type:model", "--log-level", "none"]
        args += ["--project-dir", str(resource_dir("dbt")), "--profiles-dir", str(home)]
        args += ["--target-path", str(home / "target"), "--log-path", str(home / "logs")]
        args += ["--vars", variables]
        result = run_worker(args, None)
        if not result.success:
            raise SyncError(f"dbt could not compile the gold models: {result.error}")
        manifest = json.loads((home / "target" / "manifest.json").read_text(encoding="utf-8"))
    models = {
        uid: Model(
            uid,
            node["name"],
            node["schema"],
            node["compiled_code"],
            list(node["depends_on"]["nodes"]),
            node.get("language", "sql"),
        )
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node.get("compiled_code")
    }
    sources = {uid: node["name"] for uid, node in manifest["sources"].items()}
    return Compiled(models, sources)


def to_athena(sql: str, relations: dict[tuple[str, str], tuple[str, str]]) -> str:
    """Translate one model's DuckDB SQL to Athena's dialect; ``relations`` maps (schema, name) in DuckDB
    to (database, name) in Glue. SyncError naming the relation when one has no Glue counterpart."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read="duckdb")
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        if not table.db and table.name in ctes:
            continue
        target = relations.get((table.db, table.name))
        if target is None:
            raise SyncError(f"{table.db}.{table.name} has no table or view in Athena")
        table.set("catalog", None)
        table.set("db", exp.to_identifier(target[0], quoted=True))
        table.set("this", exp.to_identifier(target[1], quoted=True))
    tree = tree.transform(_rewrite_duckdb_functions)
    return str(tree.sql(dialect="athena"))


def _rewrite_duckdb_functions(node: Any) -> Any:
    from sqlglot import exp

    if isinstance(node, exp.Anonymous):
        name = node.name.upper()
        if name == "ISOYEAR" and len(node.expressions) == 1:
            return exp.Anonymous(this="YEAR_OF_WEEK", expressions=node.expressions)
        if name == "TO_SECONDS" and len(node.expressions) == 1:
            second = exp.Interval(this=exp.Literal.string("1"), unit=exp.var("SECOND"))
            return exp.Mul(this=exp.Paren(this=node.expressions[0]), expression=second)
    return node


def trino_problems(sql: str) -> list[str]:
    """Why ``sql`` cannot run on Athena: it does not parse as Trino, or it holds a DuckDB-only construct
    (an unknown function, a lambda, GROUP BY ALL, a list slice). Empty when it is fine."""
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(sql, read="trino")
    except sqlglot.errors.ParseError as exc:
        return [f"does not parse as Trino: {str(exc).splitlines()[0]}"]
    problems = []
    for node in tree.find_all(exp.Anonymous):
        if node.name.upper() not in TRINO_FUNCTIONS:
            problems.append(f"function {node.name.upper()} is not Trino's")
    if any(True for _ in tree.find_all(exp.Lambda)):
        problems.append("lambda expression")
    if any(True for _ in tree.find_all(exp.Slice)):
        problems.append("list slice")
    for group in tree.find_all(exp.Group):
        if group.args.get("all"):
            problems.append("GROUP BY ALL")
    problems += [
        f"DuckDB-only {' '.join(m.group(0).split()).rstrip('(').strip()}" for m in DUCKDB_ONLY.finditer(sql)
    ]
    return sorted(set(problems))
