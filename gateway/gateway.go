package gateway

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/pgdynamo/pgdynamo/accel"
	"github.com/pgdynamo/pgdynamo/attrarrow"
	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/config"
	"github.com/pgdynamo/pgdynamo/ddb"
	"github.com/pgdynamo/pgdynamo/engine"
	"github.com/pgdynamo/pgdynamo/wire"
)

// Gateway is a running pgdynamo.
type Gateway struct {
	// Registry is every dataset's state (live or accelerated).
	Registry *accel.Registry

	runners     []runner
	stopRefresh context.CancelFunc
	refreshing  sync.WaitGroup
	log         *slog.Logger
	engine      *engine.Engine
	server      *wire.Server
	ln          net.Listener
	mln         net.Listener
	served      chan error

	registry      *prometheus.Registry
	metrics       *Metrics
	metricsServer *http.Server
}

// clientKey identifies datasets that can share one DynamoDB client.
type clientKey struct {
	region, accessKey, secret, token, endpoint string
}

// Specs creates one DynamoDB client per distinct connection setting and
// returns the catalog spec of every dataset. With m, each dataset's client
// is metered under the dataset's name (Metrics.WrapAPI); nil meters nothing.
func Specs(ctx context.Context, cfg *config.Config, m *Metrics) ([]catalog.Spec, error) {
	clients := map[clientKey]catalog.API{}
	specs := make([]catalog.Spec, 0, len(cfg.Datasets))
	for _, d := range cfg.Datasets {
		key := clientKey{d.Region, d.AccessKeyID, d.SecretAccessKey.Reveal(), d.SessionToken.Reveal(), d.Endpoint}
		client, ok := clients[key]
		if !ok {
			c, err := ddb.NewClient(ctx, ddbConfig(d))
			if err != nil {
				return nil, fmt.Errorf("%s: dataset %q: %w", cfg.Path, d.QualifiedName(), err)
			}
			client = c
			clients[key] = c
		}
		specs = append(specs, catalog.Spec{
			Name:              d.Name,
			Schema:            d.Schema,
			Description:       d.Description,
			Table:             d.Table,
			Region:            d.Region,
			SampleSize:        d.SchemaInferMaxRecords,
			ScanSegments:      d.ScanSegments,
			ReadCapacityLimit: d.ReadCapacityLimit,
			MaxScanItems:      d.MaxScanItems,
			Types:             attrarrow.Options{UnnestDepth: d.UnnestDepth, TimeFormat: d.TimeFormat},
			Client:            m.WrapAPI(d.QualifiedName(), client),
		})
	}
	return specs, nil
}

// LoadCatalog describes every dataset of cfg, metering the DynamoDB calls
// with m unless it is nil.
func LoadCatalog(ctx context.Context, cfg *config.Config, m *Metrics) (*catalog.Catalog, error) {
	specs, err := Specs(ctx, cfg, m)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cat, err := catalog.Load(ctx, specs)
	if err != nil {
		return nil, fmt.Errorf("%s:\n%w", cfg.Path, err)
	}
	return cat, nil
}

// Start loads the catalog, opens the engine and starts serving on
// cfg.Runtime.PG.Listen (and the metrics listener when configured).
func Start(ctx context.Context, cfg *config.Config, log *slog.Logger) (*Gateway, error) {
	if log == nil {
		log = slog.Default()
	}
	// The metrics exist before anything they count: DescribeTable calls
	// while the catalog loads, then connections. Without a metrics listener
	// they are kept but not served.
	registry := prometheus.NewRegistry()
	metrics := NewMetrics(registry)
	metrics.SetLogger(log)
	users := map[string]string{}
	for _, u := range cfg.Runtime.PG.Users {
		users[u.Name] = u.Password.Reveal()
	}
	if err := wire.ValidateListen(cfg.Runtime.PG.Listen, users); err != nil {
		return nil, fmt.Errorf("%s: runtime.pg.listen: %w", cfg.Path, err)
	}
	// The config has no key for the auth method: users log in with
	// wire's default, SCRAM-SHA-256.
	wcfg := wire.Config{Users: users, Logger: log, Observer: metrics,
		LogMinDurationStatement: cfg.Runtime.LogMinDurationStatement}
	if t := cfg.Runtime.PG.TLS; t != nil {
		tc, err := loadTLS(t)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cfg.Path, err)
		}
		wcfg.TLS = tc
	}
	if err := wcfg.Validate(); err != nil {
		return nil, fmt.Errorf("%s: runtime.pg: %w", cfg.Path, err)
	}
	specs, err := Specs(ctx, cfg, metrics)
	if err != nil {
		return nil, err
	}
	describeCtx, cancelDescribe := context.WithTimeout(ctx, 2*time.Minute)
	cat, restored, err := describeDatasets(describeCtx, cfg, specs, log)
	cancelDescribe()
	if err != nil {
		return nil, err
	}
	for _, d := range cat.Datasets() {
		log.Info("dataset described", "dataset", d.QualifiedName(), "table", d.Table, "region", d.Region,
			"columns", len(d.Columns.Columns), "approx_items", d.ItemCount)
	}
	if problems := checkStreams(cfg, cat); len(problems) > 0 {
		return nil, fmt.Errorf("%s:\n%s", cfg.Path, strings.Join(problems, "\n"))
	}
	reg := accel.NewRegistry(cat)
	eng, err := engine.Open(ctx, engine.Config{Catalog: cat, Logger: log, Copies: copies(cfg), Registry: reg,
		ScanConcurrency: cfg.Runtime.ScanConcurrency,
		ServerSettings:  map[string]string{"log_min_duration_statement": pgMillis(cfg.Runtime.LogMinDurationStatement)}})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.Path, err)
	}
	g := &Gateway{Registry: reg, log: log, engine: eng, served: make(chan error, 1), registry: registry, metrics: metrics}
	g.runners, err = accelerate(ctx, cfg, cat, reg, eng, restored, metrics, log)
	if err != nil {
		eng.Close()
		return nil, err
	}
	g.server = wire.NewServer(wcfg, eng)
	g.ln, err = net.Listen("tcp", cfg.Runtime.PG.Listen)
	if err != nil {
		eng.Close()
		return nil, fmt.Errorf("listening on %s: %w", cfg.Runtime.PG.Listen, err)
	}
	if cfg.Runtime.Metrics.Listen != "" {
		if err := g.startMetrics(cfg.Runtime.Metrics.Listen); err != nil {
			g.ln.Close()
			eng.Close()
			return nil, err
		}
	}
	g.startRefreshers()
	go func() { g.served <- g.server.Serve(g.ln) }()
	log.Info("pgdynamo listening", "addr", g.ln.Addr().String(), "datasets", len(cat.Datasets()))
	return g, nil
}

// pgMillis is d as PostgreSQL shows a setting in milliseconds: -1 (any
// negative d: off) or 0 as they are, else in the largest unit that divides it (250ms, 2s, 1min, 1h, 1d).
func pgMillis(d time.Duration) string {
	switch {
	case d < 0:
		return "-1"
	case d == 0:
		return "0"
	}
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "min"}, {time.Second, "s"}, {time.Millisecond, "ms"}} {
		if d%u.d == 0 {
			return strconv.FormatInt(int64(d/u.d), 10) + u.name
		}
	}
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', -1, 64) + "ms"
}

// loadTLS reads the server certificate and key named by runtime.pg.tls.
// Errors name the key whose file is wrong.
func loadTLS(t *config.TLS) (*tls.Config, error) {
	certPEM, err := os.ReadFile(t.Cert)
	if err != nil {
		return nil, fmt.Errorf("runtime.pg.tls.cert: %w", err)
	}
	keyPEM, err := os.ReadFile(t.Key)
	if err != nil {
		return nil, fmt.Errorf("runtime.pg.tls.key: %w", err)
	}
	block, _ := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("runtime.pg.tls.cert: %s does not start with a PEM certificate", t.Cert)
	}
	if _, err := x509.ParseCertificate(block.Bytes); err != nil {
		return nil, fmt.Errorf("runtime.pg.tls.cert: %s: %w", t.Cert, err)
	}
	// The certificate is sound, so what X509KeyPair refuses is the key, or
	// a key that is not the certificate's.
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("runtime.pg.tls.key: %s (for the certificate %s): %w", t.Key, t.Cert, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
}

// Addr is the PostgreSQL listener's address.
func (g *Gateway) Addr() net.Addr { return g.ln.Addr() }

// MetricsAddr is the metrics listener's address, nil when disabled.
func (g *Gateway) MetricsAddr() net.Addr {
	if g.mln == nil {
		return nil
	}
	return g.mln.Addr()
}

// Done delivers the serve loop's error if it stops on its own.
func (g *Gateway) Done() <-chan error { return g.served }

// Shutdown stops accepting, lets running statements finish until ctx ends
// (then cancels them), and releases the engine.
func (g *Gateway) Shutdown(ctx context.Context) error {
	err := g.server.Shutdown(ctx)
	if g.stopRefresh != nil {
		// A load in progress is abandoned; the copy it would replace stays.
		g.stopRefresh()
		g.refreshing.Wait()
	}
	if g.metricsServer != nil {
		g.metricsServer.Shutdown(ctx)
	}
	if cerr := g.engine.Close(); err == nil {
		err = cerr
	}
	return err
}

// Metrics returns the gateway's own metrics, for the pieces started after
// it (refreshes of accelerated datasets).
func (g *Gateway) Metrics() *Metrics { return g.metrics }

// startMetrics serves g's registry — the gateway's metrics (NewMetrics,
// registered by Start) plus the Go runtime and process collectors — with
// the health endpoints on addr.
func (g *Gateway) startMetrics(addr string) error {
	g.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(g.registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("/readyz", readyHandler(g.Registry))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics listener %s: %w", addr, err)
	}
	g.mln = ln
	g.metricsServer = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := g.metricsServer.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			g.log.Error("metrics listener failed", "err", err)
		}
	}()
	g.log.Info("metrics listening", "addr", ln.Addr().String())
	return nil
}

// startRefreshers runs every accelerated dataset's refresher until
// Shutdown.
func (g *Gateway) startRefreshers() {
	ctx, cancel := context.WithCancel(context.Background())
	g.stopRefresh = cancel
	for _, r := range g.runners {
		g.refreshing.Add(1)
		go func() {
			defer g.refreshing.Done()
			r.Run(ctx)
		}()
	}
}
