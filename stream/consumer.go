package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// API is the part of the DynamoDB Streams client the consumer calls.
type API interface {
	DescribeStream(ctx context.Context, in *dynamodbstreams.DescribeStreamInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error)
	GetShardIterator(ctx context.Context, in *dynamodbstreams.GetShardIteratorInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *dynamodbstreams.GetRecordsInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

// Shard is one shard's position: what a checkpoint stores.
type Shard struct {
	ID     string
	Parent string // "" for a shard without a parent
	// Sequence is the last applied record's sequence number; "" means
	// nothing applied yet: reading starts at the shard's TRIM_HORIZON.
	Sequence string
	// Finished: the shard is closed and every record of it is applied.
	Finished bool
	// FromHorizon: the shard was listed when a bootstrap captured its
	// positions, so with nothing applied it is read from TRIM_HORIZON —
	// what was trimmed before is older than the scan, which reflects it.
	// A shard found later is read from its first record, and fails as
	// trimmed if that is gone: records the scan never saw would be lost.
	FromHorizon bool
}

// Change is one stream record.
type Change struct {
	Shard    string
	Sequence string
	Keys     map[string]ddbtypes.AttributeValue
	// NewImage is the item after an INSERT or MODIFY; nil for a REMOVE.
	NewImage map[string]ddbtypes.AttributeValue
	Created  time.Time // ApproximateCreationDateTime
}

// Batch is what one round read: the changes, in apply order, and every
// shard's position once they are applied. The store applies both in one
// transaction.
type Batch struct {
	Changes []Change
	Shards  []Shard
}

// ErrInvalidCheckpoint means the stored positions cannot be continued:
// records between them and the stream's oldest were trimmed, a shard is
// gone, or the bootstrap outlived the stream's retention. Only a new
// bootstrap makes the copy exact again.
var ErrInvalidCheckpoint = errors.New("the stream checkpoint is no longer valid")

// Observer receives what the consumer does (the stream metrics).
type Observer interface {
	RecordsConsumed(n int)
	TransientError(err error)
	ShardsActive(n int)
	// Caught reports the stream lag after each round: now minus the
	// newest applied record's creation time, 0 when every shard is
	// caught up.
	Caught(lag time.Duration)
}

// Clock is time as the consumer sees it.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Consumer follows one stream.
type Consumer struct {
	API    API
	Stream string // the stream ARN
	// Interval is how long to wait after a round that found no records
	// (scan_interval); a round that found records is followed at once.
	Interval time.Duration
	// Apply applies a batch and its positions atomically.
	Apply    func(ctx context.Context, b Batch) error
	Observer Observer // nil: none
	Clock    Clock    // nil: the real clock
	Log      *slog.Logger
	// ListEvery is how often the shard list is read again to find new
	// shards; 0 means 10 s. A shard finishing also reads it.
	ListEvery time.Duration
	// MaxRecords is GetRecords' Limit; 0 means 1000, DynamoDB's maximum.
	MaxRecords int32
}

// shardState is a shard as the consumer follows it.
type shardState struct {
	Shard
	iterator string
	listed   bool
	start    string // the shard's first sequence number, from DescribeStream
	// closing: the shard returned its last records this round; it is
	// finished once they are applied.
	closing bool
}

// Capture lists the stream's shards as the positions a bootstrap starts
// from: every shard from its TRIM_HORIZON. Call it before the scan.
func Capture(ctx context.Context, api API, stream string) ([]Shard, error) {
	listed, err := listShards(ctx, api, stream)
	if err != nil {
		return nil, err
	}
	out := make([]Shard, 0, len(listed))
	for _, s := range listed {
		out = append(out, Shard{ID: aws.ToString(s.ShardId), Parent: aws.ToString(s.ParentShardId), FromHorizon: true})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// listShards reads every page of DescribeStream.
func listShards(ctx context.Context, api API, stream string) ([]types.Shard, error) {
	var (
		out   []types.Shard
		start *string
	)
	for {
		resp, err := api.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(stream), ExclusiveStartShardId: start})
		if err != nil {
			var nf *types.ResourceNotFoundException
			if errors.As(err, &nf) {
				return nil, fmt.Errorf("%w: the stream %s no longer exists", ErrInvalidCheckpoint, stream)
			}
			return nil, fmt.Errorf("DescribeStream %s: %w", stream, err)
		}
		if resp.StreamDescription == nil {
			return out, nil
		}
		out = append(out, resp.StreamDescription.Shards...)
		start = resp.StreamDescription.LastEvaluatedShardId
		if start == nil {
			return out, nil
		}
	}
}

// Run consumes the stream from the given positions until ctx ends or an
// error stops it: ErrInvalidCheckpoint (wrapped, with the reason), an
// Apply error, or ctx's. Errors of DescribeStream, GetShardIterator and
// GetRecords that outlast the SDK's retries are transient: counted, backed
// off and retried.
func (c *Consumer) Run(ctx context.Context, from []Shard) error {
	clock := c.Clock
	if clock == nil {
		clock = realClock{}
	}
	listEvery := c.ListEvery
	if listEvery == 0 {
		listEvery = 10 * time.Second
	}
	shards := map[string]*shardState{}
	for _, s := range from {
		shards[s.ID] = &shardState{Shard: s}
	}
	var listedAt time.Time
	relist := true
	backoff := c.Interval
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if relist || clock.Now().Sub(listedAt) >= listEvery {
			if err := c.relist(ctx, shards); err != nil {
				if errors.Is(err, ErrInvalidCheckpoint) || ctx.Err() != nil {
					return err
				}
				c.transient(err)
				if !c.wait(ctx, clock, &backoff) {
					return ctx.Err()
				}
				continue
			}
			listedAt, relist = clock.Now(), false
		}
		roundStart := clock.Now()
		batch, finished, transient, full, err := c.round(ctx, shards)
		// An expired iterator skipped a shard this round: it may be behind.
		for _, s := range shards {
			if readable(s, shards) && s.iterator == "" && !s.closing {
				transient = true
			}
		}
		if err != nil {
			return err
		}
		if len(batch.Changes) > 0 || finished {
			batch.Shards = positions(shards, batch)
			if err := c.Apply(ctx, batch); err != nil {
				// The iterators ran ahead of what is stored: read again
				// from the stored positions.
				for _, s := range shards {
					s.iterator = ""
				}
				return fmt.Errorf("applying %d stream changes: %w", len(batch.Changes), err)
			}
			for _, p := range batch.Shards {
				if s, ok := shards[p.ID]; ok {
					s.Shard = p
				}
			}
			relist = relist || finished
		}
		active := 0
		for _, s := range shards {
			if !s.Finished {
				active++
			}
		}
		if c.Observer != nil {
			c.Observer.ShardsActive(active)
			c.Observer.RecordsConsumed(len(batch.Changes))
		}
		if len(batch.Changes) > 0 {
			// A shard that returned less than a full page had nothing more
			// when it was read: then the copy is behind by at most this
			// round. Only a full page says more records wait, and only
			// then is the newest record's creation time the measure —
			// DynamoDB rounds it down (to the second; DynamoDB Local to
			// the minute), so it would overstate the lag of a caught-up
			// stream.
			lag := max(clock.Now().Sub(roundStart), 0)
			if full {
				newest := batch.Changes[0].Created
				for _, ch := range batch.Changes {
					if ch.Created.After(newest) {
						newest = ch.Created
					}
				}
				lag = max(clock.Now().Sub(newest), 0)
			}
			if c.Observer != nil {
				c.Observer.Caught(lag)
			}
			backoff = c.Interval
			continue
		}
		if c.Observer != nil && !transient {
			c.Observer.Caught(0)
		}
		wait := c.Interval
		if transient {
			if !c.wait(ctx, clock, &backoff) {
				return ctx.Err()
			}
			continue
		}
		backoff = c.Interval
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-clock.After(wait):
		}
	}
}

// wait sleeps for *backoff, doubling it up to 5 s, and reports whether ctx
// is still alive.
func (c *Consumer) wait(ctx context.Context, clock Clock, backoff *time.Duration) bool {
	d := max(*backoff, 50*time.Millisecond)
	*backoff = min(2*d, 5*time.Second)
	select {
	case <-ctx.Done():
		return false
	case <-clock.After(d):
		return true
	}
}

func (c *Consumer) transient(err error) {
	if c.Observer != nil {
		c.Observer.TransientError(err)
	}
	if c.Log != nil {
		c.Log.Warn("stream read failed; retrying", "stream", c.Stream, "err", err)
	}
}

// relist reads the shard list: new shards are added (read from their
// start), and a shard that is gone before it was finished is a gap.
func (c *Consumer) relist(ctx context.Context, shards map[string]*shardState) error {
	listed, err := listShards(ctx, c.API, c.Stream)
	if err != nil {
		return err
	}
	for _, s := range shards {
		s.listed = false
	}
	for _, l := range listed {
		id := aws.ToString(l.ShardId)
		s, ok := shards[id]
		if !ok {
			s = &shardState{Shard: Shard{ID: id, Parent: aws.ToString(l.ParentShardId)}}
			shards[id] = s
		}
		s.listed = true
		if r := l.SequenceNumberRange; r != nil {
			s.start = aws.ToString(r.StartingSequenceNumber)
		}
	}
	for id, s := range shards {
		if s.listed {
			continue
		}
		if !s.Finished {
			return fmt.Errorf("%w: shard %s left the stream before all its records were applied (trimmed after 24 h)", ErrInvalidCheckpoint, id)
		}
		// Finished and trimmed: nothing more to keep.
		delete(shards, id)
	}
	return nil
}

// readable reports whether s may be read: its parent, if the stream still
// has it, is finished — so an item's records are applied in order across a
// split.
func readable(s *shardState, shards map[string]*shardState) bool {
	if s.Finished {
		return false
	}
	p, ok := shards[s.Parent]
	return s.Parent == "" || !ok || p.Finished
}

// round reads each readable shard once. finished reports shards that
// closed with every record read; transient, that some read failed and was
// skipped; full, that some shard returned a full page (more may wait).
func (c *Consumer) round(ctx context.Context, shards map[string]*shardState) (b Batch, finished, transient, full bool, err error) {
	ids := make([]string, 0, len(shards))
	for id, s := range shards {
		if readable(s, shards) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	limit := c.MaxRecords
	if limit == 0 {
		limit = 1000
	}
	for _, id := range ids {
		s := shards[id]
		if s.iterator == "" {
			it, err := c.iterator(ctx, s)
			if err != nil {
				if errors.Is(err, ErrInvalidCheckpoint) || ctx.Err() != nil {
					return b, false, false, false, err
				}
				c.transient(err)
				transient = true
				continue
			}
			s.iterator = it
		}
		out, err := c.API.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: aws.String(s.iterator), Limit: aws.Int32(limit)})
		if err != nil {
			var expired *types.ExpiredIteratorException
			var trimmed *types.TrimmedDataAccessException
			switch {
			case ctx.Err() != nil:
				return b, false, false, false, ctx.Err()
			case errors.As(err, &expired):
				// Renewed from the last position next round.
				s.iterator = ""
			case errors.As(err, &trimmed):
				return b, false, false, false, fmt.Errorf("%w: shard %s was trimmed past the last applied record", ErrInvalidCheckpoint, id)
			default:
				s.iterator = ""
				c.transient(err)
				transient = true
			}
			continue
		}
		for _, r := range out.Records {
			ch, err := change(id, r)
			if err != nil {
				return b, false, false, false, err
			}
			b.Changes = append(b.Changes, ch)
		}
		if len(out.Records) >= int(limit) {
			full = true
		}
		if out.NextShardIterator == nil {
			s.iterator = ""
			s.closing, finished = true, true
		} else {
			s.iterator = aws.ToString(out.NextShardIterator)
		}
	}
	return b, finished, transient, full, nil
}

// iterator opens s after its stored position.
func (c *Consumer) iterator(ctx context.Context, s *shardState) (string, error) {
	in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(c.Stream), ShardId: aws.String(s.ID), ShardIteratorType: types.ShardIteratorTypeTrimHorizon}
	switch {
	case s.Sequence != "":
		in.ShardIteratorType, in.SequenceNumber = types.ShardIteratorTypeAfterSequenceNumber, aws.String(s.Sequence)
	case !s.FromHorizon && s.start != "":
		in.ShardIteratorType, in.SequenceNumber = types.ShardIteratorTypeAtSequenceNumber, aws.String(s.start)
	}
	out, err := c.API.GetShardIterator(ctx, in)
	if err != nil {
		var trimmed *types.TrimmedDataAccessException
		var nf *types.ResourceNotFoundException
		switch {
		case errors.As(err, &trimmed):
			return "", fmt.Errorf("%w: shard %s was trimmed past the last applied record", ErrInvalidCheckpoint, s.ID)
		case errors.As(err, &nf):
			return "", fmt.Errorf("%w: shard %s is gone", ErrInvalidCheckpoint, s.ID)
		}
		return "", fmt.Errorf("GetShardIterator %s: %w", s.ID, err)
	}
	return aws.ToString(out.ShardIterator), nil
}

// positions are every shard's position once b is applied.
func positions(shards map[string]*shardState, b Batch) []Shard {
	last := map[string]string{}
	for _, ch := range b.Changes {
		last[ch.Shard] = ch.Sequence
	}
	out := make([]Shard, 0, len(shards))
	for _, s := range shards {
		p := s.Shard
		if seq, ok := last[s.ID]; ok {
			p.Sequence = seq
		}
		if s.closing {
			p.Finished = true
			s.closing = false
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// change converts one stream record.
func change(shard string, r types.Record) (Change, error) {
	if r.Dynamodb == nil {
		return Change{}, fmt.Errorf("shard %s: a record without a change", shard)
	}
	keys, err := attributevalue.FromDynamoDBStreamsMap(r.Dynamodb.Keys)
	if err != nil {
		return Change{}, fmt.Errorf("shard %s: record keys: %w", shard, err)
	}
	ch := Change{Shard: shard, Sequence: aws.ToString(r.Dynamodb.SequenceNumber), Keys: keys, Created: aws.ToTime(r.Dynamodb.ApproximateCreationDateTime)}
	if r.EventName != types.OperationTypeRemove {
		if r.Dynamodb.NewImage == nil {
			return Change{}, fmt.Errorf("shard %s: a %s record without a new image (the stream's view type must be NEW_IMAGE or NEW_AND_OLD_IMAGES)", shard, r.EventName)
		}
		if ch.NewImage, err = attributevalue.FromDynamoDBStreamsMap(r.Dynamodb.NewImage); err != nil {
			return Change{}, fmt.Errorf("shard %s: record image: %w", shard, err)
		}
	}
	return ch, nil
}
