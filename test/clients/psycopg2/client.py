"""psycopg2 against pgdynamo: what a Python script or notebook does.

psycopg2 speaks the simple protocol only: it interpolates parameters into
the SQL text on the client and wraps statements in BEGIN ... COMMIT. This
prints one JSON object with what it saw, for test/clients_test.go to check;
a failing step is reported, and the next steps still run.

Usage: python3 client.py HOST PORT
"""

import decimal
import json
import sys

import psycopg2
import psycopg2.errors
import psycopg2.extensions


def describe(value):
    """A value with its Python type name, so the test sees the typing."""
    if value is None:
        return {"type": "NoneType", "value": None}
    if isinstance(value, decimal.Decimal):
        return {"type": "Decimal", "value": str(value)}
    if hasattr(value, "isoformat"):
        return {"type": type(value).__name__, "value": value.isoformat()}
    return {"type": type(value).__name__, "value": value}


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    out = {"steps": {}}

    def step(name, fn):
        try:
            fn()
            out["steps"][name] = "ok"
        except psycopg2.Error as e:
            out["steps"][name] = "error %s: %s" % (e.pgcode, str(e).strip())
            conn.rollback()
        except Exception as e:  # noqa: BLE001 - reported to the test
            out["steps"][name] = "error python: %r" % (e,)

    conn = psycopg2.connect(host=host, port=port, user="tester", dbname="e2e",
                            sslmode="disable", application_name="psycopg2-test",
                            connect_timeout=10)
    out["server_version"] = conn.server_version

    def query():
        cur = conn.cursor()
        # %s placeholders: psycopg2 quotes the values into the text.
        cur.execute(
            "SELECT id, name, age, active, joined, score, city FROM people"
            " WHERE id = ANY(%s) AND name <> %s AND joined >= %s ORDER BY id",
            ([3, 4, 5, 6], "it's not a name", "2000-01-01"),
        )
        out["query_status_in_tx"] = conn.get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_INTRANS
        out["columns"] = [d.name for d in cur.description]
        out["rows"] = [[describe(v) for v in row] for row in cur.fetchall()]
        cur.execute("SELECT count(*), sum(age), avg(score) FROM people WHERE active = %s", (True,))
        out["aggregate"] = [describe(v) for v in cur.fetchone()]
        conn.commit()

    def error_recovery():
        cur = conn.cursor()
        try:
            cur.execute("SELECT * FROM nope WHERE id = %s", (1,))
            out["error_code"] = None
        except psycopg2.Error as e:
            out["error_code"] = e.pgcode
            out["error_class"] = type(e).__name__
        try:
            cur.execute("SELECT 1")
            out["in_failed_tx"] = None
        except psycopg2.Error as e:
            out["in_failed_tx"] = e.pgcode
        conn.rollback()
        cur.execute("SELECT count(*) FROM visits WHERE page = %s", ("/docs",))
        out["after_rollback"] = cur.fetchone()[0]
        conn.commit()

    def autocommit():
        conn.autocommit = True
        cur = conn.cursor()
        cur.execute("SELECT name FROM people WHERE id = %(id)s", {"id": 7})
        out["autocommit_row"] = cur.fetchone()[0]
        out["autocommit_status_idle"] = conn.get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_IDLE

    step("query", query)
    step("error", error_recovery)
    step("autocommit", autocommit)
    conn.close()
    json.dump(out, sys.stdout)


main()
