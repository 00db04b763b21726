package test

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/jackc/pgx/v5"

	"github.com/pgdynamo/pgdynamo/internal/dynamotest"
)

// propItem is one item of the property table: every column typed by the
// clean items the schema is inferred from, each missing or NULL now and
// then.
func propItem(r *rand.Rand, id int) map[string]types.AttributeValue {
	item := map[string]types.AttributeValue{"id": num(int64(id))}
	set := func(name string, v types.AttributeValue) {
		switch x := r.Intn(20); {
		case x < 2: // missing
		case x < 3:
			item[name] = &types.AttributeValueMemberNULL{Value: true}
		default:
			item[name] = v
		}
	}
	pick := func(vs ...string) string { return vs[r.Intn(len(vs))] }
	set("n", num(int64(r.Intn(11)-5)))
	set("f", &types.AttributeValueMemberN{Value: pick("0.1", "2.5", "-3.75", "100", "0.30000000000000004", "0.001", "7", "1E2")})
	set("s", &types.AttributeValueMemberS{Value: pick("a", "ab", "abc", "b", "B", "", "a%b", "x'y", "é")})
	set("d", &types.AttributeValueMemberS{Value: fmt.Sprintf("2024-01-%02d", 1+r.Intn(9))})
	set("t", &types.AttributeValueMemberS{Value: pick("2024-01-02T23:30:00-05:00", "2024-01-03T01:00:00Z", "2024-01-03T10:00:00+09:00",
		"2024-01-03T00:30:00.5Z", "2024-01-01T12:00:00Z", "2024-01-05T00:00:00+14:00", "2024-01-03T00:30:00Z")})
	set("b", &types.AttributeValueMemberBOOL{Value: r.Intn(2) == 0})
	return item
}

// propDirty are items written after the gateway inferred the schema, with
// values of other kinds than their columns: the engine reads them as NULL
// or as text, and pushdown must not lose (or keep) them differently.
func propDirty(id int) []map[string]types.AttributeValue {
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	n := func(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
	b := &types.AttributeValueMemberBOOL{Value: true}
	l := &types.AttributeValueMemberL{Value: []types.AttributeValue{s("a")}}
	rows := []map[string]types.AttributeValue{
		{"n": n("2.5"), "f": s("x"), "s": n("5"), "d": s("2024-1-5"), "t": s("garbage"), "b": s("true")},
		{"n": s("3"), "f": b, "s": b, "d": s("zzz"), "t": s("2024-01-03"), "b": n("1")},
		{"n": n("1E30"), "f": n("1E-130"), "s": l, "d": n("20240101"), "t": n("5"), "b": s("t")},
		{"n": n("-0"), "f": n("-0.0"), "s": s("a"), "d": s("2024-01-05"), "t": s("2024-01-03T00:30:00+00:00")},
		{"n": n("3.000"), "f": n("2.50"), "s": s("ab"), "d": s("2024-01-05 "), "t": s("2024-01-03T00:30:00.000Z")},
	}
	for i, r := range rows {
		r["id"] = num(int64(id + i))
	}
	return rows
}

type propPredicate struct {
	sql  string
	args []any
}

// propAtoms are the predicates the property draws from; $? is numbered
// when the query is built.
func propAtom(r *rand.Rand) propPredicate {
	ops := []string{"=", "<>", "<", "<=", ">", ">="}
	op := ops[r.Intn(len(ops))]
	pick := func(vs ...string) string { return vs[r.Intn(len(vs))] }
	day := time.Date(2024, 1, 1+r.Intn(9), 0, 0, 0, 0, time.UTC)
	switch r.Intn(24) {
	case 0:
		return propPredicate{sql: fmt.Sprintf("n %s %d", op, r.Intn(13)-6)}
	case 1:
		return propPredicate{sql: fmt.Sprintf("n %s %s", op, pick("2.5", "'3'", "-0", "3.0", "1e30"))}
	case 2:
		return propPredicate{sql: "n " + op + " $?", args: []any{int64(r.Intn(13) - 6)}}
	case 3:
		return propPredicate{sql: "n " + op + " $?::float8", args: []any{float64(r.Intn(13)-6) / 2}}
	case 4:
		return propPredicate{sql: fmt.Sprintf("n IN (%d, %d, %s)", r.Intn(11)-5, r.Intn(11)-5, pick("2.5", "3", "0"))}
	case 5:
		lo := r.Intn(11) - 5
		return propPredicate{sql: fmt.Sprintf("n BETWEEN %d AND %d", lo, lo+r.Intn(5))}
	case 6:
		return propPredicate{sql: pick("n IS NULL", "n IS NOT NULL", "f IS NULL", "s IS NULL", "d IS NOT NULL", "t IS NULL", "b IS NULL", "s IS NOT NULL")}
	case 7:
		return propPredicate{sql: fmt.Sprintf("f %s %s", op, pick("0.1", "2.5", "0.3", "100", "7", "0.30000000000000004", "-3.75", "1e2"))}
	case 8:
		return propPredicate{sql: "f " + op + " $?", args: []any{[]float64{0.1, 2.5, 0.30000000000000004, 100, -3.75}[r.Intn(5)]}}
	case 9:
		return propPredicate{sql: fmt.Sprintf("f BETWEEN %s AND %s", pick("-4", "0.1", "0"), pick("2.5", "7", "0.1"))}
	case 10:
		return propPredicate{sql: fmt.Sprintf("s %s '%s'", op, pick("a", "ab", "b", "B", "", "5", "true", "é"))}
	case 11:
		return propPredicate{sql: "s " + pick("LIKE 'a%'", "LIKE 'ab'", "LIKE 'a_%'", "LIKE 'a%b'", "LIKE '%b'", "NOT LIKE 'a%'", "IN ('a', 'b', '5')", "ILIKE 'A%'")}
	case 12:
		return propPredicate{sql: "s " + op + " $?", args: []any{pick("a", "ab", "b", "")}}
	case 13:
		return propPredicate{sql: fmt.Sprintf("d %s '%s'", op, day.Format("2006-01-02"))}
	case 14:
		return propPredicate{sql: "d " + op + " $?", args: []any{day}}
	case 15:
		return propPredicate{sql: fmt.Sprintf("d BETWEEN '2024-01-0%d' AND '2024-01-0%d'", 1+r.Intn(4), 5+r.Intn(4))}
	case 16:
		return propPredicate{sql: fmt.Sprintf("t %s '%s'", op, pick("2024-01-03 00:30:00+00", "2024-01-03", "2024-01-02 23:00:00-05", "2024-01-03T00:30:00.5Z"))}
	case 17:
		return propPredicate{sql: "t " + op + " $?", args: []any{day.Add(time.Duration(r.Intn(48)) * time.Hour)}}
	case 18:
		return propPredicate{sql: "t BETWEEN '2024-01-02' AND '2024-01-03 12:00:00+00'"}
	case 19:
		return propPredicate{sql: pick("b", "b = true", "b = false", "b <> true", "NOT b", "b IS TRUE")}
	case 20:
		return propPredicate{sql: fmt.Sprintf("id %s %d", pick("=", "<", ">="), r.Intn(40))}
	case 21:
		return propPredicate{sql: "id = $?", args: []any{int64(r.Intn(40))}}
	case 22:
		return propPredicate{sql: fmt.Sprintf("id IN (%d, %d, %d)", r.Intn(40), r.Intn(40), 300+r.Intn(5))}
	default:
		return propPredicate{sql: "id = ANY($?)", args: []any{[]int64{int64(r.Intn(40)), 301, 302}}}
	}
}

// propWhere builds a conjunction of disjunctions of atoms, numbering the
// parameters.
func propWhere(r *rand.Rand) (string, []any) {
	var (
		conj []string
		args []any
	)
	for c := 0; c < 1+r.Intn(3); c++ {
		var disj []string
		for d := 0; d < 1+r.Intn(2); d++ {
			a := propAtom(r)
			sql := a.sql
			if len(a.args) > 0 {
				args = append(args, a.args...)
				sql = strings.Replace(sql, "$?", "$"+strconv.Itoa(len(args)), 1)
			}
			disj = append(disj, sql)
		}
		if len(disj) > 1 {
			conj = append(conj, "("+strings.Join(disj, " OR ")+")")
		} else {
			conj = append(conj, disj[0])
		}
	}
	return strings.Join(conj, " AND "), args
}

// TestPushdownProperty: random conjunctions and disjunctions over typed
// columns, with NULLs, missing attributes and values of the wrong kind,
// give the same rows with pushdown as without, through bound parameters
// as through literals; with a LIMIT, as many rows.
func TestPushdownProperty(t *testing.T) {
	seed := time.Now().UnixNano()
	if s := os.Getenv("PGDYNAMO_PROPERTY_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	t.Logf("seed %d (PGDYNAMO_PROPERTY_SEED reruns it)", seed)
	r := rand.New(rand.NewSource(seed))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	client := dynamotest.SharedClient(t)
	table := dynamotest.UniqueTableName("prop")
	if err := dynamotest.CreateTable(ctx, client, table, dynamotest.NumberKey("id"), nil); err != nil {
		t.Fatal(err)
	}
	var items []map[string]types.AttributeValue
	for id := 0; id < 300; id++ {
		items = append(items, propItem(r, id))
	}
	if err := dynamotest.PutItems(ctx, client, table, items); err != nil {
		t.Fatal(err)
	}
	gw := startGateway(t, datasetYAML{name: "prop", table: table, params: map[string]string{"schema_infer_max_records": "1000"}})
	if err := dynamotest.PutItems(ctx, client, table, propDirty(300)); err != nil {
		t.Fatal(err)
	}
	on, off := connectExtended(t, gw), connectExtended(t, gw)
	if _, err := off.Exec(ctx, "SET pgdynamo.pushdown = off"); err != nil {
		t.Fatal(err)
	}
	var cols string
	if err := on.QueryRow(ctx, "SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY column_name) FROM information_schema.columns WHERE table_name = 'prop'").Scan(&cols); err != nil {
		t.Fatal(err)
	}
	const wantCols = "b boolean, d date, f double precision, id bigint, n bigint, s text, t timestamp with time zone"
	if cols != wantCols {
		t.Fatalf("inferred columns %q, the property needs %q", cols, wantCols)
	}
	ids := func(conn *pgx.Conn, sql string, args []any) ([]int64, error) {
		rows, err := conn.Query(ctx, sql, args...)
		if err != nil {
			return nil, err
		}
		return pgx.CollectRows(rows, pgx.RowTo[int64])
	}
	const queries = 150
	answered := 0
	for q := 0; q < queries; q++ {
		where, args := propWhere(r)
		sql := "SELECT id FROM prop WHERE " + where + " ORDER BY id"
		limited := r.Intn(4) == 0
		if limited {
			sql = "SELECT id FROM prop WHERE " + where + " LIMIT 5"
		}
		want, errOff := ids(off, sql, args)
		got, errOn := ids(on, sql, args)
		if (errOn == nil) != (errOff == nil) {
			t.Errorf("%s %v: pushdown on: %v, off: %v", sql, args, errOn, errOff)
			continue
		}
		if errOn != nil {
			continue // an error both ways (a bad cast): same answer
		}
		answered++
		if limited {
			// Which rows a LIMIT without ORDER BY keeps is arbitrary; how
			// many is not.
			if len(got) != len(want) {
				t.Errorf("%s %v: %d rows with pushdown, %d without", sql, args, len(got), len(want))
			}
			continue
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s %v:\n with pushdown    %v\n without pushdown %v", sql, args, got, want)
		}
	}
	if answered < queries*2/3 {
		t.Errorf("only %d of %d queries answered: the property compares errors, not rows", answered, queries)
	}
}
