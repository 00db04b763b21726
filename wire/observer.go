package wire

import "time"

// Observer is told about connections and statements, for metrics. wire
// defines it so that it never imports a metrics library (the gateway's
// Prometheus metrics implement it). Every connection's goroutine calls it,
// so an implementation must be safe for concurrent use and must not block.
type Observer interface {
	// ConnOpened reports an accepted connection, before its startup
	// (cancel requests and failed logins are connections too).
	ConnOpened()
	// ConnClosed reports the end of a connection ConnOpened reported.
	ConnClosed()
	// StatementDone reports one statement's end, with its CommandComplete
	// (sqlstate "") or its ErrorResponse (the error's SQLSTATE). d is the
	// time the server spent on it: from the message that started it (Query,
	// or the first of Parse/Bind/Describe/Execute after the last statement)
	// to its end, the time a suspended portal waited for its next Execute
	// left out. Empty queries are not statements.
	StatementDone(d time.Duration, sqlstate string)
}

// noObserver is the Observer of a Config without one.
type noObserver struct{}

func (noObserver) ConnOpened()                         {}
func (noObserver) ConnClosed()                         {}
func (noObserver) StatementDone(time.Duration, string) {}

// stmtTimer measures the statement a connection is working on, for
// Observer.StatementDone.
type stmtTimer struct {
	start   time.Time     // zero when no statement is being timed
	carried time.Duration // time spent before a portal's suspension
}

// begin starts timing a new statement now, whatever was being timed.
func (t *stmtTimer) begin() { *t = stmtTimer{start: time.Now()} }

// beginIfIdle starts timing unless a statement is already being timed.
func (t *stmtTimer) beginIfIdle() {
	if t.start.IsZero() {
		t.start = time.Now()
	}
}

// resume adds the time a suspended portal had already spent.
func (t *stmtTimer) resume(spent time.Duration) { t.carried += spent }

// stop returns the timed statement's duration and resets the timer.
func (t *stmtTimer) stop() time.Duration {
	d := t.carried
	if !t.start.IsZero() {
		d += time.Since(t.start)
	}
	*t = stmtTimer{}
	return d
}
