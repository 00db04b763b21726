package gateway

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/ddb"
	"github.com/pgdynamo/pgdynamo/wire"
)

// Metrics are the gateway's own Prometheus metrics (SPEC §6), always
// exported on the metrics listener. Labels are bounded: dataset (from the
// configuration), DynamoDB operation, outcome and SQLSTATE class — never SQL
// text, keys or users.
//
// Metrics implements wire.Observer for connections and statements;
// WrapAPI meters a dataset's DynamoDB calls (and, with SetLogger, logs their
// throttling and retries); ObserveRefresh records an accelerated dataset's
// refreshes. A nil *Metrics does nothing.
type Metrics struct {
	log *slog.Logger // for WrapAPI's throttling lines; nil logs nothing

	connsOpen     prometheus.Gauge
	connsTotal    prometheus.Counter
	queries       *prometheus.CounterVec   // outcome, sqlstate_class
	queryDuration *prometheus.HistogramVec // outcome

	calls    *prometheus.CounterVec // dataset, operation, outcome
	capacity *prometheus.CounterVec // dataset
	items    *prometheus.CounterVec // dataset

	refreshDuration *prometheus.HistogramVec // dataset
	refreshRows     *prometheus.GaugeVec     // dataset
	refreshes       *prometheus.CounterVec   // dataset, outcome
}

var _ wire.Observer = (*Metrics)(nil)

// Outcomes of a DynamoDB call.
const (
	outcomeOK        = "ok"
	outcomeThrottled = "throttled" // ddb.IsThrottled, after the SDK's retries
	outcomeCanceled  = "canceled"  // the caller's context ended (client cancel, LIMIT reached, timeout)
	outcomeError     = "error"
)

// DynamoDB operations the gateway calls.
const (
	opScan          = "Scan"
	opQuery         = "Query"
	opDescribeTable = "DescribeTable"
)

// NewMetrics creates the gateway's collectors and registers them with reg;
// a nil reg leaves them unregistered.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	f := promauto.With(reg)
	return &Metrics{
		connsOpen: f.NewGauge(prometheus.GaugeOpts{
			Name: "pgdynamo_connections_open",
			Help: "PostgreSQL client connections open now (logins in progress included).",
		}),
		connsTotal: f.NewCounter(prometheus.CounterOpts{
			Name: "pgdynamo_connections_total",
			Help: "PostgreSQL client connections accepted (cancel requests and failed logins included).",
		}),
		queries: f.NewCounterVec(prometheus.CounterOpts{
			Name: "pgdynamo_queries_total",
			Help: "Statements ended, by outcome (ok, error) and SQLSTATE class of the error (\"\" for ok).",
		}, []string{"outcome", "sqlstate_class"}),
		queryDuration: f.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "pgdynamo_query_duration_seconds",
			Help:    "Time the server spent on a statement, from its first message to CommandComplete or ErrorResponse.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}, []string{"outcome"}),
		calls: f.NewCounterVec(prometheus.CounterOpts{
			Name: "pgdynamo_dynamodb_calls_total",
			Help: "DynamoDB calls by dataset, operation (Scan, Query, DescribeTable) and outcome (ok, throttled, canceled, error), each counted once after the SDK's retries.",
		}, []string{"dataset", "operation", "outcome"}),
		capacity: f.NewCounterVec(prometheus.CounterOpts{
			Name: "pgdynamo_dynamodb_consumed_read_capacity_total",
			Help: "Read capacity units consumed by the dataset's Scan and Query calls, as DynamoDB reported them.",
		}, []string{"dataset"}),
		items: f.NewCounterVec(prometheus.CounterOpts{
			Name: "pgdynamo_dynamodb_items_read_total",
			Help: "Items returned by the dataset's Scan and Query calls (after DynamoDB-side filters).",
		}, []string{"dataset"}),
		refreshDuration: f.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "pgdynamo_refresh_duration_seconds",
			Help:    "Duration of an accelerated dataset's successful refreshes.",
			Buckets: []float64{.1, .5, 1, 5, 10, 30, 60, 300, 900, 1800, 3600},
		}, []string{"dataset"}),
		refreshRows: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "pgdynamo_refresh_rows",
			Help: "Rows loaded by an accelerated dataset's last successful refresh.",
		}, []string{"dataset"}),
		refreshes: f.NewCounterVec(prometheus.CounterOpts{
			Name: "pgdynamo_refreshes_total",
			Help: "Refreshes of an accelerated dataset by outcome (ok, error).",
		}, []string{"dataset", "outcome"}),
	}
}

// ConnOpened implements wire.Observer.
func (m *Metrics) ConnOpened() {
	if m == nil {
		return
	}
	m.connsOpen.Inc()
	m.connsTotal.Inc()
}

// ConnClosed implements wire.Observer.
func (m *Metrics) ConnClosed() {
	if m == nil {
		return
	}
	m.connsOpen.Dec()
}

// StatementDone implements wire.Observer.
func (m *Metrics) StatementDone(d time.Duration, sqlstate string) {
	if m == nil {
		return
	}
	outcome, class := outcomeOK, ""
	if sqlstate != "" {
		outcome = outcomeError
		class = sqlstate[:min(2, len(sqlstate))]
	}
	m.queries.WithLabelValues(outcome, class).Inc()
	m.queryDuration.WithLabelValues(outcome).Observe(d.Seconds())
}

// ObserveRefresh records one refresh of an accelerated dataset: its
// duration and row count when it succeeded, its outcome either way.
func (m *Metrics) ObserveRefresh(dataset string, d time.Duration, rows int64, err error) {
	if m == nil {
		return
	}
	if err != nil {
		m.refreshes.WithLabelValues(dataset, outcomeError).Inc()
		return
	}
	m.refreshes.WithLabelValues(dataset, outcomeOK).Inc()
	m.refreshDuration.WithLabelValues(dataset).Observe(d.Seconds())
	m.refreshRows.WithLabelValues(dataset).Set(float64(rows))
}

// SetLogger makes the APIs WrapAPI wraps from now on log DynamoDB
// throttling and retries to log (see throttleLog).
func (m *Metrics) SetLogger(log *slog.Logger) {
	if m != nil {
		m.log = log
	}
}

// WrapAPI returns api with every call counted under dataset. Scan and Query
// ask for the consumed capacity when the caller did not (on a copy of the
// input), so that every read is metered. A nil *Metrics returns api.
func (m *Metrics) WrapAPI(dataset string, api catalog.API) catalog.API {
	if m == nil {
		return api
	}
	w := &meteredAPI{
		api:      api,
		capacity: m.capacity.WithLabelValues(dataset),
		items:    m.items.WithLabelValues(dataset),
		log:      newThrottleLog(m.log, dataset),
	}
	// Every series exists from the start, so rates and alerts see zeros
	// rather than gaps.
	for op, c := range map[string]*callCounters{opScan: &w.scan, opQuery: &w.query, opDescribeTable: &w.describe} {
		c.ok = m.calls.WithLabelValues(dataset, op, outcomeOK)
		c.throttled = m.calls.WithLabelValues(dataset, op, outcomeThrottled)
		c.canceled = m.calls.WithLabelValues(dataset, op, outcomeCanceled)
		c.failed = m.calls.WithLabelValues(dataset, op, outcomeError)
	}
	return w
}

// callCounters are one operation's call counters by outcome.
type callCounters struct {
	ok, throttled, canceled, failed prometheus.Counter
}

// count classifies a call's error (nil: ok) and counts the call.
func (c *callCounters) count(err error) {
	switch {
	case err == nil:
		c.ok.Inc()
	case ddb.IsThrottled(err):
		c.throttled.Inc()
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		c.canceled.Inc()
	default:
		c.failed.Inc()
	}
}

// meteredAPI is a catalog.API decorator that meters one dataset's calls
// and logs their throttling.
type meteredAPI struct {
	api                   catalog.API
	scan, query, describe callCounters
	capacity, items       prometheus.Counter
	log                   *throttleLog
}

func (w *meteredAPI) Scan(ctx context.Context, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	if in != nil && in.ReturnConsumedCapacity == "" {
		cp := *in
		cp.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
		in = &cp
	}
	out, err := w.api.Scan(ctx, in, optFns...)
	w.scan.count(err)
	if out != nil {
		w.read(out.Count, out.ConsumedCapacity)
		w.log.call(opScan, out.ResultMetadata, err)
	} else {
		w.log.call(opScan, middleware.Metadata{}, err)
	}
	return out, err
}

func (w *meteredAPI) Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	if in != nil && in.ReturnConsumedCapacity == "" {
		cp := *in
		cp.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
		in = &cp
	}
	out, err := w.api.Query(ctx, in, optFns...)
	w.query.count(err)
	if out != nil {
		w.read(out.Count, out.ConsumedCapacity)
		w.log.call(opQuery, out.ResultMetadata, err)
	} else {
		w.log.call(opQuery, middleware.Metadata{}, err)
	}
	return out, err
}

func (w *meteredAPI) DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	out, err := w.api.DescribeTable(ctx, in, optFns...)
	w.describe.count(err)
	if out != nil {
		w.log.call(opDescribeTable, out.ResultMetadata, err)
	} else {
		w.log.call(opDescribeTable, middleware.Metadata{}, err)
	}
	return out, err
}

// read counts what one Scan or Query page returned and cost.
func (w *meteredAPI) read(count int32, capacity *types.ConsumedCapacity) {
	if count > 0 {
		w.items.Add(float64(count))
	}
	if capacity != nil && capacity.CapacityUnits != nil && *capacity.CapacityUnits > 0 {
		w.capacity.Add(*capacity.CapacityUnits)
	}
}
