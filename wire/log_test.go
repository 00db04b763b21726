package wire_test

import (
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pgdynamo/pgdynamo/wire"
)

// logRecord is one JSON log line.
type logRecord map[string]any

func (r logRecord) str(key string) string { s, _ := r[key].(string); return s }

// serveLogged serves fuzzEngine with cfg, logging JSON at debug into the
// returned buffer.
func serveLogged(t *testing.T, cfg wire.Config) (string, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	cfg.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := wire.NewServer(cfg, fuzzEngine{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown(t.Context()) })
	return ln.Addr().String(), logs
}

// records parses every line of logs; a line that is not JSON fails the test.
func records(t *testing.T, logs *logBuffer) []logRecord {
	t.Helper()
	var out []logRecord
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if line == "" {
			continue
		}
		var r logRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line is not JSON: %v\n%s", err, line)
		}
		out = append(out, r)
	}
	return out
}

// roundTrip sends msgs and reads up to ReadyForQuery.
func roundTrip(t *testing.T, fe *pgproto3.Frontend, msgs ...pgproto3.FrontendMessage) {
	t.Helper()
	for _, m := range msgs {
		fe.Send(m)
	}
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	for {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := msg.(*pgproto3.ReadyForQuery); ok {
			return
		}
	}
}

// login starts a session with the given startup parameters.
func login(t *testing.T, addr string, params map[string]string) (net.Conn, *pgproto3.Frontend) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: params})
	roundTrip(t, fe)
	return nc, fe
}

// waitFor polls the log until a record with msg appears.
func waitFor(t *testing.T, logs *logBuffer, msg string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), `"msg":"`+msg+`"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q line:\n%s", msg, logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestLogSession: a session logs its opening and closing at info, each
// failed statement at warn with its SQLSTATE and text, and completed ones at
// debug only (log_min_duration_statement -1); a parameter value quoted by an
// error message is replaced by its placeholder.
func TestLogSession(t *testing.T) {
	addr, logs := serveLogged(t, wire.Config{LogMinDurationStatement: -1})
	nc, fe := login(t, addr, map[string]string{"user": "ana", "database": "shop", "application_name": "grafana"})
	roundTrip(t, fe, &pgproto3.Query{String: "SELECT 1"})
	roundTrip(t, fe, &pgproto3.Query{String: "fail"})
	const secret = "sekrit-param-value"
	roundTrip(t, fe, &pgproto3.Parse{Query: "SELECT $1"},
		&pgproto3.Bind{Parameters: [][]byte{[]byte(secret)}}, &pgproto3.Execute{}, &pgproto3.Sync{})
	roundTrip(t, fe, &pgproto3.Parse{Query: "SELECT $1 -- ok"},
		&pgproto3.Bind{Parameters: [][]byte{[]byte("42")}}, &pgproto3.Execute{}, &pgproto3.Sync{})
	roundTrip(t, fe, &pgproto3.Execute{Portal: "nope"}, &pgproto3.Sync{})
	fe.Send(&pgproto3.Terminate{})
	fe.Flush()
	nc.Close()
	waitFor(t, logs, "connection closed")

	if strings.Contains(logs.String(), secret) {
		t.Errorf("a parameter value was logged:\n%s", logs)
	}
	var got []string
	for _, r := range records(t, logs) {
		if r.str("user") != "ana" || r.str("database") != "shop" || r.str("application_name") != "grafana" || r["pid"] == nil {
			t.Errorf("line not scoped to the session: %v", r)
		}
		line := r.str("level") + " " + r.str("msg")
		for _, k := range []string{"sqlstate", "message", "statement", "tag"} {
			if v, ok := r[k]; ok {
				line += " " + k + "=" + v.(string)
			}
		}
		got = append(got, line)
		switch r.str("msg") {
		case "connection opened":
			if !strings.HasPrefix(r.str("remote"), "127.0.0.1:") || r["tls"] != false {
				t.Errorf("opened: %v", r)
			}
		case "connection closed":
			if !strings.HasPrefix(r.str("remote"), "127.0.0.1:") || r["statements"] != float64(5) || r["duration"] == nil || r["err"] != nil {
				t.Errorf("closed: %v", r)
			}
		case "statement failed", "statement duration":
			if d, ok := r["duration_ms"].(float64); !ok || d < 0 || d > 60000 {
				t.Errorf("duration_ms: %v", r)
			}
		}
	}
	want := []string{
		"INFO connection opened",
		"DEBUG statement duration statement=SELECT 1 tag=SELECT 3",
		"WARN statement failed sqlstate=42601 message=fail statement=fail",
		`WARN statement failed sqlstate=22P02 message=invalid parameter value: int8 parameter in text format: "$1" is not an integer statement=SELECT $1`,
		"DEBUG statement duration statement=SELECT $1 -- ok tag=SELECT 3",
		`WARN statement failed sqlstate=34000 message=portal "nope" does not exist`,
		"INFO connection closed",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("log lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestLogMinDurationStatement: 0 logs every completed statement at info,
// a threshold above the statements' time none, and failed statements are
// logged whatever the threshold.
func TestLogMinDurationStatement(t *testing.T) {
	for _, tc := range []struct {
		min  time.Duration
		info int // "statement duration" lines at info
	}{{0, 3}, {time.Hour, 0}, {-1, 0}} {
		// Completed: SELECT 1, the portal (one statement however many
		// Executes) and the Query of two statements (one to fuzzEngine).
		addr, logs := serveLogged(t, wire.Config{LogMinDurationStatement: tc.min})
		nc, fe := login(t, addr, map[string]string{"user": "ana"})
		roundTrip(t, fe, &pgproto3.Query{String: "SELECT 1"})
		roundTrip(t, fe, &pgproto3.Query{String: "fail"})
		roundTrip(t, fe, &pgproto3.Parse{Query: "SELECT $1"},
			&pgproto3.Bind{Parameters: [][]byte{[]byte("7")}}, &pgproto3.Execute{MaxRows: 1}, &pgproto3.Execute{}, &pgproto3.Sync{})
		roundTrip(t, fe, &pgproto3.Query{String: "SELECT 2; SELECT 3"})
		nc.Close()
		waitFor(t, logs, "connection closed")
		info, debug, failed := 0, 0, 0
		for _, r := range records(t, logs) {
			switch r.str("level") + " " + r.str("msg") {
			case "INFO statement duration":
				info++
			case "DEBUG statement duration":
				debug++
			case "WARN statement failed":
				failed++
			}
		}
		if info != tc.info || info+debug != 3 || failed != 1 {
			t.Errorf("log_min_duration_statement %v: %d info, %d debug, %d failed lines:\n%s", tc.min, info, debug, failed, logs)
		}
	}
}

// TestLogLongStatement: a statement's text is cut in the log, saying how
// long it was.
func TestLogLongStatement(t *testing.T) {
	addr, logs := serveLogged(t, wire.Config{LogMinDurationStatement: 0})
	nc, fe := login(t, addr, map[string]string{"user": "ana"})
	long := "SELECT '" + strings.Repeat("x", 10000) + "'"
	roundTrip(t, fe, &pgproto3.Query{String: long})
	nc.Close()
	waitFor(t, logs, "connection closed")
	for _, r := range records(t, logs) {
		if r.str("msg") == "statement duration" {
			if s := r.str("statement"); len(s) > 4200 || !strings.HasSuffix(s, "… (10009 bytes in all)") {
				t.Errorf("statement logged as %d bytes ending %q", len(s), s[max(0, len(s)-40):])
			}
			return
		}
	}
	t.Fatalf("no statement line:\n%s", logs)
}
