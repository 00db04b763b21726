package config

import (
	"slices"
	"time"
)

// Defaults applied by Resolve when a key is absent. Validate does not apply
// defaults; a Config built by hand must set these itself (see Default*).
const (
	// DefaultPGListen is runtime.pg.listen's default: loopback only, so trust
	// authentication (no runtime.pg.users) is safe by default.
	DefaultPGListen = "127.0.0.1:5433"
	// DefaultSchema is the SQL schema of a dataset whose name is not
	// schema-qualified.
	DefaultSchema = "public"
	// DefaultSchemaInferMaxRecords is how many items schema inference reads.
	DefaultSchemaInferMaxRecords = 10
	// DefaultReadyLag: an accelerated dataset in refresh_mode changes reports
	// ready once its stream lag is below this.
	DefaultReadyLag = 2 * time.Second
	// DefaultScanInterval is how long a stream reader waits before polling a
	// shard that returned no records. 500ms is two GetRecords calls a second
	// per idle shard, well inside DynamoDB Streams' limit of five per shard
	// (shared by every reader of the stream), and keeps added latency under a
	// second. A shard that returned records is read again at once.
	DefaultScanInterval = 500 * time.Millisecond
	// DefaultEngine is the only acceleration engine pgdynamo has.
	DefaultEngine = "duckdb"
	// MaxScanSegments is DynamoDB's limit on Scan's TotalSegments.
	MaxScanSegments = 1000000
	// LogMinDurationDisabled is runtime.log_min_duration_statement's
	// default, -1 as in PostgreSQL: no statement is logged for its duration.
	LogMinDurationDisabled time.Duration = -1
	// UnnestUnset is Dataset.UnnestDepth when params.unnest_depth is absent:
	// maps become Structs.
	UnnestUnset = -1
)

// Acceleration modes, refresh modes and conflict actions, as written in the
// file.
const (
	ModeMemory       = "memory"
	ModeFile         = "file"
	RefreshFull      = "full"
	RefreshChanges   = "changes" // refused as not supported yet (DynamoDB Streams CDC)
	OnConflictUpsert = "upsert"
	// What a dataset in refresh_mode changes does when its stream position
	// was trimmed or expired (params.replication_invalid_checkpoint_behavior).
	CheckpointRestart = "restart" // a logged re-bootstrap (default)
	CheckpointError   = "error"   // the dataset goes to state error
	defaultDuckDBDir  = ".pgdynamo"
	defaultDuckDBExt  = ".duckdb"
)

// Stream metric names a dataset's metrics list may enable (SPEC §6).
const (
	MetricShardsActive         = "shards_active"
	MetricRecordsConsumedTotal = "records_consumed_total"
	MetricLagMS                = "lag_ms"
	MetricErrorsTransientTotal = "errors_transient_total"
)

// metricNames lists the allowed metric names in documentation order.
var metricNames = []string{MetricShardsActive, MetricRecordsConsumedTotal, MetricLagMS, MetricErrorsTransientTotal}

// MetricNames returns the metric names a dataset's metrics list may name,
// in documentation order.
func MetricNames() []string { return slices.Clone(metricNames) }

// Config is a resolved and validated configuration: references expanded,
// defaults applied. Values are ready for use; credentials are Secret so that
// printing a Config never shows them.
type Config struct {
	Path     string // the file it came from
	Name     string // top-level name; optional
	Runtime  Runtime
	Datasets []Dataset

	src *source // where each value came from, for Validate's messages; nil when built by hand
}

// Runtime is pgdynamo's own section. Every key is optional.
type Runtime struct {
	PG      PG
	Metrics Metrics
	// LogMinDurationStatement is runtime.log_min_duration_statement, with
	// PostgreSQL's meaning: a statement that runs at least this long is
	// logged at info with its duration; 0 logs every statement;
	// LogMinDurationDisabled (-1, the default) logs none. Other negative
	// values are invalid. The file writes a duration (250ms, 1s), a whole
	// number of milliseconds, or -1.
	LogMinDurationStatement time.Duration
	// ScanConcurrency is runtime.scan_concurrency: the most segments or
	// partition Queries one read runs at once; 0 means
	// DefaultScanConcurrency.
	ScanConcurrency int
}

// DefaultScanConcurrency is runtime.scan_concurrency's default.
const DefaultScanConcurrency = 8

// maxScanConcurrency bounds runtime.scan_concurrency.
const maxScanConcurrency = 1000

// PG configures the PostgreSQL front door.
type PG struct {
	// Listen is host:port; default DefaultPGListen. The CLI's --listen may
	// override it; call Config.Validate afterwards.
	Listen string
	// Users are the accepted roles. None means trust authentication, which
	// Validate allows only on a loopback listen address.
	Users []User
	// TLS is nil when runtime.pg.tls is absent: SSLRequest is answered 'N'.
	TLS *TLS
}

// User is one role that may log in with a password.
type User struct {
	Name     string
	Password Secret
}

// TLS names the server certificate and key files (PEM). Relative paths in
// the file are resolved against the directory that holds the file.
type TLS struct {
	Cert, Key string
}

// Metrics configures the Prometheus and health endpoint listener.
type Metrics struct {
	// Listen is host:port; "" (the default) serves no metrics. The CLI's
	// --metrics-listen may override it; call Config.Validate afterwards.
	Listen string
}

// Dataset is one DynamoDB table exposed as an SQL table.
type Dataset struct {
	Name        string // SQL table name as written, without schema
	Schema      string // DefaultSchema unless the name is schema-qualified, as in app.users
	Description string // optional free text (Spicepod's description), for the catalog's comments
	Table       string // DynamoDB table name, from `from: dynamodb:<table>`

	Region          string // params.dynamodb_aws_region; required
	AccessKeyID     string // params.dynamodb_aws_access_key_id; set together with SecretAccessKey or not at all
	SecretAccessKey Secret // params.dynamodb_aws_secret_access_key
	SessionToken    Secret // params.dynamodb_aws_session_token; only with the two above
	Endpoint        string // params.dynamodb_endpoint: per-dataset http(s) endpoint override; "" uses the SDK's

	UnnestDepth           int    // params.unnest_depth: UnnestUnset (-1, maps become Structs) or >= 0
	SchemaInferMaxRecords int    // params.schema_infer_max_records: >= 1, default DefaultSchemaInferMaxRecords
	ScanSegments          int    // params.scan_segments: 0 is auto (default), else 1..MaxScanSegments
	TimeFormat            string // params.time_format: Go layout; "" is RFC 3339 with an optional fraction

	// The fields below are parsed and checked, but their keys are refused as
	// not supported yet when a file sets them (see notYet in notyet.go), so
	// they always hold their defaults in a Config that Resolve returns.
	ReadyLag                  time.Duration // params.ready_lag: > 0, default DefaultReadyLag
	ScanInterval              time.Duration // params.scan_interval: > 0, default DefaultScanInterval
	InvalidCheckpointBehavior string        // params.replication_invalid_checkpoint_behavior: CheckpointRestart (default; "" too) or CheckpointError
	ReadCapacityLimit         float64       // params.read_capacity_limit: RCU per second for the table, 0 unlimited
	MaxScanItems              int64         // params.max_scan_items: items one query may read, 0 unlimited

	Acceleration Acceleration
	// Metrics is the dataset's metrics list, in file order; refused as not
	// supported yet (the stream metrics come with DynamoDB Streams CDC).
	Metrics []MetricToggle
}

// QualifiedName is schema.name.
func (d Dataset) QualifiedName() string { return d.Schema + "." + d.Name }

// Acceleration configures the local DuckDB copy of a dataset.
type Acceleration struct {
	// Enabled is acceleration.enabled. As in Spicepods, it defaults to true
	// when the acceleration section is present and false when it is absent.
	Enabled bool
	Engine  string // "duckdb", the only engine (default)
	Mode    string // ModeMemory (default) or ModeFile
	// File is the DuckDB file for ModeFile: acceleration.params.duckdb_file,
	// resolved against the configuration file's directory; by default
	// .pgdynamo/<schema>.<name>.duckdb (lower-cased) beside the configuration
	// file. "" in ModeMemory.
	File string
	// RefreshMode is RefreshFull (default: reload the whole table) or
	// RefreshChanges (bootstrap, then apply the table's stream), which is
	// refused as not supported yet.
	RefreshMode string
	// RefreshCheckInterval is how often RefreshFull reloads; 0 (the default)
	// loads once at start-up and never again. Not allowed with RefreshChanges.
	RefreshCheckInterval time.Duration
	// OnConflict is acceleration.on_conflict: at most one entry, required by
	// RefreshChanges. Whether its columns are the table's key is checked
	// against DescribeTable at start-up, not here. Refused as not supported
	// yet, like RefreshChanges.
	OnConflict []OnConflict
	// SnapshotsTriggerThreshold is acceleration.params.snapshots_trigger_threshold:
	// in ModeFile, a durable DuckDB checkpoint every N applied stream batches;
	// 0 (the default) leaves checkpoints to DuckDB. Refused as not supported
	// yet, like RefreshChanges.
	SnapshotsTriggerThreshold int
}

// OnConflict is one acceleration.on_conflict entry: `id: upsert` or
// `(id, version): upsert`.
type OnConflict struct {
	Columns []string // attribute names as written, quotes removed
	Action  string   // OnConflictUpsert, the only action
}

// MetricToggle is one entry of a dataset's metrics list.
type MetricToggle struct {
	Name    string // one of MetricNames
	Enabled bool   // defaults to true when the entry is listed
}

// MetricEnabled reports whether the named metric is enabled for d.
func (d Dataset) MetricEnabled(name string) bool {
	for _, m := range d.Metrics {
		if m.Name == name {
			return m.Enabled
		}
	}
	return false
}
