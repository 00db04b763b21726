package config

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Resolve expands references, applies defaults and validates everything,
// returning every problem at once as a Problems error.
//
// References may appear anywhere in a value, any number of times:
// ${secrets:NAME} is the environment variable NAME upper-cased, else NAME as
// written; ${env:NAME} is the environment variable NAME. Any other ${...} is
// an error, as is a reference that is not set. lookup is typically
// os.LookupEnv; nil means an empty environment. The package never reads the
// environment itself.
//
// Relative paths (runtime.pg.tls cert and key, acceleration.params.duckdb_file)
// are resolved against the directory that holds the file.
func (f *File) Resolve(lookup func(string) (string, bool)) (*Config, error) {
	c, probs := f.resolve(lookup)
	if err := probs.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// resolve is Resolve returning the Config along with its problems.
func (f *File) resolve(lookup func(string) (string, bool)) (*Config, Problems) {
	if lookup == nil {
		lookup = func(string) (string, bool) { return "", false }
	}
	r := &resolver{
		parser: parser{file: f.Path},
		lookup: lookup,
		src: &source{file: f.Path, at: map[string]origin{}, bad: map[string]bool{}, shape: f.shape,
			conflict: map[int][]string{}},
		dir: filepath.Dir(f.Path),
	}
	r.probs = slices.Clone(f.probs)
	c := &Config{Path: f.Path, src: r.src}
	root := f.root
	top := scope{ds: noDataset}

	switch v, st := r.str(root.field("version"), top, "version"); st {
	case stAbsent:
		if r.src.reported("version") {
			break
		}
		r.add(1, noDataset, "version", "is required (write version: v1 at the top of the file)")
	case stOK:
		if v != "v1" {
			r.fail(root.field("version"), top, "version", "%s is not supported (pgdynamo reads version: v1)", r.show("version"))
		}
	}
	switch v, st := r.str(root.field("kind"), top, "kind"); st {
	case stAbsent:
		if r.src.reported("kind") {
			break
		}
		r.add(1, noDataset, "kind", "is required (write kind: Spicepod)")
	case stOK:
		if v != "Spicepod" {
			r.fail(root.field("kind"), top, "kind", "%s is not supported (pgdynamo reads kind: Spicepod)", r.show("kind"))
		}
	}
	c.Name, _ = r.str(root.field("name"), top, "name")

	for i, s := range root.field("secrets").list() {
		key := fmt.Sprintf("secrets[%d]", i)
		r.mark(key, s)
		switch from, st := r.str(s.field("from"), top, key+".from"); st {
		case stAbsent:
			if r.src.reported(key + ".from") {
				break
			}
			r.add(s.line, noDataset, key+".from", "is required (write from: env)")
		case stOK:
			if from != "env" {
				r.fail(s.field("from"), top, key+".from", "%s is not supported: pgdynamo reads ${secrets:NAME} from the environment only (write from: env)", r.show(key+".from"))
			}
		}
		r.str(s.field("name"), top, key+".name")
	}

	r.runtime(root.field("runtime"), c)
	for i, item := range root.field("datasets").list() {
		c.Datasets = append(c.Datasets, r.dataset(i, item))
	}
	r.probs = append(r.probs, c.validate()...)
	return c, r.probs
}

// source records where each value of a Config came from, keyed by full key
// path ("datasets[2].params.ready_lag", "runtime.pg.listen"), so that
// Validate can name lines and never echo a secret.
type source struct {
	file     string
	at       map[string]origin
	bad      map[string]bool  // paths already reported by Resolve; Validate stays quiet about them
	shape    map[string]bool  // paths whose value Parse reported as the wrong shape; quiet about them and below
	conflict map[int][]string // per dataset, on_conflict keys as written
}

// reported reports whether a problem about full was already reported: by
// Resolve, or by Parse for full or a value that holds it.
func (s *source) reported(full string) bool {
	if s == nil {
		return false
	}
	if s.bad[full] {
		return true
	}
	for p := full; p != ""; p = parent(p) {
		if s.shape[p] {
			return true
		}
	}
	return false
}

type origin struct {
	line   int
	raw    string // as written, references unexpanded
	text   string // after expansion
	secret bool   // text holds the value of a ${secrets:...} reference
}

// line is the line of full, or of its nearest recorded ancestor.
func (s *source) line(full string) int {
	if s == nil {
		return 0
	}
	for p := full; p != ""; p = parent(p) {
		if o, ok := s.at[p]; ok && o.line > 0 {
			return o.line
		}
	}
	return 0
}

func parent(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// scope is the dataset a value belongs to, if any.
type scope struct {
	ds     dsRef
	prefix string // "datasets[3]." or ""
}

func (s scope) full(key string) string { return s.prefix + key }

type state int

const (
	stAbsent state = iota
	stOK
	stBad
)

type resolver struct {
	parser
	lookup func(string) (string, bool)
	src    *source
	dir    string
}

// mark records a mapping or list node's line.
func (r *resolver) mark(full string, n *node) {
	if n.present() {
		r.src.at[full] = origin{line: n.line}
	}
}

// fail reports a problem with the value at key and marks it reported.
func (r *resolver) fail(n *node, sc scope, key, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.line
	}
	r.add(line, sc.ds, key, format, args...)
	r.src.bad[sc.full(key)] = true
}

// show is how a message quotes the value at full: as written, or, when it
// came from a secret, as the reference that produced it.
func (r *resolver) show(full string) string { return showOrigin(r.src.at[full]) }

func showOrigin(o origin) string {
	if o.secret {
		return "the value of " + o.raw
	}
	return strconv.Quote(o.text)
}

// str expands the scalar n.
func (r *resolver) str(n *node, sc scope, key string) (string, state) {
	if !n.present() {
		return "", stAbsent
	}
	text, secret, errs := expand(n.text, r.lookup)
	r.src.at[sc.full(key)] = origin{line: n.line, raw: n.text, text: text, secret: secret}
	if len(errs) > 0 {
		for _, e := range errs {
			r.add(n.line, sc.ds, key, "%s", e)
		}
		r.src.bad[sc.full(key)] = true
		return "", stBad
	}
	return text, stOK
}

// integer reads a whole number; allowed says what is accepted.
func (r *resolver) integer(n *node, sc scope, key, allowed string) (int64, state) {
	s, st := r.str(n, sc, key)
	if st != stOK {
		return 0, st
	}
	return r.parseInt(n, sc, key, s, allowed)
}

func (r *resolver) parseInt(n *node, sc scope, key, s, allowed string) (int64, state) {
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		r.fail(n, sc, key, "%s is not a whole number (%s)", r.show(sc.full(key)), allowed)
		return 0, stBad
	}
	return v, stOK
}

func (r *resolver) number(n *node, sc scope, key, allowed string) (float64, state) {
	s, st := r.str(n, sc, key)
	if st != stOK {
		return 0, st
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		r.fail(n, sc, key, "%s is not a number (%s)", r.show(sc.full(key)), allowed)
		return 0, stBad
	}
	return v, stOK
}

func (r *resolver) duration(n *node, sc scope, key, example string) (time.Duration, state) {
	s, st := r.str(n, sc, key)
	if st != stOK {
		return 0, st
	}
	v, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		r.fail(n, sc, key, "%s is not a duration (a number with a unit: ms, s, m or h, e.g. %s)", r.show(sc.full(key)), example)
		return 0, stBad
	}
	return v, stOK
}

func (r *resolver) boolean(n *node, sc scope, key string) (bool, state) {
	s, st := r.str(n, sc, key)
	if st != stOK {
		return false, st
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return true, stOK
	case "false":
		return false, stOK
	}
	r.fail(n, sc, key, "%s is not a boolean (write true or false)", r.show(sc.full(key)))
	return false, stBad
}

// path resolves a file path against the configuration file's directory.
func (r *resolver) path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(r.dir, p)
}

func (r *resolver) runtime(n *node, c *Config) {
	top := scope{ds: noDataset}
	r.mark("runtime", n)
	pg := n.field("pg")
	r.mark("runtime.pg", pg)
	c.Runtime.PG.Listen = DefaultPGListen
	if v, st := r.str(pg.field("listen"), top, "runtime.pg.listen"); st == stOK {
		c.Runtime.PG.Listen = v
	}
	users := pg.field("users")
	r.mark("runtime.pg.users", users)
	for i, u := range users.list() {
		key := fmt.Sprintf("runtime.pg.users[%d]", i)
		r.mark(key, u)
		name, _ := r.str(u.field("name"), top, key+".name")
		pw, _ := r.str(u.field("password"), top, key+".password")
		c.Runtime.PG.Users = append(c.Runtime.PG.Users, User{Name: name, Password: Secret(pw)})
	}
	if t := pg.field("tls"); t.present() {
		r.mark("runtime.pg.tls", t)
		cert, _ := r.str(t.field("cert"), top, "runtime.pg.tls.cert")
		key, _ := r.str(t.field("key"), top, "runtime.pg.tls.key")
		c.Runtime.PG.TLS = &TLS{Cert: r.path(cert), Key: r.path(key)}
	}
	m := n.field("metrics")
	r.mark("runtime.metrics", m)
	c.Runtime.Metrics.Listen, _ = r.str(m.field("listen"), top, "runtime.metrics.listen")
	c.Runtime.LogMinDurationStatement = LogMinDurationDisabled
	if v, st := r.logMinDuration(n.field(keyLogMinDuration), top, "runtime."+keyLogMinDuration); st == stOK {
		c.Runtime.LogMinDurationStatement = v
	}
	c.Runtime.ScanConcurrency = DefaultScanConcurrency
	if v, st := r.integer(n.field(keyScanConcurrency), top, "runtime."+keyScanConcurrency, scanConcurrencyAllowed); st == stOK {
		if v == 0 {
			// In a Config zero means the default; in the file it is out of
			// the documented range, as for max_connections.
			r.fail(n.field(keyScanConcurrency), top, "runtime."+keyScanConcurrency, "%s is out of range (%s)", r.show("runtime."+keyScanConcurrency), scanConcurrencyAllowed)
		} else {
			c.Runtime.ScanConcurrency = int(v)
		}
	}
	r.limits(n.field(keyLimits), c)
}

const scanConcurrencyAllowed = "1 to 1000; default 8"

// logMinDuration reads a PostgreSQL-style duration setting: -1 (off), a
// whole number of milliseconds (PostgreSQL's unit for it), or a Go duration
// such as 250ms. Validate checks the range.
func (r *resolver) logMinDuration(n *node, sc scope, key string) (time.Duration, state) {
	s, st := r.str(n, sc, key)
	if st != stOK {
		return 0, st
	}
	s = strings.TrimSpace(s)
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		if ms == -1 {
			return LogMinDurationDisabled, stOK
		}
		if ms < 0 || ms > int64(maxLogMinDuration/time.Millisecond) {
			r.fail(n, sc, key, "%s is out of range (%s)", r.show(sc.full(key)), logMinDurationAllowed)
			return 0, stBad
		}
		return time.Duration(ms) * time.Millisecond, stOK
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		r.fail(n, sc, key, "%s is not a duration (%s)", r.show(sc.full(key)), logMinDurationAllowed)
		return 0, stBad
	}
	return v, stOK
}

func (r *resolver) dataset(i int, n *node) Dataset {
	prefix := fmt.Sprintf("datasets[%d]", i)
	r.mark(prefix, n)
	sc := scope{ds: dsRef{index: i}, prefix: prefix + "."}
	d := Dataset{
		Schema:                    DefaultSchema,
		UnnestDepth:               UnnestUnset,
		SchemaInferMaxRecords:     DefaultSchemaInferMaxRecords,
		ReadyLag:                  DefaultReadyLag,
		ScanInterval:              DefaultScanInterval,
		InvalidCheckpointBehavior: CheckpointRestart,
		Acceleration: Acceleration{
			Engine:      DefaultEngine,
			Mode:        ModeMemory,
			RefreshMode: RefreshFull,
		},
	}

	if name, st := r.str(n.field("name"), sc, "name"); st == stOK {
		if !r.src.at[sc.full("name")].secret {
			sc.ds.name = name
		}
		if schema, table, found := strings.Cut(name, "."); found {
			d.Schema, d.Name = schema, table
		} else {
			d.Name = name
		}
	}
	if from, st := r.str(n.field("from"), sc, "from"); st == stOK {
		if table, found := strings.CutPrefix(from, "dynamodb:"); found {
			d.Table = table
		} else if connector, _, colon := strings.Cut(from, ":"); colon && connector != "" {
			what := strconv.Quote(connector)
			if r.src.at[sc.full("from")].secret {
				what = "in the value of " + r.src.at[sc.full("from")].raw
			}
			r.fail(n.field("from"), sc, "from", "connector %s is not supported: pgdynamo reads DynamoDB tables only (write dynamodb:<table>, e.g. dynamodb:users)", what)
		} else {
			r.fail(n.field("from"), sc, "from", "%s is not a DynamoDB source (write dynamodb:<table>, e.g. dynamodb:users)", r.show(sc.full("from")))
		}
	}
	d.Description, _ = r.str(n.field("description"), sc, "description")

	p := n.field("params")
	r.mark(sc.full("params"), p)
	pk := func(k string) string { return "params." + k }
	d.Region, _ = r.str(p.field(keyRegion), sc, pk(keyRegion))
	d.AccessKeyID, _ = r.str(p.field(keyAccessKeyID), sc, pk(keyAccessKeyID))
	secret, _ := r.str(p.field(keySecretAccessKey), sc, pk(keySecretAccessKey))
	d.SecretAccessKey = Secret(secret)
	token, _ := r.str(p.field(keySessionToken), sc, pk(keySessionToken))
	d.SessionToken = Secret(token)
	d.Endpoint, _ = r.str(p.field(keyEndpoint), sc, pk(keyEndpoint))

	if v, st := r.integer(p.field(keyUnnestDepth), sc, pk(keyUnnestDepth), unnestAllowed); st == stOK {
		if v < 0 || v > maxInt {
			r.fail(p.field(keyUnnestDepth), sc, pk(keyUnnestDepth), "%s is out of range (%s)", r.show(sc.full(pk(keyUnnestDepth))), unnestAllowed)
		} else {
			d.UnnestDepth = int(v)
		}
	}
	if v, st := r.integer(p.field(keySchemaInfer), sc, pk(keySchemaInfer), schemaInferAllowed); st == stOK {
		d.SchemaInferMaxRecords = clampInt(v)
	}
	if n := p.field(keyScanSegments); n.present() {
		key := pk(keyScanSegments)
		if s, st := r.str(n, sc, key); st == stOK {
			if strings.EqualFold(strings.TrimSpace(s), "auto") {
				d.ScanSegments = 0
			} else if v, st := r.parseInt(n, sc, key, s, segmentsAllowed); st == stOK {
				if v < 1 {
					r.fail(n, sc, key, "%s is out of range (%s)", r.show(sc.full(key)), segmentsAllowed)
				} else {
					d.ScanSegments = clampInt(v)
				}
			}
		}
	}
	if v, st := r.str(p.field(keyTimeFormat), sc, pk(keyTimeFormat)); st == stOK {
		if v == "" {
			r.fail(p.field(keyTimeFormat), sc, pk(keyTimeFormat), "is empty (omit it for RFC 3339, or give a Go layout such as 2006-01-02 15:04:05)")
		}
		d.TimeFormat = v
	}
	if v, st := r.duration(p.field(keyReadyLag), sc, pk(keyReadyLag), "2s"); st == stOK {
		d.ReadyLag = v
	}
	if v, st := r.duration(p.field(keyScanInterval), sc, pk(keyScanInterval), "500ms"); st == stOK {
		d.ScanInterval = v
	}
	if v, st := r.str(p.field(keyReplicationInvalidCheckpoint), sc, pk(keyReplicationInvalidCheckpoint)); st == stOK {
		d.InvalidCheckpointBehavior = v
	}
	if v, st := r.number(p.field(keyReadCapacity), sc, pk(keyReadCapacity), readCapacityAllowed); st == stOK {
		d.ReadCapacityLimit = v
	}
	if v, st := r.integer(p.field(keyMaxScanItems), sc, pk(keyMaxScanItems), maxScanItemsAllowed); st == stOK {
		d.MaxScanItems = v
	}

	r.acceleration(n.field("acceleration"), sc, &d)

	ms := n.field("metrics")
	r.mark(sc.full("metrics"), ms)
	for j, m := range ms.list() {
		key := fmt.Sprintf("metrics[%d]", j)
		r.mark(sc.full(key), m)
		t := MetricToggle{Enabled: true}
		t.Name, _ = r.str(m.field("name"), sc, key+".name")
		if v, st := r.boolean(m.field("enabled"), sc, key+".enabled"); st == stOK {
			t.Enabled = v
		}
		d.Metrics = append(d.Metrics, t)
	}
	return d
}

func (r *resolver) acceleration(n *node, sc scope, d *Dataset) {
	if !n.present() {
		return
	}
	r.mark(sc.full("acceleration"), n)
	a := &d.Acceleration
	a.Enabled = true
	if v, st := r.boolean(n.field("enabled"), sc, "acceleration.enabled"); st == stOK {
		a.Enabled = v
	}
	if v, st := r.str(n.field("engine"), sc, "acceleration.engine"); st == stOK {
		a.Engine = v
	}
	if v, st := r.str(n.field("mode"), sc, "acceleration.mode"); st == stOK {
		a.Mode = v
	}
	if v, st := r.str(n.field("refresh_mode"), sc, "acceleration.refresh_mode"); st == stOK {
		a.RefreshMode = v
	}
	if v, st := r.duration(n.field("refresh_check_interval"), sc, "acceleration.refresh_check_interval", "10m"); st == stOK {
		a.RefreshCheckInterval = v
	}
	oc := n.field("on_conflict")
	r.mark(sc.full("acceleration.on_conflict"), oc)
	for _, p := range oc.entries() {
		key := "acceleration.on_conflict." + p.key
		cols, msg := parseColumns(p.key)
		if msg != "" {
			r.fail(p.val, sc, key, "%s", msg)
			r.src.bad[sc.full("acceleration.on_conflict")] = true
			continue
		}
		action, st := r.str(p.val, sc, key)
		if st == stAbsent && !r.src.reported(sc.full(key)) {
			r.fail(p.val, sc, key, "has no action (write %s: upsert)", p.key)
		}
		if st != stOK {
			continue
		}
		a.OnConflict = append(a.OnConflict, OnConflict{Columns: cols, Action: action})
		r.src.conflict[sc.ds.index] = append(r.src.conflict[sc.ds.index], p.key)
	}
	ap := n.field("params")
	r.mark(sc.full("acceleration.params"), ap)
	if v, st := r.integer(ap.field(keySnapshotsTrigger), sc, "acceleration.params."+keySnapshotsTrigger, snapshotsAllowed); st == stOK {
		a.SnapshotsTriggerThreshold = clampInt(v)
	}
	if v, st := r.str(ap.field(keyDuckDBFile), sc, "acceleration.params."+keyDuckDBFile); st == stOK {
		if v == "" {
			r.fail(ap.field(keyDuckDBFile), sc, "acceleration.params."+keyDuckDBFile, "is empty (omit it for the default %s)", filepath.Join(defaultDuckDBDir, "<schema>.<name>"+defaultDuckDBExt))
		}
		a.File = r.path(v)
	}
	if a.Mode == ModeFile && a.File == "" && d.Name != "" {
		a.File = r.path(filepath.Join(defaultDuckDBDir, strings.ToLower(d.QualifiedName())+defaultDuckDBExt))
	}
}

const maxInt = int64(^uint(0) >> 1)

// clampInt narrows v to int, saturating; Validate reports out-of-range values.
func clampInt(v int64) int {
	switch {
	case v > maxInt:
		return int(maxInt)
	case v < -maxInt:
		return int(-maxInt)
	}
	return int(v)
}

// What each numeric param accepts, for messages.
const (
	unnestAllowed       = "0 or more; omit it to keep maps as structs"
	schemaInferAllowed  = "1 or more; default 10"
	segmentsAllowed     = "auto, or 1 to 1000000, DynamoDB's TotalSegments limit"
	readCapacityAllowed = "read capacity units per second, 0 or more; 0 or omitted for no limit"
	maxScanItemsAllowed = "items one query may read, 0 or more; 0 or omitted for no limit"
	snapshotsAllowed    = "batches between snapshots, 0 or more; 0 leaves checkpoints to DuckDB"

	logMinDurationAllowed = "-1 to log no statement durations (the default), 0 to log every statement's, or a duration such as 250ms or 1s; a bare number is milliseconds"
)

// maxLogMinDuration is PostgreSQL's upper bound for log_min_duration_statement
// (INT_MAX milliseconds).
const maxLogMinDuration = 2147483647 * time.Millisecond

// parseColumns reads an on_conflict key: `id`, `(id, version)`, or
// `("my id", version)` with SQL-style double quotes.
func parseColumns(key string) ([]string, string) {
	s := strings.TrimSpace(key)
	paren := strings.HasPrefix(s, "(")
	if paren {
		if !strings.HasSuffix(s, ")") {
			return nil, "the closing parenthesis is missing (write (partition_key, sort_key): upsert)"
		}
		s = s[1 : len(s)-1]
	}
	var cols []string
	var cur strings.Builder
	quoted, inQuotes, sawText := false, false, false
	flush := func() string {
		name := cur.String()
		if !quoted {
			name = strings.TrimSpace(name)
		}
		cur.Reset()
		if name == "" {
			return "has an empty column name (write a column, or (partition_key, sort_key))"
		}
		cols = append(cols, name)
		quoted, sawText = false, false
		return ""
	}
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case inQuotes && c == '"' && i+1 < len(rs) && rs[i+1] == '"':
			cur.WriteRune('"')
			i++
		case inQuotes && c == '"':
			inQuotes = false
		case inQuotes:
			cur.WriteRune(c)
		case c == '"':
			if sawText || quoted {
				return nil, "has a misplaced double quote (quote a whole column name: \"my column\")"
			}
			inQuotes, quoted = true, true
		case c == ',':
			if !paren {
				return nil, "lists several columns without parentheses (write (partition_key, sort_key): upsert)"
			}
			if msg := flush(); msg != "" {
				return nil, msg
			}
		case c == '(' || c == ')':
			return nil, "has a misplaced parenthesis (write id: upsert or (partition_key, sort_key): upsert)"
		case c == ' ' || c == '\t':
			if quoted {
				continue
			}
			if sawText {
				// Allowed only as trailing space before a comma or the end.
				rest := strings.TrimLeft(string(rs[i:]), " \t")
				if rest != "" && !strings.HasPrefix(rest, ",") {
					return nil, "has a column name with a space; quote it (\"my column\") or separate columns with commas"
				}
			}
			cur.WriteRune(c)
		default:
			if quoted {
				return nil, "has text after a quoted column name"
			}
			sawText = true
			cur.WriteRune(c)
		}
	}
	if inQuotes {
		return nil, "has an unterminated double quote"
	}
	if msg := flush(); msg != "" {
		return nil, msg
	}
	return cols, ""
}

// expand replaces ${secrets:NAME} and ${env:NAME} in raw. secret reports
// whether any secret went into text. Problems never contain a value.
func expand(raw string, lookup func(string) (string, bool)) (text string, secret bool, problems []string) {
	var b strings.Builder
	rest := raw
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:i])
		rest = rest[i:]
		j := strings.IndexByte(rest, '}')
		if j < 0 {
			problems = append(problems, "has a ${ without its closing } (write ${secrets:NAME} or ${env:NAME})")
			break
		}
		ref, inner := rest[:j+1], rest[2:j]
		rest = rest[j+1:]
		prefix, name, found := strings.Cut(inner, ":")
		prefix, name = strings.TrimSpace(prefix), strings.TrimSpace(name)
		switch {
		case !found || (prefix != "secrets" && prefix != "env"):
			problems = append(problems, fmt.Sprintf("%s is not a known reference (write ${secrets:NAME} or ${env:NAME})", ref))
			continue
		case name == "" || strings.ContainsAny(name, "=\x00"):
			problems = append(problems, fmt.Sprintf("%s does not name an environment variable", ref))
			continue
		}
		names := []string{name}
		if prefix == "secrets" {
			if up := strings.ToUpper(name); up != name {
				names = []string{up, name}
			}
		}
		var v string
		set := false
		for _, n := range names {
			if v, set = lookup(n); set {
				break
			}
		}
		if !set {
			problems = append(problems, fmt.Sprintf("%s is not set (set the environment variable %s)", ref, names[0]))
			continue
		}
		secret = secret || prefix == "secrets"
		b.WriteString(v)
	}
	return b.String(), secret, problems
}
