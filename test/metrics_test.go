package test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/pgdynamo/pgdynamo/internal/dynamotest"
)

// TestMetrics runs a query that succeeds and one that fails through a
// gateway with a metrics listener, then scrapes /metrics and parses the
// exposition format: the gateway's own metrics count the connection, both
// statements and the DynamoDB calls of the dataset.
func TestMetrics(t *testing.T) {
	f := sharedFixture(t)
	params := map[string]string{"dynamodb_endpoint": dynamotest.Shared(t).Endpoint()}
	cfg := runtimeConfig(t, "  metrics:\n    listen: localhost:0\n", nil,
		datasetYAML{name: "people", table: f.peopleTable, params: params})
	gw, err := startConfigured(t, cfg)
	if err != nil {
		t.Fatalf("starting the gateway: %v", err)
	}
	if gw.MetricsAddr() == nil || gw.Metrics() == nil {
		t.Fatal("no metrics listener")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The default (extended) protocol for the query that succeeds, the
	// simple one for the query that fails: both end in the same counters.
	conn, err := pgx.Connect(ctx, connString(gw))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM people").Scan(&n); err != nil || n != int64(len(f.people)) {
		t.Fatalf("count(*) = %d, %v; want %d", n, err, len(f.people))
	}
	_, err = connect(t, gw).Exec(ctx, "SELECT * FROM no_such_table")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "42P01" {
		t.Fatalf("unknown table: %v, want SQLSTATE 42P01", err)
	}

	families := scrape(t, fmt.Sprintf("http://%s/metrics", gw.MetricsAddr()))
	const dataset = "public.people"
	checks := []struct {
		name   string
		labels map[string]string
		min    float64
	}{
		{"pgdynamo_connections_total", nil, 2},
		{"pgdynamo_connections_open", nil, 2},
		{"pgdynamo_queries_total", map[string]string{"outcome": "ok"}, 1},
		{"pgdynamo_queries_total", map[string]string{"outcome": "error", "sqlstate_class": "42"}, 1},
		{"pgdynamo_query_duration_seconds", nil, 2}, // observations, ok and error together
		{"pgdynamo_dynamodb_calls_total", map[string]string{"dataset": dataset, "operation": "DescribeTable", "outcome": "ok"}, 1},
		{"pgdynamo_dynamodb_calls_total", map[string]string{"dataset": dataset, "operation": "Scan", "outcome": "ok"}, 1},
		{"pgdynamo_dynamodb_items_read_total", map[string]string{"dataset": dataset}, float64(len(f.people))},
		{"pgdynamo_dynamodb_consumed_read_capacity_total", map[string]string{"dataset": dataset}, 0.5},
		{"go_goroutines", nil, 1}, // the runtime collectors are still served
	}
	for _, c := range checks {
		got, ok := sum(families, c.name, c.labels)
		if !ok {
			t.Errorf("%s%v is not exported", c.name, c.labels)
		} else if got < c.min {
			t.Errorf("%s%v = %v, want at least %v", c.name, c.labels, got, c.min)
		}
	}
	if got, _ := sum(families, "pgdynamo_dynamodb_calls_total", map[string]string{"dataset": dataset, "outcome": "error"}); got != 0 {
		t.Errorf("%v DynamoDB calls failed", got)
	}
}

// scrape GETs a Prometheus endpoint and parses the text exposition format.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing %s: %v", url, err)
	}
	return families
}

// sum adds up the samples of a family whose labels include labels: counter
// and gauge values, a histogram's observation count. ok is false when no
// sample matches.
func sum(families map[string]*dto.MetricFamily, name string, labels map[string]string) (total float64, ok bool) {
	family := families[name]
	if family == nil {
		return 0, false
	}
	for _, m := range family.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range labels {
			if have[k] != v {
				match = false
			}
		}
		if !match {
			continue
		}
		ok = true
		switch {
		case m.Counter != nil:
			total += m.GetCounter().GetValue()
		case m.Gauge != nil:
			total += m.GetGauge().GetValue()
		case m.Untyped != nil:
			total += m.GetUntyped().GetValue()
		case m.Histogram != nil:
			total += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return total, ok
}
