//go:build linux

package main

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary be the benchmark's gateway child too: the
// benchmark re-runs its own executable with childCommand.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == childCommand {
		os.Exit(serveGateway(os.Args[2:]))
	}
	os.Exit(m.Run())
}

// TestBenchReportsEveryFigure runs the whole benchmark at a tiny scale
// against its own DynamoDB Local and gateway child: every measure of the
// issue gets a row, with figures, and the drains read every item.
func TestBenchReportsEveryFigure(t *testing.T) {
	var out, log bytes.Buffer
	code := run([]string{"-items", "300", "-rss-rows", "900", "-rounds", "1", "-samples", "20",
		"-duration", "200ms", "-clients", "1,3"}, &out, &log)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, log.String())
	}
	t.Log(log.String())
	report := out.String()
	for _, want := range []string{
		"| Full drain, wall |", "| Full drain, CPU (gateway ÷ raw scanner) |",
		"| Key lookup p50 |", "| Key lookup p99 |", "| Gateway CPU per lookup |",
		"| Lookups/s, 1 client(s) |", "| Lookups/s, 3 client(s) |",
		"| SELECT 1 p50, prepared |", "| SELECT 1 p50, simple query |",
		"| Peak RSS draining 900 vs 300 rows (fresh gateways) |",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	for _, line := range strings.Split(report, "\n") {
		if strings.Contains(line, "| NaN") || strings.Contains(line, "+Inf") {
			t.Errorf("a figure is not a number: %s", line)
		}
	}
}

func TestParseUsage(t *testing.T) {
	u, err := parseUsage("usage 1500000 250000 73400320")
	if err != nil {
		t.Fatal(err)
	}
	if u.user != 1500*time.Microsecond || u.sys != 250*time.Microsecond || u.maxRSS != 73400320 || u.cpu() != 1750*time.Microsecond {
		t.Fatalf("parsed %+v", u)
	}
	for _, bad := range []string{"", "usage 1 2", "usage a b c", "error boom", "usage 1 2 3 4"} {
		if _, err := parseUsage(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestBestTakesEachMinimumOnItsOwn(t *testing.T) {
	got := best([]cost{{wall: 3 * time.Second, cpu: time.Second}, {wall: 2 * time.Second, cpu: 4 * time.Second}})
	if got.wall != 2*time.Second || got.cpu != time.Second {
		t.Fatalf("best = %+v", got)
	}
}

func TestPercentileNearestRank(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i))
	}
	for p, want := range map[float64]time.Duration{0.5: 50, 0.99: 99, 1: 100, 0.001: 1} {
		if got := percentile(d, p); got != want {
			t.Errorf("p%v = %d, want %d", p, got, want)
		}
	}
}

func TestOptionsRefuseNonsense(t *testing.T) {
	for _, args := range [][]string{{"-clients", "1,x"}, {"-items", "0"}, {"-rounds", "0"}, {"extra"}, {"-items", "300", "-rss-rows", "1000"}} {
		if _, err := parseOptions(args, io.Discard); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
	o, err := parseOptions(nil, io.Discard)
	if err != nil || o.items != 100_000 || o.segments != 4 || o.rounds != 3 || len(o.clients) != 3 {
		t.Fatalf("defaults %+v, %v", o, err)
	}
}
