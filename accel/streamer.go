package accel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/pgdynamo/pgdynamo/stream"
)

// Stream phases a copy can be in.
const (
	PhaseNone      = ""
	PhaseBootstrap = "bootstrap"
	PhaseStreaming = "streaming"
)

// StreamState is what a copy that follows a stream holds besides its rows.
type StreamState struct {
	Phase     string
	StartedAt time.Time // when the bootstrap captured its positions
	Shards    []stream.Shard
	Segments  []stream.Segment
	Rows      int64
}

// ChangeStore holds copies that follow a stream (engine.Engine). Each
// method changes rows and state in one transaction.
type ChangeStore interface {
	LoadStreamState(ctx context.Context, dataset string) (StreamState, error)
	BeginBootstrap(ctx context.Context, dataset string, shards []stream.Shard, segments []stream.Segment, startedAt time.Time) error
	ApplyPage(ctx context.Context, dataset string, page stream.Page) error
	FinishBootstrap(ctx context.Context, dataset string) (rows int64, err error)
	ApplyChanges(ctx context.Context, dataset string, b stream.Batch) (rows int64, err error)
}

// DefaultRetention is how long DynamoDB Streams keeps a record.
const DefaultRetention = 24 * time.Hour

// Streamer keeps one dataset's copy exact from its table's stream
// (refresh_mode changes): a resumable bootstrap, then the stream, from the
// positions stored with the copy.
type Streamer struct {
	Tracker   *Tracker
	Store     ChangeStore
	Streams   stream.API
	Scans     stream.ScanAPI
	Table     string
	StreamARN string
	// LatestStream, when set, returns the table's current stream ARN; a
	// new bootstrap follows it (the table may have a new stream since).
	LatestStream func(ctx context.Context) (string, error)
	// Segments and Concurrency shape the bootstrap Scan.
	Segments, Concurrency int
	// ScanInterval is how long an idle stream waits between polls.
	ScanInterval time.Duration
	// Restart is replication_invalid_checkpoint_behavior restart: an
	// invalid checkpoint starts a new bootstrap; otherwise the dataset is
	// in error until restarted.
	Restart bool
	// Retention is the stream's record retention (DefaultRetention when
	// 0): a bootstrap older than it has lost changes.
	Retention time.Duration
	Observer  stream.Observer // the stream metrics; nil: none
	Clock     Clock
	Log       *slog.Logger
}

// Run follows the stream until ctx ends, or until an invalid checkpoint
// with Restart false puts the dataset in error.
func (s *Streamer) Run(ctx context.Context) {
	if s.Clock == nil {
		s.Clock = SystemClock{}
	}
	if s.Log == nil {
		s.Log = slog.Default()
	}
	if s.Retention == 0 {
		s.Retention = DefaultRetention
	}
	name := s.Tracker.name
	reset := false
	backoff := RetryMin
	for {
		err := s.runOnce(ctx, reset)
		reset = false
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, stream.ErrInvalidCheckpoint) {
			if !s.Restart {
				s.Tracker.broken(err)
				s.Log.Error("the dataset's stream cannot be continued; the dataset is in error (replication_invalid_checkpoint_behavior: error)",
					"dataset", name, "err", err)
				return
			}
			s.Log.Warn("the dataset's stream cannot be continued; bootstrapping again, queries are answered live meanwhile",
				"dataset", name, "err", err)
			s.Tracker.bootstrapping(err.Error())
			reset = true
			continue
		}
		s.Tracker.stalled(err)
		s.Log.Warn("the dataset's stream stopped; retrying, queries are answered live meanwhile", "dataset", name, "err", err, "retry_in", backoff)
		if s.Observer != nil {
			s.Observer.TransientError(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.Clock.After(backoff):
		}
		backoff = min(2*backoff, RetryMax)
	}
}

func (s *Streamer) runOnce(ctx context.Context, reset bool) error {
	name := s.Tracker.name
	st, err := s.Store.LoadStreamState(ctx, name)
	if err != nil {
		return fmt.Errorf("reading the stream state: %w", err)
	}
	if reset || st.Phase == PhaseNone {
		s.Tracker.bootstrapping("")
		if s.LatestStream != nil {
			arn, err := s.LatestStream(ctx)
			if err != nil {
				return err
			}
			s.StreamARN = arn
		}
		// Positions first, then the scan: every change made after the scan
		// starts is in a shard read from before it (stream/doc.go).
		shards, err := stream.Capture(ctx, s.Streams, s.StreamARN)
		if err != nil {
			return err
		}
		if err := s.Store.BeginBootstrap(ctx, name, shards, stream.Segments(s.Segments), s.Clock.Now()); err != nil {
			return fmt.Errorf("starting the bootstrap: %w", err)
		}
		if st, err = s.Store.LoadStreamState(ctx, name); err != nil {
			return err
		}
		s.Log.Info("bootstrapping from the table's stream", "dataset", name, "shards", len(shards), "segments", len(st.Segments))
	}
	if st.Phase == PhaseBootstrap {
		if err := s.bootstrap(ctx, st); err != nil {
			return err
		}
		if st, err = s.Store.LoadStreamState(ctx, name); err != nil {
			return err
		}
	} else {
		s.Tracker.bootstrapped(st.Rows, st.StartedAt)
		s.Log.Info("resuming the table's stream from stored positions", "dataset", name, "rows", st.Rows, "shards", len(st.Shards))
	}
	c := &stream.Consumer{
		API: s.Streams, Stream: s.StreamARN, Interval: s.ScanInterval, Clock: s.Clock, Log: s.Log,
		Observer: trackingObserver{s.Tracker, s.Observer},
		Apply: func(ctx context.Context, b stream.Batch) error {
			rows, err := s.Store.ApplyChanges(ctx, name, b)
			if err == nil {
				s.Tracker.setRows(rows)
			}
			return err
		},
	}
	return c.Run(ctx, st.Shards)
}

func (s *Streamer) bootstrap(ctx context.Context, st StreamState) error {
	name := s.Tracker.name
	if age := s.Clock.Now().Sub(st.StartedAt); age > s.Retention {
		return fmt.Errorf("%w: the bootstrap started %s ago, longer than the stream keeps records (%s): changes made meanwhile may be gone",
			stream.ErrInvalidCheckpoint, age.Round(time.Second), s.Retention)
	}
	s.Tracker.bootstrapping("")
	s.Tracker.addProgress(st.Rows)
	if st.Rows > 0 {
		done := 0
		for _, seg := range st.Segments {
			if seg.Done {
				done++
			}
		}
		s.Log.Info("resuming the bootstrap where it stopped", "dataset", name, "rows", st.Rows, "segments_done", done, "segments", len(st.Segments))
	}
	start := s.Clock.Now()
	err := stream.Bootstrap(ctx, s.Scans, s.Table, st.Segments, s.Concurrency, func(ctx context.Context, p stream.Page) error {
		if err := s.Store.ApplyPage(ctx, name, p); err != nil {
			return fmt.Errorf("applying a bootstrap page: %w", err)
		}
		s.Tracker.addProgress(int64(len(p.Items)))
		return nil
	})
	if err != nil {
		return err
	}
	// The positions were captured at StartedAt: if the scan outlived the
	// stream's retention, records after them may already be trimmed.
	if age := s.Clock.Now().Sub(st.StartedAt); age > s.Retention {
		return fmt.Errorf("%w: the bootstrap took %s, longer than the stream keeps records (%s)", stream.ErrInvalidCheckpoint, age.Round(time.Second), s.Retention)
	}
	rows, err := s.Store.FinishBootstrap(ctx, name)
	if err != nil {
		return fmt.Errorf("finishing the bootstrap: %w", err)
	}
	s.Tracker.bootstrapped(rows, st.StartedAt)
	s.Log.Info("bootstrap done; following the stream", "dataset", name, "rows", rows, "duration", s.Clock.Now().Sub(start).Round(time.Millisecond))
	return nil
}

// trackingObserver keeps the tracker's lag and readiness, and passes
// everything on to the metrics.
type trackingObserver struct {
	t    *Tracker
	next stream.Observer
}

func (o trackingObserver) RecordsConsumed(n int) {
	if o.next != nil {
		o.next.RecordsConsumed(n)
	}
}

func (o trackingObserver) TransientError(err error) {
	if o.next != nil {
		o.next.TransientError(err)
	}
}

func (o trackingObserver) ShardsActive(n int) {
	if o.next != nil {
		o.next.ShardsActive(n)
	}
}

func (o trackingObserver) Caught(lag time.Duration) {
	o.t.streamed(lag)
	if o.next != nil {
		o.next.Caught(lag)
	}
}
