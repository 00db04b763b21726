"""SQLAlchemy's inspector and pandas.read_sql against pgdynamo: what a
notebook or an ORM does to discover tables and load a query into a
DataFrame (SQLAlchemy's PostgreSQL dialect over psycopg2).

Prints one JSON object for test/clients_sqlalchemy_test.go; a failing step
is reported, and the next steps still run.

Usage: python3 client.py HOST PORT
"""

import json
import os
import sys
import warnings

# pandas 1.5 calls SQLAlchemy 1.4 APIs that 2.0 removes; the notice about
# them is not pgdynamo's business.
os.environ["SQLALCHEMY_SILENCE_UBER_WARNING"] = "1"

import pandas
import sqlalchemy


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    out = {"steps": {}, "warnings": []}
    engine = sqlalchemy.create_engine(
        "postgresql+psycopg2://tester@%s:%d/demo?sslmode=disable&application_name=sqlalchemy-test" % (host, port))

    def step(name, fn):
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", sqlalchemy.exc.SAWarning)
                fn()
            # SQLAlchemy warns, rather than fails, on a type it cannot read.
            out["warnings"] += ["%s: %s" % (name, w.message) for w in caught
                                if issubclass(w.category, sqlalchemy.exc.SAWarning)]
            out["steps"][name] = "ok"
        except Exception as e:  # noqa: BLE001 - reported to the test
            out["steps"][name] = "error: %s" % (str(e).strip().splitlines()[0],)

    insp = sqlalchemy.inspect(engine)
    tables = {}
    out["tables"] = tables

    def get_table_names():
        for name in insp.get_table_names():
            tables[name] = {}

    def get_pk_constraint():
        for name, table in tables.items():
            pk = insp.get_pk_constraint(name)
            table["pk"], table["pk_name"] = pk["constrained_columns"], pk["name"]

    def get_columns():
        for name, table in tables.items():
            table["columns"] = [{"name": c["name"], "type": str(c["type"]), "nullable": c["nullable"]}
                                for c in insp.get_columns(name)]

    def read_sql():
        df = pandas.read_sql("SELECT id, name, created_at FROM users ORDER BY id", engine)
        out["read_sql"] = {
            "columns": list(df.columns),
            "dtypes": [str(t) for t in df.dtypes],
            "rows": len(df),
            "first": [int(df["id"].iloc[0]), df["name"].iloc[0], df["created_at"].iloc[0].isoformat()],
        }
        params = pandas.read_sql(
            sqlalchemy.text("SELECT user_id, count(*) AS n FROM orders WHERE user_id <= :top GROUP BY user_id ORDER BY user_id"),
            engine, params={"top": 3})
        out["read_sql_params"] = [[int(r.user_id), int(r.n)] for r in params.itertuples()]

    step("get_table_names", get_table_names)
    step("get_pk_constraint", get_pk_constraint)
    step("get_columns", get_columns)
    step("read_sql", read_sql)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
