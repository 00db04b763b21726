package config_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/pgdynamo/pgdynamo/config"
)

func TestSecretRedaction(t *testing.T) {
	const value = "hunter2-VALUE"
	s := config.Secret(value)
	if s.Reveal() != value {
		t.Fatalf("Reveal = %q", s.Reveal())
	}
	c := config.Config{
		Runtime:  config.Runtime{PG: config.PG{Users: []config.User{{Name: "grafana", Password: s}}}},
		Datasets: []config.Dataset{{Name: "users", SecretAccessKey: s, SessionToken: s}},
	}
	jsonBytes, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := s.MarshalText()
	var textLog, jsonLog bytes.Buffer
	slog.New(slog.NewTextHandler(&textLog, nil)).Info("config", "secret", s, "config", c, "user", c.Runtime.PG.Users[0])
	slog.New(slog.NewJSONHandler(&jsonLog, nil)).Info("config", "secret", s, "config", c)

	outputs := map[string]string{
		"String":      s.String(),
		"GoString":    s.GoString(),
		"%v":          fmt.Sprintf("%v", s),
		"%s":          fmt.Sprintf("%s", s),
		"%q":          fmt.Sprintf("%q", s),
		"%x":          fmt.Sprintf("%x", s),
		"%#v":         fmt.Sprintf("%#v", s),
		"%+v config":  fmt.Sprintf("%+v", c),
		"%#v config":  fmt.Sprintf("%#v", c),
		"%v pointer":  fmt.Sprintf("%v", &c.Datasets[0]),
		"Println":     fmt.Sprintln(s, c),
		"json":        string(jsonBytes),
		"MarshalText": string(text),
		"slog text":   textLog.String(),
		"slog json":   jsonLog.String(),
	}
	for how, out := range outputs {
		if strings.Contains(out, value) {
			t.Errorf("%s shows the secret: %s", how, out)
		}
		if !strings.Contains(out, "[redacted]") {
			t.Errorf("%s does not say [redacted]: %s", how, out)
		}
	}
	if got := fmt.Sprintf("%q", s); got != `"[redacted]"` {
		t.Errorf("%%q = %s", got)
	}

	var empty config.Secret
	for how, got := range map[string]string{
		"String": empty.String(), "%v": fmt.Sprintf("%v", empty), "GoString": empty.GoString(),
	} {
		if got != "" {
			t.Errorf("empty secret %s = %q, want \"\"", how, got)
		}
	}
	if b, _ := json.Marshal(empty); string(b) != `""` {
		t.Errorf("empty secret JSON = %s", b)
	}
}
