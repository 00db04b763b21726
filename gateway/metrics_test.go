package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/pgdynamo/pgdynamo/gateway"
)

// fakeAPI answers each call with the next of its scripted replies and
// keeps the inputs it was given.
type fakeAPI struct {
	replies []reply
	scans   []*dynamodb.ScanInput
	queries []*dynamodb.QueryInput
}

type reply struct {
	items    int32
	capacity *float64
	err      error
}

func (f *fakeAPI) next() reply {
	r := f.replies[0]
	f.replies = f.replies[1:]
	return r
}

func (f *fakeAPI) Scan(_ context.Context, in *dynamodb.ScanInput, _ ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	f.scans = append(f.scans, in)
	r := f.next()
	if r.err != nil {
		return nil, r.err
	}
	return &dynamodb.ScanOutput{Count: r.items, Items: make([]map[string]types.AttributeValue, r.items),
		ConsumedCapacity: &types.ConsumedCapacity{CapacityUnits: r.capacity}}, nil
}

func (f *fakeAPI) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	f.queries = append(f.queries, in)
	r := f.next()
	if r.err != nil {
		return nil, r.err
	}
	return &dynamodb.QueryOutput{Count: r.items, Items: make([]map[string]types.AttributeValue, r.items),
		ConsumedCapacity: &types.ConsumedCapacity{CapacityUnits: r.capacity}}, nil
}

func (f *fakeAPI) DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	r := f.next()
	if r.err != nil {
		return nil, r.err
	}
	return &dynamodb.DescribeTableOutput{Table: &types.TableDescription{}}, nil
}

func TestWrapAPI(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := gateway.NewMetrics(reg)
	people := &fakeAPI{replies: []reply{
		{}, // DescribeTable
		{items: 10, capacity: aws.Float64(1.5)},
		{items: 5, capacity: aws.Float64(0.5)},
		{err: &types.ProvisionedThroughputExceededException{}},
		{err: &retry.MaxAttemptsError{Attempt: 10, Err: &smithy.GenericAPIError{Code: "ThrottlingException"}}},
		{err: fmt.Errorf("operation error: %w", context.Canceled)},
		{err: &types.ResourceNotFoundException{}},
	}}
	orders := &fakeAPI{replies: []reply{{items: 3, capacity: aws.Float64(2)}, {items: 1}}}
	peopleAPI := m.WrapAPI("public.people", people)
	ordersAPI := m.WrapAPI("sales.orders", orders)

	ctx := context.Background()
	in := &dynamodb.ScanInput{TableName: aws.String("people")}
	if _, err := peopleAPI.DescribeTable(ctx, &dynamodb.DescribeTableInput{}); err != nil {
		t.Fatal(err)
	}
	if out, err := peopleAPI.Scan(ctx, in); err != nil || out.Count != 10 {
		t.Fatalf("Scan = %v, %v", out, err)
	}
	if _, err := peopleAPI.Query(ctx, &dynamodb.QueryInput{ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := peopleAPI.Scan(ctx, in); err == nil {
			t.Fatal("the scripted error was lost")
		}
	}
	var notFound *types.ResourceNotFoundException
	if _, err := peopleAPI.Query(ctx, &dynamodb.QueryInput{}); !errors.As(err, &notFound) {
		t.Fatalf("the wrapper changed the error: %v", err)
	}
	ordersAPI.Query(ctx, &dynamodb.QueryInput{})
	ordersAPI.Query(ctx, &dynamodb.QueryInput{})

	// The wrapper asks for the consumed capacity on a copy, and keeps what
	// the caller asked for.
	if in.ReturnConsumedCapacity != "" {
		t.Errorf("the caller's input was changed: %q", in.ReturnConsumedCapacity)
	}
	if got := people.scans[0].ReturnConsumedCapacity; got != types.ReturnConsumedCapacityTotal {
		t.Errorf("Scan sent ReturnConsumedCapacity %q", got)
	}
	if got := people.queries[0].ReturnConsumedCapacity; got != types.ReturnConsumedCapacityIndexes {
		t.Errorf("Query sent ReturnConsumedCapacity %q, want the caller's INDEXES", got)
	}

	want := `
# HELP pgdynamo_dynamodb_consumed_read_capacity_total Read capacity units consumed by the dataset's Scan and Query calls, as DynamoDB reported them.
# TYPE pgdynamo_dynamodb_consumed_read_capacity_total counter
pgdynamo_dynamodb_consumed_read_capacity_total{dataset="public.people"} 2
pgdynamo_dynamodb_consumed_read_capacity_total{dataset="sales.orders"} 2
# HELP pgdynamo_dynamodb_items_read_total Items returned by the dataset's Scan and Query calls (after DynamoDB-side filters).
# TYPE pgdynamo_dynamodb_items_read_total counter
pgdynamo_dynamodb_items_read_total{dataset="public.people"} 15
pgdynamo_dynamodb_items_read_total{dataset="sales.orders"} 4
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"pgdynamo_dynamodb_consumed_read_capacity_total", "pgdynamo_dynamodb_items_read_total"); err != nil {
		t.Error(err)
	}

	calls := map[[3]string]float64{
		{"public.people", "DescribeTable", "ok"}: 1,
		{"public.people", "Scan", "ok"}:          1,
		{"public.people", "Scan", "throttled"}:   2,
		{"public.people", "Scan", "canceled"}:    1,
		{"public.people", "Scan", "error"}:       0,
		{"public.people", "Query", "ok"}:         1,
		{"public.people", "Query", "error"}:      1,
		{"public.people", "Query", "throttled"}:  0,
		{"sales.orders", "Query", "ok"}:          2,
		{"sales.orders", "Scan", "ok"}:           0,
	}
	got := gathered(t, reg, "pgdynamo_dynamodb_calls_total")
	for labels, n := range calls {
		v, ok := got[labels]
		if !ok {
			t.Errorf("calls_total%v is not exported", labels)
		} else if v != n {
			t.Errorf("calls_total%v = %v, want %v", labels, v, n)
		}
	}
	// Every dataset has every operation × outcome series, zeros included.
	if len(got) != 2*3*4 {
		t.Errorf("%d calls_total series, want %d", len(got), 2*3*4)
	}
}

// gathered returns the values of a counter family by its three label
// values, in label-name order.
func gathered(t *testing.T, reg prometheus.Gatherer, name string) map[[3]string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[[3]string]float64{}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			var key [3]string
			for i, l := range m.GetLabel() {
				key[i] = l.GetValue()
			}
			out[key] = m.GetCounter().GetValue()
		}
	}
	return out
}

func TestMetricsObserver(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := gateway.NewMetrics(reg)
	m.ConnOpened()
	m.ConnOpened()
	m.ConnClosed()
	m.StatementDone(20*time.Millisecond, "")
	m.StatementDone(30*time.Millisecond, "")
	m.StatementDone(time.Millisecond, "42P01")
	m.StatementDone(time.Second, "57014")

	want := `
# HELP pgdynamo_connections_open PostgreSQL client connections open now (logins in progress included).
# TYPE pgdynamo_connections_open gauge
pgdynamo_connections_open 1
# HELP pgdynamo_connections_total PostgreSQL client connections accepted (cancel requests and failed logins included).
# TYPE pgdynamo_connections_total counter
pgdynamo_connections_total 2
# HELP pgdynamo_queries_total Statements ended, by outcome (ok, error) and SQLSTATE class of the error ("" for ok).
# TYPE pgdynamo_queries_total counter
pgdynamo_queries_total{outcome="error",sqlstate_class="42"} 1
pgdynamo_queries_total{outcome="error",sqlstate_class="57"} 1
pgdynamo_queries_total{outcome="ok",sqlstate_class=""} 2
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"pgdynamo_connections_open", "pgdynamo_connections_total", "pgdynamo_queries_total"); err != nil {
		t.Error(err)
	}
	if n, err := testutil.GatherAndCount(reg, "pgdynamo_query_duration_seconds"); err != nil || n != 2 {
		t.Errorf("query_duration_seconds has %d series (%v), want ok and error", n, err)
	}
}

func TestObserveRefresh(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := gateway.NewMetrics(reg)
	m.ObserveRefresh("public.people", 2*time.Second, 120, nil)
	m.ObserveRefresh("public.people", time.Second, 0, errors.New("throttled"))
	m.ObserveRefresh("public.people", 3*time.Second, 130, nil)

	want := `
# HELP pgdynamo_refresh_rows Rows loaded by an accelerated dataset's last successful refresh.
# TYPE pgdynamo_refresh_rows gauge
pgdynamo_refresh_rows{dataset="public.people"} 130
# HELP pgdynamo_refreshes_total Refreshes of an accelerated dataset by outcome (ok, error).
# TYPE pgdynamo_refreshes_total counter
pgdynamo_refreshes_total{dataset="public.people",outcome="error"} 1
pgdynamo_refreshes_total{dataset="public.people",outcome="ok"} 2
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "pgdynamo_refresh_rows", "pgdynamo_refreshes_total"); err != nil {
		t.Error(err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "pgdynamo_refresh_duration_seconds" {
			h := f.GetMetric()[0].GetHistogram()
			if h.GetSampleCount() != 2 || h.GetSampleSum() != 5 {
				t.Errorf("refresh_duration_seconds: %d refreshes, %vs; want the 2 successful ones, 5s", h.GetSampleCount(), h.GetSampleSum())
			}
		}
	}
}

// A nil *Metrics is a valid no-op, so callers need no checks.
func TestNilMetrics(t *testing.T) {
	var m *gateway.Metrics
	api := &fakeAPI{}
	if m.WrapAPI("public.people", api) != api {
		t.Error("nil Metrics wrapped the client")
	}
	m.ConnOpened()
	m.ConnClosed()
	m.StatementDone(time.Second, "")
	m.ObserveRefresh("public.people", time.Second, 1, nil)
}
