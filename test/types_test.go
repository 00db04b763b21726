package test

// End-to-end proof of SPEC §3: every DynamoDB AttributeValue kind, written
// to DynamoDB Local, comes back through the gateway with the Postgres type
// OID and the text PostgreSQL itself prints for that value. The types_*
// files share the helpers below.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgdynamo/pgdynamo/gateway"
	"github.com/pgdynamo/pgdynamo/internal/dynamotest"
	"github.com/pgdynamo/pgdynamo/internal/pgtest"
	"github.com/pgdynamo/pgdynamo/pgtypes"
)

// Attribute value constructors, to keep item literals readable.
func avS(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
func avN(n string) types.AttributeValue { return &types.AttributeValueMemberN{Value: n} }
func avB(b ...byte) types.AttributeValue {
	if b == nil {
		b = []byte{} // nil would be sent as no value at all
	}
	return &types.AttributeValueMemberB{Value: b}
}
func avBool(b bool) types.AttributeValue    { return &types.AttributeValueMemberBOOL{Value: b} }
func avNull() types.AttributeValue          { return &types.AttributeValueMemberNULL{Value: true} }
func avSS(s ...string) types.AttributeValue { return &types.AttributeValueMemberSS{Value: s} }
func avNS(n ...string) types.AttributeValue { return &types.AttributeValueMemberNS{Value: n} }
func avBS(b ...[]byte) types.AttributeValue { return &types.AttributeValueMemberBS{Value: b} }
func avL(l ...types.AttributeValue) types.AttributeValue {
	if l == nil {
		l = []types.AttributeValue{}
	}
	return &types.AttributeValueMemberL{Value: l}
}

type avMap = map[string]types.AttributeValue

func avM(m avMap) types.AttributeValue { return &types.AttributeValueMemberM{Value: m} }

// typesTable creates a table keyed by the number id and writes items to it.
func typesTable(t testing.TB, prefix string, items []avMap) string {
	t.Helper()
	return typesTableWithKey(t, prefix, "id", items)
}

// typesTableWithKey creates a table whose partition key is the number key
// and writes items to it.
func typesTableWithKey(t testing.TB, prefix, key string, items []avMap) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client := dynamotest.SharedClient(t)
	table := dynamotest.UniqueTableName(prefix)
	if err := dynamotest.CreateTable(ctx, client, table, dynamotest.NumberKey(key), nil); err != nil {
		t.Fatal(err)
	}
	putItems(t, table, items)
	return table
}

// putItems writes items to table, e.g. after the gateway inferred its schema.
func putItems(t testing.TB, table string, items []avMap) {
	t.Helper()
	if len(items) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := dynamotest.PutItems(ctx, dynamotest.SharedClient(t), table, items); err != nil {
		t.Fatal(err)
	}
}

// inferAll makes inference read every item of the small tables used here.
var inferAll = map[string]string{"schema_infer_max_records": "1000"}

// withParams returns inferAll plus kv pairs.
func withParams(kv ...string) map[string]string {
	p := map[string]string{}
	for k, v := range inferAll {
		p[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i]] = kv[i+1]
	}
	return p
}

// noticeLog collects the NoticeResponses a connection receives.
type noticeLog struct {
	mu      sync.Mutex
	notices []*pgconn.Notice
}

// take returns the notices received so far and forgets them.
func (l *noticeLog) take() []*pgconn.Notice {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.notices
	l.notices = nil
	return out
}

// connectNotices is connect (simple protocol) with notices collected.
// OnNotice must be set before connecting: pgx copies the config.
func connectNotices(t testing.TB, gw *gateway.Gateway) (*pgx.Conn, *noticeLog) {
	t.Helper()
	cfg, err := pgx.ParseConfig(connString(gw))
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	log := &noticeLog{}
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		log.mu.Lock()
		log.notices = append(log.notices, n)
		log.mu.Unlock()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connecting to the gateway: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn, log
}

// mismatchNotice is the notice the engine sends for count values of column
// that did not fit their inferred type.
func mismatchNotice(column string, count int) string {
	return fmt.Sprintf("column %q: %d value(s) did not fit the column type and were returned as NULL", column, count)
}

// noticeMessages renders notices as "message [detail]" lines, sorted.
func noticeMessages(ns []*pgconn.Notice) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.Message
	}
	slices.Sort(out)
	return out
}

// pgCanon returns the text PostgreSQL prints for the literal text cast to
// typ, with the session TimeZone UTC: the proof that an expected value is
// written exactly as PostgreSQL writes it.
func pgCanon(t testing.TB, pg *pgx.Conn, typ, text string) string {
	t.Helper()
	// Simple protocol: pgx quotes the argument as a literal, and the
	// value comes back in the type's own text output.
	rows, err := queryRows(context.Background(), pg, "SELECT ($1::text)::"+typ, text)
	if err != nil || len(rows) != 1 {
		t.Fatalf("PostgreSQL rejects %q as %s: %v", text, typ, err)
	}
	return rows[0][0]
}

// postgresConn connects to the shared real PostgreSQL in UTC, with the
// simple protocol like the gateway connections.
func postgresConn(t testing.TB) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(pgtest.Shared(t).ConnString())
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	cfg.RuntimeParams["TimeZone"] = "UTC"
	cfg.RuntimeParams["DateStyle"] = "ISO, MDY"
	cfg.RuntimeParams["extra_float_digits"] = "1"
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// queryRows is queryText's rows, with arguments.
func queryRows(ctx context.Context, conn *pgx.Conn, sql string, args ...any) ([][]string, error) {
	res, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	var rows [][]string
	for res.Next() {
		row := make([]string, len(res.RawValues()))
		for i, v := range res.RawValues() {
			if v == nil {
				row[i] = "NULL"
			} else {
				row[i] = string(v)
			}
		}
		rows = append(rows, row)
	}
	return rows, res.Err()
}

// typeName names the OIDs these tests expect, for failure messages.
func typeName(oid uint32) string {
	if t, ok := pgtypes.TypeByOID(oid); ok {
		return t.Name
	}
	return fmt.Sprint(oid)
}

// kindCase is one column of the every-kind table: its expected Postgres
// type and its text for items 1, 2 and 3 ("NULL" for NULL).
type kindCase struct {
	column string
	oid    uint32
	want   [3]string
}

const deepLevels = 31 // the leaf map is the 32nd level DynamoDB allows

func deepMap() (types.AttributeValue, string) {
	av := avM(avMap{"leaf": avN("7")})
	js := `{"leaf":7}`
	for i := 0; i < deepLevels-1; i++ {
		av = avM(avMap{"d": av})
		js = `{"d":` + js + `}`
	}
	return av, js
}

func everyKindItems() ([]avMap, string) {
	deep, deepJSON := deepMap()
	return []avMap{
		{
			"id":      avN("1"),
			"s":       avS("héllo wörld ✓ 🚀 Ωmega 日本"),
			"s_ctl":   avS("tab\tline\nquote\" back\\slash"),
			"n_int":   avN("42"),
			"n_float": avN("1.5"),
			"n_big":   avN("12345678901234567890123456789012345678"),
			"b":       avB(0x00, 0x01, 0x00, 0xff),
			"bo":      avBool(true),
			"nul":     avNull(),
			"m": avM(avMap{
				"name": avS("Ada"), "age": avN("36"), "tags": avSS("x"), "flag": avBool(true),
				"addr": avM(avMap{"city": avS("Zürich"), "zip": avN("8001")}),
				"bin":  avB(0, 1), "none": avNull(),
			}),
			"m_deep":  deep,
			"m_empty": avM(avMap{}),
			"ss":      avSS("b c", "a", "Ωmega"),
			"ns":      avNS("3", "1", "-2"),
			"ns_f":    avNS("1.5", "2"),
			"bs":      avBS([]byte{0}, []byte{1, 0, 2}),
			"l_s":     avL(avS("a"), avS("b c"), avS("")),
			"l_n":     avL(avN("1"), avN("2"), avN("3")),
			"l_f":     avL(avN("1.5"), avN("2")),
			"l_bool":  avL(avBool(true), avBool(false)),
			"l_b":     avL(avB(0, 0), avB(0xff)),
			"l_null":  avL(avN("1"), avNull(), avN("2")),
			"l_het":   avL(avN("1"), avS("foo"), avBool(true), avM(avMap{"k": avS("v")}), avL(avN("1")), avNull(), avB(0)),
			"l_m":     avL(avM(avMap{"city": avS("SF"), "zip": avN("94105")}), avM(avMap{"city": avS("LA")})),
			"l_l":     avL(avL(avN("1")), avL(avN("2"), avN("3"))),
			"l_empty": avL(),
			"l_d":     avL(avS("2024-03-15"), avNull()),
			"l_ts":    avL(avS("2024-03-15T14:30:00Z"), avS("1999-12-31T23:59:59.999-01:00")),
			"d":       avS("2024-03-15"),
			"ts":      avS("2024-03-15T14:30:00Z"),
		},
		{
			"id":      avN("2"),
			"s":       avS(""),
			"s_ctl":   avS(" "),
			"n_int":   avN("-9223372036854775808"),
			"n_float": avN("-0.001"),
			"n_big":   avN("-99999999999999999999999999999999999999"),
			"b":       avB(),
			"bo":      avBool(false),
			"nul":     avNull(),
			"m":       avM(avMap{"name": avS("Bob")}),
			"ss":      avSS("z"),
			"ns":      avNS("9223372036854775807"),
			"ns_f":    avNS("-0.25"),
			"bs":      avBS([]byte{0xff}),
			"l_s":     avL(),
			"l_n":     avL(),
			"l_f":     avL(avN("1E+125")),
			"l_bool":  avL(avNull()),
			"l_b":     avL(avB()),
			"l_null":  avL(avNull()),
			"l_het":   avL(avS("only text")),
			"l_m":     avL(),
			"l_l":     avL(avL()),
			"l_empty": avL(),
			"d":       avS("1999-12-31"),
			"ts":      avS("2024-03-15T14:30:00.123+02:00"),
		},
		{
			"id":      avN("3"),
			"n_int":   avN("9223372036854775807"),
			"n_float": avN("1E-130"),
			"b":       avB(0),
			"m":       avNull(),
			"l_n":     avNull(),
		},
	}, deepJSON
}

func everyKindCases(deepJSON string) []kindCase {
	const null = "NULL"
	return []kindCase{
		{"id", pgtypes.Int8OID, [3]string{"1", "2", "3"}},
		{"s", pgtypes.TextOID, [3]string{"héllo wörld ✓ 🚀 Ωmega 日本", "", null}},
		{"s_ctl", pgtypes.TextOID, [3]string{"tab\tline\nquote\" back\\slash", " ", null}},
		{"n_int", pgtypes.Int8OID, [3]string{"42", "-9223372036854775808", "9223372036854775807"}},
		{"n_float", pgtypes.Float8OID, [3]string{"1.5", "-0.001", "1e-130"}},
		// 38 digits: float8, the nearest value, and a NOTICE (checked below).
		{"n_big", pgtypes.Float8OID, [3]string{"1.2345678901234568e+37", "-1e+38", null}},
		{"b", pgtypes.ByteaOID, [3]string{`\x000100ff`, `\x`, `\x00`}},
		{"bo", pgtypes.BoolOID, [3]string{"t", "f", null}},
		// Only ever NULL: no type was seen, so text, always NULL.
		{"nul", pgtypes.TextOID, [3]string{null, null, null}},
		// A map is a struct, sent as json with its fields in name order; a
		// field an item lacks is null.
		{"m", pgtypes.JSONOID, [3]string{
			`{"addr":{"city":"Zürich","zip":8001},"age":36,"bin":"\\x0001","flag":true,"name":"Ada","none":null,"tags":["x"]}`,
			`{"addr":null,"age":null,"bin":null,"flag":null,"name":"Bob","none":null,"tags":null}`,
			null}},
		{"m_deep", pgtypes.JSONOID, [3]string{deepJSON, null, null}},
		// A map only ever seen empty has no fields to type: JSON text.
		{"m_empty", pgtypes.TextOID, [3]string{"{}", null, null}},
		{"l_s", pgtypes.TextArrayOID, [3]string{`{a,"b c",""}`, "{}", null}},
		{"l_n", pgtypes.Int8ArrayOID, [3]string{"{1,2,3}", "{}", null}},
		{"l_f", pgtypes.Float8ArrayOID, [3]string{"{1.5,2}", "{1e+125}", null}},
		{"l_bool", pgtypes.BoolArrayOID, [3]string{"{t,f}", "{NULL}", null}},
		{"l_b", pgtypes.ByteaArrayOID, [3]string{`{"\\x0000","\\xff"}`, `{"\\x"}`, null}},
		{"l_null", pgtypes.Int8ArrayOID, [3]string{"{1,NULL,2}", "{NULL}", null}},
		// Heterogeneous: text[], non-strings as JSON text, NULL kept.
		{"l_het", pgtypes.TextArrayOID, [3]string{`{1,foo,true,"{\"k\":\"v\"}",[1],NULL,AA==}`, `{"only text"}`, null}},
		{"l_m", pgtypes.JSONOID, [3]string{`[{"city":"SF","zip":94105},{"city":"LA","zip":null}]`, "[]", null}},
		{"l_l", pgtypes.JSONOID, [3]string{"[[1],[2,3]]", "[[]]", null}},
		{"l_empty", pgtypes.TextArrayOID, [3]string{"{}", "{}", null}},
		{"l_d", pgtypes.DateArrayOID, [3]string{"{2024-03-15,NULL}", null, null}},
		{"l_ts", pgtypes.TimestamptzArrayOID, [3]string{`{"2024-03-15 14:30:00+00","2000-01-01 00:59:59.999+00"}`, null, null}},
		{"d", pgtypes.DateOID, [3]string{"2024-03-15", "1999-12-31", null}},
		{"ts", pgtypes.TimestamptzOID, [3]string{"2024-03-15 14:30:00+00", "2024-03-15 12:30:00.123+00", null}},
	}
}

// TestTypesEveryKind proves SPEC §3's mapping for every AttributeValue kind
// through pgx: the column's type OID, and each value's text exactly as
// PostgreSQL prints it (each expected text is checked against a real
// PostgreSQL). Sets, whose order DynamoDB does not keep, are decoded by pgx
// and compared as sets.
func TestTypesEveryKind(t *testing.T) {
	items, deepJSON := everyKindItems()
	table := typesTable(t, "kinds", items)
	gw := startGateway(t, datasetYAML{name: "kinds", table: table, params: inferAll})
	conn, notices := connectNotices(t, gw)
	pg := postgresConn(t)
	ctx := context.Background()
	cases := everyKindCases(deepJSON)

	cols := make([]string, len(cases))
	for i, c := range cases {
		cols[i] = c.column
	}
	names, oids, rows, err := queryText(ctx, conn, "SELECT "+strings.Join(cols, ", ")+" FROM kinds ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names, cols) {
		t.Fatalf("columns %v, want %v", names, cols)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3", len(rows))
	}
	for i, c := range cases {
		t.Run(c.column, func(t *testing.T) {
			if oids[i] != c.oid {
				t.Errorf("type %s (%d), want %s (%d)", typeName(oids[i]), oids[i], typeName(c.oid), c.oid)
			}
			for r := range rows {
				got, want := rows[r][i], c.want[r]
				if got != want {
					t.Errorf("id %d: %q, want %q", r+1, got, want)
				}
				if want != "NULL" {
					if canon := pgCanon(t, pg, typeName(c.oid), want); canon != want {
						t.Errorf("id %d: PostgreSQL prints %q as %q", r+1, want, canon)
					}
				}
			}
		})
	}
	// Exactly one notice, for the 38-digit numbers, counting both.
	ns := notices.take()
	if len(ns) != 1 {
		t.Fatalf("notices %v, want one for n_big", noticeMessages(ns))
	}
	if n := ns[0]; n.Severity != "NOTICE" || !strings.Contains(n.Message, `"n_big"`) || !strings.Contains(n.Message, ": 2 value(s)") ||
		!strings.Contains(n.Detail, "lost precision as float8") {
		t.Errorf("notice %q (detail %q): want column n_big, count 2, a precision detail", n.Message, n.Detail)
	}

	t.Run("sets", func(t *testing.T) {
		_, oids, _, err := queryText(ctx, conn, "SELECT ss, ns, ns_f, bs FROM kinds WHERE id = 1")
		if err != nil {
			t.Fatal(err)
		}
		if want := []uint32{pgtypes.TextArrayOID, pgtypes.Int8ArrayOID, pgtypes.Float8ArrayOID, pgtypes.ByteaArrayOID}; !slices.Equal(oids, want) {
			t.Errorf("set types %v, want %v", oids, want)
		}
		for _, tc := range []struct {
			id                 int
			ss                 []string
			ns                 []int64
			nsf                []float64
			bs                 []string
			nullSS, nullBS     bool
			nullNS, nullFloats bool
		}{
			{id: 1, ss: []string{"a", "b c", "Ωmega"}, ns: []int64{-2, 1, 3}, nsf: []float64{1.5, 2}, bs: []string{"\x00", "\x01\x00\x02"}},
			{id: 2, ss: []string{"z"}, ns: []int64{9223372036854775807}, nsf: []float64{-0.25}, bs: []string{"\xff"}},
			{id: 3},
		} {
			var (
				ss  []string
				ns  []int64
				nsf []float64
				bs  [][]byte
			)
			if err := conn.QueryRow(ctx, "SELECT ss, ns, ns_f, bs FROM kinds WHERE id = $1", tc.id).Scan(&ss, &ns, &nsf, &bs); err != nil {
				t.Fatal(err)
			}
			slices.Sort(ss)
			slices.Sort(ns)
			slices.Sort(nsf)
			var bss []string
			for _, b := range bs {
				bss = append(bss, string(b))
			}
			slices.Sort(bss)
			if !slices.Equal(ss, tc.ss) || !slices.Equal(ns, tc.ns) || !slices.Equal(nsf, tc.nsf) || !slices.Equal(bss, tc.bs) {
				t.Errorf("id %d: sets %q %v %v %q, want %q %v %v %q", tc.id, ss, ns, nsf, bss, tc.ss, tc.ns, tc.nsf, tc.bs)
			}
			if tc.id == 3 && (ss != nil || ns != nil || nsf != nil || bs != nil) {
				t.Errorf("id 3: missing sets must be NULL, got %q %v %v %q", ss, ns, nsf, bs)
			}
		}
	})

	// The same values through psql: what a person sees.
	t.Run("psql", func(t *testing.T) {
		out, err := psql(t, gw, "-A", "-F", "|", "-c",
			"SELECT s, n_int, n_float, b, bo, l_het, m_empty, d, ts FROM kinds WHERE id = 1")
		if err != nil {
			t.Fatalf("psql: %v\n%s", err, out)
		}
		want := "s|n_int|n_float|b|bo|l_het|m_empty|d|ts\n" +
			`héllo wörld ✓ 🚀 Ωmega 日本|42|1.5|\x000100ff|t|{1,foo,true,"{\"k\":\"v\"}",[1],NULL,AA==}|{}|2024-03-15|2024-03-15 14:30:00+00` + "\n" +
			"(1 row)\n"
		if !strings.HasSuffix(out, want) {
			t.Errorf("psql printed\n%s\nwant\n%s", out, want)
		}
		// psql shows the NOTICE for the lossy number as PostgreSQL's own.
		out, err = psql(t, gw, "-A", "-t", "-c", "SELECT n_big FROM kinds WHERE id = 1")
		if err != nil {
			t.Fatalf("psql: %v\n%s", err, out)
		}
		if !strings.Contains(out, "NOTICE:  01000: column \"n_big\"") || !strings.Contains(out, "1.2345678901234568e+37") {
			t.Errorf("psql output lacks the value or the notice:\n%s", out)
		}
	})
}
