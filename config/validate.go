package config

import (
	"fmt"
	"math"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Validate checks a Config's values and their combinations: everything
// Resolve checks once references are expanded. Call it again after changing
// a Config, for instance after the CLI's --listen or --metrics-listen
// override the file. It does not apply defaults. The error, if any, is a
// Problems; lines are named for values that still come from the file.
func (c *Config) Validate() error { return c.validate().err() }

func (c *Config) validate() Problems {
	k := &checker{c: c, src: c.src}
	if k.src == nil {
		k.src = &source{file: c.Path}
	}
	k.runtime()
	k.datasets()
	return k.probs
}

type checker struct {
	c     *Config
	src   *source
	probs Problems
}

func prefix(ds int) string {
	if ds < 0 {
		return ""
	}
	return fmt.Sprintf("datasets[%d].", ds)
}

// ref labels dataset ds for messages: by its name as written unless that
// came from a secret, else by index.
func (k *checker) ref(ds int) dsRef {
	if ds < 0 {
		return noDataset
	}
	r := dsRef{index: ds}
	d := k.c.Datasets[ds]
	o, written := k.src.at[prefix(ds)+"name"]
	switch {
	case o.secret:
	case written:
		r.name = o.text
	case d.Name == "":
	case d.Schema != DefaultSchema:
		r.name = d.QualifiedName()
	default:
		r.name = d.Name
	}
	return r
}

// report adds a problem about key (relative to dataset ds, or from the top
// when ds < 0) unless Resolve already reported that key. line < 0 looks the
// line up.
func (k *checker) report(ds int, key string, line int, format string, args ...any) {
	if k.src.reported(prefix(ds) + key) {
		return
	}
	k.problem(ds, key, line, format, args...)
}

// problem adds a problem about key, whether or not Resolve reported it.
func (k *checker) problem(ds int, key string, line int, format string, args ...any) {
	if line < 0 {
		line = k.src.line(prefix(ds) + key)
	}
	r := k.ref(ds)
	k.probs = append(k.probs, &Problem{
		File: k.src.file, Line: line, Dataset: r.name, Index: r.index, Key: key,
		Msg: fmt.Sprintf(format, args...),
	})
}

func (k *checker) add(ds int, key, format string, args ...any) {
	k.report(ds, key, -1, format, args...)
}

// required reports a missing key.
func (k *checker) required(ds int, key, format string, args ...any) {
	k.report(ds, key, -1, "is required "+format, args...)
}

// bad reports whether Resolve already reported key.
func (k *checker) bad(ds int, key string) bool { return k.src.reported(prefix(ds) + key) }

// show quotes the value at key as the file wrote it, or by its reference
// when it came from a secret; value, the Config's, is used when the file
// did not set key.
func (k *checker) show(ds int, key, value string) string {
	if o, ok := k.src.at[prefix(ds)+key]; ok {
		return showOrigin(o)
	}
	return strconv.Quote(value)
}

// q quotes part of the value at key (a table name within from, the schema
// within name), or names the reference when the value came from a secret.
func (k *checker) q(ds int, key, part string) string {
	if o := k.src.at[prefix(ds)+key]; o.secret {
		return "the value of " + o.raw
	}
	return strconv.Quote(part)
}

// secret reports whether the value at key came from a secret.
func (k *checker) secret(ds int, key string) bool { return k.src.at[prefix(ds)+key].secret }

// showTop is show for a top-level value the CLI may override: the file's
// form is used only while the value is still the file's.
func (k *checker) showTop(key, value string) string {
	if o, ok := k.src.at[key]; ok && o.text == value {
		return showOrigin(o)
	}
	return strconv.Quote(value)
}

func (k *checker) runtime() {
	pg := k.c.Runtime.PG
	host, listenOK := k.listen("runtime.pg.listen", pg.Listen, false)
	if listenOK && len(pg.Users) == 0 && !loopback(host) {
		k.reportValue("runtime.pg.listen", pg.Listen,
			"%s is not a loopback address, and without runtime.pg.users every client is trusted; add runtime.pg.users, or listen on 127.0.0.1, ::1 or localhost",
			k.showTop("runtime.pg.listen", pg.Listen))
	}
	seen := map[string]int{}
	for i, u := range pg.Users {
		key := fmt.Sprintf("runtime.pg.users[%d]", i)
		switch {
		case u.Name == "":
			k.required(-1, key+".name", "(the role name clients log in as)")
		case len(u.Name) > maxIdentifierBytes || strings.ContainsRune(u.Name, 0):
			k.add(-1, key+".name", "%s is not a usable role name (at most %d bytes, no NUL)", k.show(-1, key+".name", u.Name), maxIdentifierBytes)
		default:
			if j, dup := seen[u.Name]; dup {
				k.add(-1, key+".name", "%s is also runtime.pg.users[%d]; each user is listed once", k.show(-1, key+".name", u.Name), j)
			}
			seen[u.Name] = i
		}
		if u.Password == "" {
			k.required(-1, key+".password", "(write password: ${secrets:NAME} to keep it out of the file)")
		}
	}
	if t := pg.TLS; t != nil {
		if t.Cert == "" {
			k.required(-1, "runtime.pg.tls.cert", "with runtime.pg.tls (the server certificate, a PEM file)")
		}
		if t.Key == "" {
			k.required(-1, "runtime.pg.tls.key", "with runtime.pg.tls (the certificate's private key, a PEM file)")
		}
	}
	if d := k.c.Runtime.LogMinDurationStatement; (d < 0 && d != LogMinDurationDisabled) || d > maxLogMinDuration {
		k.add(-1, "runtime."+keyLogMinDuration, "%s is out of range (%s)", k.show(-1, "runtime."+keyLogMinDuration, d.String()), logMinDurationAllowed)
	}
	if n := k.c.Runtime.ScanConcurrency; n < 0 || n > maxScanConcurrency {
		k.add(-1, "runtime."+keyScanConcurrency, "%s is out of range (%s)", k.show(-1, "runtime."+keyScanConcurrency, strconv.Itoa(n)), scanConcurrencyAllowed)
	}
	if m := k.c.Runtime.Metrics.Listen; m != "" {
		if _, ok := k.listen("runtime.metrics.listen", m, true); ok && listenOK && m == pg.Listen && !strings.HasSuffix(m, ":0") {
			k.reportValue("runtime.metrics.listen", m, "%s is also runtime.pg.listen; the metrics listener needs its own address",
				k.showTop("runtime.metrics.listen", m))
		}
	}
}

// reportValue reports a problem about a top-level value that the CLI may
// have overridden: the file's line is named only when the value is still the
// file's.
func (k *checker) reportValue(key, value, format string, args ...any) {
	line := -1
	if o, ok := k.src.at[key]; !ok || o.text != value {
		line = 0
		if k.src.at != nil {
			format += " (value set outside the file)"
		}
	}
	k.report(-1, key, line, format, args...)
}

// listen checks a host:port address and returns its host.
func (k *checker) listen(key, addr string, optional bool) (string, bool) {
	if addr == "" {
		if !optional {
			k.required(-1, key, "(host:port, e.g. 127.0.0.1:5433)")
		}
		return "", false
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		k.reportValue(key, addr, "%s is not host:port (e.g. 127.0.0.1:5433, [::1]:5433 or :5433 for every interface)", k.showTop(key, addr))
		return "", false
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		if o := k.src.at[key]; o.secret && o.text == addr {
			k.reportValue(key, addr, "%s has a port that is not a number from 0 to 65535", k.showTop(key, addr))
		} else {
			k.reportValue(key, addr, "%s has port %q; a port is a number from 0 to 65535", k.showTop(key, addr), port)
		}
		return "", false
	}
	return host, true
}

// loopback reports whether host names only this machine. A name other than
// localhost is not resolved, so it counts as not loopback.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.WithZone("").IsLoopback()
}

var tableName = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)

func (k *checker) datasets() {
	names := map[string]int{}
	files := map[string]int{}
	for i := range k.c.Datasets {
		k.dataset(i, names)
		a := k.c.Datasets[i].Acceleration
		if a.Enabled && a.Mode == ModeFile && a.File != "" {
			key := "acceleration.params." + keyDuckDBFile
			if j, dup := files[a.File]; dup {
				k.add(i, key, "%s is also the DuckDB file of %s; each dataset needs its own file", k.show(i, key, a.File), k.label(j))
			} else {
				files[a.File] = i
			}
		}
	}
}

// label names dataset i in another dataset's message.
func (k *checker) label(i int) string {
	r := k.ref(i)
	if r.name != "" {
		return fmt.Sprintf("dataset %q", r.name)
	}
	return fmt.Sprintf("datasets[%d]", i)
}

func (k *checker) dataset(i int, names map[string]int) {
	d := k.c.Datasets[i]
	written := d.Name
	if d.Schema != DefaultSchema {
		written = d.QualifiedName()
	}
	const identRule = "start with a letter or _, then letters, digits, _ or $; at most 63 bytes; optionally schema-qualified as schema.name"
	switch {
	case d.Name == "" && d.Schema != DefaultSchema && d.Schema != "":
		k.add(i, "name", "%s has a schema but no table name (write schema.name, e.g. app.users)", k.show(i, "name", written))
	case d.Name == "":
		k.required(i, "name", "(the SQL table name, e.g. users or app.users)")
	case !validIdentifier(d.Name):
		k.add(i, "name", "%s is not a valid SQL identifier (%s)", k.show(i, "name", written), identRule)
	case IsReservedKeyword(d.Name):
		k.add(i, "name", "%s is a reserved keyword in PostgreSQL and cannot name a table; choose another name", k.q(i, "name", d.Name))
	case !validIdentifier(d.Schema):
		k.add(i, "name", "schema %s is not a valid SQL identifier (%s)", k.q(i, "name", d.Schema), identRule)
	case IsReservedKeyword(d.Schema):
		k.add(i, "name", "schema %s is a reserved keyword in PostgreSQL; choose another schema", k.q(i, "name", d.Schema))
	case systemSchema(d.Schema):
		k.add(i, "name", "schema %s is reserved for the system catalogs (pg_*, information_schema, pgdynamo); use public or your own schema", k.q(i, "name", d.Schema))
	default:
		q := strings.ToLower(d.QualifiedName())
		if j, dup := names[q]; dup {
			line := ""
			if l := k.src.line(prefix(j) + "name"); l > 0 {
				line = fmt.Sprintf(" (line %d)", l)
			}
			k.add(i, "name", "%s is also the name of %s%s; dataset names must be unique, ignoring case", k.show(i, "name", written), k.label(j), line)
		} else {
			names[q] = i
		}
	}

	switch {
	case d.Table == "":
		k.required(i, "from", "(write dynamodb:<table>, e.g. dynamodb:users)")
	case !tableName.MatchString(d.Table):
		k.add(i, "from", "table name %s is not valid (3 to 255 characters: letters, digits, _, - and .)", k.q(i, "from", d.Table))
	}

	p := func(key string) string { return "params." + key }
	switch {
	case d.Region == "":
		k.required(i, p(keyRegion), "(the AWS region that holds the table, e.g. us-west-2)")
	case strings.ContainsFunc(d.Region, func(r rune) bool {
		return !(r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}):
		k.add(i, p(keyRegion), "%s is not an AWS region name (letters, digits and -, e.g. us-west-2)", k.show(i, p(keyRegion), d.Region))
	}
	switch {
	case d.AccessKeyID != "" && d.SecretAccessKey == "" && !k.bad(i, p(keySecretAccessKey)):
		k.add(i, p(keyAccessKeyID), "is set but %s is not; set both, or neither to use the AWS SDK's default credential chain", p(keySecretAccessKey))
	case d.AccessKeyID == "" && d.SecretAccessKey != "" && !k.bad(i, p(keyAccessKeyID)):
		k.add(i, p(keySecretAccessKey), "is set but %s is not; set both, or neither to use the AWS SDK's default credential chain", p(keyAccessKeyID))
	}
	if d.SessionToken != "" && (d.AccessKeyID == "" || d.SecretAccessKey == "") &&
		!k.bad(i, p(keyAccessKeyID)) && !k.bad(i, p(keySecretAccessKey)) {
		k.add(i, p(keySessionToken), "needs %s and %s (a session token belongs to temporary credentials)", p(keyAccessKeyID), p(keySecretAccessKey))
	}
	if d.Endpoint != "" {
		u, err := url.Parse(d.Endpoint)
		switch {
		case err == nil && u.User != nil:
			k.add(i, p(keyEndpoint), "must not contain credentials (use %s and %s)", p(keyAccessKeyID), p(keySecretAccessKey))
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			k.add(i, p(keyEndpoint), "%s is not an http(s) URL (e.g. http://localhost:8000)", k.show(i, p(keyEndpoint), d.Endpoint))
		}
	}

	if d.UnnestDepth < UnnestUnset {
		k.add(i, p(keyUnnestDepth), "%s is out of range (%s)", k.show(i, p(keyUnnestDepth), strconv.Itoa(d.UnnestDepth)), unnestAllowed)
	}
	if d.SchemaInferMaxRecords < 1 {
		k.add(i, p(keySchemaInfer), "%s is out of range (%s)", k.show(i, p(keySchemaInfer), strconv.Itoa(d.SchemaInferMaxRecords)), schemaInferAllowed)
	}
	if d.ScanSegments < 0 || d.ScanSegments > MaxScanSegments {
		k.add(i, p(keyScanSegments), "%s is out of range (%s)", k.show(i, p(keyScanSegments), strconv.Itoa(d.ScanSegments)), segmentsAllowed)
	}
	if d.TimeFormat != "" {
		if msg, detail := checkTimeFormat(d.TimeFormat); msg != "" {
			if !k.secret(i, p(keyTimeFormat)) {
				msg += detail
			}
			k.add(i, p(keyTimeFormat), "%s %s", k.show(i, p(keyTimeFormat), d.TimeFormat), msg)
		}
	}
	if d.ReadyLag <= 0 {
		k.add(i, p(keyReadyLag), "%s must be more than 0 (e.g. 2s)", k.show(i, p(keyReadyLag), d.ReadyLag.String()))
	}
	if d.ScanInterval <= 0 {
		k.add(i, p(keyScanInterval), "%s must be more than 0 (e.g. 500ms)", k.show(i, p(keyScanInterval), d.ScanInterval.String()))
	}
	switch d.InvalidCheckpointBehavior {
	case "", CheckpointRestart, CheckpointError:
	default:
		key := p(keyReplicationInvalidCheckpoint)
		k.add(i, key, "%s is not supported (%s or %s)", k.show(i, key, d.InvalidCheckpointBehavior), CheckpointRestart, CheckpointError)
	}
	if d.ReadCapacityLimit < 0 || math.IsNaN(d.ReadCapacityLimit) || math.IsInf(d.ReadCapacityLimit, 0) {
		k.add(i, p(keyReadCapacity), "%s is out of range (%s)", k.show(i, p(keyReadCapacity), strconv.FormatFloat(d.ReadCapacityLimit, 'g', -1, 64)), readCapacityAllowed)
	}
	if d.MaxScanItems < 0 {
		k.add(i, p(keyMaxScanItems), "%s is out of range (%s)", k.show(i, p(keyMaxScanItems), strconv.FormatInt(d.MaxScanItems, 10)), maxScanItemsAllowed)
	}
	refused := k.refused(i)
	k.acceleration(i, refused)
	k.metrics(i)
	k.reportNotYet(refused)
}

// acceleration checks dataset i's acceleration section. Rules that tie a key
// refused as not supported yet to other keys wait while it is refused.
func (k *checker) acceleration(i int, refused map[string]refusal) {
	a := k.c.Datasets[i].Acceleration
	if a.Engine != DefaultEngine {
		k.add(i, "acceleration.engine", "%s is not supported (pgdynamo accelerates with duckdb only)", k.show(i, "acceleration.engine", a.Engine))
	}
	if a.Mode != ModeMemory && a.Mode != ModeFile {
		k.add(i, "acceleration.mode", "%s is not supported (memory or file)", k.show(i, "acceleration.mode", a.Mode))
	}
	if a.RefreshMode != RefreshFull && a.RefreshMode != RefreshChanges {
		k.add(i, "acceleration.refresh_mode", "%s is not supported (%s)", k.show(i, "acceleration.refresh_mode", a.RefreshMode),
			supportedValues("acceleration.refresh_mode", RefreshFull, RefreshChanges))
	}
	if a.RefreshCheckInterval < 0 || (a.RefreshCheckInterval == 0 && k.has(i, "acceleration.refresh_check_interval")) {
		k.add(i, "acceleration.refresh_check_interval", "%s must be more than 0 (e.g. 10m; omit it to load once at start-up)",
			k.show(i, "acceleration.refresh_check_interval", a.RefreshCheckInterval.String()))
	}
	if a.SnapshotsTriggerThreshold < 0 {
		key := "acceleration.params." + keySnapshotsTrigger
		k.add(i, key, "%s is out of range (%s)", k.show(i, key, strconv.Itoa(a.SnapshotsTriggerThreshold)), snapshotsAllowed)
	}

	const onConflictForm = "id: upsert, or (partition_key, sort_key): upsert"
	keys := k.src.conflict[i]
	for j, oc := range a.OnConflict {
		key := "acceleration.on_conflict." + conflictKey(oc.Columns)
		if j < len(keys) {
			key = "acceleration.on_conflict." + keys[j]
		}
		if j == 1 {
			k.add(i, key, "is a second entry; a DynamoDB table has one primary key, so on_conflict has one entry (%s)", onConflictForm)
		}
		switch cols := oc.Columns; {
		case len(cols) == 0 || slices.Contains(cols, ""):
			k.add(i, key, "names no column (%s)", onConflictForm)
		case len(cols) > 2:
			k.add(i, key, "lists %d columns; a DynamoDB primary key has one or two (%s)", len(cols), onConflictForm)
		case len(cols) == 2 && cols[0] == cols[1]:
			k.add(i, key, "lists column %q twice", cols[0])
		}
		if oc.Action != OnConflictUpsert {
			k.add(i, key, "%s is not supported (the only action is upsert)", k.show(i, key, oc.Action))
		}
	}

	// The stream keys do something only for a dataset that follows its
	// stream: anywhere else they would be accepted and ignored.
	if !a.Enabled || a.RefreshMode != RefreshChanges {
		for _, key := range []string{"params." + keyReadyLag, "params." + keyScanInterval, "params." + keyReplicationInvalidCheckpoint,
			"acceleration.on_conflict", "acceleration.params." + keySnapshotsTrigger, "metrics"} {
			if k.bad(i, key) {
				continue // its value is reported already
			}
			if k.has(i, key) || (key == "acceleration.on_conflict" && len(a.OnConflict) > 0) ||
				(key == "metrics" && len(k.c.Datasets[i].Metrics) > 0) ||
				(key == "acceleration.params."+keySnapshotsTrigger && a.SnapshotsTriggerThreshold > 0) {
				k.add(i, key, "applies to acceleration with refresh_mode: changes only (DynamoDB Streams)")
			}
		}
	}
	if !a.Enabled {
		return
	}
	if _, later := refused["acceleration.refresh_mode"]; a.RefreshMode == RefreshChanges && !later {
		if len(a.OnConflict) == 0 && !k.bad(i, "acceleration.on_conflict") {
			k.required(i, "acceleration.on_conflict", "with refresh_mode: changes (the table's primary key: %s)", onConflictForm)
		}
		if a.RefreshCheckInterval > 0 {
			k.add(i, "acceleration.refresh_check_interval", "applies to refresh_mode: full only; refresh_mode: changes follows the table's stream")
		}
	}
	if a.Mode != ModeFile {
		if a.File != "" {
			k.add(i, "acceleration.params."+keyDuckDBFile, "applies to mode: file only")
		}
		if _, later := refused["acceleration.params."+keySnapshotsTrigger]; a.SnapshotsTriggerThreshold > 0 && !later {
			k.add(i, "acceleration.params."+keySnapshotsTrigger, "applies to mode: file only")
		}
	}
}

// has reports whether the file set key for dataset ds.
func (k *checker) has(ds int, key string) bool {
	_, ok := k.src.at[prefix(ds)+key]
	return ok
}

// conflictKey writes columns as an on_conflict key.
func conflictKey(cols []string) string {
	if len(cols) == 1 {
		return cols[0]
	}
	return "(" + strings.Join(cols, ", ") + ")"
}

func (k *checker) metrics(i int) {
	seen := map[string]int{}
	for j, m := range k.c.Datasets[i].Metrics {
		key := fmt.Sprintf("metrics[%d].name", j)
		switch {
		case m.Name == "":
			k.required(i, key, "(one of %s)", strings.Join(metricNames, ", "))
		case !slices.Contains(metricNames, m.Name):
			k.add(i, key, "%s is not a metric%s", k.show(i, key, m.Name), suggest(m.Name, metricNames))
		default:
			if first, dup := seen[m.Name]; dup {
				k.add(i, key, "%s is also metrics[%d]; list each metric once", k.show(i, key, m.Name), first)
			}
			seen[m.Name] = j
		}
	}
}
