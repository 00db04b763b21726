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

// Shard names sort children before their parents ("a-…" < "z-…"), so a
// consumer that read readable shards in ID order without lineage would
// read a child first.

// TestLineage: a child shard is not read until its parent is finished
// (closed and its last records applied); the records of one key, across
// parent → child, are applied in write order; the final state is the
// table's.
func TestLineage(t *testing.T) {
	cases := []struct {
		name  string
		setup func(r *rig)
	}{
		{
			// The split happens while the consumer is reading the parent,
			// and the children are listed (ListEvery passes) before the
			// parent is finished.
			name: "split mid-stream",
			setup: func(r *rig) {
				f := r.f
				f.addShard("z-parent", "")
				f.put("z-parent", "k1", "v1")
				f.put("z-parent", "k2", "v1")
				f.put("z-parent", "k1", "v2")
				r.afterApply = func(n int, b stream.Batch) {
					if n != 1 {
						return
					}
					f.put("z-parent", "k1", "v3")
					f.put("z-parent", "k3", "v1")
					f.put("z-parent", "k2", "v2")
					f.split("z-parent", "a-child", "b-child")
					f.put("a-child", "k1", "v4")
					f.put("b-child", "k2", "v3")
					f.del("a-child", "k1")
					f.put("b-child", "k3", "v2")
					f.put("a-child", "k1", "v5")
					// The next round lists the children while the parent
					// still has records to read.
					r.clock.advance(r.listEvery)
				}
			},
		},
		{
			// Three generations, all listed before the consumer starts;
			// the grandchild's records are the newest of each key.
			name: "three generations listed at start",
			setup: func(r *rig) {
				f := r.f
				f.addShard("z-gen1", "")
				for i := range 5 {
					f.put("z-gen1", "k1", fmt.Sprintf("g1-%d", i))
					f.put("z-gen1", "k2", fmt.Sprintf("g1-%d", i))
				}
				f.split("z-gen1", "m-gen2")
				f.put("m-gen2", "k1", "g2-0")
				f.del("m-gen2", "k2")
				f.put("m-gen2", "k1", "g2-1")
				f.split("m-gen2", "a-gen3")
				f.put("a-gen3", "k2", "g3-0")
				f.put("a-gen3", "k1", "g3-1")
			},
		},
		{
			// The child is listed on an earlier DescribeStream page than
			// its parent.
			name: "child on an earlier page than its parent",
			setup: func(r *rig) {
				f := r.f
				f.pageSize = 1
				f.addShard("z-parent", "")
				f.put("z-parent", "k1", "p1")
				f.put("z-parent", "k1", "p2")
				f.put("z-parent", "k1", "p3")
				f.split("z-parent", "a-child")
				f.put("a-child", "k1", "c1")
				f.put("a-child", "k1", "c2")
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			tc.setup(r)
			from := r.capture()
			if err := r.run(from, r.caughtUp); err != nil {
				t.Fatalf("Run: %v", err)
			}
			r.check()
			r.checkLineage()
			// Every child was read, and was known (in the positions)
			// while its parent was unfinished at least once, so lineage
			// held something back.
			heldBack := false
			for _, b := range r.st.batches {
				for _, p := range b.Shards {
					parent := r.f.parentOf(p.ID)
					if parent == "" {
						continue
					}
					if pp, ok := positionIn(b.Shards, parent); ok && !pp.Finished {
						heldBack = true
					}
				}
			}
			if !heldBack {
				t.Errorf("no batch had a child while its parent was unfinished; the test does not exercise lineage")
			}
		})
	}
}

func positionIn(ps []stream.Shard, id string) (stream.Shard, bool) {
	for _, p := range ps {
		if p.ID == id {
			return p, true
		}
	}
	return stream.Shard{}, false
}

// TestDescribeStreamPaging: shards on every page of DescribeStream are
// found and read, lineage holds across pages.
func TestDescribeStreamPaging(t *testing.T) {
	r := newRig(t)
	f := r.f
	f.pageSize = 2
	for i := range 7 {
		id := fmt.Sprintf("s%d", i)
		parent := ""
		if i == 6 {
			parent = "s0" // s6 is on the last page, its parent on the first
		}
		f.addShard(id, parent)
		if i == 0 {
			f.put("s0", "k0", "parent")
			f.close("s0")
			continue
		}
		for j := range 3 {
			f.put(id, fmt.Sprintf("k%d", i), fmt.Sprintf("v%d", j))
		}
		if i == 6 {
			f.put(id, "k0", "child")
		}
	}
	from := r.capture()
	if len(from) != 7 {
		t.Fatalf("Capture found %d shards, want 7: %+v", len(from), from)
	}
	if err := r.run(from, r.caughtUp); err != nil {
		t.Fatalf("Run: %v", err)
	}
	r.check()
	r.checkLineage()
	// The first listing asked for each page after the last one.
	var starts []string
	for _, c := range f.callLog() {
		if c.op == "DescribeStream" {
			starts = append(starts, c.start)
		}
	}
	if want := []string{"", "s1", "s3", "s5"}; len(starts) < 4 || !slices.Equal(starts[:4], want) {
		t.Errorf("DescribeStream ExclusiveStartShardIds %q, want to begin with %q", starts, want)
	}
}

// TestNewShardsAfterListEvery: a shard that appears while the consumer
// runs is found by the next listing (ListEvery after the last) and read
// from its start.
func TestNewShardsAfterListEvery(t *testing.T) {
	r := newRig(t)
	f := r.f
	r.interval, r.listEvery = 5*time.Second, time.Minute
	f.addShard("a", "")
	f.put("a", "ka", "1")
	f.put("a", "ka", "2")
	from := r.capture()
	captureCalls := len(f.callLog())
	var added time.Time
	r.onWait = func(int, time.Duration) {
		if added.IsZero() && r.clock.Now().Sub(epoch0) >= 30*time.Second {
			added = r.clock.Now()
			f.addShard("b", "")
			f.put("b", "kb", "1")
			f.put("b", "kc", "1")
			f.put("b", "kb", "2")
		}
	}
	if err := r.run(from, func() bool { return !added.IsZero() && r.caughtUp() }); err != nil {
		t.Fatalf("Run: %v", err)
	}
	r.check()

	var lists []time.Time
	var firstB *apiCall
	for _, c := range f.callLog()[captureCalls:] {
		if c.op == "DescribeStream" && c.start == "" {
			lists = append(lists, c.at)
		}
		if c.shard == "b" && firstB == nil {
			firstB = &c
		}
	}
	for i := 1; i < len(lists); i++ {
		if d := lists[i].Sub(lists[i-1]); d < r.listEvery {
			t.Errorf("listings %d and %d are %s apart, less than ListEvery %s", i-1, i, d, r.listEvery)
		}
	}
	if firstB == nil {
		t.Fatal("shard b was never read")
	}
	atStart := firstB.iterType == types.ShardIteratorTypeTrimHorizon ||
		(firstB.iterType == types.ShardIteratorTypeAtSequenceNumber && firstB.seq == f.startOf("b"))
	if firstB.op != "GetShardIterator" || !atStart {
		t.Errorf("shard b first read with %s %s %s, want GetShardIterator at its start (TRIM_HORIZON, or AT_SEQUENCE_NUMBER its first)", firstB.op, firstB.iterType, firstB.seq)
	}
	if firstB.at.Before(epoch0.Add(r.listEvery)) || firstB.at.After(added.Add(r.listEvery+r.interval)) {
		t.Errorf("shard b (added at +%s) first read at +%s: want at the first listing after it, ListEvery %s", added.Sub(epoch0), firstB.at.Sub(epoch0), r.listEvery)
	}
	var gotB []string
	for _, b := range r.st.batches {
		for _, ch := range b.Changes {
			if ch.Shard == "b" {
				gotB = append(gotB, ch.Sequence)
			}
		}
	}
	if want := f.seqs("b"); !slices.Equal(gotB, want) {
		t.Errorf("shard b applied %v, want all its records from the first: %v", gotB, want)
	}
}

// TestClosedShardFinished: a closed shard is Finished only in the batch
// that applies its last records (or, when its last page was empty, a
// later one), never before; once finished, it stays finished, and when it
// drops off the shard list it is forgotten without error.
func TestClosedShardFinished(t *testing.T) {
	cases := []struct {
		name string
		// emptyLast: the shard closes after its records were read, so
		// its last page is empty.
		emptyLast bool
	}{
		{name: "last records and the close in one page"},
		{name: "close after the last records were read", emptyLast: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			f := r.f
			f.addShard("a", "")
			f.addShard("b", "")
			for i := range 5 {
				f.put("a", fmt.Sprintf("ka%d", i), "1")
			}
			f.put("b", "kb", "1")
			if !tc.emptyLast {
				f.close("a")
			}
			lastA := f.seqs("a")[4]
			from := r.capture()
			finishedIn, lastIn := 0, 0
			dropped := false
			r.afterApply = func(n int, b stream.Batch) {
				for _, ch := range b.Changes {
					if ch.Sequence == lastA {
						lastIn = n
					}
				}
				p, ok := positionIn(b.Shards, "a")
				switch {
				case ok && p.Finished && finishedIn == 0:
					finishedIn = n
					if lastIn == 0 {
						t.Errorf("batch %d finishes shard a before its last record is applied", n)
					}
					// The stream trims the finished shard; the consumer
					// lists again (ListEvery) and must forget it.
					f.drop("a")
					dropped = true
					r.clock.advance(r.listEvery)
					f.put("b", "kb", "2")
				case ok && !p.Finished && finishedIn != 0:
					t.Errorf("batch %d: shard a unfinished again", n)
				case !ok && !dropped:
					t.Errorf("batch %d has no position for shard a", n)
				}
			}
			waits := 0
			r.onWait = func(int, time.Duration) {
				waits++
				if tc.emptyLast && waits == 3 {
					f.close("a")
				}
			}
			if err := r.run(from, func() bool { return dropped && r.caughtUp() && r.st.applied[f.seqs("b")[1]] == 1 }); err != nil {
				t.Fatalf("Run: %v", err)
			}
			r.check()
			if finishedIn == 0 {
				t.Fatal("shard a never finished")
			}
			if !tc.emptyLast && finishedIn != lastIn {
				t.Errorf("shard a finished in batch %d, its last record applied in batch %d", finishedIn, lastIn)
			}
			if tc.emptyLast && finishedIn <= lastIn {
				t.Errorf("shard a finished in batch %d, its last record in batch %d: with an empty last page it finishes later", finishedIn, lastIn)
			}
			if _, ok := r.st.position("a"); ok {
				t.Errorf("the last positions still have the dropped shard a: %+v", r.st.last)
			}
		})
	}

	t.Run("restart with a finished shard that left the list", func(t *testing.T) {
		r := newRig(t)
		f := r.f
		f.addShard("a", "")
		aSeq := f.put("a", "ka", "1")
		f.close("a")
		f.addShard("b", "")
		bSeq := f.put("b", "kb", "1")
		f.drop("a")
		from := r.start([]stream.Shard{{ID: "a", Sequence: aSeq, Finished: true}, {ID: "b", Sequence: bSeq}})
		r.st.applied[aSeq], r.st.applied[bSeq] = 1, 1
		r.st.state["ka"], r.st.state["kb"] = "1", "1"
		r.st.perKey["ka"], r.st.perKey["kb"] = []string{"1"}, []string{"1"}
		f.put("b", "kb", "2")
		if err := r.run(from, r.caughtUp); err != nil {
			t.Fatalf("Run: %v", err)
		}
		r.check()
		if _, ok := r.st.position("a"); ok {
			t.Errorf("positions still have the dropped shard a: %+v", r.st.last)
		}
	})
}

// streamScenario builds a stream with a split, an independent shard and a
// shard that appears later; every record is written before the run.
func streamScenario(r *rig) {
	f := r.f
	f.addShard("z-p", "")
	f.addShard("q", "")
	for i := range 5 {
		f.put("z-p", fmt.Sprintf("k%d", i%3), fmt.Sprintf("p%d", i))
	}
	f.put("q", "kq", "q0")
	f.split("z-p", "a-c1", "b-c2")
	f.put("a-c1", "k0", "c1-0")
	f.put("b-c2", "k1", "c2-0")
	f.del("a-c1", "k0")
	f.put("q", "kq", "q1")
	f.put("b-c2", "k2", "c2-1")
	f.put("a-c1", "k0", "c1-1")
	f.put("q", "kq", "q2")
	f.close("a-c1")
	f.put("b-c2", "k1", "c2-2")
}

// TestRestart: a crash at any point — ctx cancelled after an Apply, an
// Apply that fails, ctx cancelled in the middle of any API call — then a
// new Run from the positions of the last successful Apply: every record is
// applied exactly once, in order, and the final state is the table's.
func TestRestart(t *testing.T) {
	// A run without a crash counts the Applies and the API calls.
	ref := newRig(t)
	streamScenario(ref)
	if err := ref.run(ref.capture(), ref.caughtUp); err != nil {
		t.Fatalf("reference Run: %v", err)
	}
	ref.check()
	applies, calls := ref.applies, len(ref.f.callLog())
	if applies < 5 {
		t.Fatalf("the scenario has only %d batches", applies)
	}

	type crash struct {
		mode string
		at   int
	}
	var crashes []crash
	for k := 1; k <= applies; k++ {
		crashes = append(crashes, crash{"cancel after apply", k}, crash{"apply fails", k})
	}
	for k := 2; k <= calls; k++ { // call 1 is Capture's
		crashes = append(crashes, crash{"cancel in call", k})
	}
	errCrash := errors.New("the store crashed")
	for _, cr := range crashes {
		t.Run(fmt.Sprintf("%s %d", cr.mode, cr.at), func(t *testing.T) {
			r := newRig(t)
			streamScenario(r)
			from := r.capture()
			switch cr.mode {
			case "cancel after apply":
				r.afterApply = func(n int, _ stream.Batch) {
					if n == cr.at {
						r.cancel()
					}
				}
			case "apply fails":
				r.beforeApply = func(n int, _ stream.Batch) error {
					if n == cr.at {
						return errCrash
					}
					return nil
				}
			case "cancel in call":
				calls := 1
				r.beforeCall = func(string, any) {
					calls++
					if calls == cr.at {
						r.cancel()
					}
				}
			}
			err := r.run(from, r.caughtUp)
			switch {
			case cr.mode == "apply fails" && !errors.Is(err, errCrash):
				t.Fatalf("Run: %v, want the Apply error", err)
			case cr.mode != "apply fails" && !errors.Is(err, context.Canceled):
				t.Fatalf("Run: %v, want context.Canceled", err)
			}
			r.beforeApply, r.afterApply, r.beforeCall = nil, nil, nil
			if err := r.run(slices.Clone(r.st.last), r.caughtUp); err != nil {
				t.Fatalf("Run after the restart: %v", err)
			}
			r.check()
			r.checkLineage()
		})
	}
}

// TestApplyFailure: a failing Apply stops Run with its error, and the
// positions do not advance: a restart from the last successful Apply
// reads the failed batch again.
func TestApplyFailure(t *testing.T) {
	r := newRig(t)
	f := r.f
	f.addShard("a", "")
	for i := range 6 {
		f.put("a", fmt.Sprintf("k%d", i%2), fmt.Sprint(i))
	}
	from := r.capture()
	errStore := errors.New("disk full")
	var failed stream.Batch
	r.beforeApply = func(n int, b stream.Batch) error {
		if n == 2 {
			failed = b
			return errStore
		}
		if n > 2 {
			t.Errorf("Apply %d after a failed Apply", n)
		}
		return nil
	}
	err := r.run(from, r.caughtUp)
	if !errors.Is(err, errStore) {
		t.Fatalf("Run: %v, want the Apply error", err)
	}
	if errors.Is(err, stream.ErrInvalidCheckpoint) {
		t.Errorf("an Apply error is not an invalid checkpoint: %v", err)
	}
	if len(r.st.batches) != 1 || len(failed.Changes) == 0 {
		t.Fatalf("%d batches applied, failed batch %+v", len(r.st.batches), failed)
	}
	if p, _ := r.st.position("a"); p.Sequence != r.st.batches[0].Changes[len(r.st.batches[0].Changes)-1].Sequence {
		t.Errorf("stored position %+v is not the first batch's", p)
	}
	r.beforeApply = nil
	var first stream.Batch
	r.afterApply = func(n int, b stream.Batch) {
		if first.Shards == nil {
			first = b
		}
	}
	if err := r.run(slices.Clone(r.st.last), r.caughtUp); err != nil {
		t.Fatalf("Run after the failure: %v", err)
	}
	r.check()
	if !slices.Equal(sequences(first.Changes), sequences(failed.Changes)) {
		t.Errorf("after the restart the first batch is %v; the failed one was %v", sequences(first.Changes), sequences(failed.Changes))
	}
}

func sequences(chs []stream.Change) []string {
	var out []string
	for _, ch := range chs {
		out = append(out, ch.Sequence)
	}
	return out
}

// TestObserver: RecordsConsumed sums to the records applied; Caught(0)
// after a round without records; Caught(now - newest record's creation)
// after a round with records; ShardsActive counts the unfinished shards.
func TestObserver(t *testing.T) {
	r := newRig(t)
	f := r.f
	// One record a page: every page is full, so the lag is measured by the
	// records' creation times (TestLagOfACaughtUpRound covers the rest).
	r.maxRecords = 1
	now := epoch0
	f.addShard("z-p", "")
	f.putAt("z-p", "k1", "1", now.Add(-5*time.Minute))
	f.putAt("z-p", "k2", "1", now.Add(-3*time.Minute))
	f.split("z-p", "a-c1", "b-c2")
	f.putAt("a-c1", "k1", "2", now.Add(-2*time.Minute))
	f.putAt("b-c2", "k2", "2", now.Add(-90*time.Second))
	from := r.capture()

	// Each round reports ShardsActive, RecordsConsumed and (unless a read
	// failed) Caught, in that order; check each round as it is reported.
	round := 0
	var lastBatches int
	r.obs = &recObserver{r: r}
	obs := &checkingObserver{recObserver: r.obs, t: t, check: func(active, consumed int, lag time.Duration) {
		round++
		newBatch := len(r.st.batches) > lastBatches
		lastBatches = len(r.st.batches)
		unfinished := 0
		for _, p := range r.st.last {
			if !p.Finished {
				unfinished++
			}
		}
		if active != unfinished {
			t.Errorf("round %d: ShardsActive(%d), %d unfinished shards in the positions %+v", round, active, unfinished, r.st.last)
		}
		if consumed == 0 {
			if lag != 0 {
				t.Errorf("round %d without records: Caught(%s), want 0", round, lag)
			}
			return
		}
		if !newBatch {
			t.Errorf("round %d: RecordsConsumed(%d) without an Apply", round, consumed)
			return
		}
		b := r.st.batches[len(r.st.batches)-1]
		if consumed != len(b.Changes) {
			t.Errorf("round %d: RecordsConsumed(%d), the batch has %d", round, consumed, len(b.Changes))
		}
		var newest time.Time
		for _, ch := range b.Changes {
			if ch.Created.After(newest) {
				newest = ch.Created
			}
		}
		if want := r.clock.Now().Sub(newest); lag != want || lag <= 0 {
			t.Errorf("round %d: Caught(%s), want now - newest record = %s", round, lag, want)
		}
	}}
	c := r.consumer()
	c.Observer = obs
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	waits := 0
	r.clock.onAfter = func(int, time.Duration) {
		waits++
		switch waits {
		case 2:
			// Time passes; new records, then a close.
			f.putAt("a-c1", "k1", "3", r.clock.Now().Add(-10*time.Second))
			f.close("b-c2")
		case 6:
			cancel()
		}
	}
	err := c.Run(ctx, from)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}
	r.check()
	if round < 5 {
		t.Errorf("only %d rounds reported Caught", round)
	}
	if got, want := sum(r.obs.consumed), len(f.allWrites()); got != want {
		t.Errorf("RecordsConsumed sums to %d, %d records applied", got, want)
	}
	// Rounds: z-p (finishes) → 2 active; the children → 2; idle → 2;
	// a-c1's new record and b-c2's close → 1; idle …
	if !slices.Contains(r.obs.active, 2) || !slices.Contains(r.obs.active, 1) {
		t.Errorf("ShardsActive %v, want 2 then 1", r.obs.active)
	}
	if !slices.Contains(r.obs.caught, 0) {
		t.Errorf("no Caught(0) after an idle round: %v", r.obs)
	}
	nonZero := 0
	for _, l := range r.obs.caught {
		if l > 0 {
			nonZero++
		}
	}
	if nonZero < 3 {
		t.Errorf("Caught %v: want a lag after each of the 3 rounds with records", r.obs.caught)
	}
}

// checkingObserver checks each round when its Caught arrives (or, for a
// round without Caught, never — transient rounds do not occur here).
type checkingObserver struct {
	*recObserver
	t        *testing.T
	check    func(active, consumed int, lag time.Duration)
	active   int
	consumed int
}

func (o *checkingObserver) ShardsActive(n int) {
	o.recObserver.ShardsActive(n)
	o.active = n
}

func (o *checkingObserver) RecordsConsumed(n int) {
	o.recObserver.RecordsConsumed(n)
	o.consumed = n
}

func (o *checkingObserver) Caught(lag time.Duration) {
	o.recObserver.Caught(lag)
	o.check(o.active, o.consumed, lag)
}

// TestCapture: every listed shard, on every page, from TRIM_HORIZON
// (Sequence ""), unfinished, with its parent, in ID order.
func TestCapture(t *testing.T) {
	r := newRig(t)
	f := r.f
	f.pageSize = 2
	f.addShard("s3", "")
	f.put("s3", "k", "1")
	f.split("s3", "s1", "s5")
	f.put("s1", "k", "2")
	f.addShard("s0", "")
	f.addShard("s4", "")
	f.addShard("s2", "s4")
	f.close("s0")
	got, err := stream.Capture(context.Background(), f, testARN)
	if err != nil {
		t.Fatalf("Capture: %v", err)
	}
	want := []stream.Shard{{ID: "s0", FromHorizon: true}, {ID: "s1", Parent: "s3", FromHorizon: true}, {ID: "s2", Parent: "s4", FromHorizon: true},
		{ID: "s3", FromHorizon: true}, {ID: "s4", FromHorizon: true}, {ID: "s5", Parent: "s3", FromHorizon: true}}
	if !slices.Equal(got, want) {
		t.Errorf("Capture: %+v, want %+v", got, want)
	}
	for _, c := range f.callLog() {
		if c.op != "DescribeStream" {
			t.Errorf("Capture called %s", c.op)
		}
	}

	t.Run("transient error", func(t *testing.T) {
		f.inject("DescribeStream", "", &types.LimitExceededException{Message: aws.String("slow down")}, 1)
		_, err := stream.Capture(context.Background(), f, testARN)
		var le *types.LimitExceededException
		if !errors.As(err, &le) || errors.Is(err, stream.ErrInvalidCheckpoint) {
			t.Errorf("Capture: %v, want the LimitExceededException, not an invalid checkpoint", err)
		}
	})
}

// TestLagOfACaughtUpRound: a round whose shards returned less than a full
// page read everything there was, so its lag is the round's own duration,
// not now minus the records' (rounded-down) creation times.
func TestLagOfACaughtUpRound(t *testing.T) {
	r := newRig(t)
	f := r.f
	r.maxRecords = 10
	f.addShard("s", "")
	f.putAt("s", "k1", "1", epoch0.Add(-5*time.Minute))
	f.putAt("s", "k2", "1", epoch0.Add(-4*time.Minute))
	from := r.capture()
	r.obs = &recObserver{r: r}
	c := r.consumer()
	c.Observer = r.obs
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.clock.onAfter = func(int, time.Duration) { cancel() }
	if err := c.Run(ctx, from); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}
	if len(r.obs.caught) == 0 {
		t.Fatal("no Caught")
	}
	if lag := r.obs.caught[0]; lag >= time.Minute {
		t.Errorf("Caught(%s) after a round that read every record: the records' age, not the lag", lag)
	}
}
