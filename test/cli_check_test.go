package test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"gopkg.in/yaml.v3"

	"github.com/pgdynamo/pgdynamo/internal/dynamotest"
)

// TestCLICheckReportsEveryProblem: one pgdynamo check (and serve) run
// reports every problem of a file — an unknown key, a bad value, a missing
// required key and an unset secret — not just the first kind.
func TestCLICheckReportsEveryProblem(t *testing.T) {
	path := writeConfig(t, configHead+`  - from: dynamodb:users
    name: users
    params:
      dynamodb_aws_region: us-east-1
      unest_depth: 1
      scan_segments: lots
      dynamodb_aws_access_key_id: AKIAEXAMPLE
      dynamodb_aws_secret_access_key: ${secrets:check_all_secret}
  - from: dynamodb:orders
    name: orders
`)
	want := []string{
		`pgdynamo.yaml:8: dataset "users": params.unest_depth: unknown key (did you mean unnest_depth?)`,
		`pgdynamo.yaml:9: dataset "users": params.scan_segments: "lots" is not a whole number`,
		`pgdynamo.yaml:11: dataset "users": params.dynamodb_aws_secret_access_key: ${secrets:check_all_secret} is not set (set the environment variable CHECK_ALL_SECRET)`,
		`pgdynamo.yaml:12: dataset "orders": params.dynamodb_aws_region is required`,
	}
	for _, cmd := range []string{"check", "serve"} {
		_, stderr, code := runCLI(t, nil, cmd, "--config", path)
		if code != 1 {
			t.Errorf("pgdynamo %s exited %d, want 1", cmd, code)
		}
		var problems []string
		for _, line := range strings.Split(stderr, "\n") {
			if strings.HasPrefix(line, path) {
				problems = append(problems, strings.TrimPrefix(line, filepath.Dir(path)+string(filepath.Separator)))
			}
		}
		if len(problems) != len(want) {
			t.Errorf("pgdynamo %s reported %d problems, want %d:\n%s", cmd, len(problems), len(want), stderr)
			continue
		}
		for i, w := range want {
			if !strings.HasPrefix(problems[i], w) {
				t.Errorf("pgdynamo %s, problem %d:\n got %s\nwant %s…", cmd, i+1, problems[i], w)
			}
		}
	}
}

// refEntry is one key of docs/configuration.md.
type refEntry struct {
	path     string
	example  string // without backticks; "" for sections and lists
	section  bool   // a section or list: a heading, or a row of kind section or list
	notYet   bool   // refused as not supported yet
	notValue string // the one value refused as not supported yet, if any
}

var (
	refRowRE      = regexp.MustCompile("^\\| `([^`]+)` \\| ")
	refHeadingRE  = regexp.MustCompile("^## `([^`]+)`$")
	refNotYetVals = regexp.MustCompile("\\*\\*`([^`]+)` is not supported yet\\*\\*")
)

// readReferenceFile lists the keys docs/configuration.md documents.
func readReferenceFile(t *testing.T) []refEntry {
	t.Helper()
	data, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	var out []refEntry
	for i, line := range lines {
		if m := refHeadingRE.FindStringSubmatch(line); m != nil && i+2 < len(lines) {
			out = append(out, refEntry{path: m[1], section: true, notYet: strings.Contains(lines[i+2], "**Not supported yet**")})
			continue
		}
		m := refRowRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		cells := strings.Split(strings.ReplaceAll(line, `\|`, "\x00"), " | ")
		if len(cells) != 5 {
			t.Fatalf("docs/configuration.md: row %q has %d cells, want 5", line, len(cells))
		}
		e := refEntry{path: m[1], example: strings.Trim(cells[3], "`"), notYet: strings.Contains(cells[4], "**Not supported yet**")}
		e.section = cells[1] == "section" || cells[1] == "list"
		if v := refNotYetVals.FindStringSubmatch(cells[4]); v != nil {
			e.notValue = v[1]
		}
		out = append(out, e)
	}
	if len(out) < 30 {
		t.Fatalf("docs/configuration.md lists %d keys", len(out))
	}
	return out
}

// nodeAt returns the mapping at a reference path ("" the top, "x[]" the
// first item of list x) under root, creating what is missing.
func nodeAt(root *yaml.Node, path string) *yaml.Node {
	cur := root
	if path == "" {
		return cur
	}
	for _, seg := range strings.Split(path, ".") {
		name, isList := strings.CutSuffix(seg, "[]")
		var next *yaml.Node
		for i := 0; i+1 < len(cur.Content); i += 2 {
			if cur.Content[i].Value == name {
				next = cur.Content[i+1]
			}
		}
		if next == nil {
			next = &yaml.Node{Kind: yaml.MappingNode}
			if isList {
				next = &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{{Kind: yaml.MappingNode}}}
			}
			cur.Content = append(cur.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: name}, next)
		}
		if isList {
			next = next.Content[0]
		}
		cur = next
	}
	return cur
}

// setAt sets the key at a reference path to the YAML value v.
func setAt(t *testing.T, root *yaml.Node, path, v string) {
	t.Helper()
	var val yaml.Node
	if err := yaml.Unmarshal([]byte(v), &val); err != nil {
		t.Fatalf("%s: %q is not YAML: %v", path, v, err)
	}
	parent, name := "", path
	if i := strings.LastIndex(path, "."); i >= 0 {
		parent, name = path[:i], path[i+1:]
	}
	m := nodeAt(root, parent)
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == name {
			m.Content[i+1] = val.Content[0]
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: name}, val.Content[0])
}

// keyPaths lists the key paths set in a parsed file, list items as [].
func keyPaths(n *yaml.Node, prefix string, out map[string]bool) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := n.Content[i].Value
			if prefix != "" {
				p = prefix + "." + p
			}
			out[p] = true
			// on_conflict's keys are column lists, not configuration keys.
			if !strings.HasSuffix(p, "acceleration.on_conflict") {
				keyPaths(n.Content[i+1], p, out)
			}
		}
	case yaml.SequenceNode:
		for _, item := range n.Content {
			keyPaths(item, prefix+"[]", out)
		}
	}
}

// TestCLICheckReferenceKeys: every key of the configuration reference
// (docs/configuration.md) is accepted by pgdynamo check, and every key check
// accepts is in the reference.
//
//   - examples/pgdynamo.yaml sets every supported key of the reference (and
//     nothing else); pgdynamo check accepts it whole against DynamoDB Local.
//   - Every key marked not supported yet, added to it, is refused with
//     "not supported yet", all in one run, and nothing else is reported.
//   - An unknown key in every mapping of the file makes check list the keys
//     it accepts there, all in one run: they are the reference's.
func TestCLICheckReferenceKeys(t *testing.T) {
	ref := readReferenceFile(t)
	server := dynamotest.Shared(t)
	client := dynamotest.SharedClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	users, orders := dynamotest.UniqueTableName("ref_users"), dynamotest.UniqueTableName("ref_orders")
	sk := dynamotest.StringKey("order_id")
	// The tables have streams, so that keys of DynamoDB Streams pass check
	// once they are supported.
	for _, tb := range []struct {
		name string
		pk   dynamotest.KeySpec
		sk   *dynamotest.KeySpec
		item map[string]types.AttributeValue
	}{
		{users, dynamotest.NumberKey("id"), nil, map[string]types.AttributeValue{"id": num(1),
			"metadata": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"ip": &types.AttributeValueMemberS{Value: "192.0.2.1"}}}}},
		{orders, dynamotest.NumberKey("user_id"), &sk, map[string]types.AttributeValue{"user_id": num(1),
			"order_id": &types.AttributeValueMemberS{Value: "o1"}, "amount": &types.AttributeValueMemberN{Value: "9.5"}}},
	} {
		if err := dynamotest.CreateTable(ctx, client, tb.name, tb.pk, tb.sk,
			dynamotest.WithStream(types.StreamViewTypeNewAndOldImages)); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { dynamotest.DeleteTable(context.Background(), client, tb.name) })
		if err := dynamotest.PutItems(ctx, client, tb.name, []map[string]types.AttributeValue{tb.item}); err != nil {
			t.Fatal(err)
		}
	}

	example, err := os.ReadFile("../examples/pgdynamo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.NewReplacer("dynamodb:users ", "dynamodb:"+users+" ", "dynamodb:orders\n", "dynamodb:"+orders+"\n",
		"dynamodb_endpoint: http://127.0.0.1:8000", "dynamodb_endpoint: "+server.Endpoint()).Replace(string(example))
	if strings.Count(text, users)+strings.Count(text, orders) != 2 || !strings.Contains(text, server.Endpoint()) {
		t.Fatalf("examples/pgdynamo.yaml no longer reads the tables users and orders, or sets no endpoint:\n%s", text)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatal(err)
	}
	root := doc.Content[0]
	env := append(server.Env(), "AWS_SESSION_TOKEN=dummy", "PG_GRAFANA_PASSWORD=dummy")
	check := func(name string, root *yaml.Node) (string, string, int) {
		t.Helper()
		data, err := yaml.Marshal(root)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return runCLI(t, env, "check", "--config", path)
	}

	t.Run("every supported key", func(t *testing.T) {
		set := map[string]bool{}
		keyPaths(root, "", set)
		documented := map[string]refEntry{}
		for _, e := range ref {
			documented[e.path] = e
			if !e.notYet && !set[e.path] {
				t.Errorf("examples/pgdynamo.yaml does not set %s", e.path)
			}
			if e.notYet && !strings.Contains(string(example), e.path[strings.LastIndexAny(e.path, ".]")+1:]) {
				t.Errorf("examples/pgdynamo.yaml does not mention %s, refused as not supported yet", e.path)
			}
		}
		for p := range set {
			if e, ok := documented[p]; !ok || e.notYet {
				t.Errorf("examples/pgdynamo.yaml sets %s, which the reference does not list as supported", p)
			}
		}
		stdout, stderr, code := check("every-key.yaml", root)
		if code != 0 || !strings.Contains(stdout, "2 dataset(s) OK") {
			t.Fatalf("pgdynamo check refused a file with every supported key (%d):\n%s%s", code, stdout, stderr)
		}
	})

	t.Run("keys not supported yet", func(t *testing.T) {
		var d yaml.Node
		if err := yaml.Unmarshal([]byte(text), &d); err != nil {
			t.Fatal(err)
		}
		var want []string
		refused := func(path string) bool {
			for _, e := range ref {
				if e.notYet && e.notValue == "" && (strings.HasPrefix(path, e.path+".") || strings.HasPrefix(path, e.path+"[]")) {
					return true
				}
			}
			return false
		}
		for _, e := range ref {
			switch {
			case e.notValue != "":
				setAt(t, d.Content[0], e.path, e.notValue)
			case !e.notYet || e.example == "":
				continue
			default:
				setAt(t, d.Content[0], e.path, e.example)
			}
			rel := strings.TrimPrefix(e.path, "datasets[].")
			if !refused(e.path) {
				want = append(want, rel)
			}
		}
		for _, e := range ref {
			if e.notYet && e.section && !refused(e.path) {
				want = append(want, strings.TrimPrefix(e.path, "datasets[]."))
			}
		}
		if len(want) == 0 {
			t.Log("the reference marks no key not supported yet: nothing to refuse")
			return
		}
		_, stderr, code := check("not-yet.yaml", d.Content[0])
		if code != 1 {
			t.Fatalf("pgdynamo check exited %d, want 1:\n%s", code, stderr)
		}
		var got []string
		for _, line := range strings.Split(stderr, "\n") {
			m := regexp.MustCompile(`^\S+:\d+: dataset "users": (\S+?):? `).FindStringSubmatch(line)
			switch {
			case m == nil:
			case !strings.Contains(line, "not supported yet"):
				t.Errorf("a problem other than a refusal: %s", line)
			default:
				got = append(got, m[1])
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("refused as not supported yet: %v\nwant (the reference's) %v\n%s", got, want, stderr)
		}
	})

	t.Run("every key check accepts is in the reference", func(t *testing.T) {
		var d yaml.Node
		if err := yaml.Unmarshal([]byte(text), &d); err != nil {
			t.Fatal(err)
		}
		const bogus = "zzzzzzzzzz"
		children := map[string][]string{}
		for _, e := range ref {
			parent, name := "", e.path
			if i := strings.LastIndex(e.path, "."); i >= 0 {
				parent, name = e.path[:i], e.path[i+1:]
			}
			children[parent] = append(children[parent], name)
		}
		for mapping := range children {
			setAt(t, d.Content[0], strings.TrimPrefix(mapping+"."+bogus, "."), "1")
		}
		if len(children) < 12 {
			t.Fatalf("the reference has only %d mappings of keys", len(children))
		}
		_, stderr, code := check("unknown-keys.yaml", d.Content[0])
		if code != 1 {
			t.Fatalf("pgdynamo check exited %d, want 1:\n%s", code, stderr)
		}
		line := regexp.MustCompile(`^\S+:\d+: (?:dataset "users": )?(\S*?)` + bogus + `: unknown key \(allowed: (.*)\)$`)
		got := map[string][]string{}
		for _, l := range strings.Split(stderr, "\n") {
			m := line.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			mapping := strings.TrimSuffix(regexp.MustCompile(`\[\d+\]`).ReplaceAllString(m[1], "[]"), ".")
			if strings.Contains(l, `dataset "users": `) {
				mapping = strings.TrimSuffix("datasets[]."+mapping, ".")
			}
			got[mapping] = strings.Split(m[2], ", ")
		}
		for mapping, want := range children {
			accepted, ok := got[mapping]
			if !ok {
				t.Errorf("check did not list the keys it accepts in %q:\n%s", mapping, stderr)
				continue
			}
			slices.Sort(accepted)
			want = slices.Sorted(slices.Values(want))
			if !slices.Equal(accepted, want) {
				t.Errorf("in %q check accepts %v; the reference lists %v", mapping, accepted, want)
			}
		}
	})
}
