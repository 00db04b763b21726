package engine

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/pgdynamo/pgdynamo/accel"
	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/planner"
)

// Config configures the engine. The zero value of every field but Catalog
// is a usable default.
type Config struct {
	Catalog *catalog.Catalog
	Logger  *slog.Logger
	// Threads is DuckDB's thread count; 0 means 1: each query runs on its
	// session's own thread (see defaultThreads).
	Threads int
	// MemoryLimit is DuckDB's memory_limit (e.g. "2GB", "1048576KiB"); empty
	// keeps DuckDB's default of 80% of RAM. A query that needs more fails
	// with 53200 (errors.go).
	MemoryLimit string
	// ScanConcurrency caps concurrent Scan segments per dataset reference;
	// 0 means 8.
	ScanConcurrency int
	// MaxSegments caps the automatic segment count; 0 means 32.
	MaxSegments int
	// ServerVersion is the PostgreSQL version advertised to clients.
	ServerVersion string
	// Copies are the accelerated datasets' local copies, attached at Open.
	Copies []Copy
	// Registry, when set, routes dataset references (local copy or
	// DynamoDB) and answers pgdynamo.datasets; nil reads everything live.
	Registry *accel.Registry
	// Now is the clock pgdynamo.datasets computes lag with; nil: time.Now.
	Now func() time.Time
	// ServerSettings are settings the server's configuration fixes, by
	// lower-case name with PostgreSQL's text for the value (e.g.
	// log_min_duration_statement: 250ms). SHOW, current_setting() and
	// pg_settings show them; SET refuses them. They never replace a session
	// setting of the same name.
	ServerSettings map[string]string
	// SessionDefaults replace the defaults of session settings, by
	// lower-case name (statement_timeout: 5000): sessions start with them,
	// may SET others, and RESET returns to them.
	SessionDefaults map[string]string
}

// Validate reports an unusable configuration.
func (c Config) Validate() error {
	if c.Catalog == nil {
		return fmt.Errorf("engine: a catalog is required")
	}
	if c.Threads < 0 || c.ScanConcurrency < 0 || c.MaxSegments < 0 {
		return fmt.Errorf("engine: negative thread, concurrency or segment count")
	}
	return validateSessionDefaults(DefaultServerVersion, c.SessionDefaults)
}

// Engine is the embedded DuckDB database and what it needs to read datasets.
type Engine struct {
	cfg Config
	// current is the catalog in force: swapDataset replaces it when an
	// accelerated dataset's schema grows.
	current   *catalog.Current
	swapMu    sync.Mutex // one swapDataset at a time
	planner   *planner.Planner
	connector *duckdb.Connector
	db        *sql.DB
	log       *slog.Logger

	// running maps a running statement's ID to its state, so the scans
	// DuckDB binds for it find their context and report back.
	running   sync.Map // string → *queryState
	nextQuery atomic.Uint64

	// budgets holds each budgeted table's read-capacity budget, by
	// region/table.
	budgets sync.Map // string → *scan.Budget

	// copies maps an accelerated dataset to the engine database holding
	// its copy.
	copies map[string]string
	// batches counts stream batches applied since a copy's last durable
	// checkpoint.
	batchMu sync.Mutex
	batches map[string]int
}

// defaultThreads is 1: DuckDB then starts no worker threads, and every
// query runs on the thread of the session that fetches its result. With
// workers, a worker can take the task that reads pgdynamo_scan, which waits
// for DynamoDB inside FillChunk, while the session's thread finds no task
// and busy-waits in DuckDB's streaming fetch (SimpleBufferedData) for the
// whole read: a core burnt per federated query (in cmd/pgdynamo-bench,
// before the other changes of issue 10, a 100,000-item drain cost the
// gateway 4.0 s of CPU with two threads, 1.1 s with one). One thread per query
// keeps sessions parallel, each on its own thread, at the price of
// parallelism inside one query over a local copy (BenchmarkAccelerated's
// GROUP BY did not get slower).
const defaultThreads = 1

// lockdownSettings are applied when the database is created, before any
// connection exists, and lock_configuration keeps client SQL from changing
// them. Each one closes a door a SQL client must not open.
func lockdownSettings(cfg Config) url.Values {
	v := url.Values{}
	v.Set("autoinstall_known_extensions", "false") // INSTALL from a query
	v.Set("autoload_known_extensions", "false")
	v.Set("allow_community_extensions", "false")
	v.Set("allow_unsigned_extensions", "false")
	// PostgreSQL semantics where DuckDB has a switch for them.
	v.Set("integer_division", "true")
	v.Set("default_null_order", "nulls_last_on_asc_first_on_desc")
	threads := cfg.Threads
	if threads == 0 {
		threads = defaultThreads
	}
	v.Set("threads", strconv.Itoa(threads))
	if cfg.MemoryLimit != "" {
		v.Set("memory_limit", cfg.MemoryLimit)
	}
	return v
}

// lockdown closes the last doors once the copies are attached: no file,
// network or ATTACH access from SQL (read_text, COPY TO, ATTACH, httpfs),
// and lock_configuration so client SQL cannot change any setting back.
var lockdown = []string{
	"SET GLOBAL enable_external_access = false",
	"SET GLOBAL lock_configuration = true",
}

// Open creates the locked-down database and registers the dataset scans.
func Open(ctx context.Context, cfg Config) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ScanConcurrency == 0 {
		cfg.ScanConcurrency = 8
	}
	if cfg.MaxSegments == 0 {
		cfg.MaxSegments = 32
	}
	if cfg.ServerVersion == "" {
		cfg.ServerVersion = DefaultServerVersion
	}
	connector, err := duckdb.NewConnector("?"+lockdownSettings(cfg).Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("opening the embedded engine: %w", err)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	current := catalog.NewCurrent(cfg.Catalog)
	p := planner.NewOver(current)
	if cfg.Registry != nil {
		p = p.WithRouter(cfg.Registry)
	}
	e := &Engine{
		cfg:       cfg,
		current:   current,
		planner:   p,
		connector: connector,
		db:        sql.OpenDB(connector),
		log:       cfg.Logger,
	}
	conn, err := e.db.Conn(ctx)
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("connecting to the embedded engine: %w", err)
	}
	defer conn.Close()
	if err := e.attachCopies(ctx, conn); err != nil {
		e.Close()
		return nil, err
	}
	for _, stmt := range lockdown {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			e.Close()
			return nil, fmt.Errorf("locking down the embedded engine: %w", err)
		}
	}
	if err := registerFloatText(ctx, conn); err != nil {
		e.Close()
		return nil, err
	}
	if err := registerPostgresFunctions(ctx, conn); err != nil {
		e.Close()
		return nil, err
	}
	if err := e.registerScanFunction(ctx, conn); err != nil {
		e.Close()
		return nil, err
	}
	if err := e.installCatalogShim(ctx, conn); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// Close releases the database. Sessions must be closed first.
func (e *Engine) Close() error {
	err := e.db.Close()
	if cerr := e.connector.Close(); err == nil {
		err = cerr
	}
	return err
}
