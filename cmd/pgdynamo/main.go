package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // SET TimeZone must work on machines without zoneinfo.

	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/config"
	"github.com/pgdynamo/pgdynamo/engine"
	"github.com/pgdynamo/pgdynamo/gateway"
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
  pgdynamo serve --config FILE [--listen ADDR] [--metrics-listen ADDR] [--log-level LEVEL] [--log-format FORMAT]
  pgdynamo check --config FILE
  pgdynamo version
  pgdynamo help [COMMAND]

Run "pgdynamo COMMAND --help" for a command's flags.
`

// commands describes each command for its --help.
var commands = map[string]struct{ synopsis, about string }{
	"serve": {
		"pgdynamo serve --config FILE [--listen ADDR] [--metrics-listen ADDR] [--log-level LEVEL] [--log-format FORMAT]",
		"Serves SQL over the configured DynamoDB tables until SIGINT or SIGTERM, then drains.\n" +
			"Logs go to stderr: connections, failed statements (with their SQLSTATE), statements slower\n" +
			"than runtime.log_min_duration_statement, DynamoDB throttling and dataset state changes.",
	},
	"check": {
		"pgdynamo check --config FILE",
		"Validates the configuration file, resolves credentials, describes every dataset's table\n" +
			"and prints the inferred schemas; exits 1 on any problem.",
	},
	"version": {
		"pgdynamo version",
		"Prints pgdynamo's version and the PostgreSQL version it speaks as.",
	},
}

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
	case "version":
		return cmdVersion(args[1:], stdout, stderr)
	case "--version", "-version", "-v":
		return cmdVersion(nil, stdout, stderr)
	case "help", "-h", "-help", "--help":
		return cmdHelp(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "pgdynamo: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// cmdHelp prints the usage, or with a command name that command's.
func cmdHelp(args []string, stdout, stderr io.Writer) int {
	switch len(args) {
	case 0:
		fmt.Fprint(stdout, usage)
		return 0
	case 1:
		if _, ok := commands[args[0]]; ok {
			return run(context.Background(), []string{args[0], "--help"}, stdout, stderr)
		}
		fmt.Fprintf(stderr, "pgdynamo help: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	fmt.Fprintf(stderr, "pgdynamo help: one command at most\n\n%s", usage)
	return 2
}

func cmdVersion(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("version")
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	fmt.Fprintf(stdout, "pgdynamo %s (PostgreSQL protocol 3.0, server_version %s)\n", version, engine.DefaultServerVersion)
	return 0
}

// newFlagSet returns the flag set of a command of commands.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// parseFlags prints the usage itself, to stdout for --help.
	fs.Usage = func() {}
	return fs
}

// parseFlags parses a command's flags. ok is false when the command must
// not run, with the exit code: 0 after --help (or -h), which prints the
// command's usage to stdout; 2 for a bad flag or a stray argument, with the
// problem and the usage on stderr.
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (code int, ok bool) {
	fs.SetOutput(stderr)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		printUsage(stdout, fs)
		return 0, false
	case err != nil:
		// The flag package has printed the problem.
		printUsage(stderr, fs)
		return 2, false
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "pgdynamo %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		printUsage(stderr, fs)
		return 2, false
	}
	return 0, true
}

func printUsage(w io.Writer, fs *flag.FlagSet) {
	c := commands[fs.Name()]
	fmt.Fprintf(w, "Usage:\n  %s\n\n%s\n", c.synopsis, c.about)
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprint(w, "\nFlags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
}

type commonFlags struct {
	config   string
	logLevel string
}

func (c *commonFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.config, "config", "pgdynamo.yaml", "the Spicepod-style configuration file")
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error")
}

// newLogger returns the process's logger: text (logfmt) or JSON lines, one
// record a line, on w. In JSON, durations are written as Go duration text
// ("1.5s"), as in text; statement durations are duration_ms numbers in both.
func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		opts.ReplaceAttr = func(_ []string, a slog.Attr) slog.Attr {
			if a.Value.Kind() == slog.KindDuration {
				a.Value = slog.StringValue(a.Value.Duration().String())
			}
			return a
		}
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: use text or json", format)
}

// loadConfig loads and resolves the file; the environment is read here and
// nowhere else. A file with problems of shape (unknown keys, say) is still
// resolved: Resolve reports Load's problems with its own, so one run shows
// every problem of the file.
func loadConfig(path string) (*config.Config, error) {
	f, err := config.Load(path)
	if f == nil {
		return nil, err
	}
	return f.Resolve(os.LookupEnv)
}

func cmdCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("check")
	var common commonFlags
	common.register(fs)
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	cfg, err := loadConfig(common.config)
	if err != nil {
		fmt.Fprintf(stderr, "pgdynamo: invalid configuration:\n%v\n", err)
		return 1
	}
	cat, notes, err := gateway.Check(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "pgdynamo: %v\n", err)
		return 1
	}
	for _, d := range cat.Datasets() {
		printDataset(stdout, d, datasetConfig(cfg, d))
	}
	for _, n := range notes {
		fmt.Fprintln(stdout, n)
	}
	fmt.Fprintf(stdout, "%s: %d dataset(s) OK\n", cfg.Path, len(cat.Datasets()))
	return 0
}

// datasetConfig is the configuration of a described dataset.
func datasetConfig(cfg *config.Config, d *catalog.Dataset) config.Dataset {
	for _, c := range cfg.Datasets {
		if c.Schema == d.Schema && c.Name == d.Name {
			return c
		}
	}
	return config.Dataset{}
}

func printDataset(w io.Writer, d *catalog.Dataset, c config.Dataset) {
	keys := d.PartitionKey.Name
	if d.SortKey != nil {
		keys += ", " + d.SortKey.Name
	}
	fmt.Fprintf(w, "dataset %s  (dynamodb:%s, region %s, ~%d items, primary key (%s))\n",
		d.QualifiedName(), d.Table, d.Region, d.ItemCount, keys)
	if a := c.Acceleration; a.Enabled {
		where := "in memory, loaded at start-up"
		if a.Mode == config.ModeFile {
			where = "in " + a.File
		}
		every := "loaded once"
		switch {
		case a.RefreshMode == config.RefreshChanges:
			every = "kept exact from the table's stream " + d.StreamViewType
		case a.RefreshCheckInterval > 0:
			every = "reloaded every " + a.RefreshCheckInterval.String()
		}
		fmt.Fprintf(w, "  accelerated: a local copy %s, %s (~%d items, ~%d bytes to read per load)\n", where, every, d.ItemCount, d.SizeBytes)
	}
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
	fs := newFlagSet("serve")
	var common commonFlags
	common.register(fs)
	listen := fs.String("listen", "", "PostgreSQL listen address (overrides runtime.pg.listen)")
	metricsListen := fs.String("metrics-listen", "", "metrics, /healthz and /readyz listen address (overrides runtime.metrics.listen)")
	logFormat := fs.String("log-format", "text", "text (logfmt lines) or json (one JSON object a line)")
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	log, err := newLogger(stderr, common.logLevel, *logFormat)
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
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	gw, err := gateway.Start(ctx, cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "pgdynamo: %v\n", err)
		return 1
	}
	select {
	case <-ctx.Done():
		log.Info("shutting down: draining connections")
	case err := <-gw.Done():
		if err != nil && !errors.Is(err, wire.ErrServerClosed) {
			log.Error("serve failed", "err", err)
			return 1
		}
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := gw.Shutdown(shutdownCtx); err != nil {
		log.Warn("shutdown cancelled running statements", "err", err)
	}
	log.Info("stopped")
	return 0
}
