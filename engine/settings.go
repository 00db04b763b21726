package engine

import (
	"fmt"
	"maps"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pgdynamo/pgdynamo/accel"
	"github.com/pgdynamo/pgdynamo/pgerror"
	"github.com/pgdynamo/pgdynamo/readplan"
)

// DefaultServerVersion is the PostgreSQL version pgdynamo speaks as. psql,
// pgjdbc and pgx choose their catalog queries by it, so it is one fixed
// version that the client tests run against.
const DefaultServerVersion = "15.8"

// setting describes one session parameter.
type setting struct {
	def string
	// reported settings go to the client in ParameterStatus.
	reported bool
	// readOnly settings cannot be SET.
	readOnly bool
	// normalize validates a new value and returns its canonical text.
	normalize func(string) (string, error)
}

func settingsTable(serverVersion string) map[string]setting {
	return map[string]setting{
		"server_version":                      {def: serverVersion, reported: true, readOnly: true},
		"server_version_num":                  {def: versionNum(serverVersion), readOnly: true},
		"server_encoding":                     {def: "UTF8", reported: true, readOnly: true},
		"client_encoding":                     {def: "UTF8", reported: true, normalize: normalizeEncoding},
		"datestyle":                           {def: "ISO, MDY", reported: true, normalize: normalizeDateStyle},
		"intervalstyle":                       {def: "postgres", reported: true, normalize: oneOf("postgres")},
		"timezone":                            {def: "UTC", reported: true, normalize: normalizeTimeZone},
		"integer_datetimes":                   {def: "on", reported: true, readOnly: true},
		"standard_conforming_strings":         {def: "on", reported: true, normalize: oneOf("on")},
		"application_name":                    {def: "", reported: true},
		"is_superuser":                        {def: "off", reported: true, readOnly: true},
		"session_authorization":               {def: "", reported: true, readOnly: true},
		"default_transaction_read_only":       {def: "on", reported: true, normalize: oneOf("on")},
		"in_hot_standby":                      {def: "off", reported: true, readOnly: true},
		"transaction_read_only":               {def: "on", readOnly: true},
		"transaction_isolation":               {def: "read committed", readOnly: true},
		"default_transaction_isolation":       {def: "read committed"},
		"search_path":                         {def: `"$user", public`},
		"statement_timeout":                   {def: "0", normalize: normalizeDuration},
		"lock_timeout":                        {def: "0", normalize: normalizeDuration},
		"idle_in_transaction_session_timeout": {def: "0", normalize: normalizeDuration},
		"extra_float_digits":                  {def: "1", normalize: normalizeInt(-15, 3)},
		"max_identifier_length":               {def: "63", readOnly: true},
		"max_index_keys":                      {def: "32", readOnly: true},
		"lc_collate":                          {def: "C", readOnly: true},
		"lc_ctype":                            {def: "C", readOnly: true},
		"lc_messages":                         {def: "C"},
		"lc_monetary":                         {def: "C"},
		"lc_numeric":                          {def: "C"},
		"lc_time":                             {def: "C"},
		"bytea_output":                        {def: "hex", normalize: oneOf("hex")},
		"row_security":                        {def: "on"},
		"jit":                                 {def: "off"},
		"synchronous_commit":                  {def: "on"},
		"work_mem":                            {def: "4MB"},
		accel.ReadModeSetting:                 {def: string(accel.Auto), normalize: normalizeReadMode},
		readplan.PushdownSetting:              {def: "on", normalize: normalizeBool},
	}
}

func versionNum(v string) string {
	major, minor := 0, 0
	fmt.Sscanf(v, "%d.%d", &major, &minor)
	return strconv.Itoa(major*10000 + minor)
}

func oneOf(allowed ...string) func(string) (string, error) {
	return func(v string) (string, error) {
		for _, a := range allowed {
			if strings.EqualFold(v, a) {
				return a, nil
			}
		}
		return "", fmt.Errorf("allowed: %s", strings.Join(allowed, ", "))
	}
}

func normalizeEncoding(v string) (string, error) {
	switch strings.ToUpper(strings.ReplaceAll(v, "-", "")) {
	case "UTF8", "UNICODE":
		return "UTF8", nil
	}
	return "", fmt.Errorf("pgdynamo only speaks UTF8")
}

func normalizeDateStyle(v string) (string, error) {
	// Only ISO output is implemented; the ordering part is accepted since it
	// only affects input parsing.
	upper := strings.ToUpper(v)
	if !strings.Contains(upper, "ISO") && strings.ContainsAny(upper, "SPGR") && !strings.Contains(upper, "MDY") && !strings.Contains(upper, "DMY") && !strings.Contains(upper, "YMD") {
		return "", fmt.Errorf("only ISO date output is supported")
	}
	order := "MDY"
	for _, o := range []string{"DMY", "YMD", "MDY"} {
		if strings.Contains(upper, o) {
			order = o
		}
	}
	return "ISO, " + order, nil
}

func normalizeTimeZone(v string) (string, error) {
	if strings.EqualFold(v, "utc") || strings.EqualFold(v, "gmt") || v == "Z" {
		return "UTC", nil
	}
	if _, err := time.LoadLocation(v); err != nil {
		return "", fmt.Errorf("unknown time zone %q", v)
	}
	return v, nil
}

func normalizeInt(lo, hi int) func(string) (string, error) {
	return func(v string) (string, error) {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < lo || n > hi {
			return "", fmt.Errorf("an integer from %d to %d", lo, hi)
		}
		return strconv.Itoa(n), nil
	}
}

// normalizeDuration accepts PostgreSQL's forms: plain milliseconds or a
// number with a unit (ms, s, min, h, d).
func normalizeDuration(v string) (string, error) {
	d, err := parsePGDuration(v)
	if err != nil {
		return "", err
	}
	return strconv.FormatInt(d.Milliseconds(), 10), nil
}

func parsePGDuration(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	i := 0
	for i < len(v) && (v[i] >= '0' && v[i] <= '9' || v[i] == '.') {
		i++
	}
	n, err := strconv.ParseFloat(v[:i], 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("a non-negative duration such as 5000 or 5s")
	}
	unit := map[string]time.Duration{"": time.Millisecond, "ms": time.Millisecond, "s": time.Second,
		"min": time.Minute, "h": time.Hour, "d": 24 * time.Hour}
	u, ok := unit[strings.TrimSpace(v[i:])]
	if !ok {
		return 0, fmt.Errorf("unit must be ms, s, min, h or d")
	}
	return time.Duration(n * float64(u)), nil
}

// settings is one session's parameter values, transactional as
// PostgreSQL's: a transaction that changes a setting remembers what the
// settings were when it began and what they become if it commits, so that
// SET LOCAL ends with the transaction and a rollback undoes SET too.
type settings struct {
	table  map[string]setting
	values map[string]string
	// tx is the transaction's record, made by its first change; nil while
	// the transaction has changed nothing.
	tx *settingsTx
	// generation counts changes: a statement planned under an older
	// generation is planned again (current_setting is answered at plan
	// time).
	generation uint64
}

// settingsTx is what a transaction changed: the values before it began,
// and those that stay if it commits (SET's, not SET LOCAL's).
type settingsTx struct {
	before, committed map[string]string
}

// newSettings returns a session's settings: the session parameters, and
// the server's (read-only) settings.
func newSettings(serverVersion string, server map[string]string) *settings {
	s := &settings{table: settingsTable(serverVersion), values: map[string]string{}}
	for name, v := range server {
		name = canonicalName(name)
		if _, ok := s.table[name]; !ok {
			s.table[name] = setting{def: v, readOnly: true}
		}
	}
	for name, def := range s.table {
		s.values[name] = def.def
	}
	return s
}

// assign makes one change within the transaction; local changes do not
// survive its commit.
func (s *settings) assign(name, value string, local bool) {
	if s.tx == nil {
		s.tx = &settingsTx{before: maps.Clone(s.values), committed: maps.Clone(s.values)}
	}
	s.generation++
	s.values[name] = value
	if !local {
		s.tx.committed[name] = value
	}
	if name == "default_transaction_isolation" {
		// Outside a transaction the current level is the default.
		s.assign("transaction_isolation", value, local)
	}
}

// end ends the transaction: committed, SET's values stay and SET LOCAL's
// revert; rolled back, every change reverts. It returns the reported
// settings that changed.
func (s *settings) end(commit bool) [][2]string {
	if s.tx == nil {
		return nil
	}
	before := s.reported()
	next := s.tx.before
	if commit {
		next = s.tx.committed
	}
	for name := range s.values {
		if _, ok := next[name]; !ok {
			// A custom setting, once made, stays defined with an empty
			// value, as PostgreSQL's placeholders do.
			next[name] = ""
		}
	}
	s.values, s.tx = next, nil
	s.generation++
	return diff(before, s.reported())
}

// resetAll is RESET ALL: every setting back to its default, custom ones
// empty.
func (s *settings) resetAll() {
	for name := range s.values {
		def, ok := s.table[name]
		if !ok || !def.readOnly {
			s.assign(name, def.def, false)
		}
	}
}

// canonicalName folds a parameter name as PostgreSQL does (case-insensitive).
func canonicalName(name string) string { return strings.ToLower(name) }

func unknownSetting(name string) error {
	return pgerror.New(pgerror.UndefinedObject, "unrecognized configuration parameter %q", name)
}

func (s *settings) get(name string) (string, error) {
	name = canonicalName(name)
	if v, ok := s.values[name]; ok {
		return v, nil
	}
	return "", unknownSetting(name)
}

// set changes a setting, for the rest of the transaction only when local;
// it returns whether the client must be told.
func (s *settings) set(name, value string, local bool) (bool, error) {
	name = canonicalName(name)
	def, ok := s.table[name]
	if !ok {
		// Custom (dotted) settings are allowed, as PostgreSQL allows them.
		if strings.Contains(name, ".") {
			s.assign(name, value, local)
			return false, nil
		}
		return false, unknownSetting(name)
	}
	if def.readOnly {
		return false, pgerror.New(pgerror.CantChangeRuntimeParam, "parameter %q cannot be changed", name)
	}
	if def.normalize != nil {
		v, err := def.normalize(value)
		if err != nil {
			return false, pgerror.New(pgerror.InvalidParameterValue, "invalid value for parameter %q: %q (%v)", name, value, err)
		}
		value = v
	}
	changed := s.values[name] != value
	s.assign(name, value, local)
	return def.reported && changed, nil
}

// reset returns a setting to its default (SET ... TO DEFAULT, RESET).
func (s *settings) reset(name string, local bool) (bool, error) {
	name = canonicalName(name)
	def, ok := s.table[name]
	if !ok {
		if strings.Contains(name, ".") {
			s.assign(name, "", local)
			return false, nil
		}
		return false, unknownSetting(name)
	}
	if def.readOnly {
		return false, pgerror.New(pgerror.CantChangeRuntimeParam, "parameter %q cannot be changed", name)
	}
	changed := s.values[name] != def.def
	s.assign(name, def.def, local)
	return def.reported && changed, nil
}

// displayName gives the spelling PostgreSQL reports for a parameter.
var displayNames = map[string]string{"datestyle": "DateStyle", "intervalstyle": "IntervalStyle", "timezone": "TimeZone"}

func displayName(name string) string {
	if d, ok := displayNames[name]; ok {
		return d
	}
	return name
}

func (s *settings) reported() [][2]string {
	var out [][2]string
	for name, def := range s.table {
		if def.reported {
			out = append(out, [2]string{displayName(name), s.values[name]})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

func (s *settings) all() [][2]string {
	out := make([][2]string, 0, len(s.values))
	for name, v := range s.values {
		out = append(out, [2]string{name, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

func (s *settings) location() *time.Location {
	loc, err := time.LoadLocation(s.values["timezone"])
	if err != nil {
		return time.UTC
	}
	return loc
}

func (s *settings) statementTimeout() time.Duration {
	ms, _ := strconv.ParseInt(s.values["statement_timeout"], 10, 64)
	return time.Duration(ms) * time.Millisecond
}

func normalizeReadMode(v string) (string, error) {
	m, err := accel.ParseReadMode(v)
	return string(m), err
}

// normalizeBool reads a boolean setting as PostgreSQL does (on/off,
// true/false, yes/no, 1/0) and reports it as on or off.
func normalizeBool(v string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "on", "true", "yes", "1", "t", "y":
		return "on", nil
	case "off", "false", "no", "0", "f", "n":
		return "off", nil
	}
	return "", fmt.Errorf("requires a Boolean value")
}

// pushdownOff reports SET pgdynamo.pushdown = off.
func (s *settings) pushdownOff() bool {
	v, _ := s.get(readplan.PushdownSetting)
	return v == "off"
}
