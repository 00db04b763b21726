package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // SET TimeZone must work on machines without zoneinfo.

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/pgdynamo/pgdynamo/attrarrow"
	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/config"
	"github.com/pgdynamo/pgdynamo/ddb"
	"github.com/pgdynamo/pgdynamo/engine"
	"github.com/pgdynamo/pgdynamo/pgtypes"
	"github.com/pgdynamo/pgdynamo/wire"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `pgdynamo: a PostgreSQL wire-protocol gateway over Amazon DynamoDB

Usage:
  pgdynamo serve --config FILE [--listen ADDR] [--metrics-listen ADDR] [--log-level LEVEL]
  pgdynamo check --config FILE
  pgdynamo version
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return cmdServe(ctx, args[1:], stdout, stderr)
	case "check":
		return cmdCheck(ctx, args[1:], stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintf(stdout, "pgdynamo %s (PostgreSQL protocol 3.0, server_version %s)\n", version, engine.DefaultServerVersion)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "pgdynamo: unknown command %q\n\n%s", args[0], usage)
	return 2
}

type commonFlags struct {
	config   string
	logLevel string
}

func (c *commonFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.config, "config", "pgdynamo.yaml", "the Spicepod-style configuration file")
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error")
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// loadConfig loads and resolves the file; the environment is read here and
// nowhere else.
func loadConfig(path string) (*config.Config, error) {
	f, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	return f.Resolve(os.LookupEnv)
}

// clientKey identifies datasets that can share one DynamoDB client.
type clientKey struct {
	region, accessKey, secret, token, endpoint string
}

// buildSpecs creates one DynamoDB client per distinct connection setting
// and the catalog specs of every dataset.
func buildSpecs(ctx context.Context, cfg *config.Config) ([]catalog.Spec, error) {
	clients := map[clientKey]catalog.API{}
	specs := make([]catalog.Spec, 0, len(cfg.Datasets))
	for _, d := range cfg.Datasets {
		key := clientKey{d.Region, d.AccessKeyID, d.SecretAccessKey.Reveal(), d.SessionToken.Reveal(), d.Endpoint}
		client, ok := clients[key]
		if !ok {
			awsCfg := ddb.Config{
				Region: d.Region, AccessKeyID: d.AccessKeyID,
				SecretAccessKey: d.SecretAccessKey.Reveal(), SessionToken: d.SessionToken.Reveal(),
				Endpoint: d.Endpoint,
			}
			c, err := ddb.NewClient(ctx, awsCfg)
			if err != nil {
				return nil, fmt.Errorf("%s: dataset %q: %w", cfg.Path, d.QualifiedName(), err)
			}
			client = c
			clients[key] = c
		}
		specs = append(specs, catalog.Spec{
			Name:         d.Name,
			Schema:       d.Schema,
			Table:        d.Table,
			Region:       d.Region,
			SampleSize:   d.SchemaInferMaxRecords,
			ScanSegments: d.ScanSegments,
			Types:        attrarrow.Options{UnnestDepth: d.UnnestDepth, TimeFormat: d.TimeFormat},
			Client:       client,
		})
	}
	return specs, nil
}

func loadCatalog(ctx context.Context, cfg *config.Config) (*catalog.Catalog, error) {
	specs, err := buildSpecs(ctx, cfg)
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

func cmdCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var common commonFlags
	common.register(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := loadConfig(common.config)
	if err != nil {
		fmt.Fprintf(stderr, "pgdynamo: invalid configuration:\n%v\n", err)
		return 1
	}
	cat, err := loadCatalog(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "pgdynamo: %v\n", err)
		return 1
	}
	for _, d := range cat.Datasets() {
		printDataset(stdout, d)
	}
	fmt.Fprintf(stdout, "%s: %d dataset(s) OK\n", cfg.Path, len(cat.Datasets()))
	return 0
}

func printDataset(w io.Writer, d *catalog.Dataset) {
	keys := d.PartitionKey.Name
	if d.SortKey != nil {
		keys += ", " + d.SortKey.Name
	}
	fmt.Fprintf(w, "dataset %s  (dynamodb:%s, region %s, ~%d items, primary key (%s))\n",
		d.QualifiedName(), d.Table, d.Region, d.ItemCount, keys)
	for _, idx := range d.Indexes {
		kind := "GSI"
		if idx.Kind == catalog.LocalIndex {
			kind = "LSI"
		}
		fmt.Fprintf(w, "  index %s %s (%s)\n", kind, idx.Name, strings.TrimSuffix(idx.PartitionKey+", "+idx.SortKey, ", "))
	}
	for _, c := range d.Columns.Columns {
		typ := "?"
		if t, err := pgtypes.ForArrow(c.Field.Type); err == nil {
			typ = t.Name
		}
		fmt.Fprintf(w, "  %-32s %-14s %s\n", quoteIfNeeded(c.Name), typ, c.Field.Type)
	}
}

func quoteIfNeeded(name string) string {
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
		}
	}
	return name
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var common commonFlags
	common.register(fs)
	listen := fs.String("listen", "", "PostgreSQL listen address (overrides runtime.pg.listen)")
	metricsListen := fs.String("metrics-listen", "", "metrics, /healthz and /readyz listen address (overrides runtime.metrics.listen)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log, err := newLogger(stderr, common.logLevel)
	if err != nil {
		fmt.Fprintf(stderr, "pgdynamo: %v\n", err)
		return 2
	}
	cfg, err := loadConfig(common.config)
	if err != nil {
		fmt.Fprintf(stderr, "pgdynamo: invalid configuration:\n%v\n", err)
		return 1
	}
	if *listen != "" {
		cfg.Runtime.PG.Listen = *listen
	}
	if *metricsListen != "" {
		cfg.Runtime.Metrics.Listen = *metricsListen
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "pgdynamo: invalid configuration:\n%v\n", err)
		return 1
	}
	users := map[string]string{}
	for _, u := range cfg.Runtime.PG.Users {
		users[u.Name] = u.Password.Reveal()
	}
	if err := wire.ValidateListen(cfg.Runtime.PG.Listen, users); err != nil {
		fmt.Fprintf(stderr, "pgdynamo: %s: runtime.pg.listen: %v\n", cfg.Path, err)
		return 1
	}
	for _, d := range cfg.Datasets {
		if d.Acceleration.Enabled {
			log.Warn("acceleration is not implemented yet; the dataset is read live from DynamoDB", "dataset", d.QualifiedName())
		}
	}

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	cat, err := loadCatalog(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "pgdynamo: %v\n", err)
		return 1
	}
	for _, d := range cat.Datasets() {
		log.Info("dataset ready", "dataset", d.QualifiedName(), "table", d.Table, "region", d.Region,
			"columns", len(d.Columns.Columns), "approx_items", d.ItemCount)
	}
	eng, err := engine.Open(ctx, engine.Config{Catalog: cat, Logger: log})
	if err != nil {
		fmt.Fprintf(stderr, "pgdynamo: %v\n", err)
		return 1
	}
	defer eng.Close()

	srv := wire.NewServer(wire.Config{Users: users, Logger: log}, eng)
	ln, err := net.Listen("tcp", cfg.Runtime.PG.Listen)
	if err != nil {
		fmt.Fprintf(stderr, "pgdynamo: listening on %s: %v\n", cfg.Runtime.PG.Listen, err)
		return 1
	}
	log.Info("pgdynamo listening", "addr", ln.Addr().String(), "version", version, "datasets", len(cat.Datasets()))

	var metricsSrv *http.Server
	if cfg.Runtime.Metrics.Listen != "" {
		metricsSrv, err = startMetrics(cfg.Runtime.Metrics.Listen, log)
		if err != nil {
			fmt.Fprintf(stderr, "pgdynamo: %v\n", err)
			ln.Close()
			return 1
		}
	}

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		log.Info("shutting down: draining connections")
	case err := <-serveErr:
		if err != nil && !errors.Is(err, wire.ErrServerClosed) {
			log.Error("serve failed", "err", err)
			return 1
		}
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("shutdown cancelled running statements", "err", err)
	}
	if metricsSrv != nil {
		metricsSrv.Shutdown(shutdownCtx)
	}
	log.Info("stopped")
	return 0
}

func startMetrics(addr string, log *slog.Logger) (*http.Server, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	// Federated datasets are ready once the catalog loaded, which happened
	// before this listener started.
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ready\n") })
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listener %s: %w", addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener failed", "err", err)
		}
	}()
	log.Info("metrics listening", "addr", ln.Addr().String())
	return srv, nil
}
