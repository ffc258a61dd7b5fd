"""The migrated database matches the product's schema document (shared/schema-reference.md), item by item.

The document is parsed here (its ```sql blocks: CREATE TABLE, CREATE INDEX, ALTER TABLE ... ADD CONSTRAINT)
into tables, columns (type, default, NOT NULL, PRIMARY KEY/UNIQUE, REFERENCES ... ON DELETE, GENERATED),
named constraints and indexes. Expression text (types, defaults, CHECKs, index keys and WHERE clauses) is
put in PostgreSQL's canonical form by creating the parsed objects in a scratch schema inside a transaction
that is rolled back; then the live catalog of the migrated database (``public``) is read the same way and
compared. Additions beside the document (columns, indexes, constraints) are allowed; nothing may be missing
or different. Failure messages name each missing or differing item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection, Engine

DOC = Path(__file__).resolve().parents[3] / "shared" / "schema-reference.md"
# What DESIGN.md states the document holds; guards the parser against silently missing things.
DOC_COUNTS = {"tables": 8, "columns": 146, "indexes": 60, "named constraints": 10}
SCRATCH = "ct_expected_schema"
ON_DELETE_CODES = {"CASCADE": "c", "SET NULL": "n", "SET DEFAULT": "d", "RESTRICT": "r", "NO ACTION": "a"}
Catalogs = tuple[dict[str, Any], dict[str, Any]]  # (expected from the document, live)
ACTION_NAMES = {code: name for name, code in ON_DELETE_CODES.items()}
_KEYWORDS = {"PRIMARY", "UNIQUE", "NOT", "NULL", "DEFAULT", "REFERENCES", "GENERATED", "CHECK", "CONSTRAINT"}


# -------------------------------------------------------------------------------------- parsing the document
@dataclass
class ColumnSpec:
    name: str
    type_sql: str
    default_sql: str | None = None
    not_null: bool = False
    primary_key: bool = False
    unique: bool = False
    references: tuple[str, str, str] | None = None  # (table, column, ON DELETE action)
    generated_sql: str | None = None


@dataclass
class IndexSpec:
    name: str
    table: str
    method: str
    keys: list[str]
    where: str | None


@dataclass
class DocSchema:
    tables: dict[str, list[ColumnSpec]] = field(default_factory=dict)
    constraints: dict[tuple[str, str], str] = field(default_factory=dict)  # (table, name) -> "CHECK (...)"
    indexes: dict[str, IndexSpec] = field(default_factory=dict)


def _strip_comments(sql: str) -> str:
    return re.sub(r"('(?:[^']|'')*')|--[^\n]*", lambda m: m.group(1) or "", sql)


def _group_end(text: str, start: int) -> int:
    """Index after the bracket group opening at ``start`` (quotes respected)."""
    depth, i, quoted = 0, start, False
    while i < len(text):
        c = text[i]
        if c == "'":
            quoted = not quoted
        elif not quoted and c in "([":
            depth += 1
        elif not quoted and c in ")]":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError(f"unbalanced brackets in {text!r}")


_TOKEN = re.compile(r"\s+|'[^']*'|::|\w+|\S")


def _tokens(text: str) -> list[str]:
    """Words, quoted strings, ``::`` and whole bracket groups as single tokens."""
    out, i = [], 0
    while i < len(text):
        match = _TOKEN.match(text, i)
        assert match is not None
        j = _group_end(text, i) if text[i] in "([" else match.end()
        if not text[i:j].isspace():
            out.append(text[i:j])
        i = j
    return out


def _join(tokens: list[str]) -> str:
    text = ""
    for token in tokens:
        glue = token[0] in "([" or token == "::" or text.endswith("::")
        text += token if glue or not text else " " + token
    return text


def _split_top(text: str, sep: str = ",") -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth, quoted = 0, False
    for c in text:
        if c == "'":
            quoted = not quoted
        if not quoted and c in "([":
            depth += 1
        if not quoted and c in ")]":
            depth -= 1
        if c == sep and depth == 0 and not quoted:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(c)
    parts.append("".join(current).strip())
    return [p for p in parts if p]  # the document's trailing commas leave empty items


def _parse_column(item: str) -> ColumnSpec:
    tokens = _tokens(item)
    i = 1
    while i < len(tokens) and tokens[i].upper() not in _KEYWORDS:
        i += 1
    col = ColumnSpec(name=tokens[0], type_sql=_join(tokens[1:i]))
    while i < len(tokens):
        word = tokens[i].upper()
        if word == "PRIMARY":
            col.primary_key, col.not_null, i = True, True, i + 2
        elif word == "UNIQUE":
            col.unique, i = True, i + 1
        elif word == "NOT":
            col.not_null, i = True, i + 2
        elif word == "DEFAULT":
            j = i + 1
            while j < len(tokens) and tokens[j].upper() not in _KEYWORDS:
                j += 1
            col.default_sql, i = _join(tokens[i + 1 : j]), j
        elif word == "REFERENCES":
            table, ref_col = tokens[i + 1], tokens[i + 2].strip("()").strip()
            i += 3
            action = "NO ACTION"
            if [t.upper() for t in tokens[i : i + 2]] == ["ON", "DELETE"]:
                two = " ".join(tokens[i + 2 : i + 4]).upper()
                action = two if two in ON_DELETE_CODES else tokens[i + 2].upper()
                i += 2 + len(action.split())
            col.references = (table, ref_col, action)
        elif word == "GENERATED":  # GENERATED ALWAYS AS (expr) STORED
            col.generated_sql, i = tokens[i + 3], i + 5
        else:
            raise ValueError(f"cannot parse column definition {item!r} at {tokens[i]!r}")
    return col


_CREATE_TABLE = re.compile(r"^CREATE TABLE (\w+)\s*\((.*)\)$", re.S | re.I)
_CREATE_INDEX = re.compile(r"^CREATE INDEX (\w+) ON (\w+)(?:\s+USING\s+(\w+))?\s*(\(.*)$", re.S | re.I)
_ADD_CONSTRAINT = re.compile(r"^ALTER TABLE (\w+) ADD CONSTRAINT (\w+)\s+(.*)$", re.S | re.I)


def _parse_index(match: re.Match[str]) -> IndexSpec:
    name, table, method, rest = match.groups()
    end = _group_end(rest, 0)
    where = rest[end:].strip()
    if where and not where.upper().startswith("WHERE "):
        raise ValueError(f"cannot parse index {name}: {rest!r}")
    keys = _split_top(rest[1 : end - 1])
    return IndexSpec(name, table, (method or "btree").lower(), keys, where[6:].strip() or None)


def parse_document(path: Path = DOC) -> DocSchema:
    doc = DocSchema()
    blocks = re.findall(r"```sql\n(.*?)```", path.read_text(encoding="utf-8"), re.S)
    for block in blocks:
        for statement in _split_top(_strip_comments(block), ";"):
            statement = " ".join(statement.split())
            if m := _CREATE_TABLE.match(statement):
                columns: list[ColumnSpec] = []
                for item in _split_top(m[2]):
                    if item.upper().startswith("CONSTRAINT "):
                        _, name, body = item.split(" ", 2)
                        doc.constraints[(m[1], name)] = body
                    else:
                        columns.append(_parse_column(item))
                doc.tables[m[1]] = columns
            elif m := _CREATE_INDEX.match(statement):
                doc.indexes[m[1]] = _parse_index(m)
            elif m := _ADD_CONSTRAINT.match(statement):
                doc.constraints[(m[1], m[2])] = m[3]
    return doc


# ------------------------------------------------------------------------------------------------ catalogs
def _scratch_ddl(doc: DocSchema) -> list[str]:
    """The document's objects, without references between tables, in the scratch schema."""
    ddl = [f"CREATE SCHEMA {SCRATCH}"]
    for table, columns in doc.tables.items():
        cols = []
        for c in columns:
            text = f"{c.name} {c.type_sql}"
            text += f" GENERATED ALWAYS AS ({c.generated_sql}) STORED" if c.generated_sql else ""
            text += f" DEFAULT {c.default_sql}" if c.default_sql else ""
            cols.append(text + (" NOT NULL" if c.not_null else ""))
        ddl.append(f"CREATE TABLE {SCRATCH}.{table} ({', '.join(cols)})")
    ddl += [
        f"ALTER TABLE {SCRATCH}.{t} ADD CONSTRAINT {n} {body}" for (t, n), body in doc.constraints.items()
    ]
    for ix in doc.indexes.values():
        where = f" WHERE {ix.where}" if ix.where else ""
        ddl.append(
            f"CREATE INDEX {ix.name} ON {SCRATCH}.{ix.table} USING {ix.method} ({', '.join(ix.keys)}){where}"
        )
    return ddl


def _rows(conn: Connection, sql: str, schema: str) -> list[Any]:
    return list(conn.execute(sa.text(sql), {"schema": schema}))


def read_catalog(conn: Connection, schema: str) -> dict[str, dict[Any, Any]]:
    """Tables, columns, constraints and indexes of ``schema`` in canonical text form."""
    tables = _rows(
        conn, "SELECT table_name FROM information_schema.tables WHERE table_schema = :schema", schema
    )
    columns = _rows(
        conn,
        """SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                  pg_get_expr(d.adbin, d.adrelid), a.attgenerated, ic.is_generated
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
           LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
           JOIN information_schema.columns ic ON ic.table_schema = n.nspname AND ic.table_name = c.relname
                AND ic.column_name = a.attname
           WHERE n.nspname = :schema AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped""",
        schema,
    )
    constraints = _rows(
        conn,
        """SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid),
                  ARRAY(SELECT attname FROM unnest(k.conkey) WITH ORDINALITY u(n, o)
                        JOIN pg_attribute ON attrelid = k.conrelid AND attnum = u.n ORDER BY o),
                  f.relname, k.confdeltype
           FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_class f ON f.oid = k.confrelid
           WHERE n.nspname = :schema""",
        schema,
    )
    indexes = _rows(
        conn,
        """SELECT i.relname, t.relname, am.amname,
                  ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true)
                        FROM generate_series(1, x.indnkeyatts) k),
                  ARRAY(SELECT (x.indoption[k - 1] & 1) = 1 FROM generate_series(1, x.indnkeyatts) k),
                  pg_get_expr(x.indpred, x.indrelid, true)
           FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
           JOIN pg_am am ON am.oid = i.relam JOIN pg_namespace n ON n.oid = t.relnamespace
           JOIN pg_indexes pi ON pi.schemaname = n.nspname AND pi.indexname = i.relname
           WHERE n.nspname = :schema""",
        schema,
    )
    return {
        "tables": {r[0]: True for r in tables},
        "columns": {(r[0], r[1]): tuple(r[2:]) for r in columns},
        "constraints": {(r[0], r[1]): tuple(r[2:]) for r in constraints},
        "indexes": {r[0]: tuple(r[1:]) for r in indexes},
    }


@pytest.fixture(scope="module")
def doc() -> DocSchema:
    assert DOC.is_file(), f"schema document not found at {DOC}"
    return parse_document()


@pytest.fixture(scope="module")
def catalogs(migrated_engine: Engine, doc: DocSchema) -> Catalogs:
    """(expected, live): the document's canonical catalog and the migrated database's."""
    with migrated_engine.connect() as conn:
        transaction = conn.begin()
        try:
            driver = conn.connection.driver_connection
            assert driver is not None
            for statement in _scratch_ddl(doc):
                driver.execute(statement.encode())
            return read_catalog(conn, SCRATCH), read_catalog(conn, "public")
        finally:
            transaction.rollback()


# -------------------------------------------------------------------------------------------------- tests
def test_document_parse_finds_what_the_design_states(doc: DocSchema) -> None:
    found = {
        "tables": len(doc.tables),
        "columns": sum(len(cols) for cols in doc.tables.values()),
        "indexes": len(doc.indexes),
        "named constraints": len(doc.constraints),
    }
    assert found == DOC_COUNTS
    text = " ".join(_strip_comments(b) for b in re.findall(r"```sql\n(.*?)```", DOC.read_text(), re.S))
    creates = re.findall(r"CREATE TABLE \w+ \((.*?)\n\);", text, re.S)
    columns = [c for cols in doc.tables.values() for c in cols]
    for keyword, parsed in (
        ("DEFAULT", sum(c.default_sql is not None for c in columns)),
        ("REFERENCES", sum(c.references is not None for c in columns)),
        ("NOT NULL", sum(c.not_null and not c.primary_key for c in columns)),
    ):
        assert sum(body.count(keyword) for body in creates) == parsed, f"{keyword}: parser missed some"


def test_every_table_exists(catalogs: Catalogs) -> None:
    expected, live = catalogs
    missing = sorted(set(expected["tables"]) - set(live["tables"]))
    assert not missing, f"tables missing from the database: {missing}"


def test_every_column_has_the_documented_type_default_and_nullability(catalogs: Catalogs) -> None:
    expected, live = catalogs
    problems = []
    labels = ("type", "NOT NULL", "default", "generated", "is_generated")
    for (table, column), want in sorted(expected["columns"].items()):
        have = live["columns"].get((table, column))
        if have is None:
            problems.append(f"{table}.{column}: missing (document: {want[0]})")
            continue
        for label, w, h in zip(labels, want, have, strict=True):
            if w != h:
                problems.append(f"{table}.{column}: {label} is {h!r}, the document says {w!r}")
    assert not problems, "\n".join(problems)


def test_named_constraints(catalogs: Catalogs, doc: DocSchema) -> None:
    expected, live = catalogs
    problems = []
    for key in sorted(doc.constraints):
        want, have = expected["constraints"][key], live["constraints"].get(key)
        if have is None:
            problems.append(f"{key[0]}: constraint {key[1]} missing ({want[1]})")
        elif have[:3] != want[:3]:
            problems.append(
                f"{key[0]}.{key[1]}: is {have[1]!r} on {have[2]}, document {want[1]!r} on {want[2]}"
            )
    assert not problems, "\n".join(problems)


def test_primary_keys_unique_columns_and_foreign_keys(catalogs: Catalogs, doc: DocSchema) -> None:
    _, live = catalogs
    by_columns = {(t, tuple(c[2]), c[0]): c for (t, _), c in live["constraints"].items()}
    problems = []
    for table, columns in doc.tables.items():
        for col in columns:
            if col.primary_key and (table, (col.name,), "p") not in by_columns:
                problems.append(f"{table}.{col.name}: not the PRIMARY KEY")
            if col.unique and (table, (col.name,), "u") not in by_columns:
                problems.append(f"{table}.{col.name}: no UNIQUE constraint")
            if col.references:
                ref_table, ref_col, action = col.references
                fk = by_columns.get((table, (col.name,), "f"))
                if fk is None:
                    problems.append(f"{table}.{col.name}: no FOREIGN KEY to {ref_table}({ref_col})")
                elif (fk[3], fk[4]) != (ref_table, ON_DELETE_CODES[action]):
                    problems.append(
                        f"{table}.{col.name}: FK references {fk[3]} ON DELETE {ACTION_NAMES[fk[4]]}, "
                        f"the document says {ref_table} ON DELETE {action}"
                    )
    assert not problems, "\n".join(problems)


def test_foreign_key_on_delete_actions(catalogs: Catalogs, doc: DocSchema) -> None:
    """The document's foreign keys, exactly (tables added beside the document have their own tests)."""
    _, live = catalogs
    actions = {
        (t, c[2][0]): (c[3], c[4])
        for (t, _), c in live["constraints"].items()
        if c[0] == "f" and t in doc.tables
    }
    assert actions == {
        ("videos", "uploaded_by"): ("users", "n"),
        ("video_segments", "video_id"): ("videos", "c"),
        ("searches", "user_id"): ("users", "n"),
        ("anomalies", "segment_id"): ("video_segments", "c"),
        ("anomalies", "video_id"): ("videos", "c"),
        ("anomalies", "resolved_by"): ("users", "n"),
        ("audit_log", "user_id"): ("users", "n"),
        ("api_keys", "user_id"): ("users", "c"),
        ("exports", "user_id"): ("users", "c"),
        # 0012, beside the document: the case a search was made in, the case an export is filed in
        ("searches", "case_id"): ("cases", "n"),
        ("exports", "case_id"): ("cases", "n"),
    }


def test_generated_duration_column(catalogs: Catalogs) -> None:
    _, live = catalogs
    type_, _not_null, expression, kind, is_generated = live["columns"][("video_segments", "duration")]
    want = ("numeric(10,3)", "s", "ALWAYS", "(end_time - start_time)")
    assert (type_, kind, is_generated, expression) == want


def test_every_index(catalogs: Catalogs, doc: DocSchema) -> None:
    expected, live = catalogs
    labels = ("table", "method", "key columns/expressions", "DESC flags", "WHERE")
    problems = []
    for name in sorted(doc.indexes):
        want, have = expected["indexes"][name], live["indexes"].get(name)
        if have is None:
            problems.append(f"index {name} missing (document: ON {want[0]} USING {want[1]} {want[2]})")
            continue
        for label, w, h in zip(labels, want, have, strict=True):
            if w != h:
                problems.append(f"index {name}: {label} is {h!r}, the document says {w!r}")
    assert not problems, "\n".join(problems)
    methods = {want[1] for want in expected["indexes"].values()}
    assert methods == {"btree", "gin"}
