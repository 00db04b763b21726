package test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/pgdynamo/pgdynamo/config"
	"github.com/pgdynamo/pgdynamo/internal/ddbproxy"
	"github.com/pgdynamo/pgdynamo/internal/demo"
	"github.com/pgdynamo/pgdynamo/internal/dynamotest"
)

// The documentation (docs/*.md, README.md) is kept true by these tests:
// its configuration snippets resolve, its links lead somewhere, the make
// targets it names exist, its SQL runs against the demo data as the demo
// serves it, and its IAM policy allows every DynamoDB operation pgdynamo
// makes.

// docFiles are the Markdown files of docs/, relative to test/.
func docFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 8 {
		t.Fatalf("found %d pages in docs/, want at least 8", len(files))
	}
	return files
}

// fence is one fenced code block of a Markdown file.
type fence struct {
	file string
	line int    // of the opening fence
	lang string // its info string
	body string
}

func (f fence) String() string {
	return fmt.Sprintf("%s:%d", strings.TrimPrefix(f.file, "../"), f.line)
}

// fences lists the fenced blocks of the given language in files.
func fences(t *testing.T, lang string, files ...string) []fence {
	t.Helper()
	var out []fence
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var cur *fence
		indent := ""
		for i, line := range strings.Split(string(data), "\n") {
			trimmed := strings.TrimSpace(line)
			switch {
			case cur == nil && strings.HasPrefix(trimmed, "```"):
				cur = &fence{file: file, line: i + 1, lang: strings.TrimPrefix(trimmed, "```")}
				// A block inside a list item is indented like its fence.
				indent = line[:len(line)-len(strings.TrimLeft(line, " "))]
			case cur != nil && trimmed == "```":
				if cur.lang == lang {
					out = append(out, *cur)
				}
				cur = nil
			case cur != nil:
				cur.body += strings.TrimPrefix(line, indent) + "\n"
			}
		}
		if cur != nil {
			t.Errorf("%s:%d: unterminated code block", file, cur.line)
		}
	}
	return out
}

// anyVariable sets every variable a reference names.
func anyVariable(name string) (string, bool) { return "doc-" + strings.ToLower(name), true }

// TestDocsYAMLResolves: every ```yaml block of docs/ is a complete
// configuration that parses and resolves, as pgdynamo check would before
// it calls AWS.
func TestDocsYAMLResolves(t *testing.T) {
	blocks := fences(t, "yaml", docFiles(t)...)
	if len(blocks) == 0 {
		t.Fatal("no yaml block in docs/")
	}
	for _, b := range blocks {
		f, err := config.Parse(b.String(), []byte(b.body))
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if _, err := f.Resolve(anyVariable); err != nil {
			t.Errorf("%v", err)
		}
	}
}

// TestDocsIAMPolicyIsMinimal: the IAM policy of docs/aws.md is valid JSON
// that allows exactly DescribeTable, Scan and Query; TestDocsAgainstDemo
// proves that it suffices.
func TestDocsIAMPolicyIsMinimal(t *testing.T) {
	actions := docPolicyActions(t)
	if want := []string{"DescribeTable", "Query", "Scan"}; !slices.Equal(actions, want) {
		t.Errorf("the policy allows %v, want %v", actions, want)
	}
}

// docPolicyActions reads the DynamoDB actions the IAM policy of
// docs/aws.md allows, without the "dynamodb:" prefix, sorted.
func docPolicyActions(t *testing.T) []string {
	t.Helper()
	blocks := fences(t, "json", "../docs/aws.md")
	if len(blocks) != 1 {
		t.Fatalf("docs/aws.md has %d json blocks, want the IAM policy only", len(blocks))
	}
	var policy struct {
		Version   string
		Statement []struct {
			Effect   string
			Action   []string
			Resource any
		}
	}
	dec := json.NewDecoder(strings.NewReader(blocks[0].body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&policy); err != nil {
		t.Fatalf("%v: the IAM policy: %v", blocks[0], err)
	}
	if policy.Version != "2012-10-17" || len(policy.Statement) != 1 || policy.Statement[0].Effect != "Allow" {
		t.Fatalf("%v: the IAM policy is not one Allow statement of version 2012-10-17", blocks[0])
	}
	var actions []string
	for _, a := range policy.Statement[0].Action {
		op, ok := strings.CutPrefix(a, "dynamodb:")
		if !ok {
			t.Errorf("%v: action %q is not a DynamoDB action", blocks[0], a)
		}
		actions = append(actions, op)
	}
	slices.Sort(actions)
	return actions
}

var (
	mdLink    = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	mdHeading = regexp.MustCompile(`^#{1,6} (.+)$`)
)

// slug is GitHub's anchor for a heading.
func slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestDocsLinks: every relative link of docs/ and the README names a file
// of the repository, and an anchor that one of its headings makes.
func TestDocsLinks(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	files := append(docFiles(t), "../README.md")
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f != "../README.md" && !strings.Contains(string(readme), "(docs/"+filepath.Base(f)+")") {
			t.Errorf("the README does not link %s", strings.TrimPrefix(f, "../"))
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mdLink.FindAllStringSubmatch(string(data), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			path, anchor, _ := strings.Cut(target, "#")
			full := f
			if path != "" {
				full = filepath.Join(filepath.Dir(f), filepath.FromSlash(path))
			}
			abs, err := filepath.Abs(full)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(abs, root+string(filepath.Separator)) {
				t.Errorf("%s links %s, outside the repository", f, target)
				continue
			}
			if _, err := os.Stat(abs); err != nil {
				t.Errorf("%s links %s: %v", f, target, err)
				continue
			}
			if anchor == "" || !strings.HasSuffix(abs, ".md") {
				continue
			}
			body, err := os.ReadFile(abs)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, line := range strings.Split(string(body), "\n") {
				if h := mdHeading.FindStringSubmatch(line); h != nil && slug(h[1]) == anchor {
					found = true
				}
			}
			if !found {
				t.Errorf("%s links %s, but %s has no heading with anchor #%s", f, target, path, anchor)
			}
		}
	}
}

// TestDocsMakeTargets: every `make TARGET` the docs mention is a target of
// the Makefile.
func TestDocsMakeTargets(t *testing.T) {
	mk, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	makeCmd := regexp.MustCompile("(?m)(?:^|`)make ([a-z][a-z0-9-]*)")
	for _, f := range docFiles(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range makeCmd.FindAllStringSubmatch(string(data), -1) {
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(m[1]) + `:`).Match(mk) {
				t.Errorf("%s mentions make %s, which the Makefile does not define", f, m[1])
			}
		}
	}
}

// grafanaRange is the dashboard time range docs' Grafana queries are
// expanded with.
var grafanaRange = [2]string{"2024-01-01T00:00:00Z", "2025-07-01T00:00:00Z"}

var grafanaMacro = regexp.MustCompile(`\$__(\w+)\(([^()]*)\)`)

// expandGrafana expands the Grafana PostgreSQL macros as Grafana's backend
// does before it sends a query (see CLIENTS.md and clients_grafana_test.go).
func expandGrafana(t *testing.T, sql string) string {
	t.Helper()
	return grafanaMacro.ReplaceAllStringFunc(sql, func(m string) string {
		sub := grafanaMacro.FindStringSubmatch(m)
		args := strings.Split(sub[2], ",")
		for i := range args {
			args[i] = strings.TrimSpace(args[i])
		}
		switch sub[1] {
		case "timeFilter":
			return fmt.Sprintf("%s BETWEEN '%s' AND '%s'", args[0], grafanaRange[0], grafanaRange[1])
		case "time":
			return args[0] + ` AS "time"`
		case "timeGroup", "timeGroupAlias":
			if len(args) < 2 {
				t.Fatalf("%s needs a column and an interval", m)
			}
			interval := strings.Trim(args[1], "'")
			var d time.Duration
			var err error
			if days, ok := strings.CutSuffix(interval, "d"); ok {
				var n int
				n, err = strconv.Atoi(days)
				d = time.Duration(n) * 24 * time.Hour
			} else {
				d, err = time.ParseDuration(interval)
			}
			if err != nil || d <= 0 {
				t.Fatalf("%s: interval %q: %v", m, interval, err)
			}
			s := int64(d.Seconds())
			out := fmt.Sprintf("floor(extract(epoch from %s)/%d)*%d", args[0], s, s)
			if sub[1] == "timeGroupAlias" {
				out += ` AS "time"`
			}
			return out
		}
		t.Fatalf("Grafana macro %s is not expanded by this test; add it", m)
		return m
	})
}

// demoConfig writes examples/demo.yaml with the demo tables renamed to
// tables, reading DynamoDB through endpoint with dummy keys, listening on
// free loopback ports, and returns its path.
func demoConfig(t *testing.T, tables map[string]string, endpoint string) string {
	t.Helper()
	data, err := os.ReadFile("../examples/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for from, to := range tables {
		text = strings.ReplaceAll(text, "from: dynamodb:"+from+"\n", "from: dynamodb:"+to+"\n")
	}
	text = strings.ReplaceAll(text, "      dynamodb_aws_region: us-east-1\n",
		"      dynamodb_aws_region: us-east-1\n      dynamodb_endpoint: "+endpoint+
			"\n      dynamodb_aws_access_key_id: dummy\n      dynamodb_aws_secret_access_key: dummy\n")
	text += "runtime:\n  pg:\n    listen: 127.0.0.1:0\n  metrics:\n    listen: 127.0.0.1:0\n"
	return writeConfig(t, text)
}

// seedDemo creates the demo tables (internal/demo) under unique names and
// returns demo name → table name.
func seedDemo(t *testing.T) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	client := dynamotest.SharedClient(t)
	names := map[string]string{}
	for _, tb := range demo.Tables() {
		name := dynamotest.UniqueTableName("doc_" + tb.Name)
		if err := dynamotest.CreateTable(ctx, client, name, tb.PartitionKey, tb.SortKey, tb.Options...); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { dynamotest.DeleteTable(context.Background(), client, name) })
		if err := dynamotest.PutItems(ctx, client, name, tb.Items()); err != nil {
			t.Fatal(err)
		}
		names[tb.Name] = name
	}
	return names
}

// TestDocsAgainstDemo serves the demo data with examples/demo.yaml through
// a proxy that records every DynamoDB operation, runs every ```sql block of
// docs/ (Grafana's macros expanded as Grafana does; results checked as
// Grafana's backend reads them), runs pgdynamo check, and then requires
// every operation seen to be allowed by the IAM policy of docs/aws.md.
func TestDocsAgainstDemo(t *testing.T) {
	tables := seedDemo(t)
	proxy := ddbproxy.Start(t, dynamotest.Shared(t).Endpoint())
	path := demoConfig(t, tables, proxy.Endpoint())
	gw := startAccelGateway(t, path)
	waitReady(t, gw.MetricsAddr().String())

	blocks := fences(t, "sql", docFiles(t)...)
	if len(blocks) < 5 {
		t.Fatalf("found %d sql blocks in docs/", len(blocks))
	}
	timeTypes := map[uint32]bool{pgtype.TimestampOID: true, pgtype.TimestamptzOID: true, pgtype.DateOID: true,
		pgtype.NumericOID: true, pgtype.Float8OID: true, pgtype.Int8OID: true}
	for _, b := range blocks {
		t.Run(b.String(), func(t *testing.T) {
			sql := expandGrafana(t, b.body)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			frames, err := grafanaQuery(ctx, connect(t, gw), sql)
			if err != nil {
				t.Fatalf("%s\n%s", describeErr(err), sql)
			}
			for _, fr := range frames {
				for i, n := range fr.names {
					if n == "time" && !timeTypes[fr.oids[i]] {
						t.Errorf("column time has type OID %d, which Grafana does not take as time\n%s", fr.oids[i], sql)
					}
				}
				if strings.Contains(b.file, "grafana") && strings.Contains(b.body, "$__") && len(fr.values) == 0 {
					t.Errorf("no rows in the dashboard's time range\n%s", sql)
				}
			}
		})
	}

	// pgdynamo check, as a user runs it, through the same proxy.
	if _, stderr, code := runCLI(t, nil, "check", "--config", path); code != 0 {
		t.Errorf("pgdynamo check on the demo configuration failed (%d):\n%s", code, stderr)
	}

	allowed := docPolicyActions(t)
	seen := proxy.Counts()
	for op, n := range seen {
		if n > 0 && !slices.Contains(allowed, op) {
			t.Errorf("pgdynamo called DynamoDB %s (%d times), which the IAM policy of docs/aws.md does not allow", op, n)
		}
	}
	for _, op := range allowed {
		if seen[op] == 0 {
			t.Errorf("the docs' queries never called %s: the workload does not prove the policy", op)
		}
	}
}

// TestDocsQuotedMessages: the messages the docs quote are the ones
// pgdynamo prints.
func TestDocsQuotedMessages(t *testing.T) {
	read := func(name string) string {
		data, err := os.ReadFile("../docs/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	aws, trouble := read("aws.md"), read("troubleshooting.md")
	// unprefixed drops "FILE:LINE: " from a configuration problem.
	unprefixed := func(msg string) string { return regexp.MustCompile(`^\S+:\d+: `).ReplaceAllString(msg, "") }

	f, err := config.Parse("pgdynamo.yaml", []byte(configHead+
		"  - from: dynamodb:users\n    name: users\n    params:\n      dynamodb_aws_region: us-west-2\n"+
		"      dynamodb_aws_access_key_id: AKIAEXAMPLE\n      dynamodb_aws_secret_access_key: ${secrets:aws_secret_access_key}\n"+
		"runtime:\n  pg:\n    listen: 0.0.0.0:5433\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Resolve(func(string) (string, bool) { return "", false })
	if err == nil {
		t.Fatal("a file with problems resolved")
	}
	for _, msg := range strings.Split(err.Error(), "\n") {
		switch {
		case strings.Contains(msg, "runtime.pg.listen") && !strings.Contains(aws, unprefixed(msg)):
			t.Errorf("docs/aws.md does not quote %q", unprefixed(msg))
		case strings.Contains(msg, "is not set") && !strings.Contains(trouble, unprefixed(msg)):
			t.Errorf("docs/troubleshooting.md does not quote %q", unprefixed(msg))
		}
	}

	f2, gw := fixtureGateway(t, nil)
	env := dynamotest.Shared(t).Env()
	missing := dynamotest.UniqueTableName("missing")
	_, stderr, code := runCLI(t, env, "check", "--config", writeConfig(t, configHead+
		"  - from: dynamodb:"+missing+"\n    name: users\n    params:\n      dynamodb_aws_region: us-east-1\n"))
	want := `dataset "users": DynamoDB table "` + missing + `" not found in region us-east-1`
	if code == 0 || !strings.Contains(stderr, want) {
		t.Errorf("check of a missing table (%d): stderr lacks %q:\n%s", code, want, stderr)
	}
	if quoted := strings.ReplaceAll(want, missing, "users"); !strings.Contains(trouble, quoted) {
		t.Errorf("docs/troubleshooting.md does not quote %q", quoted)
	}
	// DynamoDB Local's x-amz-crc32: 0 on an error response makes the SDK warn.
	const checksum = "response did not match expected checksum"
	if !strings.Contains(stderr, checksum) || !strings.Contains(trouble, checksum) {
		t.Errorf("docs/troubleshooting.md explains the SDK warning %q; check printed:\n%s", checksum, stderr)
	}

	addr := gw.Addr().String()
	_, stderr, code = runCLI(t, env, "serve", "--listen", addr, "--config", writeConfig(t, configHead+
		"  - from: dynamodb:"+f2.peopleTable+"\n    name: people\n    params:\n      dynamodb_aws_region: us-east-1\n"))
	want = "pgdynamo: listening on " + addr + ": listen tcp " + addr + ": bind: address already in use"
	if code == 0 || !strings.Contains(stderr, want) {
		t.Errorf("serve on a port in use (%d): stderr lacks %q:\n%s", code, want, stderr)
	}
	if quoted := strings.ReplaceAll(want, addr, "127.0.0.1:5433"); !strings.Contains(trouble, quoted) {
		t.Errorf("docs/troubleshooting.md does not quote %q", quoted)
	}
}
