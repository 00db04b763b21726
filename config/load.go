package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// File is a parsed but unresolved configuration file: its shape has been
// checked (every key is known, every value has the right form — a single
// value, a mapping or a list) but references are not expanded, defaults are
// not applied and values are not validated. Resolve turns it into a Config.
//
// A File may carry the problems Parse found (see Parse): Resolve then
// reports them along with its own, so that one run shows every problem.
type File struct {
	Path  string // as given to Load or Parse; used in every message
	root  *node
	probs Problems        // what Parse found; Resolve repeats them
	shape map[string]bool // full key paths whose value had the wrong shape
}

// Load reads and strictly parses the file at path (unknown keys are
// errors) without resolving references; see Parse.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Problems{{File: path, Index: -1, Msg: "cannot read the configuration file: " + errText(err)}}.err()
	}
	return Parse(path, data)
}

// errText is err's message without the path that os errors repeat.
func errText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Parse strictly parses data as a configuration file without resolving
// references; path is used only in messages. The error, if any, is a
// Problems listing everything found.
//
// When the data is YAML but has problems of shape (unknown keys, a list
// where a single value belongs, a key set twice, a second document), Parse
// returns both the error and a File holding what it could read: unknown
// keys left out, wrong-shaped values absent. Resolving that File reports
// Parse's problems together with its own, and nothing more about the
// values whose shape was wrong, so a caller that resolves whenever the File
// is not nil shows every problem of the file in one run. The File is nil
// only when there is nothing to resolve: the file cannot be read, is not
// YAML, or is empty.
func Parse(path string, data []byte) (*File, error) {
	p := &parser{file: path, shape: map[string]bool{}}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	err := dec.Decode(&doc)
	switch {
	case err == io.EOF:
		p.add(0, noDataset, "", "the file is empty (a pgdynamo configuration starts with version: v1 and kind: Spicepod)")
		return nil, p.probs.err()
	case err != nil:
		p.yamlError(err)
		return nil, p.probs.err()
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == io.EOF:
	case err != nil:
		p.yamlError(err)
	default:
		p.add(extra.Line, noDataset, "", "the file holds more than one YAML document; pgdynamo reads exactly one")
	}
	var top *yaml.Node
	if len(doc.Content) > 0 {
		top = doc.Content[0]
	}
	root := p.walkAt(top, rootSpec, "", noDataset, 0)
	if root.null {
		p.add(doc.Line, noDataset, "", "the file holds no settings (a pgdynamo configuration starts with version: v1 and kind: Spicepod)")
		return nil, p.probs.err()
	}
	f := &File{Path: path, root: root, probs: slices.Clone(p.probs), shape: p.shape}
	return f, p.probs.err()
}

// yamlLine finds the line number yaml.v3 puts in its syntax errors; it has no
// typed form for them.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func (p *parser) yamlError(err error) {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		p.add(line, noDataset, "", "invalid YAML: %s", m[2])
		return
	}
	p.add(0, noDataset, "", "invalid YAML: %s", strings.TrimPrefix(msg, "yaml: "))
}

// shape is the form a value must have.
type shape int

const (
	scalar  shape = iota // a single value: string, number or boolean
	mapping              // a mapping with the fixed keys of spec.keys
	list                 // a list whose items have spec.item's shape
	pairs                // a mapping with free-form keys and single values (on_conflict)
)

// spec describes the allowed shape of one value and, for mappings, its keys
// in the order they are documented. doc is what the configuration reference
// says about the key that holds the value (see Keys).
type spec struct {
	shape shape
	keys  []field
	item  *spec
	doc   keyDoc
}

type field struct {
	name string
	spec *spec
}

// keyDoc is the reference text of one key. It is written beside the key in
// rootSpec so that the two cannot drift: Keys and docs/configuration.md are
// generated from it, and a test fails for a key without a meaning.
type keyDoc struct {
	kind     string   // Markdown: what a single value holds; "" for sections and lists
	example  string   // a valid value as written in the file (YAML flow form for a mapping)
	def      string   // the value an absent key takes, as written in the file
	absent   string   // Markdown: what an absent key means, when that is not a value
	required bool     // required whenever the mapping that holds it is present
	needs    []string // keys that must be set with it: "path", or "path: value" (see Key.Needs)
	meaning  string   // Markdown, one line
}

func (s *spec) key(name string) *spec {
	for _, f := range s.keys {
		if f.name == name {
			return f.spec
		}
	}
	return nil
}

func (s *spec) names() []string {
	n := make([]string, len(s.keys))
	for i, f := range s.keys {
		n[i] = f.name
	}
	return n
}

func one() *spec                     { return &spec{shape: scalar} }
func fields(f ...field) *spec        { return &spec{shape: mapping, keys: f} }
func listOf(item *spec) *spec        { return &spec{shape: list, item: item} }
func fld(name string, s *spec) field { return field{name, s} }

// val is a documented single value: kind says what it holds, example is a
// valid value as written in the file.
func val(kind, example, meaning string) *spec {
	return &spec{shape: scalar, doc: keyDoc{kind: kind, example: example, meaning: meaning}}
}

// about sets the meaning of a section, a list or a pairs mapping.
func (s *spec) about(meaning string) *spec { s.doc.meaning = meaning; return s }

// def sets the value an absent key takes.
func (s *spec) def(v string) *spec { s.doc.def = v; return s }

// absent says what an absent key means when that is not a value.
func (s *spec) absent(text string) *spec { s.doc.absent = text; return s }

// req marks a key required whenever the mapping that holds it is present.
func (s *spec) req() *spec { s.doc.required = true; return s }

// with names the keys that must be set beside this one for it to be valid,
// as full reference paths, with a value when one is needed:
// "datasets[].acceleration.mode: file".
func (s *spec) with(keys ...string) *spec { s.doc.needs = keys; return s }

// Param keys, as written in datasets[].params.
const (
	keyRegion                       = "dynamodb_aws_region"
	keyAccessKeyID                  = "dynamodb_aws_access_key_id"
	keySecretAccessKey              = "dynamodb_aws_secret_access_key"
	keySessionToken                 = "dynamodb_aws_session_token"
	keyEndpoint                     = "dynamodb_endpoint"
	keyUnnestDepth                  = "unnest_depth"
	keySchemaInfer                  = "schema_infer_max_records"
	keyScanSegments                 = "scan_segments"
	keyTimeFormat                   = "time_format"
	keyReadyLag                     = "ready_lag"
	keyScanInterval                 = "scan_interval"
	keyReplicationInvalidCheckpoint = "replication_invalid_checkpoint_behavior"
	keyReadCapacity                 = "read_capacity_limit"
	keyMaxScanItems                 = "max_scan_items"
	keySnapshotsTrigger             = "snapshots_trigger_threshold"
	keyDuckDBFile                   = "duckdb_file"
	keyLogMinDuration               = "log_min_duration_statement" // under runtime
	keyScanConcurrency              = "scan_concurrency"           // under runtime
)

// streamKeyNeeds is what the keys of DynamoDB Streams CDC need beside them.
var streamKeyNeeds = []string{"datasets[].acceleration.refresh_mode: " + RefreshChanges, "datasets[].acceleration.on_conflict"}

// dsParam is the reference path of a dataset param.
func dsParam(key string) string { return "datasets[].params." + key }

// Kinds shared by several keys, as the reference shows them.
const (
	kindText     = "text"
	kindSecret   = "text; write `${secrets:NAME}`"
	kindHostPort = "`host:port`"
	kindPath     = "file path"
	kindDuration = "duration (`500ms`, `2s`, `10m`, `1h`)"
	kindBool     = "`true` or `false`"
)

// rootSpec is every key pgdynamo reads, with its reference text. Anything
// else is an error. A new key needs its doc here (val, about, def, absent,
// req); then `go generate ./config` rewrites docs/configuration.md.
var rootSpec = fields(
	fld("version", val("`v1`", "v1", "The format version; `v1` is the only one.").req()),
	fld("kind", val("`Spicepod`", "Spicepod", "The document kind; `Spicepod` is the only one.").req()),
	fld("name", val(kindText, "shop", "A name for this configuration; free text, not used otherwise.")),
	fld("secrets", listOf(fields(
		fld("from", val("`env`", "env", "The secret store; `env` (the environment) is the only one.").req()),
		fld("name", val(kindText, "env", "The store's name; free text.")),
	)).about("Spicepod's secret stores, accepted for compatibility: `${secrets:NAME}` is always read from the environment.")),
	fld("runtime", fields(
		fld("pg", fields(
			fld("listen", val(kindHostPort, "127.0.0.1:5433",
				"Where PostgreSQL clients connect; `pgdynamo serve --listen` overrides it. "+
					"An address that is not loopback needs `runtime.pg.users`.").def(DefaultPGListen)),
			fld("users", listOf(fields(
				fld("name", val(kindText, "grafana", "The role name a client logs in as.").req()),
				fld("password", val(kindSecret, "${secrets:pg_grafana_password}", "The role's password.").req()),
			)).about("Roles that may log in, with SCRAM-SHA-256 password authentication.").
				absent("every role is trusted without a password, which is allowed only on a loopback `listen`")),
			fld("tls", fields(
				fld("cert", val(kindPath, "server.crt", "The server certificate (PEM), relative to the configuration file's directory.").req()),
				fld("key", val(kindPath, "server.key", "The certificate's private key (PEM), relative to the configuration file's directory.").req()),
			).about("TLS for clients that send SSLRequest.").absent("SSLRequest is answered `N` (no TLS); with it, TLS is offered, not required")),
		).about("The PostgreSQL front door.")),
		fld("metrics", fields(
			fld("listen", val(kindHostPort, "127.0.0.1:9464",
				"Where `/metrics` (Prometheus), `/healthz` and `/readyz` are served; `pgdynamo serve --metrics-listen` overrides it.").
				absent("not served")),
		).about("The metrics and health listener.")),
		fld(keyLogMinDuration, val("duration (`250ms`, `1s`), whole milliseconds, or `-1`", "250ms",
			"Log each statement that runs at least this long, at info, with its duration and text (never its "+
				"parameter values), as PostgreSQL's `log_min_duration_statement`; `0` logs every statement, `-1` none. "+
				"Failed statements are always logged.").def("-1")),
		fld(keyScanConcurrency, val("whole number, 1 to 1000", "4",
			"The most Scan segments (or partition Queries) one DynamoDB read runs at once; more wait their turn.").
			def(strconv.Itoa(DefaultScanConcurrency))),
	).about("pgdynamo's own settings; every key is optional.")),
	fld("datasets", listOf(fields(
		fld("from", val("`dynamodb:<table>`", "dynamodb:users", "The DynamoDB table, by name (not ARN).").req()),
		fld("name", val("SQL name", "users",
			"The SQL table name, in schema `public` unless qualified (`app.users`); unique ignoring case; "+
				"a reserved keyword is refused.").req()),
		fld("description", val(kindText, "Registered users", "The table's comment in the catalog (`\\dt+`, `obj_description`).")),
		fld("params", fields(
			fld(keyRegion, val("AWS region", "us-west-2", "The table's region. A table that does not exist is reported with the region.").req()),
			fld(keyAccessKeyID, val(kindSecret, "${secrets:aws_access_key_id}", "Explicit credentials: the access key.").
				absent("the AWS SDK's default credential chain").with(dsParam(keySecretAccessKey))),
			fld(keySecretAccessKey, val(kindSecret, "${secrets:aws_secret_access_key}", "Explicit credentials: the secret key.").
				absent("the default credential chain").with(dsParam(keyAccessKeyID))),
			fld(keySessionToken, val(kindSecret, "${secrets:aws_session_token}", "The session token of temporary credentials.").
				with(dsParam(keyAccessKeyID), dsParam(keySecretAccessKey))),
			fld(keyEndpoint, val("`http(s)` URL", "http://127.0.0.1:8000", "The DynamoDB endpoint for this dataset only.").
				absent("`AWS_ENDPOINT_URL_DYNAMODB`, else the region's public endpoint")),
			fld(keyUnnestDepth, val("whole number, 0 or more", "2",
				"How maps (M) become columns: `0`, JSON text; `N`, flattened `N` levels deep into columns "+
					"named `\"b.x\"`, `\"b.y.z\"`, deeper maps staying JSON text.").
				absent("each map is a struct column, sent as `json`")),
			fld(keySchemaInfer, val("whole number, 1 or more", "10", "Items read to infer the schema; their types are merged.").
				def(strconv.Itoa(DefaultSchemaInferMaxRecords))),
			fld(keyScanSegments, val("`auto`, or 1 to 1000000", "4",
				"Parallel Scan segments; `auto` derives them from DescribeTable's item count and size: "+
					"under 1k items 1, 10k 2, 100k 4, 1M 8, 10M 16, else 32, and at least one per 2 GB; "+
					"at most 32. `runtime.scan_concurrency` caps the segments (or partition Queries) one read runs at once.").def("auto")),
			fld(keyTimeFormat, val("Go time layout", "2006-01-02 15:04:05",
				"Strings that match become `timestamptz` (layout with a zone) or `timestamp`.").
				absent("RFC 3339 with an optional fraction")),
			fld(keyReadyLag, val(kindDuration, "1s", "Streams: the dataset reports ready once its lag is below this.").
				def(DefaultReadyLag.String()).with(streamKeyNeeds...)),
			fld(keyScanInterval, val(kindDuration, "100ms", "Streams: how long an idle shard waits before it is polled again.").
				def(DefaultScanInterval.String()).with(streamKeyNeeds...)),
			fld(keyReplicationInvalidCheckpoint, val("`restart` or `error`", CheckpointError,
				"Streams: what a trimmed or expired stream position does: a logged re-bootstrap, or state `error`.").
				def(CheckpointRestart).with(streamKeyNeeds...)),
			fld(keyReadCapacity, val("number, 0 or more", "50",
				"Read capacity units per second that every read of the table through pgdynamo shares (every query, "+
					"segment and refresh, across sessions), paced by the ConsumedCapacity DynamoDB reports; 0 is unlimited.").def("0")),
			fld(keyMaxScanItems, val("whole number, 0 or more", "1000000",
				"Items one query may read from the table; past it the query fails with SQLSTATE 54000 "+
					"(never a result cut short); 0 is unlimited.").def("0")),
		).about("How the table is read.")),
		fld("acceleration", fields(
			fld("enabled", val(kindBool, "true", "Whether the copy is kept.").def("true")),
			fld("engine", val("`duckdb`", DefaultEngine, "The engine that holds the copy; `duckdb` is the only one.").def(DefaultEngine)),
			fld("mode", val("`memory` or `file`", ModeFile,
				"`memory`: loaded again at every start; `file`: a DuckDB file, served at once after a restart, then refreshed.").
				def(ModeMemory)),
			fld("refresh_mode", val("`full` or `changes`", RefreshFull,
				"`full`: reload the whole table every `refresh_check_interval`; `changes`: follow the table's DynamoDB Stream.").
				def(RefreshFull)),
			fld("refresh_check_interval", val(kindDuration, "10m", "How often `refresh_mode: full` reloads the table.").
				absent("loaded once at start-up")),
			fld("on_conflict", (&spec{shape: pairs, doc: keyDoc{
				kind: "`column: upsert` or `(partition_key, sort_key): upsert`", example: "{id: upsert}"}}).
				about("For `refresh_mode: changes`: the table's key columns, whose records are upserted.").
				with("datasets[].acceleration.refresh_mode: "+RefreshChanges)),
			fld("params", fields(
				fld(keySnapshotsTrigger, val("whole number, 0 or more", "5",
					"`mode: file`: a durable snapshot every N applied stream batches; 0 leaves checkpoints to DuckDB.").def("0").
					with(append([]string{"datasets[].acceleration.mode: " + ModeFile}, streamKeyNeeds...)...)),
				fld(keyDuckDBFile, val(kindPath, ".pgdynamo/public.users.duckdb",
					"The DuckDB file, relative to the configuration file's directory; one per dataset.").
					absent("`.pgdynamo/<schema>.<name>.duckdb`, lower-case, beside the configuration file").
					with("datasets[].acceleration.mode: "+ModeFile)),
			).about("Engine settings.")),
		).about("A local copy of the table in the embedded DuckDB, which queries read once it is loaded.").
			absent("every query reads DynamoDB")),
		fld("metrics", listOf(fields(
			fld("name", val(orList(quoted(metricNames)), MetricLagMS, "A stream metric to export, labelled by dataset.").req()),
			fld("enabled", val(kindBool, "true", "Whether the metric is exported.").def("true")),
		)).about("The dataset's stream metrics. The gateway's own metrics are always exported.").with(streamKeyNeeds...)),
	)).about("One entry per DynamoDB table served as an SQL table.")),
)

// node is one value of the parsed tree, already checked against its spec.
type node struct {
	line   int              // the line of the value's key (or of the list item)
	null   bool             // absent value: YAML null or an empty key
	text   string           // scalar: the text as written
	fields map[string]*node // mapping
	items  []*node          // list
	pairs  []pair           // pairs
}

type pair struct {
	key  string
	line int
	val  *node
}

// field returns the named child of a mapping node, or nil.
func (n *node) field(name string) *node {
	if n == nil || n.fields == nil {
		return nil
	}
	return n.fields[name]
}

// present reports whether n holds a value.
func (n *node) present() bool { return n != nil && !n.null }

// dsRef says which dataset a problem is about.
type dsRef struct {
	index int // -1: not a dataset
	name  string
}

var noDataset = dsRef{index: -1}

type parser struct {
	file  string
	probs Problems
	shape map[string]bool // full key paths whose value had the wrong shape
}

// wrongShape reports a value of the wrong shape and records its full key
// path, so that resolving stays quiet about it ("is required" for a value
// that is there, in the wrong form).
func (p *parser) wrongShape(line int, ds dsRef, path string, format string, args ...any) {
	p.add(line, ds, path, format, args...)
	if p.shape == nil {
		return
	}
	full := path
	if ds.index >= 0 {
		full = strings.TrimSuffix(fmt.Sprintf("datasets[%d].%s", ds.index, path), ".")
	}
	p.shape[full] = true
}

func (p *parser) add(line int, ds dsRef, key string, format string, args ...any) {
	p.probs = append(p.probs, &Problem{
		File: p.file, Line: line, Dataset: ds.name, Index: ds.index, Key: key,
		Msg: fmt.Sprintf(format, args...),
	})
}

// join appends a key to a path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// kv is one entry of a YAML mapping.
type kv struct {
	key, val *yaml.Node
	merged   bool // came from a << merge key; explicit keys override it
}

// deref follows aliases.
func deref(y *yaml.Node) *yaml.Node {
	for y != nil && y.Kind == yaml.AliasNode {
		y = y.Alias
	}
	return y
}

// entries lists a mapping's entries, expanding << merge keys (YAML 1.1
// merge, which yaml.v3 supports when decoding into structs but not in
// nodes). Merged entries come first so explicit ones override them. Each
// merged mapping is expanded once, so aliases cannot blow the walk up.
func entries(y *yaml.Node) []kv {
	return mergeEntries(y, map[*yaml.Node]bool{y: true})
}

func mergeEntries(y *yaml.Node, seen map[*yaml.Node]bool) []kv {
	var merged, own []kv
	for i := 0; i+1 < len(y.Content); i += 2 {
		k, v := y.Content[i], y.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Tag != "!!merge" {
			own = append(own, kv{key: k, val: v})
			continue
		}
		v = deref(v)
		srcs := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			srcs = nil
			for _, s := range v.Content {
				srcs = append(srcs, deref(s))
			}
		}
		for _, s := range srcs {
			if s.Kind != yaml.MappingNode || seen[s] {
				continue
			}
			seen[s] = true
			for _, e := range mergeEntries(s, seen) {
				e.merged = true
				merged = append(merged, e)
			}
		}
	}
	return append(merged, own...)
}

func lineOf(y *yaml.Node) int {
	if y == nil {
		return 0
	}
	return y.Line
}

// walkAt checks y against s and builds its node. path is the key path used
// in messages (relative to the dataset when ds is one); line is the line of
// the key that holds y, 0 to use y's own.
func (p *parser) walkAt(y *yaml.Node, s *spec, path string, ds dsRef, line int) *node {
	y = deref(y)
	n := &node{line: line}
	if y == nil || (y.Kind == yaml.ScalarNode && y.Tag == "!!null") {
		n.null = true
		return n
	}
	if line == 0 {
		n.line = y.Line
	}
	switch s.shape {
	case scalar:
		if y.Kind != yaml.ScalarNode {
			p.wrongShape(n.line, ds, path, "must be a single value, not %s", describe(y))
			n.null = true
			return n
		}
		n.text = y.Value
	case mapping:
		if y.Kind != yaml.MappingNode {
			p.wrongShape(n.line, ds, path, "must be a mapping of keys (%s), not %s", strings.Join(s.names(), ", "), describe(y))
			n.null = true
			return n
		}
		n.fields = map[string]*node{}
		seen := map[string]int{}
		for _, e := range entries(y) {
			k := deref(e.key)
			name := k.Value
			kpath := join(path, name)
			if k.Kind != yaml.ScalarNode {
				p.add(k.Line, ds, path, "a key must be a plain word, not %s", describe(k))
				continue
			}
			sub := s.key(name)
			if sub == nil {
				p.add(k.Line, ds, kpath, "unknown key%s", suggest(name, s.names()))
				continue
			}
			if first, dup := seen[name]; dup && !e.merged {
				p.add(k.Line, ds, kpath, "is set twice (first at line %d); keep one", first)
				continue
			}
			if !e.merged {
				seen[name] = k.Line
			}
			n.fields[name] = p.walkAt(e.val, sub, kpath, ds, k.Line)
		}
	case list:
		if y.Kind != yaml.SequenceNode {
			p.wrongShape(n.line, ds, path, "must be a list (one item per line starting with -), not %s", describe(y))
			n.null = true
			return n
		}
		for i, item := range y.Content {
			ids := ds
			ipath := fmt.Sprintf("%s[%d]", path, i)
			if path == "datasets" && ds.index < 0 {
				ids = datasetRef(item, i)
				ipath = ""
			}
			n.items = append(n.items, p.walkAt(item, s.item, ipath, ids, lineOf(deref(item))))
		}
	case pairs:
		if y.Kind != yaml.MappingNode {
			p.wrongShape(n.line, ds, path, "must be a mapping of column: action lines, e.g. (id, version): upsert, not %s", describe(y))
			n.null = true
			return n
		}
		seen := map[string]int{}
		for _, e := range entries(y) {
			k := deref(e.key)
			if k.Kind != yaml.ScalarNode {
				p.add(k.Line, ds, path, "a key must be a column or a (column, ...) list, not %s", describe(k))
				continue
			}
			kpath := join(path, k.Value)
			if first, dup := seen[k.Value]; dup && !e.merged {
				p.add(k.Line, ds, kpath, "is set twice (first at line %d); keep one", first)
				continue
			}
			if !e.merged {
				seen[k.Value] = k.Line
			}
			n.pairs = append(n.pairs, pair{key: k.Value, line: k.Line, val: p.walkAt(e.val, one(), kpath, ds, k.Line)})
		}
	}
	return n
}

// datasetRef names a dataset item for messages: by its name when it is
// written literally, else by its index.
func datasetRef(item *yaml.Node, i int) dsRef {
	ref := dsRef{index: i}
	item = deref(item)
	if item == nil || item.Kind != yaml.MappingNode {
		return ref
	}
	for _, e := range entries(item) {
		k, v := deref(e.key), deref(e.val)
		if k.Value == "name" && v != nil && v.Kind == yaml.ScalarNode && v.Tag != "!!null" && !strings.Contains(v.Value, "${") {
			ref.name = v.Value
		}
	}
	return ref
}

func describe(y *yaml.Node) string {
	switch y.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return "a single value" // never echoed: it could be a misplaced password
}

// list returns a list node's items; nil-safe.
func (n *node) list() []*node {
	if n == nil {
		return nil
	}
	return n.items
}

// entries returns a pairs node's entries; nil-safe.
func (n *node) entries() []pair {
	if n == nil {
		return nil
	}
	return n.pairs
}
