//go:build unix

package pgtest_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pgdynamo/pgdynamo/internal/pgtest"
)

func TestMain(m *testing.M) {
	if os.Getenv("PGTEST_ORPHAN_HELPER") == "1" {
		orphanHelper()
		return
	}
	os.Exit(pgtest.Run(m))
}

func TestSharedSettings(t *testing.T) {
	conn := pgtest.SharedConn(t)
	ctx := context.Background()
	var version string
	if err := conn.QueryRow(ctx, "SELECT version()").Scan(&version); err != nil {
		t.Fatal(err)
	}
	t.Log(version)
	tests := []struct{ query, want string }{
		{"SELECT current_user", "postgres"},
		{"SELECT current_database()", "postgres"},
		{"SHOW server_encoding", "UTF8"},
		{"SHOW lc_collate", "C.UTF-8"},
		{"SHOW TimeZone", "UTC"},
		{"SHOW listen_addresses", "127.0.0.1"},
		{"SHOW fsync", "off"},
		{"SHOW synchronous_commit", "off"},
		{"SHOW full_page_writes", "off"},
		{"SELECT '2025-01-02 03:04:05+02'::timestamptz::text", "2025-01-02 01:04:05+00"},
	}
	for _, tt := range tests {
		var got string
		if err := conn.QueryRow(ctx, tt.query).Scan(&got); err != nil {
			t.Errorf("%s: %v", tt.query, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s = %q, want %q", tt.query, got, tt.want)
		}
	}
}

// row is one row of TestSharedCreateInsertSelect's table.
type row struct {
	UserID  int64
	OrderID string
	Amount  *string
	Shipped bool
	Ordered *time.Time
}

func TestSharedCreateInsertSelect(t *testing.T) {
	ctx := context.Background()
	conn := pgtest.SharedConn(t)
	table := pgx.Identifier{"orders_" + strconv.FormatInt(time.Now().UnixNano(), 36)}.Sanitize()

	if _, err := conn.Exec(ctx, `CREATE TABLE `+table+` (
		user_id   bigint  NOT NULL,
		order_id  text    NOT NULL,
		amount    numeric,
		shipped   boolean NOT NULL,
		ordered   timestamptz,
		PRIMARY KEY (user_id, order_id))`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = conn.Exec(context.Background(), "DROP TABLE IF EXISTS "+table) })

	str := func(s string) *string { return &s }
	at := func(tm time.Time) *time.Time { return &tm }
	want := []row{
		{1, "o-1", str("12.50"), true, at(time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC))},
		{1, "o-2", nil, false, nil},
		{2, "ö-é-☃", str("-0.001"), false, at(time.Date(1999, 12, 31, 23, 59, 59, 123456000, time.UTC))},
		{3, "", str("100000000000000000000"), true, at(time.Date(2038, 1, 19, 3, 14, 8, 0, time.UTC))},
	}
	for _, r := range want {
		if _, err := conn.Exec(ctx, "INSERT INTO "+table+" VALUES ($1, $2, $3::numeric, $4, $5)",
			r.UserID, r.OrderID, r.Amount, r.Shipped, r.Ordered); err != nil {
			t.Fatalf("insert %+v: %v", r, err)
		}
	}
	rows, err := conn.Query(ctx, "SELECT user_id, order_id, amount::text, shipped, ordered FROM "+table+" ORDER BY user_id, order_id")
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.UserID != w.UserID || g.OrderID != w.OrderID || g.Shipped != w.Shipped ||
			!equalPtr(g.Amount, w.Amount, func(a, b string) bool { return a == b }) ||
			!equalPtr(g.Ordered, w.Ordered, time.Time.Equal) {
			t.Errorf("row %d = %s, want %s", i, fmtRow(g), fmtRow(w))
		}
	}

	var n int
	var sum string
	if err := conn.QueryRow(ctx, "SELECT count(*), sum(amount)::text FROM "+table+" WHERE shipped").Scan(&n, &sum); err != nil {
		t.Fatal(err)
	}
	if n != 2 || sum != "100000000000000000012.50" {
		t.Fatalf("count, sum = %d, %s; want 2, 100000000000000000012.50", n, sum)
	}
}

func equalPtr[T any](a, b *T, eq func(T, T) bool) bool {
	if a == nil || b == nil {
		return a == b
	}
	return eq(*a, *b)
}

// fmtRow prints a row with its pointers dereferenced.
func fmtRow(r row) string {
	amount, ordered := "NULL", "NULL"
	if r.Amount != nil {
		amount = *r.Amount
	}
	if r.Ordered != nil {
		ordered = r.Ordered.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("(%d, %q, %s, %t, %s)", r.UserID, r.OrderID, amount, r.Shipped, ordered)
}

func TestSharedIsOnePerBinary(t *testing.T) {
	if a, b := pgtest.Shared(t), pgtest.Shared(t); a != b {
		t.Fatalf("Shared returned two servers: ports %d and %d", a.Port(), b.Port())
	}
	if got, want := pgtest.Shared(t).ConnString(), fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pgtest.Shared(t).Port()); got != want {
		t.Fatalf("ConnString = %q, want %q", got, want)
	}
}

// TestCloseLeavesNoPostgres starts a private server, holds a connection open across
// Close, and checks that Close leaves no process, no listener and no directory behind.
func TestCloseLeavesNoPostgres(t *testing.T) {
	ctx := context.Background()
	srv, err := pgtest.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			_ = srv.Close()
		}
	}()
	conn, err := srv.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1), (2)"); err != nil {
		t.Fatal(err)
	}
	var backend int
	if err := conn.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		t.Fatal(err)
	}
	postmaster := postmasterPID(t, srv.DataDir())

	var pids []int
	if runtime.GOOS == "linux" {
		pids = processesIn(srv.DataDir())
		for _, pid := range []int{postmaster, backend} {
			if !slices.Contains(pids, pid) {
				t.Fatalf("pid %d (postmaster %d, backend %d) not among the processes in the data directory: %v",
					pid, postmaster, backend, pids)
			}
		}
		if uid := procUID(t, postmaster); os.Geteuid() == 0 && uid == 0 {
			t.Fatal("running as root, the postmaster runs as root too")
		} else if os.Geteuid() != 0 && uid != os.Geteuid() {
			t.Fatalf("postmaster uid %d, want ours (%d)", uid, os.Geteuid())
		}
	}

	root, addr := filepath.Dir(srv.DataDir()), fmt.Sprintf("127.0.0.1:%d", srv.Port())
	start := time.Now()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	closed = true
	t.Logf("Close took %v with a connection open", time.Since(start).Round(time.Millisecond))
	if err := srv.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	if runtime.GOOS == "linux" {
		for _, pid := range pids {
			if alive(pid) {
				t.Errorf("process %d of the cluster is still alive after Close", pid)
			}
		}
		if left := processesIn(srv.DataDir()); len(left) > 0 {
			t.Errorf("processes still in the data directory after Close: %v", left)
		}
	}
	if err := syscall.Kill(postmaster, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("postmaster %d: kill -0 = %v after Close, want ESRCH", postmaster, err)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after Close", addr)
	}
	if _, err := os.Stat(root); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s still there after Close (stat: %v)", root, err)
	}
	if err := conn.Ping(ctx); err == nil {
		t.Error("a connection opened before Close still answers")
	}
	if log := srv.Log(); !strings.Contains(log, "database system is shut down") {
		t.Errorf("server log does not show a clean shutdown:\n%s", log)
	}
}

// TestKilledParentLeaksNoPostgres starts a server in a child test binary, SIGKILLs the
// child and checks that the postmaster and its backends go away with it.
func TestKilledParentLeaksNoPostgres(t *testing.T) {
	if runtime.GOOS != "linux" {
		// The parent-death signal is Linux's; elsewhere the property
		// does not exist, so there is nothing to check.
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "PGTEST_ORPHAN_HELPER=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("helper printed nothing: %v", err)
	}
	var port int
	var dataDir string
	if _, err := fmt.Sscanf(line, "PGTEST %d %s", &port, &dataDir); err != nil {
		t.Fatalf("helper printed %q: %v", line, err)
	}
	// A killed helper cannot remove its directory; this test does.
	t.Cleanup(func() { _ = os.RemoveAll(filepath.Dir(dataDir)) })
	pids := processesIn(dataDir)
	if len(pids) == 0 {
		t.Fatalf("no process in the helper's data directory %s", dataDir)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var alivePIDs []int
		for _, pid := range pids {
			if alive(pid) {
				alivePIDs = append(alivePIDs, pid)
			}
		}
		if len(alivePIDs) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes %v of the cluster outlived their killed parent", alivePIDs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second); err == nil {
		c.Close()
		t.Fatalf("port %d still accepts connections", port)
	}
}

// orphanHelper runs in the child of TestKilledParentLeaksNoPostgres: it starts a server,
// opens a connection (so a backend exists), prints the port and data directory and waits
// to be killed.
func orphanHelper() {
	ctx := context.Background()
	srv, err := pgtest.Start(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	conn, err := srv.Connect(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		_ = srv.Close()
		os.Exit(1)
	}
	fmt.Printf("PGTEST %d %s\n", srv.Port(), srv.DataDir())
	time.Sleep(time.Minute)
	_ = conn.Close(ctx)
	_ = srv.Close()
	os.Exit(1)
}

// postmasterPID reads the first line of postmaster.pid.
func postmasterPID(t *testing.T, dataDir string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		t.Fatalf("postmaster.pid: %v", err)
	}
	return pid
}

// processesIn lists the processes whose working directory is dir: a cluster's postmaster
// and every process it forked.
func processesIn(dir string) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if cwd, err := os.Readlink("/proc/" + e.Name() + "/cwd"); err == nil && strings.TrimSuffix(cwd, " (deleted)") == dir {
			pids = append(pids, pid)
		}
	}
	return pids
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// pid (comm) state ...; comm may hold spaces and parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

func procUID(t *testing.T, pid int) int {
	t.Helper()
	st, err := os.Stat(fmt.Sprintf("/proc/%d", pid))
	if err != nil {
		t.Fatal(err)
	}
	return int(st.Sys().(*syscall.Stat_t).Uid)
}
