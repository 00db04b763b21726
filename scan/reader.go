package scan

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"github.com/pgdynamo/pgdynamo/attrarrow"
	"github.com/pgdynamo/pgdynamo/ddb"
)

// API is the part of the DynamoDB client that reading needs.
type API interface {
	Scan(ctx context.Context, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

// Options tune a Reader; the zero value is usable.
type Options struct {
	// Concurrency caps the segments read at once; 0 means 8.
	Concurrency int
	// BatchRows is the most rows in one record batch; 0 means 2048.
	BatchRows int
	// Allocator for Arrow buffers; nil means the Go allocator.
	Allocator memory.Allocator
	// Region names the table's region in error messages.
	Region string
	// Dataset names the dataset (schema.name) in error messages.
	Dataset string
}

// Stats counts what a read cost. Safe to read while the read runs.
type Stats struct {
	Pages            atomic.Int64
	ItemsScanned     atomic.Int64
	ItemsReturned    atomic.Int64
	ConsumedCapacity atomicFloat
}

type atomicFloat struct {
	mu sync.Mutex
	v  float64
}

func (f *atomicFloat) Add(d float64) {
	f.mu.Lock()
	f.v += d
	f.mu.Unlock()
}

// Load returns the current value.
func (f *atomicFloat) Load() float64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.v
}

// Reader streams the items of one Request as Arrow record batches.
type Reader struct {
	schema *attrarrow.Schema
	req    Request
	opts   Options
	ref    ddb.TableRef

	batches chan arrow.RecordBatch
	cancel  context.CancelFunc
	group   *errgroup.Group
	done    chan struct{}
	err     error // set before done closes

	remaining atomic.Int64 // items still wanted when req.Limit > 0

	mu sync.Mutex
	// segmentMismatches holds each finished segment's report.
	segmentMismatches [][]attrarrow.Mismatch

	Stats Stats
}

// Open starts reading req. Items are converted with schema, which must hold
// exactly the columns the caller wants (see attrarrow.Schema.Select). The
// reads stop when ctx is cancelled, Close is called, or the data ends.
func Open(ctx context.Context, api API, req Request, schema *attrarrow.Schema, opts Options) (*Reader, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	if opts.BatchRows <= 0 {
		opts.BatchRows = 2048
	}
	if opts.Allocator == nil {
		opts.Allocator = memory.DefaultAllocator
	}
	workers := 1
	switch {
	case !req.IsQuery():
		workers = req.Segments
	case len(req.Partitions) > 0:
		workers = len(req.Partitions)
	}
	ctx, cancel := context.WithCancel(ctx)
	group, gctx := errgroup.WithContext(ctx)
	group.SetLimit(opts.Concurrency)

	r := &Reader{
		schema: schema,
		req:    req,
		opts:   opts,
		ref:    ddb.TableRef{Table: req.Table, Region: opts.Region, Dataset: opts.Dataset},
		// One slot per concurrent worker: a worker that finds the channel full
		// waits, which is the back-pressure that bounds memory.
		batches: make(chan arrow.RecordBatch, min(workers, opts.Concurrency)),
		cancel:  cancel,
		group:   group,
		done:    make(chan struct{}),
	}
	r.remaining.Store(req.Limit)

	go func() {
		// The launcher itself blocks in group.Go once Concurrency workers run,
		// so it lives in its own goroutine and Open returns at once.
		for seg := 0; seg < workers; seg++ {
			if gctx.Err() != nil {
				break
			}
			seg := seg
			group.Go(func() error { return r.readSegment(gctx, api, seg) })
		}
		err := group.Wait()
		if errors.Is(err, errLimitReached) {
			err = nil
		}
		r.err = err
		close(r.batches)
		close(r.done)
	}()
	return r, nil
}

var errLimitReached = errors.New("scan limit reached")

// Request returns what the reader was asked to read.
func (r *Reader) Request() Request { return r.req }

// Schema returns the Arrow schema of the batches.
func (r *Reader) Schema() *arrow.Schema { return r.schema.Arrow }

// ReadBatch returns the next batch, or io.EOF after the last one. The caller
// owns the batch and must Release it.
func (r *Reader) ReadBatch(ctx context.Context) (arrow.RecordBatch, error) {
	select {
	case <-ctx.Done():
		r.Close()
		return nil, ddb.Classify(ctx.Err(), r.ref, r.op())
	case rec, ok := <-r.batches:
		if ok {
			return rec, nil
		}
		<-r.done
		if r.err != nil {
			return nil, r.err
		}
		return nil, io.EOF
	}
}

// Close stops every in-flight call and frees unread batches. It is safe to
// call more than once and after io.EOF.
func (r *Reader) Close() error {
	r.cancel()
	for rec := range r.batches {
		rec.Release()
	}
	<-r.done
	return nil
}

// Mismatches returns the values that did not fit their column, summed over
// segments. Complete once ReadBatch has returned io.EOF.
func (r *Reader) Mismatches() []attrarrow.Mismatch {
	r.mu.Lock()
	defer r.mu.Unlock()
	return attrarrow.SumMismatches(r.segmentMismatches...)
}

func (r *Reader) op() string {
	if r.req.IsQuery() {
		return "Query"
	}
	return "Scan"
}

func (r *Reader) readSegment(ctx context.Context, api API, segment int) error {
	conv := attrarrow.NewConverter(r.schema, r.opts.Allocator)
	defer func() {
		r.mergeMismatches(conv.Mismatches())
		conv.Release()
	}()

	projection, projNames := r.req.projectionExpression()
	names := mergeNames(r.req.Names, projNames)
	var startKey map[string]types.AttributeValue
	for {
		pageLimit := r.pageLimit()
		var (
			items    []map[string]types.AttributeValue
			lastKey  map[string]types.AttributeValue
			scanned  int32
			capacity *types.ConsumedCapacity
			err      error
		)
		if r.req.IsQuery() {
			in := &dynamodb.QueryInput{
				TableName:              aws.String(r.req.Table),
				KeyConditionExpression: aws.String(r.req.KeyCondition),
				ExclusiveStartKey:      startKey,
				ConsistentRead:         aws.Bool(r.req.ConsistentRead),
				ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
			}
			r.fillCommon(&in.IndexName, &in.FilterExpression, &in.ProjectionExpression, &in.ExpressionAttributeNames, &in.ExpressionAttributeValues, &in.Limit, projection, names, pageLimit)
			if len(r.req.Partitions) > 0 {
				// This worker's partition of the IN list.
				values := make(map[string]types.AttributeValue, len(r.req.Values)+1)
				for k, v := range r.req.Values {
					values[k] = v
				}
				values[r.req.PartitionValue] = r.req.Partitions[segment]
				in.ExpressionAttributeValues = values
			}
			var out *dynamodb.QueryOutput
			out, err = api.Query(ctx, in)
			if out != nil {
				items, lastKey, scanned, capacity = out.Items, out.LastEvaluatedKey, out.ScannedCount, out.ConsumedCapacity
			}
		} else {
			in := &dynamodb.ScanInput{
				TableName:              aws.String(r.req.Table),
				ExclusiveStartKey:      startKey,
				ConsistentRead:         aws.Bool(r.req.ConsistentRead),
				ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
			}
			if r.req.Segments > 1 {
				in.Segment = aws.Int32(int32(segment))
				in.TotalSegments = aws.Int32(int32(r.req.Segments))
			}
			r.fillCommon(&in.IndexName, &in.FilterExpression, &in.ProjectionExpression, &in.ExpressionAttributeNames, &in.ExpressionAttributeValues, &in.Limit, projection, names, pageLimit)
			var out *dynamodb.ScanOutput
			out, err = api.Scan(ctx, in)
			if out != nil {
				items, lastKey, scanned, capacity = out.Items, out.LastEvaluatedKey, out.ScannedCount, out.ConsumedCapacity
			}
		}
		if err != nil {
			return ddb.Classify(err, r.ref, r.op())
		}
		r.Stats.Pages.Add(1)
		r.Stats.ItemsScanned.Add(int64(scanned))
		if capacity != nil && capacity.CapacityUnits != nil {
			r.Stats.ConsumedCapacity.Add(*capacity.CapacityUnits)
		}

		limitHit := false
		for _, item := range items {
			if r.req.Limit > 0 && r.remaining.Add(-1) < 0 {
				limitHit = true
				break
			}
			conv.Append(item)
			r.Stats.ItemsReturned.Add(1)
			if conv.Len() >= r.opts.BatchRows {
				if err := r.send(ctx, conv.NewRecordBatch()); err != nil {
					return err
				}
			}
		}
		// Hand over what this page produced before paying for the next one,
		// so the client sees rows while later pages are still being read.
		if conv.Len() > 0 {
			if err := r.send(ctx, conv.NewRecordBatch()); err != nil {
				return err
			}
		}
		if limitHit || (r.req.Limit > 0 && r.remaining.Load() <= 0) {
			return errLimitReached
		}
		if len(lastKey) == 0 {
			return nil
		}
		startKey = lastKey
	}
}

// pageLimit asks DynamoDB for no more items than are still wanted, so a small
// LIMIT does not read (and pay for) whole 1 MB pages.
func (r *Reader) pageLimit() int32 {
	if r.req.Limit <= 0 {
		return 0
	}
	left := r.remaining.Load()
	if left <= 0 {
		return 1
	}
	return int32(min(left, 1000))
}

func (r *Reader) fillCommon(index, filter, projection **string, names *map[string]string, values *map[string]types.AttributeValue, limit **int32, projExpr string, allNames map[string]string, pageLimit int32) {
	if r.req.Index != "" {
		*index = aws.String(r.req.Index)
	}
	if r.req.Filter != "" {
		*filter = aws.String(r.req.Filter)
	}
	if projExpr != "" {
		*projection = aws.String(projExpr)
	}
	if len(allNames) > 0 {
		*names = allNames
	}
	if len(r.req.Values) > 0 {
		*values = r.req.Values
	}
	if pageLimit > 0 {
		*limit = aws.Int32(pageLimit)
	}
}

func (r *Reader) send(ctx context.Context, rec arrow.RecordBatch) error {
	select {
	case r.batches <- rec:
		return nil
	case <-ctx.Done():
		rec.Release()
		return ddb.Classify(ctx.Err(), r.ref, r.op())
	}
}

func (r *Reader) mergeMismatches(ms []attrarrow.Mismatch) {
	if len(ms) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.segmentMismatches = append(r.segmentMismatches, ms)
}

func mergeNames(a, b map[string]string) map[string]string {
	if len(a) == 0 {
		return b
	}
	if len(b) == 0 {
		return a
	}
	out := make(map[string]string, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
