package examples_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pgdynamo/pgdynamo/config"
)

// exampleEnv is what the examples' references need: the secrets of pgdynamo.yaml and
// compose.yaml's role password (set by docker-compose.yml).
var exampleEnv = map[string]string{
	"PG_GRAFANA_PASSWORD":   "example-password",
	"AWS_ACCESS_KEY_ID":     "AKIDEXAMPLE",
	"AWS_SECRET_ACCESS_KEY": "example-secret",
	"AWS_SESSION_TOKEN":     "example-token",
}

// TestExamplesResolve strictly parses (unknown keys are errors), resolves and validates
// every example configuration.
func TestExamplesResolve(t *testing.T) {
	files, err := filepath.Glob("*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("found %d example configurations, want demo.yaml, compose.yaml and pgdynamo.yaml", len(files))
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			file, err := config.Load(f)
			if err != nil {
				t.Fatalf("%v", err)
			}
			cfg, err := file.Resolve(func(k string) (string, bool) { v, ok := exampleEnv[k]; return v, ok })
			if err != nil {
				t.Fatalf("%v", err)
			}
			if len(cfg.Datasets) == 0 {
				t.Errorf("%s declares no dataset", f)
			}
		})
	}
}

// TestDemoNamesNoEndpoint: the demo's endpoint comes from AWS_ENDPOINT_URL_DYNAMODB.
func TestDemoNamesNoEndpoint(t *testing.T) {
	for _, f := range []string{"demo.yaml", "compose.yaml"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "dynamodb_endpoint:") {
				t.Errorf("%s:%d sets dynamodb_endpoint; the endpoint must come from AWS_ENDPOINT_URL_DYNAMODB", f, i+1)
			}
		}
	}
}
