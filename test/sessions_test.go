package test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Session scripts (testdata/sessions/*.sql) are replayed, one Query
// message per line, against PostgreSQL and pgdynamo serving the same
// tables; the transcripts — command tags, columns and their type OIDs,
// rows, errors, warnings and the reported TimeZone and application_name —
// must be the same. PostgreSQL is the oracle: the scripts hold no expected
// output of their own.

// sessionStep is what a session saw for one Query message.
func sessionStep(ctx context.Context, conn *pgconn.PgConn, notices *[]string, sql string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "> %s\n", sql)
	results, err := conn.Exec(ctx, sql).ReadAll()
	for _, r := range results {
		var cols []string
		for _, fd := range r.FieldDescriptions {
			cols = append(cols, fmt.Sprintf("%s:%d/%d", fd.Name, fd.DataTypeOID, fd.Format))
		}
		if len(cols) > 0 {
			fmt.Fprintf(&b, "  columns %s\n", strings.Join(cols, ", "))
		}
		for _, row := range r.Rows {
			vals := make([]string, len(row))
			for i, v := range row {
				switch {
				case v == nil:
					vals[i] = "NULL"
				case r.FieldDescriptions[i].Format == 1:
					vals[i] = fmt.Sprintf("%x", v)
				default:
					vals[i] = string(v)
				}
			}
			fmt.Fprintf(&b, "  row %s\n", strings.Join(vals, " | "))
		}
		fmt.Fprintf(&b, "  %s\n", r.CommandTag.String())
	}
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &pe):
		fmt.Fprintf(&b, "  ERROR %s: %s\n", pe.Code, pe.Message)
	case err != nil:
		fmt.Fprintf(&b, "  failed: %v\n", err)
	}
	for _, n := range *notices {
		fmt.Fprintf(&b, "  %s\n", n)
	}
	*notices = (*notices)[:0]
	fmt.Fprintf(&b, "  TimeZone=%s application_name=%s tx=%c\n", conn.ParameterStatus("TimeZone"),
		conn.ParameterStatus("application_name"), conn.TxStatus())
	return b.String()
}

// dialPgconn connects to connString with TimeZone UTC and params as
// startup parameters; the connection closes with the test.
func dialPgconn(t *testing.T, connString string, params map[string]string, onNotice pgconn.NoticeHandler) *pgconn.PgConn {
	t.Helper()
	cfg, err := pgconn.ParseConfig(connString)
	if err != nil {
		t.Fatal(err)
	}
	cfg.OnNotice = onNotice
	cfg.RuntimeParams["TimeZone"] = "UTC"
	for k, v := range params {
		cfg.RuntimeParams[k] = v
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// replaySession runs a script's lines on a new connection.
func replaySession(t *testing.T, connString string, params map[string]string, lines []string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var notices []string
	onNotice := func(_ *pgconn.PgConn, n *pgconn.Notice) {
		notices = append(notices, fmt.Sprintf("%s %s: %s", n.Severity, n.Code, n.Message))
	}
	startup := map[string]string{"application_name": "sessions"}
	for k, v := range params {
		startup[k] = v
	}
	conn := dialPgconn(t, connString, startup, onNotice)
	var out []string
	for _, l := range lines {
		out = append(out, sessionStep(ctx, conn, &notices, l))
	}
	return out
}

func scriptLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l != "" && !strings.HasPrefix(l, "--") {
			lines = append(lines, l)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

func TestSessionsAgainstPostgres(t *testing.T) {
	f, gw := fixtureGateway(t, nil)
	pgURL := loadIntoPostgres(t, f, "diff_sessions")
	scripts, err := filepath.Glob("testdata/sessions/*.sql")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no session scripts: %v", err)
	}
	for _, path := range scripts {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".sql"), func(t *testing.T) {
			lines := scriptLines(t, path)
			want := replaySession(t, pgURL, nil, lines)
			got := replaySession(t, connString(gw), nil, lines)
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("PostgreSQL:\n%spgdynamo:\n%s", want[i], got[i])
				}
			}
		})
	}
}
