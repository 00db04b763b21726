package gateway

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pgdynamo/pgdynamo/config"
	"github.com/pgdynamo/pgdynamo/stream"
)

// streamMetrics are the reference's four stream metrics (SPEC §6),
// labelled by dataset. A dataset's series exist only for the metrics its
// configuration's metrics list enables.
type streamMetrics struct {
	shardsActive    *prometheus.GaugeVec
	recordsConsumed *prometheus.CounterVec
	lagMS           *prometheus.GaugeVec
	errorsTransient *prometheus.CounterVec
}

func newStreamMetrics(reg prometheus.Registerer) *streamMetrics {
	m := &streamMetrics{
		shardsActive: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "pgdynamo_shards_active", Help: "Shards of the dataset's stream not yet finished.",
		}, []string{"dataset"}),
		recordsConsumed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pgdynamo_records_consumed_total", Help: "Stream records applied to the dataset's copy.",
		}, []string{"dataset"}),
		lagMS: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "pgdynamo_lag_ms", Help: "Now minus the creation time of the newest applied stream record; 0 when every shard is caught up.",
		}, []string{"dataset"}),
		errorsTransient: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pgdynamo_errors_transient_total", Help: "Stream and bootstrap errors that were retried.",
		}, []string{"dataset"}),
	}
	if reg != nil {
		reg.MustRegister(m.shardsActive, m.recordsConsumed, m.lagMS, m.errorsTransient)
	}
	return m
}

// StreamObserver returns the stream metrics of dataset d, each kept only
// when d's metrics list enables it; nil when it enables none.
func (m *Metrics) StreamObserver(d config.Dataset) stream.Observer {
	if m == nil || len(d.Metrics) == 0 {
		return nil
	}
	o := datasetStream{name: d.QualifiedName(), m: m.stream}
	o.shards = d.MetricEnabled(config.MetricShardsActive)
	o.records = d.MetricEnabled(config.MetricRecordsConsumedTotal)
	o.lag = d.MetricEnabled(config.MetricLagMS)
	o.errors = d.MetricEnabled(config.MetricErrorsTransientTotal)
	// A counter's series exists from the start, at 0.
	if o.records {
		m.stream.recordsConsumed.WithLabelValues(o.name)
	}
	if o.errors {
		m.stream.errorsTransient.WithLabelValues(o.name)
	}
	return o
}

type datasetStream struct {
	name                         string
	m                            *streamMetrics
	shards, records, lag, errors bool
}

func (o datasetStream) RecordsConsumed(n int) {
	if o.records {
		o.m.recordsConsumed.WithLabelValues(o.name).Add(float64(n))
	}
}

func (o datasetStream) TransientError(error) {
	if o.errors {
		o.m.errorsTransient.WithLabelValues(o.name).Inc()
	}
}

func (o datasetStream) ShardsActive(n int) {
	if o.shards {
		o.m.shardsActive.WithLabelValues(o.name).Set(float64(n))
	}
}

func (o datasetStream) Caught(lag time.Duration) {
	if o.lag {
		o.m.lagMS.WithLabelValues(o.name).Set(float64(lag.Milliseconds()))
	}
}
