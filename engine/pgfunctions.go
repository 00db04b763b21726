package engine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/pgdynamo/pgdynamo/planner"
)

// postgresMacros are the shim functions behind PostgreSQL's semantics of
// everyday operators and functions where the engine's differ (the
// planner's postgres-names and checked-division transforms call them).
func postgresMacros() []macro {
	substr := "CASE WHEN p_len < 0 THEN error('SQLSTATE 22011: negative substring length not allowed') " +
		"WHEN p_start < 1 THEN substr(p_s::VARCHAR, 1, greatest(p_len + p_start - 1, 0)) ELSE substr(p_s::VARCHAR, p_start, p_len) END"
	return []macro{
		// PostgreSQL fails a zero divisor for every numeric type; the
		// engine would answer NULL.
		{"divide_checked", one("p_a, p_b", "CASE WHEN p_b = 0 THEN error('"+divisionByZero+"') ELSE p_a / p_b END")},
		{"modulo_checked", one("p_a, p_b", "CASE WHEN p_b = 0 THEN error('"+divisionByZero+"') ELSE p_a % p_b END")},
		// A start before 1 eats into the length; the engine counts it
		// from the end.
		{"substr", [][2]string{
			{"p_s, p_start", "CASE WHEN p_start < 1 THEN p_s::VARCHAR ELSE substr(p_s::VARCHAR, p_start) END"},
			{"p_s, p_start, p_len", substr},
		}},
		{"overlay", [][2]string{
			{"p_s, p_r, p_start", "left(p_s, p_start - 1) || p_r || substr(p_s, p_start + length(p_r))"},
			{"p_s, p_r, p_start, p_n", "left(p_s, p_start - 1) || p_r || substr(p_s, p_start + p_n)"},
		}},
		{"quote_nullable", one("p_x", "CASE WHEN p_x IS NULL THEN 'NULL' ELSE {s}.quote_literal(p_x::VARCHAR) END")},
		// Words are runs of letters and digits.
		{"initcap", one("p_s", `array_to_string(list_transform(regexp_extract_all(p_s, '[\pL\pN]+|[^\pL\pN]+'), `+
			`lambda p_w: upper(p_w[1]) || lower(p_w[2:])), '')`)},
		{"encode", one("p_b, p_f", "CASE lower(p_f) WHEN 'hex' THEN lower(hex(p_b)) WHEN 'base64' THEN to_base64(p_b) "+
			"ELSE error('SQLSTATE 22023: unrecognized encoding: \"' || p_f || '\"') END")},
		{"decode", one("p_s, p_f", "CASE lower(p_f) WHEN 'hex' THEN unhex(p_s) WHEN 'base64' THEN from_base64(p_s) "+
			"ELSE error('SQLSTATE 22023: unrecognized encoding: \"' || p_f || '\"') END")},
		{"div", one("p_a, p_b", "CASE WHEN p_b = 0 THEN error('"+divisionByZero+"') ELSE trunc(p_a::DOUBLE / p_b::DOUBLE)::DECIMAL(38,0) END")},
		{"width_bucket", one("p_x, p_lo, p_hi, p_n", "CASE WHEN p_n <= 0 THEN error('SQLSTATE 2201G: count must be greater than zero') "+
			"WHEN p_lo = p_hi THEN error('SQLSTATE 2201G: lower bound cannot equal upper bound') "+
			"WHEN p_lo < p_hi THEN (CASE WHEN p_x < p_lo THEN 0 WHEN p_x >= p_hi THEN p_n + 1 "+
			"ELSE floor((p_x - p_lo)::DOUBLE * p_n / (p_hi - p_lo)::DOUBLE)::INTEGER + 1 END) "+
			"ELSE (CASE WHEN p_x > p_lo THEN 0 WHEN p_x <= p_hi THEN p_n + 1 "+
			"ELSE floor((p_lo - p_x)::DOUBLE * p_n / (p_lo - p_hi)::DOUBLE)::INTEGER + 1 END) END")},
		{"array_remove", one("p_a, p_v", "list_filter(p_a, lambda p_e: p_e IS DISTINCT FROM p_v)")},
		{"array_replace", one("p_a, p_f, p_t", "list_transform(p_a, lambda p_e: CASE WHEN p_e IS NOT DISTINCT FROM p_f THEN p_t ELSE p_e END)")},
		// One-dimensional arrays only; an empty one has no dimensions.
		{"array_ndims", one("p_a", "CASE WHEN len(p_a) > 0 THEN 1 END")},
		{"array_length", one("p_a, p_d", "CASE WHEN p_d = 1 AND len(p_a) > 0 THEN len(p_a)::INTEGER END")},
		{"pg_typeof", one("p_x", "CASE typeof(p_x) WHEN 'INTEGER' THEN 'integer' WHEN 'BIGINT' THEN 'bigint' "+
			"WHEN 'SMALLINT' THEN 'smallint' WHEN 'DOUBLE' THEN 'double precision' WHEN 'FLOAT' THEN 'real' "+
			"WHEN 'VARCHAR' THEN 'text' WHEN 'BOOLEAN' THEN 'boolean' WHEN 'DATE' THEN 'date' WHEN 'JSON' THEN 'json' "+
			"WHEN 'TIMESTAMP' THEN 'timestamp without time zone' WHEN 'TIMESTAMP WITH TIME ZONE' THEN 'timestamp with time zone' "+
			"WHEN 'INTERVAL' THEN 'interval' WHEN 'BLOB' THEN 'bytea' WHEN 'TIME' THEN 'time without time zone' "+
			"WHEN 'VARCHAR[]' THEN 'text[]' WHEN 'INTEGER[]' THEN 'integer[]' WHEN 'BIGINT[]' THEN 'bigint[]' "+
			"WHEN 'DOUBLE[]' THEN 'double precision[]' ELSE CASE WHEN starts_with(typeof(p_x), 'DECIMAL') THEN 'numeric' "+
			"WHEN starts_with(typeof(p_x), 'STRUCT') OR starts_with(typeof(p_x), 'MAP') THEN 'json' ELSE lower(typeof(p_x)) END END")},
		{"json_typeof", one("p_j", "CASE json_type(p_j) WHEN 'OBJECT' THEN 'object' WHEN 'ARRAY' THEN 'array' "+
			"WHEN 'VARCHAR' THEN 'string' WHEN 'BOOLEAN' THEN 'boolean' WHEN 'NULL' THEN 'null' ELSE 'number' END")},
	}
}

// Engine errors raised on PostgreSQL's behalf carry its SQLSTATE as
// "SQLSTATE xxxxx: message"; classify reads them back.
const divisionByZero = "SQLSTATE 22012: division by zero"

var errDivisionByZero = errors.New(divisionByZero)

// scalarFunc is a Go function the engine calls row by row.
type scalarFunc struct {
	config duckdb.ScalarFuncConfig
	fn     duckdb.RowExecutorFn
}

func (f *scalarFunc) Config() duckdb.ScalarFuncConfig { return f.config }
func (f *scalarFunc) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: f.fn}
}

// registerPostgresFunctions registers the Go functions behind PostgreSQL
// semantics the engine has no SQL for.
func registerPostgresFunctions(ctx context.Context, conn *sql.Conn) error {
	info := func(t duckdb.Type) duckdb.TypeInfo {
		ti, err := duckdb.NewTypeInfo(t)
		if err != nil {
			panic(err) // a basic type always has one
		}
		return ti
	}
	varchar, interval := info(duckdb.TYPE_VARCHAR), info(duckdb.TYPE_INTERVAL)
	textList, err := duckdb.NewListInfo(varchar)
	if err != nil {
		return err
	}
	fn := func(result duckdb.TypeInfo, f duckdb.RowExecutorFn, inputs ...duckdb.TypeInfo) *scalarFunc {
		return &scalarFunc{config: duckdb.ScalarFuncConfig{InputTypeInfos: inputs, ResultTypeInfo: result}, fn: f}
	}
	text := func(v driver.Value) string { s, _ := v.(string); return s }
	stamp := func(v driver.Value) time.Time { t, _ := v.(time.Time); return t }
	zone := func(v driver.Value) (*time.Location, error) { return zones.get(text(v)) }
	functions := map[string]*scalarFunc{
		// Exact numeric division (numeric / numeric, avg of integers) at
		// the planner's scale.
		planner.NumericDivide: fn(varchar, func(v []driver.Value) (any, error) {
			return numericDivide(text(v[0]), text(v[1]), planner.NumericScale)
		}, varchar, varchar),
		planner.NumericVariance: fn(varchar, func(v []driver.Value) (any, error) {
			sample, _ := v[3].(bool)
			stddev, _ := v[4].(bool)
			return numericVariance(text(v[0]), text(v[1]), text(v[2]), sample, stddev, planner.NumericScale)
		}, varchar, varchar, varchar, info(duckdb.TYPE_BOOLEAN), info(duckdb.TYPE_BOOLEAN)),
		planner.JSONBText: fn(varchar, func(v []driver.Value) (any, error) {
			return jsonbText(text(v[0]))
		}, varchar),
		planner.JSONBPretty: fn(varchar, func(v []driver.Value) (any, error) {
			return jsonbPretty(text(v[0]))
		}, varchar),
		planner.ToCharTimestamp: fn(varchar, func(v []driver.Value) (any, error) {
			return toCharTime(stamp(v[0]).UTC(), text(v[1])), nil
		}, info(duckdb.TYPE_TIMESTAMP), varchar),
		planner.ToCharTimestamptz: fn(varchar, func(v []driver.Value) (any, error) {
			loc, err := zone(v[2])
			if err != nil {
				return nil, err
			}
			return toCharTime(stamp(v[0]).In(loc), text(v[1])), nil
		}, info(duckdb.TYPE_TIMESTAMP_TZ), varchar, varchar),
		planner.ToCharNumber: fn(varchar, func(v []driver.Value) (any, error) {
			return toCharNumber(text(v[0]), text(v[1]))
		}, varchar, varchar),
		planner.ToDate: fn(info(duckdb.TYPE_DATE), func(v []driver.Value) (any, error) {
			return parseDateTime(text(v[0]), text(v[1]), time.UTC)
		}, varchar, varchar),
		planner.ToTimestamp: fn(info(duckdb.TYPE_TIMESTAMP_TZ), func(v []driver.Value) (any, error) {
			loc, err := zone(v[2])
			if err != nil {
				return nil, err
			}
			return parseDateTime(text(v[0]), text(v[1]), loc)
		}, varchar, varchar, varchar),
		planner.RegexpMatch: fn(textList, func(v []driver.Value) (any, error) {
			return regexpMatch(text(v[0]), text(v[1]))
		}, varchar, varchar),
		planner.JustifyPrefix + "hours": fn(interval, func(v []driver.Value) (any, error) {
			i, _ := v[0].(duckdb.Interval)
			return justifyHours(i), nil
		}, interval),
		planner.JustifyPrefix + "days": fn(interval, func(v []driver.Value) (any, error) {
			i, _ := v[0].(duckdb.Interval)
			return justifyDays(i), nil
		}, interval),
		planner.JustifyPrefix + "interval": fn(interval, func(v []driver.Value) (any, error) {
			i, _ := v[0].(duckdb.Interval)
			return justifyInterval(i), nil
		}, interval),
	}
	for name, f := range functions {
		if err := duckdb.RegisterScalarUDF(conn, name, f); err != nil {
			return fmt.Errorf("registering %s: %w", name, err)
		}
	}
	return nil
}

// regexpMatch is regexp_match: the first match's capture groups (the whole
// match when the pattern has none), NULL when nothing matches. Patterns
// are the engine's (RE2) regular expressions.
func regexpMatch(s, pattern string) (any, error) {
	re, err := patterns.get(pattern)
	if err != nil {
		return nil, err
	}
	m := re.FindStringSubmatchIndex(s)
	if m == nil {
		return nil, nil
	}
	var out []any
	if len(m) == 2 {
		return []any{s[m[0]:m[1]]}, nil
	}
	for i := 2; i < len(m); i += 2 {
		if m[i] < 0 {
			out = append(out, nil)
			continue
		}
		out = append(out, s[m[i]:m[i+1]])
	}
	return out, nil
}

// The engine calls a scalar function once per row, nearly always with the
// same zone name or pattern: loading a zone reads its zoneinfo file and
// compiling a pattern is costly, so both are remembered, failures too (the
// same error comes back).
var (
	zones = newMemo(memoLimit, func(name string) (*time.Location, error) {
		loc, err := time.LoadLocation(name)
		if err != nil {
			return nil, fmt.Errorf("SQLSTATE 22023: time zone %q not recognized", name)
		}
		return loc, nil
	})
	patterns = newMemo(memoLimit, func(pattern string) (*regexp.Regexp, error) {
		re, err := regexp.Compile(pattern)
		if err != nil {
			return nil, fmt.Errorf("SQLSTATE 2201B: invalid regular expression: %v", err)
		}
		return re, nil
	})
)

// memoLimit bounds what a memo keeps: a pattern taken from a column can
// differ on every row.
const memoLimit = 256

// memo remembers the results of fn by argument, at most limit of them; when
// full it starts over. It is safe for concurrent use (DuckDB runs a
// function on several threads).
type memo[V any] struct {
	fn    func(string) (V, error)
	limit int
	mu    sync.Mutex
	known map[string]memoResult[V]
}

type memoResult[V any] struct {
	value V
	err   error
}

func newMemo[V any](limit int, fn func(string) (V, error)) *memo[V] {
	return &memo[V]{fn: fn, limit: limit, known: map[string]memoResult[V]{}}
}

func (m *memo[V]) get(key string) (V, error) {
	m.mu.Lock()
	r, ok := m.known[key]
	m.mu.Unlock()
	if ok {
		return r.value, r.err
	}
	r.value, r.err = m.fn(key)
	m.mu.Lock()
	if len(m.known) >= m.limit {
		clear(m.known)
	}
	m.known[key] = r
	m.mu.Unlock()
	return r.value, r.err
}

const microsPerDay = 24 * 3600 * 1e6

// justifyHours is justify_hours: whole days of the time part become days.
func justifyHours(i duckdb.Interval) duckdb.Interval {
	days := i.Micros / microsPerDay
	i.Days += int32(days)
	i.Micros -= days * microsPerDay
	return balanceDays(i)
}

// balanceDays gives the days and the time part one sign.
func balanceDays(i duckdb.Interval) duckdb.Interval {
	switch {
	case i.Days > 0 && i.Micros < 0:
		i.Micros += microsPerDay
		i.Days--
	case i.Days < 0 && i.Micros > 0:
		i.Micros -= microsPerDay
		i.Days++
	}
	return i
}

// justifyDays is justify_days: every 30 days become a month.
func justifyDays(i duckdb.Interval) duckdb.Interval {
	months := i.Days / 30
	i.Months += months
	i.Days -= months * 30
	switch {
	case i.Months > 0 && i.Days < 0:
		i.Days += 30
		i.Months--
	case i.Months < 0 && i.Days > 0:
		i.Days -= 30
		i.Months++
	}
	return i
}

// justifyInterval is justify_interval: justify_days and justify_hours
// together, the signs of months, days and time made to agree.
func justifyInterval(i duckdb.Interval) duckdb.Interval {
	if i.Days > 0 && i.Micros > 0 || i.Days < 0 && i.Micros < 0 {
		months := i.Days / 30
		i.Days -= months * 30
		i.Months += months
	}
	days := i.Micros / microsPerDay
	i.Micros -= days * microsPerDay
	i.Days += int32(days)
	months := i.Days / 30
	i.Days -= months * 30
	i.Months += months
	switch {
	case i.Months > 0 && (i.Days < 0 || i.Days == 0 && i.Micros < 0):
		i.Days += 30
		i.Months--
	case i.Months < 0 && (i.Days > 0 || i.Days == 0 && i.Micros > 0):
		i.Days -= 30
		i.Months++
	}
	return balanceDays(i)
}
