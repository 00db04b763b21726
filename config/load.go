package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// File is a parsed but unresolved configuration file: its shape has been
// checked (every key is known, every value has the right form — a single
// value, a mapping or a list) but references are not expanded, defaults are
// not applied and values are not validated. Resolve turns it into a Config.
type File struct {
	Path string // as given to Load or Parse; used in every message
	root *node
}

// Load reads and strictly parses the file at path (unknown keys are
// errors) without resolving references. The error, if any, is a Problems
// listing everything found.
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
// references; path is used only in messages.
func Parse(path string, data []byte) (*File, error) {
	p := &parser{file: path}
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
	}
	if err := p.probs.err(); err != nil {
		return nil, err
	}
	return &File{Path: path, root: root}, nil
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
// in the order they are documented.
type spec struct {
	shape shape
	keys  []field
	item  *spec
}

type field struct {
	name string
	spec *spec
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
)

// rootSpec is every key pgdynamo reads. Anything else is an error.
var rootSpec = fields(
	fld("version", one()),
	fld("kind", one()),
	fld("name", one()),
	fld("secrets", listOf(fields(fld("from", one()), fld("name", one())))),
	fld("runtime", fields(
		fld("pg", fields(
			fld("listen", one()),
			fld("users", listOf(fields(fld("name", one()), fld("password", one())))),
			fld("tls", fields(fld("cert", one()), fld("key", one()))),
		)),
		fld("metrics", fields(fld("listen", one()))),
		fld(keyLogMinDuration, one()),
	)),
	fld("datasets", listOf(fields(
		fld("from", one()),
		fld("name", one()),
		fld("description", one()),
		fld("params", fields(
			fld(keyRegion, one()),
			fld(keyAccessKeyID, one()),
			fld(keySecretAccessKey, one()),
			fld(keySessionToken, one()),
			fld(keyEndpoint, one()),
			fld(keyUnnestDepth, one()),
			fld(keySchemaInfer, one()),
			fld(keyScanSegments, one()),
			fld(keyTimeFormat, one()),
			fld(keyReadyLag, one()),
			fld(keyScanInterval, one()),
			fld(keyReplicationInvalidCheckpoint, one()),
			fld(keyReadCapacity, one()),
			fld(keyMaxScanItems, one()),
		)),
		fld("acceleration", fields(
			fld("enabled", one()),
			fld("engine", one()),
			fld("mode", one()),
			fld("refresh_mode", one()),
			fld("refresh_check_interval", one()),
			fld("on_conflict", &spec{shape: pairs}),
			fld("params", fields(
				fld(keySnapshotsTrigger, one()),
				fld(keyDuckDBFile, one()),
			)),
		)),
		fld("metrics", listOf(fields(fld("name", one()), fld("enabled", one())))),
	))),
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
			p.add(n.line, ds, path, "must be a single value, not %s", describe(y))
			n.null = true
			return n
		}
		n.text = y.Value
	case mapping:
		if y.Kind != yaml.MappingNode {
			p.add(n.line, ds, path, "must be a mapping of keys (%s), not %s", strings.Join(s.names(), ", "), describe(y))
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
			p.add(n.line, ds, path, "must be a list (one item per line starting with -), not %s", describe(y))
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
			p.add(n.line, ds, path, "must be a mapping of column: action lines, e.g. (id, version): upsert, not %s", describe(y))
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
