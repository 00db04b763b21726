// node-postgres (npm pg) against pgdynamo. A query with values is an
// unnamed Parse + Bind (text parameters) + Describe P + Execute + Sync; a
// query with a name is parsed once per connection and then only bound.
// Prints one JSON object for test/clients_test.go; a failing step is
// reported and the next steps still run.
//
// Usage: NODE_PATH=<cache>/node_modules node client.js HOST PORT

'use strict';

const { Client } = require('pg');

function describe(v) {
  if (v === null) return { type: 'null', value: null };
  if (v instanceof Date) return { type: 'Date', value: v.toISOString() };
  return { type: typeof v, value: v };
}

async function main() {
  const [host, port] = process.argv.slice(2);
  const out = { steps: {} };
  const client = new Client({
    host, port: Number(port), user: 'tester', database: 'e2e',
    ssl: false, application_name: 'node-pg-test', connectionTimeoutMillis: 10000,
  });
  await client.connect();

  async function step(name, fn) {
    try {
      await fn();
      out.steps[name] = 'ok';
    } catch (e) {
      out.steps[name] = `error ${e.code || 'js'}: ${e.message}`;
    }
  }

  await step('parameterised', async () => {
    const res = await client.query(
      'SELECT id, name, age, active, joined, score FROM people WHERE id = $1 OR name = $2 ORDER BY id',
      [9, 'nobody'],
    );
    out.fields = res.fields.map((f) => ({ name: f.name, oid: f.dataTypeID }));
    out.rows = res.rows.map((r) => Object.values(r).map(describe));
    out.command = `${res.command} ${res.rowCount}`;
  });

  await step('named', async () => {
    out.named = [];
    for (const min of [30, 50]) {
      const res = await client.query({
        name: 'people-older-than',
        text: 'SELECT count(*) AS n FROM people WHERE age > $1',
        values: [min],
      });
      out.named.push(res.rows[0].n);
    }
  });

  await step('error', async () => {
    try {
      await client.query('SELECT * FROM nope WHERE id = $1', [1]);
      out.error_code = null;
    } catch (e) {
      out.error_code = e.code;
    }
    const res = await client.query('SELECT $1::int + 1 AS two', [1]);
    out.after_error = res.rows[0].two;
  });

  await client.end();
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  process.stderr.write(`node client: ${e.stack || e}\n`);
  process.exit(1);
});
