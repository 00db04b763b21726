package gateway_test

import (
	"testing"
	"time"

	"github.com/pgdynamo/pgdynamo/config"
	"github.com/pgdynamo/pgdynamo/gateway"
	"github.com/pgdynamo/pgdynamo/wire"
)

// TestPGMillis: log_min_duration_statement shows as PostgreSQL shows it.
func TestPGMillis(t *testing.T) {
	for d, want := range map[time.Duration]string{
		config.LogMinDurationDisabled: "-1",
		0:                             "0",
		250 * time.Millisecond:        "250ms",
		1500 * time.Millisecond:       "1500ms",
		2 * time.Second:               "2s",
		90 * time.Second:              "90s",
		time.Minute:                   "1min",
		3 * time.Hour:                 "3h",
		48 * time.Hour:                "2d",
		500 * time.Microsecond:        "0.5ms",
	} {
		if got := gateway.PGMillis(d); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}

// TestLimitDefaultsAgree: config's defaults for the file and wire's for a
// zero Config are two copies (neither package may import the other); SHOW
// reports wire's, so they must be the same.
func TestLimitDefaultsAgree(t *testing.T) {
	var w wire.Config
	if got := w.EffectiveMaxConnections(); got != config.DefaultMaxConnections {
		t.Errorf("wire's default max_connections is %d, config's %d", got, config.DefaultMaxConnections)
	}
	if got := w.EffectiveAuthenticationTimeout(); got != config.DefaultAuthenticationTimeout {
		t.Errorf("wire's default authentication_timeout is %v, config's %v", got, config.DefaultAuthenticationTimeout)
	}
}
