"""psycopg 3 against pgdynamo: server-side cursors, binary results,
pipeline mode, COPY and set_config.

psycopg 3 speaks the extended protocol: a named cursor is a DECLARE sent
with its parameters, then a Describe of the portal named after the cursor,
then FETCH FORWARD n for each fetchmany. This prints one JSON object with
what it saw, for test/clients_psycopg_test.go to check; a failing step is
reported, and the next steps still run.

Usage: python3 client.py HOST PORT REPEAT
"""

import datetime
import decimal
import json
import sys

import psycopg
from psycopg import sql


def describe(value):
    """A value with its Python type name, so the test sees the typing."""
    if value is None:
        return {"type": "NoneType", "value": None}
    if isinstance(value, decimal.Decimal):
        return {"type": "Decimal", "value": str(value)}
    if isinstance(value, datetime.datetime):
        return {"type": "datetime", "value": value.astimezone(datetime.timezone.utc).isoformat()}
    if hasattr(value, "isoformat"):
        return {"type": type(value).__name__, "value": value.isoformat()}
    return {"type": type(value).__name__, "value": value}


def main():
    host, port, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    out = {"steps": {}}
    conn = psycopg.connect(host=host, port=port, user="tester", dbname="e2e",
                           sslmode="disable", application_name="psycopg3-test",
                           connect_timeout=10)

    def step(name, fn):
        try:
            fn()
            out["steps"][name] = "ok"
        except psycopg.Error as e:
            out["steps"][name] = "error %s: %s" % (e.sqlstate, str(e).strip())
            conn.rollback()
        except Exception as e:  # noqa: BLE001 - reported to the test
            out["steps"][name] = "error python: %r" % (e,)
            conn.rollback()

    def named_cursor():
        # Every person repeated: more rows than fit in one fetch, read with
        # fetchmany; the server keeps the cursor between FETCHes.
        with conn.cursor(name="big") as cur:
            # The engine cannot take a parameter inside a table function's
            # arguments, so the count is written into the text.
            cur.execute(
                sql.SQL("SELECT p.id, p.name, g FROM people p CROSS JOIN generate_series(1, {}) AS g"
                        " WHERE p.id > %s ORDER BY p.id, g").format(sql.Literal(repeat)),
                (0,),
            )
            out["named_description"] = [d.name for d in cur.description]
            n, batches, id_sum, g_sum, previous = 0, 0, 0, 0, None
            ordered = True
            while True:
                rows = cur.fetchmany(1000)
                if not rows:
                    break
                batches += 1
                for row in rows:
                    n += 1
                    id_sum += row[0]
                    g_sum += row[2]
                    if previous is not None and (row[0], row[2]) <= previous:
                        ordered = False
                    previous = (row[0], row[2])
            cur.scroll(0)  # MOVE 0: at the end, no row
            out["named"] = {"rows": n, "batches": batches, "id_sum": id_sum, "g_sum": g_sum, "ordered": ordered,
                            "last": list(previous) if previous else None}
        conn.commit()

    def binary_named_cursor():
        with conn.cursor(name="bin") as cur:
            cur.execute("SELECT id, name, age, active, joined, score, seen FROM people WHERE id <= %s ORDER BY id",
                        (3,), binary=True)
            cur.scroll(1)  # MOVE 1: skip the first person
            out["binary_named"] = [[describe(v) for v in row] for row in cur.fetchall()]
        conn.commit()

    def held_cursor():
        with conn.cursor(name="held", withhold=True) as cur:
            cur.execute("SELECT id FROM people ORDER BY id")
            first = cur.fetchone()
            conn.commit()
            out["held"] = [first[0]] + [r[0] for r in cur.fetchmany(2)]

    def binary_cursor():
        with conn.cursor(binary=True) as cur:
            cur.execute("SELECT id, name, score, joined, active FROM people WHERE id = ANY(%s) ORDER BY id", ([4, 5],))
            out["binary"] = [[describe(v) for v in row] for row in cur.fetchall()]
        conn.commit()

    def pipeline():
        # Many statements, one Sync: the results come back in order.
        with conn.pipeline():
            curs = []
            for i in (1, 2, 3):
                cur = conn.cursor()
                cur.execute("SELECT name FROM people WHERE id = %s", (i,))
                curs.append(cur)
            counter = conn.cursor()
            counter.execute("SELECT count(*) FROM visits")
        out["pipeline"] = [c.fetchone()[0] for c in curs] + [counter.fetchone()[0]]
        conn.commit()

    def copy():
        with conn.cursor() as cur:
            with cur.copy("COPY (SELECT id, name, city FROM people WHERE id <= 3 ORDER BY id) TO STDOUT") as cp:
                out["copy_text"] = [list(row) for row in cp.rows()]
            with cur.copy("COPY (SELECT id, name, score FROM people WHERE id <= 3 ORDER BY id) TO STDOUT (FORMAT BINARY)") as cp:
                cp.set_types(["int8", "text", "float8"])
                out["copy_binary"] = [[describe(v) for v in row] for row in cp.rows()]
        conn.commit()

    def set_config():
        # The row-level-security pattern: a setting from a parameter, local
        # to the transaction.
        with conn.cursor() as cur:
            cur.execute("SELECT set_config('myapp.user', %s, true)", ("alice",))
            cur.execute("SELECT current_setting('myapp.user')")
            inside = cur.fetchone()[0]
            conn.commit()
            cur.execute("SELECT current_setting('myapp.user', true)")
            out["set_config"] = [inside, cur.fetchone()[0]]
        conn.commit()

    step("named_cursor", named_cursor)
    step("binary_named_cursor", binary_named_cursor)
    step("held_cursor", held_cursor)
    step("binary_cursor", binary_cursor)
    step("pipeline", pipeline)
    step("copy", copy)
    step("set_config", set_config)
    conn.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
