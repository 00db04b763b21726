// Package pgtest runs a real, throwaway PostgreSQL server for differential tests.
//
// pgdynamo's tests compare its answers with those of a real PostgreSQL holding the same
// rows. This package owns the life of that PostgreSQL: locating the server binaries
// (`pg_config --bindir`, else the newest /usr/lib/postgresql/*/bin), creating a cluster
// with initdb in a new temporary directory (trust authentication, superuser postgres,
// UTF8, C.UTF-8 locale), starting the postmaster as a child process on a free 127.0.0.1 port
// with its socket in that directory, waiting until a pgx connection succeeds and checking
// that the server answering is ours (its data_directory), and stopping it on Close:
// SIGINT (fast shutdown), SIGKILL after 10s, then removing the directory.
//
// Lifecycle in a test package:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }
//
//	func TestX(t *testing.T) {
//		conn := pgtest.SharedConn(t) // one server per test binary, started lazily
//		...
//	}
//
// Packages that never call Shared pay nothing. Tests that need their own server (to stop
// it, say) call Start and Close. A missing PostgreSQL is a test failure whose message says
// to run `apt-get install -y postgresql` — never a skip.
//
// # Why the postgres user under root
//
// CI runs tests as root, and PostgreSQL refuses to run as root (initdb and postgres both
// exit with "cannot be run as root"). So when the test binary's effective uid is 0, the
// temporary directory is chowned to the postgres system user (which the Debian packages
// create) and initdb and postgres are started with SysProcAttr.Credential set to its uid
// and gid. Not through runuser or su: those fork, so the parent-death signal and our
// wait/kill would reach the wrapper, not the postmaster. Go applies Pdeathsig after the
// credential switch, so it survives it. When not root, the server runs as the current
// user.
//
// The postmaster is not started with pg_ctl, so it stays our child: we wait for it and
// know when it dies. It runs in its own process group and, on Linux, with
// PR_SET_PDEATHSIG=SIGKILL, so a test binary killed by a timeout or a signal does not leak
// it; its backends notice the postmaster's death and exit by themselves. The settings
// favour speed over durability (fsync, synchronous_commit and full_page_writes off) and
// fix TimeZone to UTC so output does not depend on the host.
//
// Must not import any pgdynamo product package: it is a leaf that tests of every layer use.
//
// Known debts: the port is picked before the postmaster binds it; a lost race (bind
// failure in the log, or another server answering) is retried on another port. A test
// binary killed by SIGKILL cannot remove its temporary directory (pgtest-* under TMPDIR,
// or /tmp when the postgres user cannot reach TMPDIR). Linux sends the parent-death
// signal when the OS thread that started the server exits, which Go only does for a
// goroutine that ends while locked to its thread (runtime.LockOSThread); do not call
// Start or Shared from such a goroutine. Outside Linux there is no parent-death signal.
package pgtest
