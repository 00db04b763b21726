package accel

import (
	"context"
	"log/slog"
	"time"

	"github.com/pgdynamo/pgdynamo/stream"
)

// Store holds the local copies. Replace reads the whole table through the
// one DynamoDB read path and swaps the new copy in atomically: a query sees
// the old copy or the new one, never part of either. On error the previous
// copy, if any, is left as it was.
type Store interface {
	Replace(ctx context.Context, dataset string, progress func(items int64)) (rows int64, err error)
}

// Clock is time as the Refresher and the Streamer see it (the stream
// consumer's clock); tests inject their own.
type Clock = stream.Clock

// SystemClock is the real clock.
type SystemClock struct{}

// Now implements Clock.
func (SystemClock) Now() time.Time { return time.Now() }

// After implements Clock.
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Observer receives every refresh's outcome (the gateway's metrics).
type Observer interface {
	ObserveRefresh(dataset string, d time.Duration, rows int64, err error)
}

// Backoff bounds for retrying a failed load: a table that cannot be read
// now (DynamoDB unreachable, throttled) is tried again soon, then less
// often.
const (
	RetryMin = time.Second
	RetryMax = time.Minute
)

// Refresher keeps one dataset's copy up to date with full refreshes: a load
// at once, then one every Interval (never again when Interval is 0, unless
// the load failed: a dataset is never left without a copy while its table
// can be read).
type Refresher struct {
	Tracker  *Tracker
	Store    Store
	Interval time.Duration
	Clock    Clock    // nil: SystemClock
	Observer Observer // nil: none
	Log      *slog.Logger
}

// Run refreshes until ctx ends (or, with Interval 0, until one load has
// succeeded).
func (r *Refresher) Run(ctx context.Context) {
	clock := r.Clock
	if clock == nil {
		clock = SystemClock{}
	}
	log := r.Log
	if log == nil {
		log = slog.Default()
	}
	backoff := RetryMin
	for {
		err := r.refresh(ctx, clock, log)
		if ctx.Err() != nil {
			return
		}
		wait := r.Interval
		if err != nil {
			wait = backoff
			if r.Interval > 0 {
				wait = min(wait, r.Interval)
			}
			backoff = min(2*backoff, RetryMax)
		} else {
			backoff = RetryMin
			if r.Interval == 0 {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-clock.After(wait):
		}
	}
}

func (r *Refresher) refresh(ctx context.Context, clock Clock, log *slog.Logger) error {
	t := r.Tracker
	had := t.Status().HasCopy
	t.loadStarted()
	start := clock.Now()
	rows, err := r.Store.Replace(ctx, t.name, t.setProgress)
	elapsed := clock.Now().Sub(start)
	if r.Observer != nil && ctx.Err() == nil {
		r.Observer.ObserveRefresh(t.name, elapsed, rows, err)
	}
	if err != nil {
		if ctx.Err() != nil {
			// Shutting down: not the table's fault, and not an error.
			t.failed(ctx.Err())
			return err
		}
		t.failed(err)
		if had {
			log.Warn("dataset refresh failed; the previous copy is still served", "dataset", t.name, "err", err)
		} else {
			log.Warn("dataset load failed; queries are answered live from DynamoDB until it succeeds", "dataset", t.name, "err", err)
		}
		return err
	}
	t.loaded(rows, start)
	log.Info("dataset copy ready", "dataset", t.name, "rows", rows, "duration", elapsed.Round(time.Millisecond))
	return nil
}
