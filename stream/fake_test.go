package stream_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// This file holds the in-memory DynamoDB Streams and the fake clock the
// consumer tests run over. Nothing here sleeps on real time.

// fakeClock is a Clock whose After advances Now by d and returns a channel
// that has already fired, so the consumer's waits cost no real time.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
	// onAfter runs after each After advanced the time (outside the lock),
	// with the number of waits so far.
	onAfter func(n int, d time.Duration)
}

var epoch0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newClock() *fakeClock { return &fakeClock{now: epoch0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.waits = append(c.waits, d)
	n, now, hook := len(c.waits), c.now, c.onAfter
	c.mu.Unlock()
	if hook != nil {
		hook(n, d)
	}
	ch := make(chan time.Time, 1)
	ch <- now
	return ch
}

// advance moves the time without a wait (time passing while the consumer
// works).
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) waited() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

// fakeShard is one shard of the fake stream.
type fakeShard struct {
	id, parent string
	start      string // StartingSequenceNumber
	records    []types.Record
	closed     bool
	// horizon: records[:horizon] are trimmed.
	horizon int
	// dropped: the shard no longer appears in DescribeStream.
	dropped bool
}

// apiCall is one call the consumer made, as the fake saw it.
type apiCall struct {
	op       string // DescribeStream, GetShardIterator, GetRecords
	shard    string
	iterType types.ShardIteratorType
	seq      string // GetShardIterator's SequenceNumber
	start    string // DescribeStream's ExclusiveStartShardId
	at       time.Time
	err      error
}

type fault struct {
	op, shard string // shard "": any
	err       error
}

// write is one change the fake stream recorded, in write order.
type write struct {
	shard, key, value, seq string
	remove                 bool
}

// fakeStreams is an in-memory stream.API for one stream. Shards are listed
// in ID order, pageSize at a time. Iterators encode shard, offset and the
// iterator epoch; expireAll makes every iterator issued so far expire.
type fakeStreams struct {
	mu       sync.Mutex
	arn      string
	clock    *fakeClock
	pageSize int
	seq      int
	shards   map[string]*fakeShard
	missing  bool // DescribeStream: ResourceNotFoundException
	epoch    int
	truth    map[string]string // the table as the writes leave it
	writes   []write
	faults   []fault
	calls    []apiCall
	// before runs before each call, outside the lock, with the call's
	// input (hooks may change the stream or cancel the consumer).
	before func(op string, in any)
}

const testARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/t/stream/2026-01-01T00:00:00.000"

func newStreams(clock *fakeClock) *fakeStreams {
	return &fakeStreams{arn: testARN, clock: clock, pageSize: 100, shards: map[string]*fakeShard{}, truth: map[string]string{}}
}

func seqString(n int) string { return fmt.Sprintf("%021d", n) }

// addShard creates an open shard; parent "" for none.
func (f *fakeStreams) addShard(id, parent string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.shards[id]; ok {
		panic("fake: shard " + id + " exists")
	}
	f.shards[id] = &fakeShard{id: id, parent: parent, start: seqString(f.seq + 1)}
}

// split closes parent and opens children of it.
func (f *fakeStreams) split(parent string, children ...string) {
	f.close(parent)
	for _, c := range children {
		f.addShard(c, parent)
	}
}

func (f *fakeStreams) close(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.shard(id).closed = true
}

func (f *fakeStreams) shard(id string) *fakeShard {
	s, ok := f.shards[id]
	if !ok {
		panic("fake: no shard " + id)
	}
	return s
}

// trim makes the first n records of the shard unreadable.
func (f *fakeStreams) trim(id string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.shard(id).horizon = n
}

// drop removes the shard from DescribeStream (the stream trimmed it whole).
func (f *fakeStreams) drop(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.shard(id)
	s.dropped, s.horizon = true, len(s.records)
}

func (f *fakeStreams) expireAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.epoch++
}

func (f *fakeStreams) inject(op, shard string, err error, times int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range times {
		f.faults = append(f.faults, fault{op: op, shard: shard, err: err})
	}
}

// put writes key=value into shard, created now.
func (f *fakeStreams) put(shard, key, value string) string {
	return f.putAt(shard, key, value, f.clock.Now())
}

func (f *fakeStreams) putAt(shard, key, value string, created time.Time) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.shard(shard)
	if s.closed {
		panic("fake: write to closed shard " + shard)
	}
	f.seq++
	seq := seqString(f.seq)
	event := types.OperationTypeInsert
	if _, ok := f.truth[key]; ok {
		event = types.OperationTypeModify
	}
	f.truth[key] = value
	s.records = append(s.records, types.Record{
		EventName: event,
		Dynamodb: &types.StreamRecord{
			Keys:                        map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: key}},
			NewImage:                    map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: key}, "v": &types.AttributeValueMemberS{Value: value}},
			SequenceNumber:              aws.String(seq),
			ApproximateCreationDateTime: aws.Time(created),
			StreamViewType:              types.StreamViewTypeNewImage,
		},
	})
	f.writes = append(f.writes, write{shard: shard, key: key, value: value, seq: seq})
	return seq
}

// del removes key, in shard.
func (f *fakeStreams) del(shard, key string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.shard(shard)
	if s.closed {
		panic("fake: write to closed shard " + shard)
	}
	f.seq++
	seq := seqString(f.seq)
	delete(f.truth, key)
	s.records = append(s.records, types.Record{
		EventName: types.OperationTypeRemove,
		Dynamodb: &types.StreamRecord{
			Keys:                        map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: key}},
			SequenceNumber:              aws.String(seq),
			ApproximateCreationDateTime: aws.Time(f.clock.Now()),
			StreamViewType:              types.StreamViewTypeNewImage,
		},
	})
	f.writes = append(f.writes, write{shard: shard, key: key, seq: seq, remove: true})
	return seq
}

// table is the table as every write so far leaves it.
func (f *fakeStreams) table() map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]string, len(f.truth))
	for k, v := range f.truth {
		out[k] = v
	}
	return out
}

// allWrites returns the writes in write order.
func (f *fakeStreams) allWrites() []write {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]write(nil), f.writes...)
}

// seqs returns the sequence numbers of a shard's records, in order.
func (f *fakeStreams) seqs(shard string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.shard(shard).records {
		out = append(out, aws.ToString(r.Dynamodb.SequenceNumber))
	}
	return out
}

func (f *fakeStreams) callLog() []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]apiCall(nil), f.calls...)
}

// closedShards returns the IDs of the closed shards still listed.
func (f *fakeStreams) closedShards() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for id, s := range f.shards {
		if s.closed && !s.dropped {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// enter runs the before hook, then takes the lock and returns the fault
// injected for this call, if any. The caller unlocks.
func (f *fakeStreams) enter(ctx context.Context, op, shard string, in any) error {
	f.mu.Lock()
	hook := f.before
	f.mu.Unlock()
	if hook != nil {
		hook(op, in)
	}
	f.mu.Lock()
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, ft := range f.faults {
		if ft.op == op && (ft.shard == "" || ft.shard == shard) {
			f.faults = append(f.faults[:i:i], f.faults[i+1:]...)
			return ft.err
		}
	}
	return nil
}

func (f *fakeStreams) record(c apiCall) {
	c.at = f.clock.Now()
	f.calls = append(f.calls, c)
}

func (f *fakeStreams) DescribeStream(ctx context.Context, in *dynamodbstreams.DescribeStreamInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error) {
	start := aws.ToString(in.ExclusiveStartShardId)
	err := f.enter(ctx, "DescribeStream", "", in)
	defer f.mu.Unlock()
	if err == nil && (f.missing || aws.ToString(in.StreamArn) != f.arn) {
		err = &types.ResourceNotFoundException{Message: aws.String("Requested resource not found: Stream: " + aws.ToString(in.StreamArn) + " not found")}
	}
	f.record(apiCall{op: "DescribeStream", start: start, err: err})
	if err != nil {
		return nil, err
	}
	var ids []string
	for id, s := range f.shards {
		if !s.dropped && id > start {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	desc := &types.StreamDescription{StreamArn: aws.String(f.arn), StreamStatus: types.StreamStatusEnabled}
	if len(ids) > f.pageSize {
		ids = ids[:f.pageSize]
		desc.LastEvaluatedShardId = aws.String(ids[len(ids)-1])
	}
	for _, id := range ids {
		s := f.shards[id]
		sh := types.Shard{ShardId: aws.String(id), SequenceNumberRange: &types.SequenceNumberRange{StartingSequenceNumber: aws.String(s.start)}}
		if s.parent != "" {
			sh.ParentShardId = aws.String(s.parent)
		}
		if s.closed && len(s.records) > 0 && s.records[len(s.records)-1].Dynamodb != nil {
			sh.SequenceNumberRange.EndingSequenceNumber = s.records[len(s.records)-1].Dynamodb.SequenceNumber
		}
		desc.Shards = append(desc.Shards, sh)
	}
	return &dynamodbstreams.DescribeStreamOutput{StreamDescription: desc}, nil
}

func (f *fakeStreams) GetShardIterator(ctx context.Context, in *dynamodbstreams.GetShardIteratorInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error) {
	id := aws.ToString(in.ShardId)
	err := f.enter(ctx, "GetShardIterator", id, in)
	defer f.mu.Unlock()
	c := apiCall{op: "GetShardIterator", shard: id, iterType: in.ShardIteratorType, seq: aws.ToString(in.SequenceNumber)}
	defer func() { c.err = err; f.record(c) }()
	if err != nil {
		return nil, err
	}
	s, ok := f.shards[id]
	if !ok || s.dropped || aws.ToString(in.StreamArn) != f.arn || f.missing {
		err = &types.ResourceNotFoundException{Message: aws.String("Requested resource not found: Shard does not exist")}
		return nil, err
	}
	var offset int
	switch in.ShardIteratorType {
	case types.ShardIteratorTypeTrimHorizon:
		offset = s.horizon
	case types.ShardIteratorTypeLatest:
		offset = len(s.records)
	case types.ShardIteratorTypeAtSequenceNumber, types.ShardIteratorTypeAfterSequenceNumber:
		seq := aws.ToString(in.SequenceNumber)
		if seq == "" {
			err = errors.New("fake: ValidationException: a sequence number is required")
			return nil, err
		}
		offset = len(s.records)
		for i, r := range s.records {
			// A malformed record a test planted counts as the newest.
			rs := seqString(f.seq)
			if r.Dynamodb != nil {
				rs = aws.ToString(r.Dynamodb.SequenceNumber)
			}
			if rs > seq || (rs == seq && in.ShardIteratorType == types.ShardIteratorTypeAtSequenceNumber) {
				offset = i
				break
			}
		}
		if offset < s.horizon {
			err = &types.TrimmedDataAccessException{Message: aws.String("fake: the sequence number is beyond the trim horizon")}
			return nil, err
		}
	default:
		err = fmt.Errorf("fake: iterator type %q", in.ShardIteratorType)
		return nil, err
	}
	return &dynamodbstreams.GetShardIteratorOutput{ShardIterator: aws.String(f.iterator(id, offset))}, nil
}

func (f *fakeStreams) iterator(id string, offset int) string {
	return fmt.Sprintf("%s|%d|%d", id, offset, f.epoch)
}

func parseIterator(it string) (id string, offset, epoch int, err error) {
	parts := strings.Split(it, "|")
	if len(parts) != 3 {
		return "", 0, 0, fmt.Errorf("fake: ValidationException: bad iterator %q", it)
	}
	if offset, err = strconv.Atoi(parts[1]); err != nil {
		return "", 0, 0, err
	}
	if epoch, err = strconv.Atoi(parts[2]); err != nil {
		return "", 0, 0, err
	}
	return parts[0], offset, epoch, nil
}

func (f *fakeStreams) GetRecords(ctx context.Context, in *dynamodbstreams.GetRecordsInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error) {
	id, offset, epoch, perr := parseIterator(aws.ToString(in.ShardIterator))
	err := f.enter(ctx, "GetRecords", id, in)
	defer f.mu.Unlock()
	c := apiCall{op: "GetRecords", shard: id}
	defer func() { c.err = err; f.record(c) }()
	if err != nil {
		return nil, err
	}
	if perr != nil {
		err = perr
		return nil, err
	}
	limit := int(aws.ToInt32(in.Limit))
	if in.Limit == nil {
		limit = 1000
	}
	if limit < 1 || limit > 1000 {
		err = fmt.Errorf("fake: ValidationException: Limit %d", limit)
		return nil, err
	}
	s, ok := f.shards[id]
	switch {
	case !ok:
		err = &types.ResourceNotFoundException{Message: aws.String("fake: no shard " + id)}
	case epoch < f.epoch:
		err = &types.ExpiredIteratorException{Message: aws.String("Iterator expired")}
	case offset < s.horizon:
		err = &types.TrimmedDataAccessException{Message: aws.String("fake: the iterator points before the trim horizon")}
	}
	if err != nil {
		return nil, err
	}
	end := min(offset+limit, len(s.records))
	out := &dynamodbstreams.GetRecordsOutput{Records: append([]types.Record(nil), s.records[offset:end]...)}
	if !s.closed || end < len(s.records) {
		out.NextShardIterator = aws.String(f.iterator(id, end))
	}
	return out, nil
}
