package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pgdynamo/pgdynamo/attrarrow"
	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/pgtypes"
	"github.com/pgdynamo/pgdynamo/wire"
)

// fakeTable answers Query by the partition key and Scan with every item,
// counting the calls.
type fakeTable struct {
	pk      string
	items   []map[string]types.AttributeValue
	queries atomic.Int64
	scans   atomic.Int64
	// hold, when set, makes Scan wait for it to close (and tell scanning).
	hold     chan struct{}
	scanning chan struct{}
}

func (f *fakeTable) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	f.queries.Add(1)
	// The key condition is "#name = :value" (scan's placeholders).
	_, placeholder, _ := strings.Cut(aws.ToString(in.KeyConditionExpression), " = ")
	want := in.ExpressionAttributeValues[strings.TrimSpace(placeholder)]
	var out []map[string]types.AttributeValue
	for _, it := range f.items {
		if fmt.Sprint(it[f.pk]) == fmt.Sprint(want) {
			out = append(out, it)
		}
	}
	return &dynamodb.QueryOutput{Items: out, Count: int32(len(out)), ScannedCount: int32(len(out))}, nil
}

func (f *fakeTable) Scan(_ context.Context, _ *dynamodb.ScanInput, _ ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	f.scans.Add(1)
	if f.hold != nil {
		close(f.scanning)
		<-f.hold
	}
	return &dynamodb.ScanOutput{Items: f.items, Count: int32(len(f.items)), ScannedCount: int32(len(f.items))}, nil
}

func (f *fakeTable) DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	return nil, errors.New("not described")
}

// lookupSession serves items as dataset people (partition key id, S) on
// a fake table.
func lookupSession(t *testing.T, items []map[string]types.AttributeValue) (*Session, *fakeTable) {
	t.Helper()
	pk := attrarrow.KeyAttribute{Name: "id", Type: types.ScalarAttributeTypeS, Role: attrarrow.PartitionKey}
	cols, err := attrarrow.Infer(items, []attrarrow.KeyAttribute{pk}, attrarrow.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	fake := &fakeTable{pk: "id", items: items}
	e := testEngine(t, []*catalog.Dataset{{
		Spec:         catalog.Spec{Name: "people", Schema: "public", Table: "people", Region: "us-east-1", ScanSegments: 1, Client: fake},
		PartitionKey: pk,
		Columns:      cols,
	}})
	return testSession(t, e), fake
}

// wireText runs st and returns its rows as the wire sends them in text and
// binary form, and whether it took the short path.
func wireText(t *testing.T, st wire.Statement) (rows []string, short bool) {
	t.Helper()
	ctx := context.Background()
	res, err := st.Execute(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	_, short = res.(*lookupResult)
	for {
		b, err := res.Next(ctx)
		if errors.Is(err, io.EOF) {
			return rows, short
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []pgtypes.Format{pgtypes.TextFormat, pgtypes.BinaryFormat} {
			types, rr := wireRows(t, b, f)
			for _, r := range rr {
				rows = append(rows, fmt.Sprint(b.Schema().Fields(), types, r))
			}
		}
		b.Release()
	}
}

// TestKeyLookupShortPath: a plain lookup of a whole key is answered by the
// DynamoDB Query alone, and gives exactly the rows, names and wire bytes
// the engine gives for it (pgdynamo.pushdown = off reads it through the
// engine); anything that is not a plain lookup takes the engine.
func TestKeyLookupShortPath(t *testing.T) {
	items := []map[string]types.AttributeValue{
		{"id": avS("a"), "n": avN("7"), "f": avN("1.5"), "ok": avBool(true), "stamp": avS("2024-03-15T14:30:00.123Z"),
			"day": avS("2024-03-15"), "tags": avSS("x", "y"), "bin": avB(0, 1), "m": avM(map[string]av{"k": avS("v")})},
		{"id": avS("b"), "n": avN("-1"), "f": avNull(), "ok": avBool(false), "stamp": avS("1969-12-31T23:59:59.999Z")},
		{"id": avS("c")},
	}
	s, fake := lookupSession(t, items)
	ctx := context.Background()
	viaPushdown := map[string][]string{} // rows by query and arguments
	for _, tc := range []struct {
		sql   string
		args  []any
		short bool
	}{
		{"SELECT * FROM people WHERE id = $1", []any{"a"}, true},
		{"SELECT * FROM people WHERE id = $1", []any{"b"}, true},
		{"SELECT * FROM people WHERE id = $1", []any{"nobody"}, true},
		{"SELECT stamp, n, id AS key FROM people p WHERE p.id = $1", []any{"a"}, true},
		{"SELECT * FROM people WHERE id = 'c'", nil, true},
		{"SELECT n + 1 FROM people WHERE id = $1", []any{"a"}, false},
		{"SELECT * FROM people WHERE id = $1 AND n = 7", []any{"a"}, false},
		{"SELECT * FROM people WHERE id = $1 OR id = 'b'", []any{"a"}, false},
		{"SELECT * FROM people WHERE id = $1 ORDER BY n", []any{"a"}, false},
		{"SELECT * FROM people", nil, false},
	} {
		t.Run(tc.sql, func(t *testing.T) {
			for _, pushdown := range []string{"on", "off"} {
				set, err := s.Plan(ctx, "SET pgdynamo.pushdown = "+pushdown)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := set[0].Execute(ctx); err != nil {
					t.Fatal(err)
				}
				p, err := s.Prepare(ctx, tc.sql, nil)
				if err != nil {
					t.Fatal(err)
				}
				var runs [][]string
				for range 2 { // a second run of the kept plan
					st, err := p.Bind(ctx, tc.args)
					if err != nil {
						t.Fatal(err)
					}
					rows, short := wireText(t, st)
					if want := tc.short && pushdown == "on"; short != want {
						t.Errorf("pushdown %s: short path %v, want %v", pushdown, short, want)
					}
					if sch := p.Schema(); sch == nil {
						t.Fatal("no result schema")
					}
					slices.Sort(rows) // the order of rows is not the query's
					runs = append(runs, rows)
				}
				if fmt.Sprint(runs[0]) != fmt.Sprint(runs[1]) {
					t.Errorf("pushdown %s: runs differ: %q, %q", pushdown, runs[0], runs[1])
				}
				if pushdown == "on" {
					viaPushdown[tc.sql+fmt.Sprint(tc.args)] = runs[0]
				} else if got, want := viaPushdown[tc.sql+fmt.Sprint(tc.args)], runs[0]; fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("rows differ:\n with pushdown %q\n  through the engine %q", got, want)
				}
			}
		})
	}
	if fake.queries.Load() == 0 || fake.scans.Load() == 0 {
		t.Errorf("%d Queries and %d Scans: both paths should have read", fake.queries.Load(), fake.scans.Load())
	}
}

// TestSessionsRunInParallel: while one session's query waits inside the
// engine for a slow DynamoDB Scan, another session's queries run: no lock
// of the engine spans a query.
func TestSessionsRunInParallel(t *testing.T) {
	s, fake := lookupSession(t, []map[string]types.AttributeValue{{"id": avS("a")}})
	fake.hold, fake.scanning = make(chan struct{}), make(chan struct{})
	other, err := s.engine.NewSession(context.Background(), wire.SessionInfo{User: "other", Database: "db"})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ctx := context.Background()
	slow, err := s.Plan(ctx, "SELECT count(*) FROM people")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan []string)
	go func() {
		got, err := values(slow[0])
		if err != nil {
			got = []string{err.Error()}
		}
		done <- got
	}()
	<-fake.scanning // the first session is inside its query, in DuckDB
	for i := range 3 {
		sts, err := other.Plan(ctx, fmt.Sprintf("SELECT %d + 1", i))
		if err != nil {
			t.Fatal(err)
		}
		if got := firstValue(t, sts[0]); len(got) != 1 || got[0] != fmt.Sprint(i+1) {
			t.Fatalf("the other session got %v", got)
		}
	}
	close(fake.hold)
	if got := <-done; len(got) != 1 || got[0] != "1" {
		t.Fatalf("count = %v", got)
	}
}
