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
	applyErr   error // ApplyChanges fails with it while set
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
	if m.applyErr != nil {
		return 0, m.applyErr
	}
	m.applied++
	m.state.Shards = b.Shards
	return m.state.Rows, nil
}

func (m *memStore) counts() (bootstraps, applied int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.bootstraps, m.applied
}

// oneShardStream has one open shard; GetShardIterator fails with trimmed
// while trims > 0; GetRecords returns one record until pending records
// have been read after the last applied position.
type oneShardStream struct {
	mu      sync.Mutex
	trims   int
	pending int
}

func (f *oneShardStream) DescribeStream(context.Context, *dynamodbstreams.DescribeStreamInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error) {
	return &dynamodbstreams.DescribeStreamOutput{StreamDescription: &streamtypes.StreamDescription{
		Shards: []streamtypes.Shard{{ShardId: aws.String("shard-1")}}}}, nil
}

func (f *oneShardStream) GetShardIterator(_ context.Context, in *dynamodbstreams.GetShardIteratorInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.trims > 0 {
		f.trims--
		return nil, &streamtypes.TrimmedDataAccessException{Message: aws.String("trimmed")}
	}
	// The iterator says where reading starts: after the record, or before.
	it := "before"
	if aws.ToString(in.SequenceNumber) == "1" {
		it = "after"
	}
	return &dynamodbstreams.GetShardIteratorOutput{ShardIterator: aws.String(it)}, nil
}

func (f *oneShardStream) GetRecords(_ context.Context, in *dynamodbstreams.GetRecordsInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.pending == 0 || aws.ToString(in.ShardIterator) == "after" {
		return &dynamodbstreams.GetRecordsOutput{NextShardIterator: in.ShardIterator}, nil
	}
	return &dynamodbstreams.GetRecordsOutput{NextShardIterator: aws.String("after"), Records: []streamtypes.Record{{
		EventName: streamtypes.OperationTypeInsert,
		Dynamodb: &streamtypes.StreamRecord{SequenceNumber: aws.String("1"), ApproximateCreationDateTime: aws.Time(time.Unix(1_000_000, 0)),
			Keys:     map[string]streamtypes.AttributeValue{"id": &streamtypes.AttributeValueMemberS{Value: "a"}},
			NewImage: map[string]streamtypes.AttributeValue{"id": &streamtypes.AttributeValueMemberS{Value: "a"}}},
	}}}, nil
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
	store := &memStore{applyErr: errors.New("disk full")}
	streams := &oneShardStream{pending: 1}
	s, reg, tr := streamerFor(t, store, streams, true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	// The stream's change cannot be applied: the stream is not consumed,
	// so the copy is not served, and the reason shows.
	eventually(t, "the stall", func() bool { return tr.Status().LastError != "" })
	for range 100 {
		if st := tr.Status(); st.Serving() || !strings.Contains(st.LastError, "disk full") {
			t.Fatalf("while the stream cannot be applied: %+v", st)
		}
		if ready, all := reg.Ready(); ready || all[0].Serving() {
			t.Fatal("ready while the stream is stalled")
		}
		time.Sleep(time.Millisecond)
	}
	store.mu.Lock()
	store.applyErr = nil
	store.mu.Unlock()
	eventually(t, "ready again once the stream is consumed", func() bool { return tr.Status().Serving() })
	if _, applied := store.counts(); applied == 0 {
		t.Error("ready without the change applied")
	}
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
