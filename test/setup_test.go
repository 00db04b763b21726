package test

// The first hour of a new user: the README's set-up commands, what
// `make test` says on a machine that lacks something, and `make demo-check`.

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pgdynamo/pgdynamo/internal/demo"
	"github.com/pgdynamo/pgdynamo/internal/dynamotest"
)

// TestREADMESetUpIsTwoCommands: the README's "Set up on a fresh machine"
// section shows exactly `make demo` and `make test`, and "Try it" follows it.
func TestREADMESetUpIsTwoCommands(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var (
		section  string
		sections []string
		commands []string
		inCode   bool
	)
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "## ") && !inCode {
			section = strings.TrimPrefix(line, "## ")
			sections = append(sections, section)
			continue
		}
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
			continue
		}
		if inCode && section == "Set up on a fresh machine" {
			cmd, _, _ := strings.Cut(line, "#")
			if cmd = strings.TrimSpace(cmd); cmd != "" {
				commands = append(commands, cmd)
			}
		}
	}
	if want := []string{"make demo", "make test"}; !reflect.DeepEqual(commands, want) {
		t.Errorf("README set-up commands are %q, want exactly %q", commands, want)
	}
	for i, s := range sections {
		if s == "Set up on a fresh machine" {
			if i+1 >= len(sections) || sections[i+1] != "Try it" {
				t.Errorf("the section after set-up is not \"Try it\": %q", sections[i+1:])
			}
			return
		}
	}
	t.Errorf("README has no \"Set up on a fresh machine\" section: %q", sections)
}

// TestDepsExplainsWhatIsMissing runs scripts/deps.sh, as `make test` does,
// on a PATH without java and javac, as a user who is not root: it installs
// nothing and names what is missing with the apt-get line that installs it.
func TestDepsExplainsWhatIsMissing(t *testing.T) {
	bin := t.TempDir()
	// Every command of PATH but java and javac; id says uid 1000, and
	// apt-get must not be run at all.
	seen := map[string]bool{"java": true, "javac": true, "id": true, "apt-get": true, "sudo": true}
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range ents {
			if seen[e.Name()] {
				continue
			}
			seen[e.Name()] = true
			if err := os.Symlink(filepath.Join(dir, e.Name()), filepath.Join(bin, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}
	script := func(name, body string) {
		if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	script("id", `case "$1" in -u) echo 1000;; *) echo "uid=1000(tester)";; esac`)
	script("apt-get", `echo "apt-get $* must not run" >&2; exit 99`)
	_, haveApt := exec.LookPath("apt-get")

	for _, cmd := range []string{"install", "check"} {
		t.Run(cmd, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			c := exec.CommandContext(ctx, "bash", "../scripts/deps.sh", cmd, "test")
			c.Env = []string{"PATH=" + bin, "HOME=" + t.TempDir(), "PGDYNAMO_CACHE=" + t.TempDir()}
			var stderr bytes.Buffer
			c.Stdout, c.Stderr = io.Discard, &stderr
			err := c.Run()
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() != 1 {
				t.Fatalf("deps.sh %s: %v, want exit status 1\n%s", cmd, err, stderr.String())
			}
			out := stderr.String()
			want := []string{"make test needs these, which are missing", "javac (a JDK"}
			if haveApt == nil {
				want = append(want, "sudo apt-get update && sudo apt-get install -y --no-install-recommends ", "jdk-headless")
			}
			for _, w := range want {
				if !strings.Contains(out, w) {
					t.Errorf("deps.sh %s says nothing of %q:\n%s", cmd, w, out)
				}
			}
			if strings.Contains(out, "must not run") || strings.Contains(out, "installing") {
				t.Errorf("deps.sh %s tried to install:\n%s", cmd, out)
			}
		})
	}
}

// TestDemoCheck runs what `make demo-check` runs, scripts/demo.sh check,
// against a DynamoDB Local seeded as `make demo` seeds it: it must accept
// examples/demo.yaml, whatever AWS settings the user's shell holds.
func TestDemoCheck(t *testing.T) {
	server := dynamotest.Shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := demo.Seed(ctx, server.Client(ctx), io.Discard); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(server.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	c := exec.CommandContext(ctx, "bash", "../scripts/demo.sh", "check")
	c.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(),
		"PGDYNAMO_DEMO_DYNAMODB_PORT=" + u.Port(), "PGDYNAMO_BIN=" + pgdynamoBinary(t),
		// A user's own AWS settings must not leak into the demo's.
		"AWS_PROFILE=no-such-profile", "AWS_SESSION_TOKEN=not-for-dynamodb-local", "AWS_ACCESS_KEY_ID=AKIAREALKEY"}
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		t.Fatalf("scripts/demo.sh check: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	for _, w := range []string{"dataset public.users", "dataset public.orders", "accelerated", "examples/demo.yaml: 2 dataset(s) OK"} {
		if !strings.Contains(stdout.String(), w) {
			t.Errorf("check output lacks %q:\n%s", w, stdout.String())
		}
	}
	// It says the command it runs, one a user can paste.
	if w := "AWS_ENDPOINT_URL_DYNAMODB=" + server.Endpoint() + " AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=dummy AWS_SECRET_ACCESS_KEY=dummy "; !strings.Contains(stderr.String(), w) {
		t.Errorf("demo.sh check does not print the command it runs (%q):\n%s", w, stderr.String())
	}
}
