package test

import (
	"context"
	"fmt"
	"net/url"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pgdynamo/pgdynamo/internal/pgtest"
	"github.com/pgdynamo/pgdynamo/pgtypes"
)

// psqlURL runs the real psql binary against a libpq URL (a real
// PostgreSQL, to compare with) and returns its combined output.
func psqlURL(t *testing.T, dsn string, args ...string) (string, error) {
	t.Helper()
	path, err := exec.LookPath("psql")
	if err != nil {
		t.Fatalf("psql is required (apt-get install -y postgresql-client): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, append([]string{"-X", "-d", dsn}, args...)...)
	cmd.Env = []string{"PGCONNECT_TIMEOUT=10", "LC_ALL=C.UTF-8"}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestTypesUnnestDepthPsql runs the reference's three unnest_depth tables
// end to end through psql: the document {"a":1,"b":{"x":2,"y":{"z":3}}}
// read with unnest_depth 0, 1 and 2 prints exactly what psql prints for a
// real PostgreSQL table with the columns SPEC §4 names (a, b / a, "b.x",
// "b.y" / a, "b.x", "b.y.z"), and the columns have the right types.
func TestTypesUnnestDepthPsql(t *testing.T) {
	ctx := context.Background()
	table := typesTableWithKey(t, "unnest", "a", []avMap{{
		"a": avN("1"),
		"b": avM(avMap{"x": avN("2"), "y": avM(avMap{"z": avN("3")})}),
	}})
	gw := startGateway(t,
		datasetYAML{name: "depth0", table: table, params: withParams("unnest_depth", "0")},
		datasetYAML{name: "depth1", table: table, params: withParams("unnest_depth", "1")},
		datasetYAML{name: "depth2", table: table, params: withParams("unnest_depth", "2")},
	)
	pg := postgresConn(t)
	schema := "types_unnest"
	for _, s := range []string{
		"DROP SCHEMA IF EXISTS " + schema + " CASCADE",
		"CREATE SCHEMA " + schema,
		"CREATE TABLE " + schema + `.depth0 (a int8, b text)`,
		"CREATE TABLE " + schema + `.depth1 (a int8, "b.x" int8, "b.y" text)`,
		"CREATE TABLE " + schema + `.depth2 (a int8, "b.x" int8, "b.y.z" int8)`,
		"INSERT INTO " + schema + `.depth0 VALUES (1, '{"x":2,"y":{"z":3}}')`,
		"INSERT INTO " + schema + `.depth1 VALUES (1, 2, '{"z":3}')`,
		"INSERT INTO " + schema + `.depth2 VALUES (1, 2, 3)`,
	} {
		if _, err := pg.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	pgURL, err := url.Parse(pgtest.Shared(t).ConnString())
	if err != nil {
		t.Fatal(err)
	}
	q := pgURL.Query()
	q.Set("options", "-c search_path="+schema)
	pgURL.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20") // libpq does not decode +

	conn := connect(t, gw)
	for _, tc := range []struct {
		table string
		names []string
		oids  []uint32
		// quoted selects every column by name, as a user must quote them.
		quoted string
		// aligned is the reference's table as psql prints it.
		aligned string
	}{
		{"depth0", []string{"a", "b"}, []uint32{pgtypes.Int8OID, pgtypes.TextOID}, `a, b`,
			" a |          b          \n" +
				"---+---------------------\n" +
				" 1 | {\"x\":2,\"y\":{\"z\":3}}\n" +
				"(1 row)\n\n"},
		{"depth1", []string{"a", "b.x", "b.y"}, []uint32{pgtypes.Int8OID, pgtypes.Int8OID, pgtypes.TextOID}, `a, "b.x", "b.y"`,
			" a | b.x |   b.y   \n" +
				"---+-----+---------\n" +
				" 1 |   2 | {\"z\":3}\n" +
				"(1 row)\n\n"},
		{"depth2", []string{"a", "b.x", "b.y.z"}, []uint32{pgtypes.Int8OID, pgtypes.Int8OID, pgtypes.Int8OID}, `a, "b.x", "b.y.z"`,
			" a | b.x | b.y.z \n" +
				"---+-----+-------\n" +
				" 1 |   2 |     3\n" +
				"(1 row)\n\n"},
	} {
		t.Run(tc.table, func(t *testing.T) {
			for _, sql := range []string{"SELECT * FROM " + tc.table, "SELECT " + tc.quoted + " FROM " + tc.table} {
				got, err := psql(t, gw, "-c", sql)
				if err != nil {
					t.Fatalf("psql: %v\n%s", err, got)
				}
				want, err := psqlURL(t, pgURL.String(), "-c", sql)
				if err != nil {
					t.Fatalf("psql against PostgreSQL: %v\n%s", err, want)
				}
				if want != tc.aligned {
					t.Errorf("PostgreSQL's psql prints\n%s\nthe test expects\n%s", want, tc.aligned)
				}
				if got != want {
					t.Errorf("%s: psql prints\n%s\nwant (as for PostgreSQL)\n%s", sql, got, want)
				}
			}
			names, oids, _, err := queryText(ctx, conn, "SELECT * FROM "+tc.table)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(names, tc.names) || !slices.Equal(oids, tc.oids) {
				t.Errorf("columns %v %v, want %v %v", names, oids, tc.names, tc.oids)
			}
		})
	}
	// A map kept as JSON text still answers the Postgres json operators.
	t.Run("json text operators", func(t *testing.T) {
		rows, err := queryRows(ctx, conn, `SELECT b->>'x', b->'y'->>'z', "b.y"->>'z' FROM depth0, depth1`)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(rows) != "[[2 3 3]]" {
			t.Errorf("json operators on JSON text: %v", rows)
		}
	})
}

// usersItems is a users table shaped like the reference's example schema.
func usersItems() []avMap {
	user := func(id, email, ip, agent string, addrs ...address) avMap {
		var l []types.AttributeValue
		for _, a := range addrs {
			m := avMap{"street": avS(a.street), "city": avS(a.city)}
			if a.zip != "" {
				m["zip"] = avN(a.zip)
			}
			l = append(l, avM(m))
		}
		meta := avMap{"registration_ip": avS(ip), "user_agent": avS(agent)}
		if id == "1" {
			meta["signup"] = avM(avMap{"source": avS("ads"), "campaign": avN("7")})
		}
		return avMap{
			"id": avN(id), "email": avS(email), "metadata": avM(meta), "addresses": avL(l...),
			"preferences": avM(avMap{"theme": avS("dark"), "notifications": avBool(id != "2")}),
			"created_at":  avS("2024-03-1" + id + "T09:00:00Z"),
		}
	}
	return []avMap{
		user("1", "ada@example.com", "10.0.0.1", "curl/8.5",
			address{"1 Market St", "San Francisco", "94105"}, address{"2 Rue de Rivoli", "Paris", "75001"}),
		user("2", "bob@example.com", "192.168.1.9", "Mozilla/5.0",
			address{"500 Howard St", "San Francisco", "94110"}),
		user("3", "cy@example.com", "172.16.0.3", "Go-http-client/1.1",
			address{"Bahnhofstrasse 1", "Zürich", ""}),
		user("4", "dee@example.com", "10.0.0.4", "psql"),
	}
}

type address struct{ street, city, zip string }

// TestTypesNestedQueries runs the reference's nested queries over a users
// table whose maps are structs (unnest_depth unset): dotted struct access,
// the Postgres habit ->> on a struct column, and unnest over a List<Struct>.
func TestTypesNestedQueries(t *testing.T) {
	table := typesTable(t, "users", usersItems())
	gw := startGateway(t, datasetYAML{name: "users", table: table, params: inferAll})
	conn, notices := connectNotices(t, gw)
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		sql   string
		names []string
		oids  []uint32
		rows  [][]string
	}{
		{"dotted struct fields (reference)",
			"SELECT metadata.registration_ip, metadata.user_agent FROM users ORDER BY id LIMIT 5",
			[]string{"registration_ip", "user_agent"}, []uint32{pgtypes.TextOID, pgtypes.TextOID},
			[][]string{{"10.0.0.1", "curl/8.5"}, {"192.168.1.9", "Mozilla/5.0"}, {"172.16.0.3", "Go-http-client/1.1"}, {"10.0.0.4", "psql"}}},
		{"struct field in WHERE",
			"SELECT id FROM users WHERE metadata.registration_ip LIKE '10.%' ORDER BY id",
			[]string{"id"}, []uint32{pgtypes.Int8OID}, [][]string{{"1"}, {"4"}}},
		{"nested struct field and a missing one",
			"SELECT id, metadata.signup.source, metadata.signup.campaign FROM users ORDER BY id",
			[]string{"id", "source", "campaign"}, []uint32{pgtypes.Int8OID, pgtypes.TextOID, pgtypes.Int8OID},
			[][]string{{"1", "ads", "7"}, {"2", "NULL", "NULL"}, {"3", "NULL", "NULL"}, {"4", "NULL", "NULL"}}},
		{"composite field syntax",
			"SELECT (metadata).registration_ip FROM users WHERE id = 2",
			[]string{"registration_ip"}, []uint32{pgtypes.TextOID}, [][]string{{"192.168.1.9"}}},
		{"->> on a struct (Postgres habit)",
			"SELECT metadata->>'registration_ip' FROM users ORDER BY id",
			[]string{"?column?"}, []uint32{pgtypes.TextOID},
			[][]string{{"10.0.0.1"}, {"192.168.1.9"}, {"172.16.0.3"}, {"10.0.0.4"}}},
		{"->> chained, named, in WHERE",
			"SELECT metadata->'signup'->>'source' AS source, preferences->>'notifications' AS n FROM users WHERE metadata->>'registration_ip' = '10.0.0.1'",
			[]string{"source", "n"}, []uint32{pgtypes.TextOID, pgtypes.TextOID}, [][]string{{"ads", "true"}}},
		{"#>> and #> paths, jsonb casts (Postgres habits)",
			"SELECT metadata #>> '{signup,source}' AS s, addresses #>> '{0,city}' AS c, (preferences::jsonb)->>'theme' AS t FROM users WHERE id = 1",
			[]string{"s", "c", "t"}, []uint32{pgtypes.TextOID, pgtypes.TextOID, pgtypes.TextOID}, [][]string{{"ads", "San Francisco", "dark"}}},
		{"a struct is json",
			"SELECT metadata, preferences FROM users WHERE id = 1",
			[]string{"metadata", "preferences"}, []uint32{pgtypes.JSONOID, pgtypes.JSONOID},
			[][]string{{`{"registration_ip":"10.0.0.1","signup":{"campaign":7,"source":"ads"},"user_agent":"curl/8.5"}`, `{"notifications":true,"theme":"dark"}`}}},
		{"a List<Struct> is json",
			"SELECT addresses FROM users WHERE id IN (3, 4) ORDER BY id",
			[]string{"addresses"}, []uint32{pgtypes.JSONOID},
			[][]string{{`[{"city":"Zürich","street":"Bahnhofstrasse 1","zip":null}]`}, {"[]"}}},
		{"unnest over List<Struct> (reference)",
			"SELECT address.city FROM (SELECT unnest(addresses) AS address FROM users) WHERE address.city = 'San Francisco'",
			[]string{"city"}, []uint32{pgtypes.TextOID}, [][]string{{"San Francisco"}, {"San Francisco"}}},
		{"unnest with the owner's columns",
			"SELECT id, address.zip, address FROM (SELECT id, unnest(addresses) AS address FROM users) ORDER BY id, address.zip",
			[]string{"id", "zip", "address"}, []uint32{pgtypes.Int8OID, pgtypes.Int8OID, pgtypes.JSONOID},
			[][]string{
				{"1", "75001", `{"city":"Paris","street":"2 Rue de Rivoli","zip":75001}`},
				{"1", "94105", `{"city":"San Francisco","street":"1 Market St","zip":94105}`},
				{"2", "94110", `{"city":"San Francisco","street":"500 Howard St","zip":94110}`},
				{"3", "NULL", `{"city":"Zürich","street":"Bahnhofstrasse 1","zip":null}`},
			}},
		{"unnest as a lateral table function",
			"SELECT u.id, a.address.city FROM users u, unnest(u.addresses) AS a(address) WHERE u.id = 2",
			[]string{"id", "city"}, []uint32{pgtypes.Int8OID, pgtypes.TextOID}, [][]string{{"2", "San Francisco"}}},
		{"aggregate over struct fields",
			"SELECT address.city, count(*) AS n FROM (SELECT unnest(addresses) AS address FROM users) GROUP BY 1 ORDER BY 1",
			[]string{"city", "n"}, []uint32{pgtypes.TextOID, pgtypes.Int8OID},
			[][]string{{"Paris", "1"}, {"San Francisco", "2"}, {"Zürich", "1"}}},
		{"timestamps from strings",
			"SELECT created_at FROM users WHERE id = 1",
			[]string{"created_at"}, []uint32{pgtypes.TimestamptzOID}, [][]string{{"2024-03-11 09:00:00+00"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			names, oids, rows, err := queryText(ctx, conn, tc.sql)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(names, tc.names) || !slices.Equal(oids, tc.oids) {
				t.Errorf("columns %v %v, want %v %v", names, oids, tc.names, tc.oids)
			}
			if fmt.Sprintf("%q", rows) != fmt.Sprintf("%q", tc.rows) {
				t.Errorf("rows\n%q\nwant\n%q", rows, tc.rows)
			}
			if ns := notices.take(); len(ns) != 0 {
				t.Errorf("unexpected notices %q", noticeMessages(ns))
			}
		})
	}
	t.Run("psql", func(t *testing.T) {
		out, err := psql(t, gw, "-A", "-t", "-c",
			"SELECT address.city FROM (SELECT unnest(addresses) AS address FROM users) WHERE address.city = 'San Francisco'")
		if err != nil {
			t.Fatalf("psql: %v\n%s", err, out)
		}
		if out != "San Francisco\nSan Francisco\n" {
			t.Errorf("psql printed %q", out)
		}
	})
	t.Run("unknown struct field", func(t *testing.T) {
		_, _, _, err := queryText(ctx, conn, "SELECT metadata.nope FROM users")
		if err == nil || !strings.Contains(err.Error(), "nope") {
			t.Errorf("error %v, want one naming the field", err)
		}
	})
}

// TestTypesInformationSchema is the reference's `describe users` the
// PostgreSQL way: information_schema.columns lists the users columns with
// the types SPEC §3 gives them, and for the every-kind table each column's
// udt_name is the type the gateway sends that column's values as.
func TestTypesInformationSchema(t *testing.T) {
	ctx := context.Background()
	users := typesTable(t, "users", usersItems())
	items, _ := everyKindItems()
	kinds := typesTable(t, "kinds", items)
	gw := startGateway(t,
		datasetYAML{name: "users", table: users, params: inferAll},
		datasetYAML{name: "kinds", table: kinds, params: inferAll})
	conn := connect(t, gw)

	rows, err := queryRows(ctx, conn, "SELECT column_name, data_type, is_nullable FROM information_schema.columns "+
		"WHERE table_schema = 'public' AND table_name = 'users' ORDER BY ordinal_position")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"id", "bigint", "NO"},
		{"addresses", "json", "YES"},
		{"created_at", "timestamp with time zone", "YES"},
		{"email", "text", "YES"},
		{"metadata", "json", "YES"},
		{"preferences", "json", "YES"},
	}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Errorf("information_schema.columns for users:\n%q\nwant\n%q", rows, want)
	}

	names, oids, _, err := queryText(ctx, conn, "SELECT * FROM kinds")
	if err != nil {
		t.Fatal(err)
	}
	rows, err = queryRows(ctx, conn, "SELECT column_name, udt_name FROM information_schema.columns "+
		"WHERE table_schema = 'public' AND table_name = 'kinds' ORDER BY ordinal_position")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(names) {
		t.Fatalf("information_schema lists %d columns, SELECT * returns %d", len(rows), len(names))
	}
	for i, r := range rows {
		if r[0] != names[i] || r[1] != typeName(oids[i]) {
			t.Errorf("information_schema says %s %s, SELECT * sends %s as %s", r[0], r[1], names[i], typeName(oids[i]))
		}
	}
}

// TestTypesJSONResultsAreJSON: JSON-valued expressions reach the client as
// json (114), as in PostgreSQL, not as text.
func TestTypesJSONResultsAreJSON(t *testing.T) {
	_, gw := fixtureGateway(t, nil)
	conn := connect(t, gw)
	names, oids, rows, err := queryText(context.Background(), conn, `SELECT to_json(name) AS j, json_object('a', age) AS o, name FROM people WHERE id = 1`)
	if err != nil {
		t.Fatal(err)
	}
	if len(oids) != 3 || oids[0] != 114 || oids[1] != 114 || oids[2] != 25 {
		t.Fatalf("columns %v have OIDs %v, want json, json, text", names, oids)
	}
	if len(rows) != 1 || !strings.HasPrefix(rows[0][0], `"`) || !strings.HasPrefix(rows[0][1], `{"a":`) {
		t.Fatalf("rows %v", rows)
	}
}
