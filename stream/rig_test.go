package stream_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/pgdynamo/pgdynamo/stream"
)

// store is what the acceleration store keeps: the rows, each change's
// apply count and the positions of the last successful Apply. It checks,
// as each batch arrives, that a shard's changes come in sequence order
// after its last applied one and that the batch's positions are exactly
// the last applied sequence of each shard.
type store struct {
	state    map[string]string
	applied  map[string]int      // sequence number → times applied
	perKey   map[string][]string // key → the values applied, in order ("<removed>")
	lastSeq  map[string]string   // shard → last applied sequence
	batches  []stream.Batch      // the successful ones
	last     []stream.Shard      // positions of the last successful Apply
	problems []string
}

const removed = "<removed>"

func newStore(from []stream.Shard) *store {
	s := &store{state: map[string]string{}, applied: map[string]int{}, perKey: map[string][]string{}, lastSeq: map[string]string{}}
	s.last = slices.Clone(from)
	for _, p := range from {
		if p.Sequence != "" {
			s.lastSeq[p.ID] = p.Sequence
		}
	}
	return s
}

func (s *store) problem(format string, args ...any) {
	s.problems = append(s.problems, fmt.Sprintf(format, args...))
}

func (s *store) apply(b stream.Batch) {
	touched := map[string]bool{}
	for _, ch := range b.Changes {
		if prev := s.lastSeq[ch.Shard]; prev != "" && ch.Sequence <= prev {
			s.problem("shard %s: change %s applied after %s", ch.Shard, ch.Sequence, prev)
		}
		s.lastSeq[ch.Shard] = ch.Sequence
		touched[ch.Shard] = true
		s.applied[ch.Sequence]++
		pk, ok := ch.Keys["pk"].(*ddbtypes.AttributeValueMemberS)
		if !ok {
			s.problem("change %s: key %#v", ch.Sequence, ch.Keys)
			continue
		}
		if ch.NewImage == nil {
			delete(s.state, pk.Value)
			s.perKey[pk.Value] = append(s.perKey[pk.Value], removed)
			continue
		}
		v, ok := ch.NewImage["v"].(*ddbtypes.AttributeValueMemberS)
		if !ok {
			s.problem("change %s: image %#v", ch.Sequence, ch.NewImage)
			continue
		}
		s.state[pk.Value] = v.Value
		s.perKey[pk.Value] = append(s.perKey[pk.Value], v.Value)
	}
	if !sort.SliceIsSorted(b.Shards, func(i, j int) bool { return b.Shards[i].ID < b.Shards[j].ID }) {
		s.problem("batch %d: positions not in shard order", len(s.batches)+1)
	}
	seen := map[string]bool{}
	for _, p := range b.Shards {
		if seen[p.ID] {
			s.problem("batch %d: shard %s twice in the positions", len(s.batches)+1, p.ID)
		}
		seen[p.ID] = true
		if p.Sequence != s.lastSeq[p.ID] {
			s.problem("batch %d: shard %s at %q, its last applied change is %q", len(s.batches)+1, p.ID, p.Sequence, s.lastSeq[p.ID])
		}
	}
	for id := range touched {
		if !seen[id] {
			s.problem("batch %d: shard %s has changes but no position", len(s.batches)+1, id)
		}
	}
	s.batches = append(s.batches, b)
	s.last = slices.Clone(b.Shards)
}

func (s *store) position(id string) (stream.Shard, bool) {
	for _, p := range s.last {
		if p.ID == id {
			return p, true
		}
	}
	return stream.Shard{}, false
}

// event is one step of a run's timeline: an API call the fake saw (before
// it ran) or an Apply.
type event struct {
	call     string // op, for calls
	shard    string
	apply    int      // the Apply number, for applies (0 for calls)
	failed   bool     // the Apply failed
	finished []string // shards Finished in the applied positions
}

// rig runs a Consumer over a fakeStreams into a store, entirely on the
// test goroutine.
type rig struct {
	t          *testing.T
	clock      *fakeClock
	f          *fakeStreams
	st         *store
	obs        *recObserver
	maxRecords int32
	interval   time.Duration
	listEvery  time.Duration
	maxWaits   int

	// Hooks, all optional. beforeApply may fail the Apply; afterApply runs
	// once it is stored.
	beforeApply func(n int, b stream.Batch) error
	afterApply  func(n int, b stream.Batch)
	onWait      func(n int, d time.Duration)
	beforeCall  func(op string, in any)

	applies  int // Apply calls, failed ones too
	timeline []event
	cancel   context.CancelFunc
	stopped  bool // cancelled because done
}

func newRig(t *testing.T) *rig {
	t.Helper()
	clock := newClock()
	r := &rig{t: t, clock: clock, f: newStreams(clock), maxRecords: 2, interval: time.Second, listEvery: 10 * time.Second, maxWaits: 2000}
	r.obs = &recObserver{r: r}
	r.f.before = r.onCall
	return r
}

// onCall logs the call and checks that an iterator is opened exactly at
// the store's last applied position of its shard.
func (r *rig) onCall(op string, in any) {
	ev := event{call: op}
	switch in := in.(type) {
	case *dynamodbstreams.GetShardIteratorInput:
		ev.shard = *in.ShardId
		want := r.st.lastSeq[ev.shard]
		atStart := in.ShardIteratorType == types.ShardIteratorTypeAtSequenceNumber && deref(in.SequenceNumber) == r.f.startOf(ev.shard)
		switch {
		case want == "" && in.ShardIteratorType != types.ShardIteratorTypeTrimHorizon && !atStart:
			r.t.Errorf("shard %s opened %s %v with nothing applied: want its start (TRIM_HORIZON or AT_SEQUENCE_NUMBER its first)", ev.shard, in.ShardIteratorType, deref(in.SequenceNumber))
		case want != "" && (in.ShardIteratorType != types.ShardIteratorTypeAfterSequenceNumber || deref(in.SequenceNumber) != want):
			r.t.Errorf("shard %s opened %s %q: want AFTER_SEQUENCE_NUMBER %q (the last applied)", ev.shard, in.ShardIteratorType, deref(in.SequenceNumber), want)
		}
	case *dynamodbstreams.GetRecordsInput:
		ev.shard, _, _, _ = parseIterator(deref(in.ShardIterator))
	}
	r.timeline = append(r.timeline, ev)
	if r.beforeCall != nil {
		r.beforeCall(op, in)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (r *rig) consumer() *stream.Consumer {
	return &stream.Consumer{
		API:       r.f,
		Stream:    testARN,
		Interval:  r.interval,
		Apply:     r.apply,
		Observer:  r.obs,
		Clock:     r.clock,
		ListEvery: r.listEvery,
		// MaxRecords is small so that shards take several rounds.
		MaxRecords: r.maxRecords,
	}
}

func (r *rig) apply(ctx context.Context, b stream.Batch) error {
	r.applies++
	n := r.applies
	ev := event{apply: n}
	for _, p := range b.Shards {
		if p.Finished {
			ev.finished = append(ev.finished, p.ID)
		}
	}
	if r.beforeApply != nil {
		if err := r.beforeApply(n, b); err != nil {
			ev.failed = true
			r.timeline = append(r.timeline, ev)
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		ev.failed = true
		r.timeline = append(r.timeline, ev)
		return err
	}
	r.st.apply(b)
	r.timeline = append(r.timeline, ev)
	if r.afterApply != nil {
		r.afterApply(n, b)
	}
	return nil
}

// capture lists the stream's positions as a bootstrap would and makes the
// store start from them.
func (r *rig) capture() []stream.Shard {
	r.t.Helper()
	from, err := stream.Capture(context.Background(), r.f, testARN)
	if err != nil {
		r.t.Fatalf("Capture: %v", err)
	}
	r.st = newStore(from)
	return from
}

// start makes the store start from the given positions.
func (r *rig) start(from []stream.Shard) []stream.Shard {
	r.st = newStore(from)
	return from
}

// run runs a Consumer from the given positions until done holds at one of
// its waits (then it returns nil), or Run returns.
func (r *rig) run(from []stream.Shard, done func() bool) error {
	r.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.cancel, r.stopped = cancel, false
	waits := 0
	r.clock.onAfter = func(n int, d time.Duration) {
		waits++
		if r.onWait != nil {
			r.onWait(n, d)
		}
		if done != nil && done() {
			r.stopped = true
			cancel()
			return
		}
		if waits > r.maxWaits {
			r.t.Errorf("the consumer did not get done in %d waits", r.maxWaits)
			cancel()
		}
	}
	defer func() { r.clock.onAfter = nil }()
	err := r.consumer().Run(ctx, from)
	if err == nil {
		r.t.Errorf("Run returned nil; it only returns with an error")
	}
	if r.stopped && errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// caughtUp: every record written is applied and every closed shard still
// listed is finished in the stored positions.
func (r *rig) caughtUp() bool {
	for _, w := range r.f.allWrites() {
		if r.st.applied[w.seq] == 0 {
			return false
		}
	}
	for _, id := range r.f.closedShards() {
		if p, ok := r.st.position(id); !ok || !p.Finished {
			return false
		}
	}
	return true
}

// check asserts what holds after every complete run: each record applied
// exactly once, the per-key order of the writes, the final table, and the
// store's position checks.
func (r *rig) check() {
	r.t.Helper()
	for _, p := range r.st.problems {
		r.t.Error(p)
	}
	writes := r.f.allWrites()
	want := map[string][]string{}
	for _, w := range writes {
		if n := r.st.applied[w.seq]; n != 1 {
			r.t.Errorf("record %s (shard %s, %s) applied %d times, want 1", w.seq, w.shard, w.key, n)
		}
		v := w.value
		if w.remove {
			v = removed
		}
		want[w.key] = append(want[w.key], v)
	}
	if len(r.st.applied) != len(writes) {
		r.t.Errorf("%d distinct records applied, %d written", len(r.st.applied), len(writes))
	}
	for key, vs := range want {
		if got := r.st.perKey[key]; !slices.Equal(got, vs) {
			r.t.Errorf("key %s: applied %v, written %v", key, got, vs)
		}
	}
	if got, want := r.st.state, r.f.table(); !mapsEqual(got, want) {
		r.t.Errorf("final state %v, the table is %v", got, want)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// checkLineage asserts that no shard was read before the Apply that
// finished its parent, for every parent this run read.
func (r *rig) checkLineage() {
	r.t.Helper()
	finishedAt := map[string]int{} // shard → timeline index of the Apply finishing it
	for i, ev := range r.timeline {
		if ev.apply == 0 || ev.failed {
			continue
		}
		for _, id := range ev.finished {
			if _, ok := finishedAt[id]; !ok {
				finishedAt[id] = i
			}
		}
	}
	for i, ev := range r.timeline {
		if ev.shard == "" {
			continue
		}
		parent := r.f.parentOf(ev.shard)
		if parent == "" || !r.f.readBy(parent, r.timeline) {
			continue
		}
		at, ok := finishedAt[parent]
		if !ok || i < at {
			r.t.Errorf("%s of shard %s (step %d) before its parent %s was finished (step %d, %v)", ev.call, ev.shard, i, parent, at, ok)
		}
	}
}

func (f *fakeStreams) startOf(id string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s, ok := f.shards[id]; ok {
		return s.start
	}
	return ""
}

func (f *fakeStreams) pendingFaults() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.faults)
}

func (f *fakeStreams) parentOf(id string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.shard(id).parent
}

// readBy reports whether the timeline read shard id.
func (f *fakeStreams) readBy(id string, timeline []event) bool {
	for _, ev := range timeline {
		if ev.shard == id {
			return true
		}
	}
	return false
}

// recObserver records what the consumer observes, in the rig's timeline
// order, and checks ShardsActive and Caught as they arrive.
type recObserver struct {
	r         *rig
	consumed  []int
	transient []error
	active    []int
	caught    []time.Duration
	log       []string
}

func (o *recObserver) RecordsConsumed(n int) {
	o.consumed = append(o.consumed, n)
	o.log = append(o.log, fmt.Sprintf("consumed %d", n))
}

func (o *recObserver) TransientError(err error) {
	o.transient = append(o.transient, err)
	o.log = append(o.log, "transient "+err.Error())
}

func (o *recObserver) ShardsActive(n int) {
	o.active = append(o.active, n)
	o.log = append(o.log, fmt.Sprintf("active %d", n))
}

func (o *recObserver) Caught(lag time.Duration) {
	o.caught = append(o.caught, lag)
	o.log = append(o.log, fmt.Sprintf("caught %s", lag))
}

func (o *recObserver) String() string { return strings.Join(o.log, "; ") }

func sum(ns []int) int {
	t := 0
	for _, n := range ns {
		t += n
	}
	return t
}
