package monitoring

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/pgdynamo/pgdynamo/gateway"
)

const dashboardFile = "grafana-dashboard.json"

// The data source every panel, target and query variable names: the
// dashboard's data source variable, so that one dashboard works against any
// Prometheus.
const (
	dsVariable = "DS_PROMETHEUS"
	dsUID      = "${" + dsVariable + "}"
	dsType     = "prometheus"
)

// The dataset variable and the matcher every query of a metric labelled by
// dataset must carry.
const (
	datasetVariable = "dataset"
	datasetMatch    = "$" + datasetVariable
)

type dashboard struct {
	ID            *int    `json:"id"`
	UID           string  `json:"uid"`
	Title         string  `json:"title"`
	SchemaVersion int     `json:"schemaVersion"`
	Panels        []panel `json:"panels"`
	Templating    struct {
		List []variable `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID         *int        `json:"id"`
	Type       string      `json:"type"`
	Title      string      `json:"title"`
	GridPos    *gridPos    `json:"gridPos"`
	Datasource *datasource `json:"datasource"`
	Targets    []target    `json:"targets"`
	Panels     []panel     `json:"panels"` // a collapsed row's panels
}

type gridPos struct {
	H, W, X, Y int
}

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type target struct {
	RefID      string      `json:"refId"`
	Expr       string      `json:"expr"`
	Datasource *datasource `json:"datasource"`
}

type variable struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Query      json.RawMessage `json:"query"`
	Definition string          `json:"definition"`
	Datasource *datasource     `json:"datasource"`
	IncludeAll bool            `json:"includeAll"`
	AllValue   string          `json:"allValue"`
	Multi      bool            `json:"multi"`
}

// query returns the variable's query, written as a string or, as Grafana
// 10 and later save it, as an object holding the string.
func (v variable) query() (string, error) {
	var s string
	if err := json.Unmarshal(v.Query, &s); err == nil {
		return s, nil
	}
	var o struct {
		Query string `json:"query"`
	}
	if err := json.Unmarshal(v.Query, &o); err != nil {
		return "", fmt.Errorf("variable %q: query is neither a string nor an object with a query: %v", v.Name, err)
	}
	return o.Query, nil
}

func loadDashboard(t *testing.T) (*dashboard, map[string]json.RawMessage) {
	t.Helper()
	b, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	return &d, top
}

// panels returns every panel that queries data: rows' nested panels
// included, rows themselves left out.
func (d *dashboard) queryPanels() []panel {
	var out []panel
	for _, p := range d.Panels {
		if p.Type == "row" {
			out = append(out, p.Panels...)
			continue
		}
		out = append(out, p)
	}
	return out
}

func TestDashboardTopLevel(t *testing.T) {
	d, top := loadDashboard(t)
	for _, k := range []string{"title", "uid", "schemaVersion", "panels", "templating"} {
		if _, ok := top[k]; !ok {
			t.Errorf("no top-level %q", k)
		}
	}
	if d.Title != "pgdynamo" {
		t.Errorf("title %q, want pgdynamo", d.Title)
	}
	// Grafana refuses a uid longer than 40 characters; keep it URL-safe.
	if !regexp.MustCompile(`^[a-zA-Z0-9_-]{1,40}$`).MatchString(d.UID) {
		t.Errorf("uid %q: want 1 to 40 letters, digits, - or _", d.UID)
	}
	// 36 is the first schema with data sources referenced by {type, uid}.
	if d.SchemaVersion < 36 {
		t.Errorf("schemaVersion %d, want 36 or later", d.SchemaVersion)
	}
	// A numeric id is the database row of the Grafana it was exported from;
	// importing it elsewhere could overwrite another dashboard.
	if d.ID != nil {
		t.Errorf("id %d, want null: the uid identifies the dashboard", *d.ID)
	}
	if len(d.Panels) == 0 {
		t.Error("no panels")
	}
}

func TestDashboardPanels(t *testing.T) {
	d, _ := loadDashboard(t)
	ids := map[int]string{}
	checkID := func(p panel) {
		switch {
		case p.ID == nil:
			t.Errorf("panel %q: no id", p.Title)
		case ids[*p.ID] != "":
			t.Errorf("panel %q: id %d already used by panel %q", p.Title, *p.ID, ids[*p.ID])
		default:
			ids[*p.ID] = p.Title
		}
	}
	checkGrid := func(p panel) bool {
		g := p.GridPos
		if g == nil {
			t.Errorf("panel %q: no gridPos", p.Title)
			return false
		}
		if g.W < 1 || g.H < 1 || g.X < 0 || g.Y < 0 || g.X+g.W > 24 {
			t.Errorf("panel %q: gridPos %+v outside the 24-column grid", p.Title, *g)
			return false
		}
		return true
	}
	var placed []panel
	for _, p := range d.Panels {
		checkID(p)
		if checkGrid(p) {
			for _, q := range placed {
				a, b := p.GridPos, q.GridPos
				if a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H {
					t.Errorf("panels %q %+v and %q %+v overlap", p.Title, *a, q.Title, *b)
				}
			}
			placed = append(placed, p)
		}
		if p.Type == "row" {
			if len(p.Targets) != 0 {
				t.Errorf("row %q has targets", p.Title)
			}
			for _, n := range p.Panels {
				checkID(n)
				checkGrid(n)
			}
		}
	}
	for _, p := range d.queryPanels() {
		if p.Title == "" {
			t.Errorf("panel %d: no title", *p.ID)
		}
		if p.Type != "timeseries" && p.Type != "stat" {
			t.Errorf("panel %q: type %q, want timeseries or stat", p.Title, p.Type)
		}
		if p.Datasource == nil || *p.Datasource != (datasource{dsType, dsUID}) {
			t.Errorf("panel %q: datasource %+v, want {%s %s}", p.Title, p.Datasource, dsType, dsUID)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q: no targets", p.Title)
		}
		refIDs := map[string]bool{}
		for i, tg := range p.Targets {
			if tg.RefID == "" {
				t.Errorf("panel %q: target %d has no refId", p.Title, i)
			} else if refIDs[tg.RefID] {
				t.Errorf("panel %q: refId %q twice", p.Title, tg.RefID)
			}
			refIDs[tg.RefID] = true
			if strings.TrimSpace(tg.Expr) == "" {
				t.Errorf("panel %q: target %q has no expr", p.Title, tg.RefID)
			}
			if tg.Datasource != nil && *tg.Datasource != *p.Datasource {
				t.Errorf("panel %q: target %q datasource %+v differs from the panel's", p.Title, tg.RefID, *tg.Datasource)
			}
		}
	}
}

// labelValuesRE is a Prometheus label_values query on one metric. Grafana
// sends the metric as a match[] series selector, so it must be a selector,
// not an expression: "a or b" fails.
var labelValuesRE = regexp.MustCompile(`^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$`)

func TestDashboardTemplating(t *testing.T) {
	d, _ := loadDashboard(t)
	metrics := gatewayMetrics(t)
	vars := map[string]variable{}
	for _, v := range d.Templating.List {
		if _, dup := vars[v.Name]; dup {
			t.Errorf("variable %q twice", v.Name)
		}
		vars[v.Name] = v
	}

	ds, ok := vars[dsVariable]
	if !ok {
		t.Fatalf("no variable %s", dsVariable)
	}
	if q, err := ds.query(); err != nil || ds.Type != "datasource" || q != dsType {
		t.Errorf("variable %s: type %q, query %q (%v); want a datasource variable of type %s", dsVariable, ds.Type, q, err, dsType)
	}

	v, ok := vars[datasetVariable]
	if !ok {
		t.Fatalf("no variable %s", datasetVariable)
	}
	if v.Type != "query" {
		t.Errorf("variable %s: type %q, want query", v.Name, v.Type)
	}
	if v.Datasource == nil || *v.Datasource != (datasource{dsType, dsUID}) {
		t.Errorf("variable %s: datasource %+v, want {%s %s}", v.Name, v.Datasource, dsType, dsUID)
	}
	// Queries match the variable with =~, so "All" must be a regular
	// expression rather than Grafana's default {a,b,...} glob.
	if !v.Multi || !v.IncludeAll || v.AllValue != ".*" {
		t.Errorf("variable %s: multi %v, includeAll %v, allValue %q; want true, true, .*", v.Name, v.Multi, v.IncludeAll, v.AllValue)
	}
	q, err := v.query()
	if err != nil {
		t.Fatal(err)
	}
	if v.Definition != "" && v.Definition != q {
		t.Errorf("variable %s: definition %q differs from query %q", v.Name, v.Definition, q)
	}
	m := labelValuesRE.FindStringSubmatch(q)
	if m == nil {
		t.Fatalf("variable %s: query %q, want label_values(<metric>, %s)", v.Name, q, datasetVariable)
	}
	if m[2] != "dataset" {
		t.Errorf("variable %s: query %q lists label %q, want dataset", v.Name, q, m[2])
	}
	if fam, ok := metrics[m[1]]; !ok || !slices.Contains(fam.labels, "dataset") {
		t.Errorf("variable %s: query %q: %s is not a gateway metric labelled by dataset", v.Name, q, m[1])
	}
}

// TestDashboardMetrics checks every query against the metrics the gateway
// registers, and that every one of those is charted.
func TestDashboardMetrics(t *testing.T) {
	d, _ := loadDashboard(t)
	metrics := gatewayMetrics(t)
	charted := map[string]bool{}
	for _, p := range d.queryPanels() {
		for _, tg := range p.Targets {
			where := fmt.Sprintf("panel %q target %s: %s", p.Title, tg.RefID, tg.Expr)
			s, err := scanPromQL(tg.Expr)
			if err != nil {
				t.Errorf("%s: %v", where, err)
				continue
			}
			if len(s.refs) == 0 {
				t.Errorf("%s: queries no metric", where)
			}
			labels := map[string]bool{}
			buckets := false
			for _, r := range s.refs {
				name, part, ok := resolve(metrics, r.name)
				if !ok {
					t.Errorf("%s: %s is not a metric the gateway registers", where, r.name)
					continue
				}
				charted[name] = true
				fam := metrics[name]
				allowed := slices.Clone(fam.labels)
				if part == "_bucket" {
					allowed = append(allowed, "le")
					buckets = true
				}
				for _, l := range allowed {
					labels[l] = true
				}
				for _, mt := range r.matchers {
					if !slices.Contains(allowed, mt.label) {
						t.Errorf("%s: %s has no label %q (labels: %v)", where, r.name, mt.label, allowed)
					}
				}
				if slices.Contains(fam.labels, "dataset") &&
					!slices.Contains(r.matchers, matcher{"dataset", "=~", datasetMatch}) {
					t.Errorf("%s: %s is labelled by dataset but not filtered with dataset=~%q", where, r.name, datasetMatch)
				}
				counter := fam.typ == dto.MetricType_COUNTER || part != ""
				rated := r.fn == "rate" || r.fn == "irate" || r.fn == "increase"
				switch {
				case (fam.typ == dto.MetricType_HISTOGRAM || fam.typ == dto.MetricType_SUMMARY) && part == "":
					t.Errorf("%s: %s is a %s: query its _bucket, _sum or _count series", where, r.name, fam.typ)
				case counter && !rated:
					t.Errorf("%s: counter %s outside rate, irate or increase", where, r.name)
				case !counter && rated:
					t.Errorf("%s: %s %s inside %s", where, fam.typ, r.name, r.fn)
				}
			}
			for _, g := range s.grouping {
				for _, l := range g {
					if !labels[l] {
						t.Errorf("%s: groups by %q, a label of none of its metrics", where, l)
					}
				}
			}
			if buckets && !slices.ContainsFunc(s.grouping, func(g []string) bool { return slices.Contains(g, "le") }) {
				t.Errorf("%s: aggregates _bucket series without keeping le", where)
			}
		}
	}
	var missing []string
	for name := range metrics {
		if !charted[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	for _, name := range missing {
		t.Errorf("gateway metric %s (%s, labels %v) is charted by no panel", name, metrics[name].typ, metrics[name].labels)
	}
}

// resolve maps a series name to the metric family that exports it: a
// histogram's _bucket, _sum and _count series (a summary's _sum and _count)
// belong to the family named without the suffix. part is that suffix, ""
// for the family's own name.
func resolve(metrics map[string]family, series string) (name, part string, ok bool) {
	if _, ok := metrics[series]; ok {
		return series, "", true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		base, found := strings.CutSuffix(series, suffix)
		if !found {
			continue
		}
		switch metrics[base].typ {
		case dto.MetricType_HISTOGRAM:
			return base, suffix, true
		case dto.MetricType_SUMMARY:
			if suffix != "_bucket" {
				return base, suffix, true
			}
		}
	}
	return "", "", false
}

// family is one metric family the gateway registers.
type family struct {
	typ    dto.MetricType
	labels []string // variable labels, in registration order
}

// recorder registers collectors with a real registry (which checks them)
// and remembers them.
type recorder struct {
	reg        *prometheus.Registry
	collectors []prometheus.Collector
}

func (r *recorder) Register(c prometheus.Collector) error {
	if err := r.reg.Register(c); err != nil {
		return err
	}
	r.collectors = append(r.collectors, c)
	return nil
}

func (r *recorder) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := r.Register(c); err != nil {
			panic(err)
		}
	}
}

func (r *recorder) Unregister(c prometheus.Collector) bool {
	r.collectors = slices.DeleteFunc(r.collectors, func(x prometheus.Collector) bool { return x == c })
	return r.reg.Unregister(c)
}

var (
	descNameRE   = regexp.MustCompile(`^Desc\{fqName: ("(?:[^"\\]|\\.)*")`)
	descLabelsRE = regexp.MustCompile(`variableLabels: \{([^{}]*)\}\}$`)
)

// gatewayMetrics returns the metric families gateway.NewMetrics registers,
// by name: names and labels from the collectors' descriptions, types from a
// Gather after every vector has been given a series (a vector without
// series gathers nothing).
func gatewayMetrics(t *testing.T) map[string]family {
	t.Helper()
	rec := &recorder{reg: prometheus.NewRegistry()}
	gateway.NewMetrics(rec)
	if len(rec.collectors) == 0 {
		t.Fatal("gateway.NewMetrics registered no collector")
	}
	out := map[string]family{}
	for _, c := range rec.collectors {
		ch := make(chan *prometheus.Desc)
		go func() { c.Describe(ch); close(ch) }()
		var descs []string
		for desc := range ch {
			descs = append(descs, desc.String())
		}
		for _, s := range descs {
			m := descNameRE.FindStringSubmatch(s)
			l := descLabelsRE.FindStringSubmatch(s)
			if m == nil || l == nil {
				t.Fatalf("cannot read the name and labels of %s", s)
			}
			name, err := strconv.Unquote(m[1])
			if err != nil {
				t.Fatalf("%s: %v", s, err)
			}
			var labels []string
			if l[1] != "" {
				for _, v := range strings.Split(l[1], ",") {
					// A constrained label is written c(name).
					if in, ok := strings.CutPrefix(v, "c("); ok {
						v = strings.TrimSuffix(in, ")")
					}
					labels = append(labels, v)
				}
			}
			if _, dup := out[name]; dup {
				t.Fatalf("metric %s described twice", name)
			}
			out[name] = family{typ: -1, labels: labels}
			values := make([]string, len(labels))
			for i := range values {
				values[i] = "x"
			}
			switch v := c.(type) {
			case *prometheus.CounterVec:
				v.WithLabelValues(values...)
			case *prometheus.GaugeVec:
				v.WithLabelValues(values...)
			case *prometheus.HistogramVec:
				v.WithLabelValues(values...)
			case *prometheus.SummaryVec:
				v.WithLabelValues(values...)
			}
		}
	}
	mfs, err := rec.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		f, ok := out[mf.GetName()]
		if !ok {
			t.Fatalf("gathered %s, which no collector described", mf.GetName())
		}
		f.typ = mf.GetType()
		out[mf.GetName()] = f
	}
	for name, f := range out {
		if f.typ == -1 {
			t.Fatalf("metric %s not gathered: give its collector type a series in gatewayMetrics", name)
		}
	}
	return out
}

func TestGatewayMetrics(t *testing.T) {
	// The families this test knows the gateway for: a guard that
	// gatewayMetrics reads descriptions right, not a list to keep in step
	// (TestDashboardMetrics does that).
	metrics := gatewayMetrics(t)
	for name, want := range map[string]family{
		"pgdynamo_connections_open":       {dto.MetricType_GAUGE, nil},
		"pgdynamo_queries_total":          {dto.MetricType_COUNTER, []string{"outcome", "sqlstate_class"}},
		"pgdynamo_query_duration_seconds": {dto.MetricType_HISTOGRAM, []string{"outcome"}},
		"pgdynamo_dynamodb_calls_total":   {dto.MetricType_COUNTER, []string{"dataset", "operation", "outcome"}},
		"pgdynamo_lag_ms":                 {dto.MetricType_GAUGE, []string{"dataset"}},
	} {
		got, ok := metrics[name]
		if !ok || got.typ != want.typ || !slices.Equal(got.labels, want.labels) {
			t.Errorf("%s: got %+v (found %v), want %+v", name, got, ok, want)
		}
	}
	for _, c := range []struct {
		series, name, part string
		ok                 bool
	}{
		{"pgdynamo_query_duration_seconds_bucket", "pgdynamo_query_duration_seconds", "_bucket", true},
		{"pgdynamo_query_duration_seconds_count", "pgdynamo_query_duration_seconds", "_count", true},
		{"pgdynamo_queries_total", "pgdynamo_queries_total", "", true},
		{"pgdynamo_queries_total_count", "", "", false},
		{"pgdynamo_lag_ms_bucket", "", "", false},
		{"up", "", "", false},
	} {
		name, part, ok := resolve(metrics, c.series)
		if name != c.name || part != c.part || ok != c.ok {
			t.Errorf("resolve(%s) = %q, %q, %v; want %q, %q, %v", c.series, name, part, ok, c.name, c.part, c.ok)
		}
	}
}

// A small PromQL scanner: enough to find the metrics an expression
// queries, their label matchers, the function or aggregation applied to
// each, and the labels of by, without, on and ignoring clauses.

type matcher struct {
	label, op, value string
}

type metricRef struct {
	name     string
	matchers []matcher
	fn       string // innermost function or aggregation around it; "" if none
}

type scanned struct {
	refs     []metricRef
	grouping [][]string
}

var aggregations = set("sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
	"bottomk", "topk", "quantile", "limitk", "limit_ratio")

var functions = set("abs", "absent", "absent_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh",
	"avg_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min", "cos", "cosh", "count_over_time",
	"day_of_month", "day_of_week", "day_of_year", "days_in_month", "deg", "delta", "deriv", "exp", "floor",
	"histogram_avg", "histogram_count", "histogram_fraction", "histogram_quantile", "histogram_stddev",
	"histogram_stdvar", "histogram_sum", "holt_winters", "hour", "idelta", "increase", "irate", "label_join",
	"label_replace", "last_over_time", "ln", "log10", "log2", "mad_over_time", "max_over_time", "min_over_time",
	"minute", "month", "pi", "predict_linear", "present_over_time", "quantile_over_time", "rad", "rate",
	"resets", "round", "scalar", "sgn", "sin", "sinh", "sort", "sort_by_label", "sort_by_label_desc",
	"sort_desc", "sqrt", "stddev_over_time", "stdvar_over_time", "sum_over_time", "tan", "tanh", "time",
	"timestamp", "vector", "year")

// keywords that are neither metrics nor calls.
var keywords = set("and", "or", "unless", "bool", "offset", "atan2", "group_left", "group_right", "inf", "nan")

func set(words ...string) map[string]bool {
	m := map[string]bool{}
	for _, w := range words {
		m[w] = true
	}
	return m
}

func isIdentStart(c byte) bool {
	return c == '_' || c == ':' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isIdent(c byte) bool { return isIdentStart(c) || '0' <= c && c <= '9' }

func scanPromQL(expr string) (scanned, error) {
	var (
		out     scanned
		stack   []string // open parentheses: the call each belongs to, "" for grouping
		pending string   // an aggregation whose by/without clause came before its argument
		i       int
	)
	skipSpace := func() {
		for i < len(expr) && strings.IndexByte(" \t\r\n", expr[i]) >= 0 {
			i++
		}
	}
	ident := func() string {
		j := i
		for i < len(expr) && isIdent(expr[i]) {
			i++
		}
		return expr[j:i]
	}
	str := func() (string, error) {
		if i >= len(expr) || expr[i] != '"' {
			return "", fmt.Errorf("offset %d: want a double-quoted string", i)
		}
		j := i + 1
		for ; j < len(expr) && expr[j] != '"'; j++ {
			if expr[j] == '\\' {
				j++
			}
		}
		if j >= len(expr) {
			return "", fmt.Errorf("offset %d: unterminated string", i)
		}
		s, err := strconv.Unquote(expr[i : j+1])
		i = j + 1
		return s, err
	}
	labelList := func() ([]string, error) {
		skipSpace()
		if i >= len(expr) || expr[i] != '(' {
			return nil, fmt.Errorf("offset %d: want a label list", i)
		}
		i++
		var labels []string
		for {
			skipSpace()
			if i < len(expr) && expr[i] == ')' {
				i++
				return labels, nil
			}
			l := ident()
			if l == "" {
				return nil, fmt.Errorf("offset %d: want a label name", i)
			}
			labels = append(labels, l)
			skipSpace()
			if i < len(expr) && expr[i] == ',' {
				i++
			}
		}
	}
	innermost := func() string {
		for k := len(stack) - 1; k >= 0; k-- {
			if stack[k] != "" {
				return stack[k]
			}
		}
		return ""
	}
	for {
		skipSpace()
		if i >= len(expr) {
			break
		}
		c := expr[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			end := strings.IndexByte(expr[i+1:], c)
			if end < 0 {
				return out, fmt.Errorf("offset %d: unterminated string", i)
			}
			i += end + 2
		case c == '[': // a range or subquery: durations and Grafana's $__interval variables
			end := strings.IndexByte(expr[i:], ']')
			if end < 0 {
				return out, fmt.Errorf("offset %d: unterminated range", i)
			}
			i += end + 1
		case c == '{':
			return out, fmt.Errorf("offset %d: a selector without a metric name", i)
		case c == '(':
			stack = append(stack, pending)
			pending = ""
			i++
		case c == ')':
			if len(stack) == 0 {
				return out, fmt.Errorf("offset %d: unbalanced )", i)
			}
			stack = stack[:len(stack)-1]
			i++
		case '0' <= c && c <= '9' || c == '.':
			for i < len(expr) && (isIdent(expr[i]) || expr[i] == '.') {
				i++
			}
		case c == '$':
			return out, fmt.Errorf("offset %d: a Grafana variable outside a string or range", i)
		case strings.IndexByte("+-*/%^=!<>,", c) >= 0:
			i++
		case c == '#':
			for i < len(expr) && expr[i] != '\n' {
				i++
			}
		case isIdentStart(c):
			name := ident()
			switch {
			case name == "by" || name == "without" || name == "on" || name == "ignoring":
				labels, err := labelList()
				if err != nil {
					return out, err
				}
				out.grouping = append(out.grouping, labels)
				continue
			case name == "group_left" || name == "group_right":
				skipSpace()
				if i < len(expr) && expr[i] == '(' {
					labels, err := labelList()
					if err != nil {
						return out, err
					}
					out.grouping = append(out.grouping, labels)
				}
				continue
			case keywords[name]:
				continue
			}
			skipSpace()
			if aggregations[name] {
				if i < len(expr) && expr[i] == '(' {
					stack = append(stack, name)
					i++
				} else {
					pending = name // sum by (x) (...)
				}
				continue
			}
			if i < len(expr) && expr[i] == '(' {
				if !functions[name] {
					return out, fmt.Errorf("unknown function %s", name)
				}
				stack = append(stack, name)
				i++
				continue
			}
			r := metricRef{name: name, fn: innermost()}
			if i < len(expr) && expr[i] == '{' {
				i++
				for {
					skipSpace()
					if i < len(expr) && expr[i] == '}' {
						i++
						break
					}
					label := ident()
					if label == "" {
						return out, fmt.Errorf("offset %d: want a label name in the selector of %s", i, name)
					}
					skipSpace()
					var op string
					for _, o := range []string{"=~", "!~", "!=", "="} {
						if strings.HasPrefix(expr[i:], o) {
							op = o
							break
						}
					}
					if op == "" {
						return out, fmt.Errorf("offset %d: want a matcher operator", i)
					}
					i += len(op)
					skipSpace()
					value, err := str()
					if err != nil {
						return out, err
					}
					r.matchers = append(r.matchers, matcher{label, op, value})
					skipSpace()
					if i < len(expr) && expr[i] == ',' {
						i++
					}
				}
			}
			out.refs = append(out.refs, r)
		default:
			return out, fmt.Errorf("offset %d: unexpected %q", i, c)
		}
	}
	if len(stack) != 0 || pending != "" {
		return out, fmt.Errorf("unbalanced parentheses")
	}
	return out, nil
}

func TestScanPromQL(t *testing.T) {
	s, err := scanPromQL(`histogram_quantile(0.9, sum by (le, dataset) (rate(a_bucket{dataset=~"$dataset",x!="y"}[$__rate_interval]))) / (sum(b) or vector(0)) + on (dataset) group_left (z) max(c[5m:1m])`)
	if err != nil {
		t.Fatal(err)
	}
	want := scanned{
		refs: []metricRef{
			{"a_bucket", []matcher{{"dataset", "=~", "$dataset"}, {"x", "!=", "y"}}, "rate"},
			{"b", nil, "sum"},
			{"c", nil, "max"},
		},
		grouping: [][]string{{"le", "dataset"}, {"dataset"}, {"z"}},
	}
	if got, w := fmt.Sprintf("%+v", s), fmt.Sprintf("%+v", want); got != w {
		t.Errorf("got  %s\nwant %s", got, w)
	}
	for _, bad := range []string{`rate(a[5m]`, `sum(a))`, `frobnicate(a)`, `{__name__="a"}`, `a{b="c"`, `a{b~"c"}`, `sum by (x)`} {
		if _, err := scanPromQL(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// The dashboard file is formatted as json.Indent with two spaces writes it,
// so that diffs stay readable.
func TestDashboardFormatted(t *testing.T) {
	b, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.TrimSpace(buf.Bytes()), bytes.TrimSpace(b)) {
		t.Errorf("%s is not indented with two spaces as json.Indent does", dashboardFile)
	}
}
