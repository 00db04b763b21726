package config_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/pgdynamo/pgdynamo/config"
)

// The configuration reference, docs/configuration.md, is generated from the
// loader's key table. These tests keep it true: it is what the generator
// writes; every key it lists is accepted (or, when marked so, refused as not
// supported yet); every key the loader accepts is listed; its defaults and
// required marks are what Resolve does.

var referenceFile = filepath.Join("..", filepath.FromSlash(config.ReferencePath))

func TestReferenceUpToDate(t *testing.T) {
	got, err := os.ReadFile(referenceFile)
	if err != nil {
		t.Fatal(err)
	}
	if want := config.Reference(); !bytes.Equal(got, want) {
		t.Errorf("%s differs from what the key table in config/load.go generates; run go generate ./config", config.ReferencePath)
	}
}

// TestKeysDocumented: every key of the loader's table has its reference
// text, written beside it in rootSpec.
func TestKeysDocumented(t *testing.T) {
	for _, k := range config.Keys() {
		var missing []string
		if k.Meaning == "" {
			missing = append(missing, "a meaning")
		}
		if k.Kind == "" {
			missing = append(missing, "a kind")
		}
		if k.Kind != config.KindSection && k.Kind != config.KindList && k.Example == "" {
			missing = append(missing, "an example")
		}
		if len(missing) > 0 {
			t.Errorf("%s lacks %s: document it beside the key in rootSpec (config/load.go: val, about, def, absent), "+
				"then run go generate ./config", k.Path, strings.Join(missing, ", "))
		}
		if k.Default != "" && k.Absent != "" {
			t.Errorf("%s has both a default value and an absent text; keep one", k.Path)
		}
		if k.Required && (k.Default != "" || k.Absent != "") {
			t.Errorf("%s is required but documents what its absence means", k.Path)
		}
		for _, n := range k.Needs {
			path, _, _ := strings.Cut(n, ": ")
			if _, ok := keyIndex()[path]; !ok {
				t.Errorf("%s needs %s, which is not a key", k.Path, path)
			}
		}
	}
}

// refKey is a key as docs/configuration.md lists it: a table row, or the
// heading of a section or list's table.
type refKey struct {
	path string
	text string // the row, or the heading and its introduction
}

var (
	refRow     = regexp.MustCompile("^\\| `([^`]+)` \\|")
	refHeading = regexp.MustCompile("^## `([^`]+)`$")
)

// readReference lists the keys of docs/configuration.md, in order.
func readReference(t *testing.T) []refKey {
	t.Helper()
	data, err := os.ReadFile(referenceFile)
	if err != nil {
		t.Fatal(err)
	}
	var keys []refKey
	lines := strings.Split(string(data), "\n")
	for i, line := range lines {
		if m := refRow.FindStringSubmatch(line); m != nil {
			keys = append(keys, refKey{path: m[1], text: line})
		} else if m := refHeading.FindStringSubmatch(line); m != nil && i+2 < len(lines) {
			keys = append(keys, refKey{path: m[1], text: line + "\n" + lines[i+2]})
		}
	}
	if len(keys) == 0 {
		t.Fatalf("%s lists no keys", config.ReferencePath)
	}
	return keys
}

// keyIndex is config.Keys by path.
func keyIndex() map[string]config.Key {
	m := map[string]config.Key{}
	for _, k := range config.Keys() {
		m[k.Path] = k
	}
	return m
}

// The smallest valid file: every check starts from it.
const baseYAML = `version: v1
kind: Spicepod
datasets:
  - from: dynamodb:users
    name: users
    params:
      dynamodb_aws_region: us-west-2
`

// anyEnv sets every variable, so that every reference resolves.
func anyEnv(name string) (string, bool) { return "example-" + strings.ToLower(name), true }

// tree is a configuration file being built key by key.
type tree struct {
	t    *testing.T
	keys map[string]config.Key
	root *yaml.Node // the top mapping
}

func newTree(t *testing.T) *tree {
	t.Helper()
	var d yaml.Node
	if err := yaml.Unmarshal([]byte(baseYAML), &d); err != nil {
		t.Fatal(err)
	}
	return &tree{t: t, keys: keyIndex(), root: d.Content[0]}
}

// value parses a reference example (or default) as YAML.
func (tr *tree) value(s string) *yaml.Node {
	var d yaml.Node
	if err := yaml.Unmarshal([]byte(s), &d); err != nil || len(d.Content) != 1 {
		tr.t.Fatalf("value %q is not YAML: %v", s, err)
	}
	return d.Content[0]
}

func mapGet(m *yaml.Node, key string) (int, *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return i, m.Content[i+1]
		}
	}
	return -1, nil
}

// splitPath splits a reference path into its parent and last key:
// "datasets[].params.x" → "datasets[].params", "x".
func splitPath(path string) (parent, name string) {
	i := strings.LastIndex(path, ".")
	if i < 0 {
		return "", path
	}
	return path[:i], path[i+1:]
}

// at returns the mapping at path ("" the top, "datasets[]" the first item of
// datasets), creating what is missing when create is set.
func (tr *tree) at(path string, create bool) *yaml.Node {
	cur := tr.root
	if path == "" {
		return cur
	}
	for _, seg := range strings.Split(path, ".") {
		name, isList := strings.CutSuffix(seg, "[]")
		_, next := mapGet(cur, name)
		if next == nil {
			if !create {
				return nil
			}
			next = &yaml.Node{Kind: yaml.MappingNode}
			if isList {
				next.Kind = yaml.SequenceNode
			}
			cur.Content = append(cur.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: name}, next)
		}
		if isList {
			if len(next.Content) == 0 {
				if !create {
					return nil
				}
				next.Content = append(next.Content, &yaml.Node{Kind: yaml.MappingNode})
			}
			next = next.Content[0]
		}
		if next.Kind != yaml.MappingNode {
			tr.t.Fatalf("%s is not a mapping in the file being built", path)
		}
		cur = next
	}
	return cur
}

func (tr *tree) set(path string, v *yaml.Node) {
	parent, name := splitPath(path)
	m := tr.at(parent, true)
	if i, _ := mapGet(m, name); i >= 0 {
		m.Content[i+1] = v
		return
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: name}, v)
}

func (tr *tree) del(path string) {
	parent, name := splitPath(path)
	if m := tr.at(parent, false); m != nil {
		if i, _ := mapGet(m, name); i >= 0 {
			m.Content = slices.Delete(m.Content, i, i+2)
		}
	}
}

// use sets path to its example, with the keys it needs and every required
// key. A section or list, which has no example, is written with its
// required keys only (each key below it is used on its own).
func (tr *tree) use(path string) {
	tr.needs(tr.place(path))
	// A key needs what the sections and lists that hold it need.
	for p := parentKey(path); p != ""; p = parentKey(p) {
		if k, ok := tr.keys[p]; ok {
			tr.needs(k)
		}
	}
	tr.fillRequired()
}

// parentKey is the key that holds path: "datasets[].metrics[].name" →
// "datasets[].metrics".
func parentKey(path string) string {
	p, _ := splitPath(path)
	return strings.TrimSuffix(p, "[]")
}

// place sets path to its example, or writes the section or list.
func (tr *tree) place(path string) config.Key {
	k, ok := tr.keys[path]
	if !ok {
		tr.t.Fatalf("%s is not a key of config.Keys", path)
	}
	switch {
	case k.Example != "":
		tr.set(path, tr.value(k.Example))
	case k.Kind == config.KindList:
		tr.at(path+"[]", true)
	default:
		tr.at(path, true)
	}
	return k
}

// needs sets the keys k needs beside it: to the value given, else to
// their example.
func (tr *tree) needs(k config.Key) {
	for _, n := range k.Needs {
		path, v, found := strings.Cut(n, ": ")
		if !found {
			v = tr.keys[path].Example
		}
		tr.set(path, tr.value(v))
	}
}

// fillRequired sets every required key whose mapping is present.
func (tr *tree) fillRequired() {
	for _, k := range config.Keys() {
		if !k.Required {
			continue
		}
		parent, name := splitPath(k.Path)
		if m := tr.at(parent, false); m != nil {
			if _, v := mapGet(m, name); v == nil {
				tr.set(k.Path, tr.value(k.Example))
			}
		}
	}
}

func (tr *tree) yaml() []byte {
	out, err := yaml.Marshal(tr.root)
	if err != nil {
		tr.t.Fatal(err)
	}
	return out
}

// resolve parses and resolves the file built so far.
func (tr *tree) resolve() (*config.Config, config.Problems) {
	data := tr.yaml()
	f, err := config.Parse("pgdynamo.yaml", data)
	if f == nil {
		tr.t.Fatalf("the file does not parse: %v\n%s", err, data)
	}
	c, err := f.Resolve(anyEnv)
	var ps config.Problems
	if err != nil && !errors.As(err, &ps) {
		tr.t.Fatalf("Resolve returned %T, not Problems: %v", err, err)
	}
	return c, ps
}

// relKey is path as problems name it: relative to the dataset, list items
// numbered.
func relKey(path string) string {
	path = strings.TrimPrefix(path, "datasets[].")
	return strings.ReplaceAll(path, "[]", "[0]")
}

// refusedAs is the key whose refusal covers path: the outermost key marked
// not supported yet at or above it.
func refusedAs(keys map[string]config.Key, path string) string {
	out := path
	for p := path; p != ""; {
		if k, ok := keys[p]; ok && k.NotYet != "" && k.NotYetValue == "" {
			out = p
		}
		p, _ = splitPath(p)
		p = strings.TrimSuffix(p, "[]")
	}
	return out
}

func onlyNotYet(t *testing.T, ps config.Problems, key string, data []byte) {
	t.Helper()
	found := false
	for _, p := range ps {
		if !strings.Contains(p.Msg, "not supported yet") {
			t.Errorf("problem other than a refusal: %v\n%s", p, data)
		}
		found = found || p.Key == key
	}
	if !found {
		t.Errorf("%s is not refused as not supported yet (problems: %v)\n%s", key, ps, data)
	}
}

// TestReferenceKeysAccepted: every key the reference lists, set to its
// example (with what it needs beside it), resolves without a problem — what
// pgdynamo check and serve run before they touch AWS — except keys marked
// not supported yet, which are refused with "not supported yet" and
// nothing else.
func TestReferenceKeysAccepted(t *testing.T) {
	keys := keyIndex()
	for _, rk := range readReference(t) {
		t.Run(rk.path, func(t *testing.T) {
			k, ok := keys[rk.path]
			if !ok {
				t.Fatalf("the reference lists %s, which the loader's key table does not have; run go generate ./config", rk.path)
			}
			notYet := k.NotYet != "" && k.NotYetValue == ""
			if marked := strings.Contains(rk.text, "Not supported yet"); marked != notYet {
				t.Errorf("the reference marks %s not supported yet: %v; the loader refuses it: %v", rk.path, marked, notYet)
			}
			tr := newTree(t)
			tr.use(rk.path)
			_, ps := tr.resolve()
			switch {
			case notYet:
				onlyNotYet(t, ps, relKey(refusedAs(keys, rk.path)), tr.yaml())
			case len(ps) > 0:
				t.Errorf("the reference's example is refused:\n%v\n%s", ps, tr.yaml())
			}
			if k.NotYetValue != "" {
				if !strings.Contains(rk.text, "`"+k.NotYetValue+"` is not supported yet") {
					t.Errorf("the reference does not say %s: %s is not supported yet", rk.path, k.NotYetValue)
				}
				tr.set(rk.path, tr.value(k.NotYetValue))
				_, ps := tr.resolve()
				onlyNotYet(t, ps, relKey(rk.path), tr.yaml())
			}
			if len(k.Needs) > 0 && !notYet {
				alone := newTree(t)
				alone.place(rk.path)
				alone.fillRequired()
				if _, ps := alone.resolve(); len(ps) == 0 {
					t.Errorf("%s is valid without %v: it does not need them", rk.path, k.Needs)
				}
			}
		})
	}
}

// allowedList reads the keys an "unknown key (allowed: a, b)" message lists.
var allowedList = regexp.MustCompile(`unknown key \(allowed: (.*)\)$`)

// TestLoaderKeysInReference: every key the loader accepts is in the
// reference. The loader is asked directly: an unknown key in each mapping it
// reads gets an error listing every key allowed there, and that list must be
// the reference's keys in that mapping.
func TestLoaderKeysInReference(t *testing.T) {
	ref := readReference(t)
	children := map[string][]string{} // mapping path → its keys in the reference
	for _, rk := range ref {
		parent, name := splitPath(rk.path)
		children[parent] = append(children[parent], name)
	}
	for mapping, want := range children {
		t.Run("in "+cmp(mapping == "", "the top", mapping), func(t *testing.T) {
			tr := newTree(t)
			const bogus = "zzzzzzzzzz"
			tr.set(strings.TrimPrefix(mapping+"."+bogus, "."), tr.value("1"))
			tr.fillRequired()
			_, ps := tr.resolve()
			var got []string
			for _, p := range ps {
				if m := allowedList.FindStringSubmatch(p.Msg); m != nil && strings.HasSuffix(p.Key, bogus) {
					got = strings.Split(m[1], ", ")
				}
			}
			if got == nil {
				t.Fatalf("no unknown-key problem listing the allowed keys: %v\n%s", ps, tr.yaml())
			}
			slices.Sort(got)
			want = slices.Sorted(slices.Values(want))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("the loader accepts %v in %s; the reference lists %v", got, cmp(mapping == "", "the top", mapping), want)
			}
		})
	}
}

func cmp(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

// TestReferenceDefaults: a key set to its documented default resolves to
// the same Config as the key left out.
func TestReferenceDefaults(t *testing.T) {
	for _, k := range config.Keys() {
		if k.Default == "" || (k.NotYet != "" && k.NotYetValue == "") {
			continue
		}
		t.Run(k.Path, func(t *testing.T) {
			tr := newTree(t)
			tr.use(k.Path)
			tr.set(k.Path, tr.value(k.Default))
			with, ps := tr.resolve()
			if len(ps) > 0 {
				t.Fatalf("the default %q is refused: %v\n%s", k.Default, ps, tr.yaml())
			}
			tr.del(k.Path)
			without, ps := tr.resolve()
			if len(ps) > 0 {
				t.Fatalf("without the key: %v\n%s", ps, tr.yaml())
			}
			if !reflect.DeepEqual(config.WithoutSource(with), config.WithoutSource(without)) {
				t.Errorf("%s: %s gives\n%+v\nleaving it out gives\n%+v", k.Path, k.Default, with, without)
			}
		})
	}
}

// TestReferenceRequired: leaving out a key marked required, while the
// mapping that holds it is present, is refused as required.
func TestReferenceRequired(t *testing.T) {
	n := 0
	for _, k := range config.Keys() {
		if !k.Required {
			continue
		}
		n++
		t.Run(k.Path, func(t *testing.T) {
			tr := newTree(t)
			tr.use(k.Path)
			tr.del(k.Path)
			_, ps := tr.resolve()
			for _, p := range ps {
				if p.Key == relKey(k.Path) && strings.HasPrefix(p.Msg, "is required") {
					return
				}
			}
			t.Errorf("leaving out %s is not refused as required: %v\n%s", k.Path, ps, tr.yaml())
		})
	}
	if n == 0 {
		t.Fatal("no key is marked required")
	}
}
