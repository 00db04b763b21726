package accel

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/pgdynamo/pgdynamo/stream"
)

// instantClock never waits, so a test runs the loops as fast as they go.
type instantClock struct{ now time.Time }

func (c instantClock) Now() time.Time { return c.now }
func (c instantClock) After(time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch
}

// memStore is a ChangeStore in memory.
type memStore struct {
	mu         sync.Mutex
	state      StreamState
	bootstraps int
	applied    int
}

func (m *memStore) LoadStreamState(context.Context, string) (StreamState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state, nil
}

func (m *memStore) BeginBootstrap(_ context.Context, _ string, shards []stream.Shard, segments []stream.Segment, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.bootstraps++
	m.state = StreamState{Phase: PhaseBootstrap, StartedAt: at, Shards: shards, Segments: segments}
	return nil
}

func (m *memStore) ApplyPage(_ context.Context, _ string, p stream.Page) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.state.Rows += int64(len(p.Items))
	m.state.Segments[p.Segment.Index] = p.Segment
	return nil
}

func (m *memStore) FinishBootstrap(context.Context, string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.state.Phase = PhaseStreaming
	return m.state.Rows, nil
}

func (m *memStore) ApplyChanges(_ context.Context, _ string, b stream.Batch) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.applied++
	m.state.Shards = b.Shards
	return m.state.Rows, nil
}

func (m *memStore) counts() (bootstraps, applied int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.bootstraps, m.applied
}

// oneShardStream has one open shard, empty; GetShardIterator fails with
// trimmed while trims > 0.
type oneShardStream struct {
	mu    sync.Mutex
	trims int
}

func (f *oneShardStream) DescribeStream(context.Context, *dynamodbstreams.DescribeStreamInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error) {
	return &dynamodbstreams.DescribeStreamOutput{StreamDescription: &streamtypes.StreamDescription{
		Shards: []streamtypes.Shard{{ShardId: aws.String("shard-1")}}}}, nil
}

func (f *oneShardStream) GetShardIterator(context.Context, *dynamodbstreams.GetShardIteratorInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.trims > 0 {
		f.trims--
		return nil, &streamtypes.TrimmedDataAccessException{Message: aws.String("trimmed")}
	}
	return &dynamodbstreams.GetShardIteratorOutput{ShardIterator: aws.String("it")}, nil
}

func (f *oneShardStream) GetRecords(context.Context, *dynamodbstreams.GetRecordsInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error) {
	return &dynamodbstreams.GetRecordsOutput{NextShardIterator: aws.String("it")}, nil
}

// emptyScan is a table with no items.
type emptyScan struct{}

func (emptyScan) Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	return &dynamodb.ScanOutput{}, nil
}

func streamerFor(t *testing.T, store *memStore, streams stream.API, restart bool) (*Streamer, *Registry, *Tracker) {
	t.Helper()
	reg, _ := testRegistry(t)
	tr := reg.Accelerate("public.orders", "changes", []string{"copy_2", "main", "data"}, 2*time.Second)
	return &Streamer{Tracker: tr, Store: store, Streams: streams, Scans: emptyScan{}, Table: "Orders", StreamARN: "arn:1",
		Segments: 2, Concurrency: 2, Restart: restart, Clock: instantClock{now: time.Unix(1_000_000, 0)}}, reg, tr
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestStreamerRebootstrapsOnAnInvalidCheckpoint(t *testing.T) {
	store := &memStore{}
	streams := &oneShardStream{trims: 1}
	s, _, tr := streamerFor(t, store, streams, true)
	s.LatestStream = func(context.Context) (string, error) { return "arn:2", nil }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	eventually(t, "a second bootstrap and a ready copy", func() bool {
		b, _ := store.counts()
		return b == 2 && tr.Status().Serving()
	})
	cancel()
	<-done
	if s.StreamARN != "arn:2" {
		t.Errorf("the new bootstrap follows stream %s, want the table's latest", s.StreamARN)
	}
	if st := tr.Status(); st.State != Ready || st.StreamLag != 0 {
		t.Errorf("after the new bootstrap: %+v", st)
	}
}

func TestStreamerErrorBehaviour(t *testing.T) {
	store := &memStore{}
	s, reg, tr := streamerFor(t, store, &oneShardStream{trims: 1}, false)
	done := make(chan struct{})
	go func() { s.Run(context.Background()); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop on an invalid checkpoint with behaviour error")
	}
	st := tr.Status()
	if st.State != Error || !strings.Contains(st.LastError, "trimmed") {
		t.Errorf("state %+v, want error with the reason", st)
	}
	if ready, all := reg.Ready(); ready || all[0].Serving() {
		t.Error("ready while the stream cannot be consumed")
	}
	if route, err := reg.Route("public.orders", Auto, false); err != nil || route.Local() {
		t.Errorf("a dataset in error is read from its copy: %+v %v", route, err)
	}
}

func TestStreamerIsNotReadyWhileTheStreamStalls(t *testing.T) {
	store := &memStore{}
	s, reg, tr := streamerFor(t, store, &oneShardStream{}, true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	eventually(t, "ready", func() bool { return tr.Status().Serving() })
	// The stream stops being consumed (what Run does when the consumer
	// fails): the copy is no longer known to be fresh, so it is not served
	// until a round of the stream completes again.
	tr.stalled(errors.New("disk full"))
	if ready, all := reg.Ready(); ready || all[0].Serving() {
		t.Error("ready while the stream is stalled")
	}
	if st := tr.Status(); st.Serving() || st.LastError != "disk full" {
		t.Errorf("stalled: %+v", st)
	}
	eventually(t, "ready again once the stream is consumed", func() bool { return tr.Status().Serving() })
}

func TestStreamerResumesWithoutBootstrap(t *testing.T) {
	store := &memStore{state: StreamState{Phase: PhaseStreaming, StartedAt: time.Unix(999_000, 0), Rows: 42,
		Shards: []stream.Shard{{ID: "shard-1", Sequence: "7"}}}}
	s, _, tr := streamerFor(t, store, &oneShardStream{}, true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	eventually(t, "ready", func() bool { return tr.Status().Serving() })
	if b, _ := store.counts(); b != 0 {
		t.Errorf("%d bootstraps on a resume", b)
	}
	if st := tr.Status(); st.Rows != 42 || !st.HasCopy {
		t.Errorf("resumed: %+v", st)
	}
}

func TestStreamerRefusesABootstrapOlderThanTheRetention(t *testing.T) {
	store := &memStore{state: StreamState{Phase: PhaseBootstrap, StartedAt: time.Unix(1_000_000, 0).Add(-25 * time.Hour),
		Segments: stream.Segments(2)}}
	s, _, tr := streamerFor(t, store, &oneShardStream{}, false)
	s.Run(context.Background())
	if st := tr.Status(); st.State != Error || !strings.Contains(st.LastError, "longer than the stream keeps records") {
		t.Errorf("a 25 h old bootstrap: %+v", st)
	}
}
