// Package monitoring holds pgdynamo's Grafana dashboard,
// grafana-dashboard.json, which charts the Prometheus metrics the gateway
// serves on its metrics listener (package gateway: Metrics). It has no Go
// API; its test keeps the dashboard and the gateway's metrics in step: every
// metric a panel queries is one the gateway registers, with the labels it
// has, and every metric the gateway registers is charted.
package monitoring
