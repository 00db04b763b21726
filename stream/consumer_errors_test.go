package stream_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/pgdynamo/pgdynamo/stream"
)

// The consumer's failures: checkpoints it cannot continue, expired
// iterators, transient errors, records it cannot read.

// TestInvalidCheckpoint: positions that cannot be continued stop Run with
// an error that is ErrInvalidCheckpoint.
func TestInvalidCheckpoint(t *testing.T) {
	cases := []struct {
		name string
		// setup writes a (5 records, k0..k4) and returns the positions to
		// start from.
		setup func(r *rig, seqs []string) []stream.Shard
		// ok: not an invalid checkpoint; the run catches up.
		ok bool
	}{
		{
			name: "GetShardIterator AFTER_SEQUENCE_NUMBER below the trim horizon",
			setup: func(r *rig, seqs []string) []stream.Shard {
				r.f.trim("a", 3)
				return []stream.Shard{{ID: "a", Sequence: seqs[0]}}
			},
		},
		{
			name: "GetShardIterator AFTER the last trimmed record is no gap",
			setup: func(r *rig, seqs []string) []stream.Shard {
				r.f.trim("a", 3)
				return []stream.Shard{{ID: "a", Sequence: seqs[2]}}
			},
			ok: true,
		},
		{
			name: "GetRecords past the trim horizon",
			setup: func(r *rig, seqs []string) []stream.Shard {
				r.beforeCall = func(op string, _ any) {
					if op == "GetRecords" {
						r.f.trim("a", 4)
					}
				}
				return []stream.Shard{{ID: "a", Sequence: seqs[1]}}
			},
		},
		{
			name: "GetRecords TrimmedDataAccessException",
			setup: func(r *rig, seqs []string) []stream.Shard {
				r.f.inject("GetRecords", "a", &types.TrimmedDataAccessException{Message: aws.String("trimmed")}, 1)
				return []stream.Shard{{ID: "a"}}
			},
		},
		{
			name: "unfinished shard not listed at start",
			setup: func(r *rig, seqs []string) []stream.Shard {
				r.f.addShard("b", "")
				r.f.put("b", "kb", "1")
				r.f.drop("a")
				return []stream.Shard{{ID: "a", Sequence: seqs[3]}, {ID: "b"}}
			},
		},
		{
			name: "unfinished shard leaves the list while running",
			setup: func(r *rig, seqs []string) []stream.Shard {
				r.afterApply = func(n int, _ stream.Batch) {
					if n == 1 {
						r.f.drop("a")
						r.clock.advance(r.listEvery)
					}
				}
				return []stream.Shard{{ID: "a"}}
			},
		},
		{
			name: "closed shard leaves the list before its last records are applied",
			setup: func(r *rig, seqs []string) []stream.Shard {
				r.f.close("a")
				r.f.drop("a")
				return []stream.Shard{{ID: "a", Sequence: seqs[2]}}
			},
		},
		{
			name: "stream gone: DescribeStream ResourceNotFoundException",
			setup: func(r *rig, seqs []string) []stream.Shard {
				r.f.missing = true
				return []stream.Shard{{ID: "a", Sequence: seqs[1]}}
			},
		},
		{
			name: "shard gone: GetShardIterator ResourceNotFoundException",
			setup: func(r *rig, seqs []string) []stream.Shard {
				r.f.inject("GetShardIterator", "a", &types.ResourceNotFoundException{Message: aws.String("gone")}, 1)
				return []stream.Shard{{ID: "a", Sequence: seqs[1]}}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.f.addShard("a", "")
			for i := range 5 {
				r.f.put("a", fmt.Sprintf("k%d", i), "1")
			}
			seqs := r.f.seqs("a")
			from := r.start(tc.setup(r, seqs))
			done := r.caughtUp
			if tc.ok {
				done = func() bool { return r.st.applied[seqs[4]] == 1 }
			}
			err := r.run(from, done)
			if tc.ok {
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
				for i, seq := range seqs {
					if want := min(i/3, 1); r.st.applied[seq] != want {
						t.Errorf("record %d applied %d times, want %d", i, r.st.applied[seq], want)
					}
				}
				return
			}
			if !errors.Is(err, stream.ErrInvalidCheckpoint) {
				t.Fatalf("Run: %v, want ErrInvalidCheckpoint", err)
			}
			if len(r.obs.transient) != 0 {
				t.Errorf("an invalid checkpoint was reported as transient: %v", r.obs.transient)
			}
		})
	}

	t.Run("Capture of a missing stream", func(t *testing.T) {
		r := newRig(t)
		r.f.missing = true
		_, err := stream.Capture(context.Background(), r.f, testARN)
		if !errors.Is(err, stream.ErrInvalidCheckpoint) {
			t.Fatalf("Capture: %v, want ErrInvalidCheckpoint", err)
		}
	})
}

// TestTrimmedStartOfUnreadShard: a shard with nothing applied that was
// found after the bootstrap is read from its first record (DescribeStream's
// StartingSequenceNumber, AT_SEQUENCE_NUMBER), not TRIM_HORIZON: when the
// shard is still listed but its first records are trimmed (a consumer
// stopped, or lagging, longer than the 24 h retention while a child waited
// for its parent), that is ErrInvalidCheckpoint, not a silent gap.
func TestTrimmedStartOfUnreadShard(t *testing.T) {
	r := newRig(t)
	f := r.f
	f.addShard("z-p", "")
	pSeq := f.put("z-p", "k1", "p")
	f.split("z-p", "a-c")
	f.put("a-c", "k1", "c1")
	f.put("a-c", "k2", "c1")
	f.put("a-c", "k1", "c2")
	// The checkpoint: the parent finished, the child listed, unread.
	from := r.start([]stream.Shard{{ID: "a-c", Parent: "z-p"}, {ID: "z-p", Sequence: pSeq, Finished: true}})
	// A day later the parent is gone and the child's first records too.
	f.drop("z-p")
	f.trim("a-c", 2)
	err := r.run(from, func() bool { return len(r.st.batches) > 0 })
	if !errors.Is(err, stream.ErrInvalidCheckpoint) {
		t.Fatalf("Run: %v; applied %d batches %v: the records trimmed before the child was read are lost, want ErrInvalidCheckpoint", err, len(r.st.batches), r.st.state)
	}
}

// TestExpiredIterator: an expired iterator is renewed from the last
// applied sequence number (AFTER_SEQUENCE_NUMBER), or TRIM_HORIZON when
// nothing is applied, without losing or repeating a record. (The rig
// checks every GetShardIterator against the store's last applied
// position.)
func TestExpiredIterator(t *testing.T) {
	cases := []struct {
		name  string
		setup func(r *rig)
		// renewed: some iterator is renewed AFTER_SEQUENCE_NUMBER (not
		// only TRIM_HORIZON).
		renewed bool
	}{
		{
			name: "every iterator expires after each Apply",
			setup: func(r *rig) {
				r.afterApply = func(int, stream.Batch) { r.f.expireAll() }
			},
			renewed: true,
		},
		{
			name: "the first iterator of each shard expires",
			setup: func(r *rig) {
				for _, id := range []string{"z-p", "q", "a-c1", "b-c2"} {
					r.f.inject("GetRecords", id, &types.ExpiredIteratorException{Message: aws.String("Iterator expired")}, 1)
				}
			},
		},
		{
			name: "iterators expire during waits",
			setup: func(r *rig) {
				r.onWait = func(int, time.Duration) { r.f.expireAll() }
				r.beforeApply = func(n int, _ stream.Batch) error {
					if n%2 == 0 {
						r.f.expireAll()
					}
					return nil
				}
			},
			renewed: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			streamScenario(r)
			tc.setup(r)
			if err := r.run(r.capture(), r.caughtUp); err != nil {
				t.Fatalf("Run: %v", err)
			}
			r.check()
			r.checkLineage()
			expired, renewedAfter := 0, 0
			for _, c := range r.f.callLog() {
				var e *types.ExpiredIteratorException
				if errors.As(c.err, &e) {
					expired++
				}
				if c.op == "GetShardIterator" && c.iterType == types.ShardIteratorTypeAfterSequenceNumber {
					renewedAfter++
				}
			}
			if expired == 0 || (tc.renewed && renewedAfter == 0) {
				t.Errorf("%d expired iterators, %d renewed AFTER_SEQUENCE_NUMBER: the test exercised nothing", expired, renewedAfter)
			}
		})
	}
}

// TestTransientErrors: errors of DescribeStream, GetShardIterator and
// GetRecords that are not about the checkpoint are reported to
// Observer.TransientError and retried; nothing is lost or repeated.
func TestTransientErrors(t *testing.T) {
	errs := []struct {
		name string
		err  error
	}{
		{"generic", errors.New("connection reset by peer")},
		{"LimitExceededException", &types.LimitExceededException{Message: aws.String("rate exceeded")}},
		{"InternalServerError", &types.InternalServerError{Message: aws.String("internal")}},
	}
	for _, op := range []string{"DescribeStream", "GetShardIterator", "GetRecords"} {
		for _, e := range errs {
			t.Run(op+" "+e.name, func(t *testing.T) {
				r := newRig(t)
				streamScenario(r)
				from := r.capture()
				// Three failures at the start, three in the middle.
				r.f.inject(op, "", e.err, 3)
				r.afterApply = func(n int, _ stream.Batch) {
					if n == 3 {
						r.f.inject(op, "", e.err, 3)
						// Make the consumer list and open iterators
						// again, so the faults are met.
						r.f.expireAll()
						r.clock.advance(r.listEvery)
					}
				}
				if err := r.run(from, func() bool { return r.f.pendingFaults() == 0 && r.caughtUp() }); err != nil {
					t.Fatalf("Run: %v", err)
				}
				r.check()
				r.checkLineage()
				if got := len(r.obs.transient); got != 6 {
					t.Errorf("%d transient errors reported, want 6: %v", got, r.obs.transient)
				}
				for _, got := range r.obs.transient {
					if !errors.Is(got, e.err) {
						t.Errorf("reported %v, which does not wrap the injected %v", got, e.err)
					}
				}
			})
		}
	}

	t.Run("back-off doubles to 5 s", func(t *testing.T) {
		r := newRig(t)
		r.interval = 0
		r.f.addShard("a", "")
		r.f.put("a", "k", "1")
		from := r.capture()
		r.f.inject("DescribeStream", "", errors.New("unavailable"), 10)
		if err := r.run(from, r.caughtUp); err != nil {
			t.Fatalf("Run: %v", err)
		}
		r.check()
		ms := time.Millisecond
		want := []time.Duration{50 * ms, 100 * ms, 200 * ms, 400 * ms, 800 * ms, 1600 * ms, 3200 * ms, 5000 * ms, 5000 * ms, 5000 * ms}
		if got := r.clock.waited(); len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
			t.Errorf("waits %v, want to begin with %v", got, want)
		}
	})
}

// TestBadRecords: a record the consumer cannot turn into a change stops
// Run with an error (not an invalid checkpoint) before anything of its
// round is applied.
func TestBadRecords(t *testing.T) {
	cases := []struct {
		name string
		rec  types.Record
	}{
		{"MODIFY without a new image (KEYS_ONLY stream)", types.Record{EventName: types.OperationTypeModify, Dynamodb: &types.StreamRecord{
			Keys: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k"}}, SequenceNumber: aws.String(seqString(900)),
		}}},
		{"record without a change", types.Record{EventName: types.OperationTypeInsert}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.f.addShard("a", "")
			r.f.addShard("b", "")
			r.f.put("a", "ka", "1")
			r.f.mu.Lock()
			s := r.f.shards["b"]
			s.records = append(s.records, tc.rec)
			r.f.mu.Unlock()
			err := r.run(r.capture(), r.caughtUp)
			if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, stream.ErrInvalidCheckpoint) {
				t.Fatalf("Run: %v, want a record error", err)
			}
			if r.applies != 0 {
				t.Errorf("%d Applies; the round with the bad record applies nothing", r.applies)
			}
		})
	}

	t.Run("REMOVE has keys and no image", func(t *testing.T) {
		r := newRig(t)
		r.f.addShard("a", "")
		r.f.put("a", "k", "1")
		seq := r.f.del("a", "k")
		if err := r.run(r.capture(), r.caughtUp); err != nil {
			t.Fatalf("Run: %v", err)
		}
		r.check()
		for _, b := range r.st.batches {
			for _, ch := range b.Changes {
				if ch.Sequence == seq && (ch.NewImage != nil || ch.Keys["pk"] == nil || !ch.Created.Equal(epoch0)) {
					t.Errorf("REMOVE change %+v", ch)
				}
			}
		}
	})
}
