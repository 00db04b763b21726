package scan

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
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
	// Dataset names the dataset in error messages (max_scan_items).
	Dataset string
	// Budget, when set, paces the read to the table's read-capacity budget.
	Budget *Budget
	// ItemsRead, when set, counts the items read across every reader that
	// shares it (the readers of one dataset in one query), against
	// Request.MaxItems.
	ItemsRead *atomic.Int64
	// Log, when set, gets one debug line per read when it ends.
	Log *slog.Logger
	// Inline runs a read of one segment or partition in the goroutine of
	// its first ReadBatch, which returns once the read has ended, its
	// batches kept until read: for reads of a few items (a key lookup),
	// which then start no goroutine and hand nothing over.
	Inline bool
}

// Stats counts what a read cost. Safe to read while the read runs.
type Stats struct {
	Pages atomic.Int64
	// WirePages are the pages whose items were decoded from the response
	// body straight into Arrow (decode.go); the others went through the
	// SDK's AttributeValues.
	WirePages        atomic.Int64
	ItemsScanned     atomic.Int64
	ItemsReturned    atomic.Int64
	ConsumedCapacity atomicFloat
	// Throttles counts the calls DynamoDB throttled and the SDK retried.
	Throttles atomic.Int64
	// BudgetWait is the time spent waiting for read capacity, in
	// nanoseconds summed over workers.
	BudgetWait atomic.Int64
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
	exprs  expressions
	opts   Options
	ref    ddb.TableRef
	start  time.Time

	batches chan arrow.RecordBatch
	cancel  context.CancelFunc
	group   *errgroup.Group
	done    chan struct{}
	err     error // set before done closes

	remaining atomic.Int64 // items still wanted when req.Limit > 0
	elapsed   atomic.Int64 // nanoseconds, set when the read ends

	inline *inlineRead // Options.Inline

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
	if opts.ItemsRead == nil {
		opts.ItemsRead = new(atomic.Int64)
	}
	workers := req.Segments
	if req.IsQuery() {
		// One Query per partition key value; none when no value can match.
		workers = len(req.Key.Values)
	}
	ctx, cancel := context.WithCancel(ctx)
	group, gctx := errgroup.WithContext(ctx)
	group.SetLimit(opts.Concurrency)

	r := &Reader{
		schema: schema,
		req:    req,
		exprs:  req.expressions(),
		opts:   opts,
		ref:    ddb.TableRef{Table: req.Table, Region: opts.Region, Dataset: opts.Dataset},
		start:  time.Now(),
		// One slot per concurrent worker: a worker that finds the channel full
		// waits, which is the back-pressure that bounds memory.
		batches: make(chan arrow.RecordBatch, max(min(workers, opts.Concurrency), 1)),
		cancel:  cancel,
		group:   group,
		done:    make(chan struct{}),
	}
	r.remaining.Store(req.Limit)
	if opts.Inline && workers <= 1 {
		r.inline = &inlineRead{run: func() error {
			if workers == 0 {
				return nil
			}
			return r.readSegment(gctx, api, 0)
		}}
		close(r.batches) // batches are held instead
		return r, nil
	}

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
		r.end(group.Wait())
		close(r.batches)
		close(r.done)
	}()
	return r, nil
}

var errLimitReached = errors.New("scan limit reached")

// end records how the read ended, a read its LIMIT stopped being no error,
// and logs it; the caller then closes done.
func (r *Reader) end(err error) {
	if errors.Is(err, errLimitReached) {
		err = nil
	}
	r.err = err
	r.elapsed.Store(int64(time.Since(r.start)))
	r.logEnd()
}

// Elapsed is how long the read has run, or ran once it ended.
func (r *Reader) Elapsed() time.Duration {
	select {
	case <-r.done:
		return time.Duration(r.elapsed.Load())
	default:
		return time.Since(r.start)
	}
}

// Request returns what the reader was asked to read.
func (r *Reader) Request() Request { return r.req }

// Schema returns the Arrow schema of the batches.
func (r *Reader) Schema() *arrow.Schema { return r.schema.Arrow }

// ReadBatch returns the next batch, or io.EOF after the last one. The caller
// owns the batch and must Release it.
func (r *Reader) ReadBatch(ctx context.Context) (arrow.RecordBatch, error) {
	if r.inline != nil {
		return r.inline.next(r)
	}
	select {
	case <-ctx.Done():
		r.Close()
		return nil, ddb.Classify(ctx.Err(), r.ref, r.req.Op())
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
	if r.inline != nil {
		r.inline.close(r)
	}
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

func (r *Reader) readSegment(ctx context.Context, api API, segment int) error {
	conv := attrarrow.NewConverter(r.schema, r.opts.Allocator)
	defer func() {
		r.mergeMismatches(conv.Mismatches())
		conv.Release()
	}()

	e := r.exprs
	// The pages' items are decoded into dec, straight into the converter's
	// builders (decode.go).
	dec := &pageDecoder{}
	callCtx := withPageDecoder(ctx, dec)
	var queryValues map[string]types.AttributeValue
	if r.req.IsQuery() {
		// The expression values with this worker's partition key value.
		queryValues = make(map[string]types.AttributeValue, len(e.values)+1)
		for k, v := range e.values {
			queryValues[k] = v
		}
		queryValues[e.partitionValue] = r.req.Key.Values[segment]
	}
	var startKey map[string]types.AttributeValue
	var perItem float64 // RCU per item scanned, learnt from the pages read
	for {
		pageLimit := r.pageLimit()
		reserved, err := r.reserve(ctx, &pageLimit, perItem)
		if err != nil {
			return ddb.Classify(err, r.ref, r.req.Op())
		}
		var (
			items    []map[string]types.AttributeValue
			lastKey  map[string]types.AttributeValue
			scanned  int32
			capacity *types.ConsumedCapacity
			meta     middleware.Metadata
		)
		if r.req.IsQuery() {
			in := &dynamodb.QueryInput{
				TableName:              aws.String(r.req.Table),
				KeyConditionExpression: aws.String(e.keyCondition),
				ExclusiveStartKey:      startKey,
				ConsistentRead:         aws.Bool(r.req.ConsistentRead),
				ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
			}
			r.fillCommon(&in.IndexName, &in.FilterExpression, &in.ProjectionExpression, &in.ExpressionAttributeNames, &in.Limit, pageLimit)
			in.ExpressionAttributeValues = queryValues
			var out *dynamodb.QueryOutput
			dec.parsed = false
			out, err = api.Query(callCtx, in, decodeItemsOption)
			if out != nil {
				items, lastKey, scanned, capacity, meta = out.Items, out.LastEvaluatedKey, out.ScannedCount, out.ConsumedCapacity, out.ResultMetadata
			}
		} else {
			in := &dynamodb.ScanInput{
				TableName:                 aws.String(r.req.Table),
				ExclusiveStartKey:         startKey,
				ConsistentRead:            aws.Bool(r.req.ConsistentRead),
				ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
				ExpressionAttributeValues: e.values,
			}
			if r.req.Segments > 1 {
				in.Segment = aws.Int32(int32(segment))
				in.TotalSegments = aws.Int32(int32(r.req.Segments))
			}
			r.fillCommon(&in.IndexName, &in.FilterExpression, &in.ProjectionExpression, &in.ExpressionAttributeNames, &in.Limit, pageLimit)
			var out *dynamodb.ScanOutput
			dec.parsed = false
			out, err = api.Scan(callCtx, in, decodeItemsOption)
			if out != nil {
				items, lastKey, scanned, capacity, meta = out.Items, out.LastEvaluatedKey, out.ScannedCount, out.ConsumedCapacity, out.ResultMetadata
			}
		}
		r.countThrottles(meta, err)
		if err != nil {
			r.settle(reserved, 0)
			return ddb.Classify(err, r.ref, r.req.Op())
		}
		r.Stats.Pages.Add(1)
		r.Stats.ItemsScanned.Add(int64(scanned))
		consumed := pageCapacity(capacity, items)
		if capacity == nil && dec.parsed {
			// The items were never AttributeValues: their JSON's length,
			// somewhat more than their size, stands in for it.
			consumed = capacityOf(dec.page.ItemsSize())
		}
		r.Stats.ConsumedCapacity.Add(consumed)
		r.settle(reserved, consumed)
		if scanned > 0 {
			perItem = consumed / float64(scanned)
		}
		if max := r.req.MaxItems; max > 0 && r.opts.ItemsRead.Add(int64(scanned)) > max {
			return r.tooManyItems()
		}

		limitHit := false
		count, appendItem := len(items), func(i int) { conv.Append(items[i]) }
		if dec.parsed {
			r.Stats.WirePages.Add(1)
			count, appendItem = dec.page.Len(), func(i int) { conv.AppendJSON(&dec.page, i) }
		}
		for i := range count {
			if r.req.Limit > 0 && r.remaining.Add(-1) < 0 {
				limitHit = true
				break
			}
			appendItem(i)
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
// LIMIT does not read (and pay for) whole 1 MB pages, and for no more than
// one past the max_scan_items cap, so a runaway read stops where it must.
// 0 means no limit.
func (r *Reader) pageLimit() int32 {
	limit := int64(0)
	if r.req.Limit > 0 {
		limit = max(r.remaining.Load(), 1)
	}
	if r.req.MaxItems > 0 {
		left := max(r.req.MaxItems-r.opts.ItemsRead.Load()+1, 1)
		if limit == 0 || left < limit {
			limit = left
		}
	}
	if limit == 0 {
		return 0
	}
	return int32(min(limit, 1000))
}

func (r *Reader) fillCommon(index, filter, projection **string, names *map[string]string, limit **int32, pageLimit int32) {
	if r.req.Index != "" {
		*index = aws.String(r.req.Index)
	}
	if r.exprs.filter != "" {
		*filter = aws.String(r.exprs.filter)
	}
	if r.exprs.projection != "" {
		*projection = aws.String(r.exprs.projection)
	}
	if len(r.exprs.names) > 0 {
		*names = r.exprs.names
	}
	if pageLimit > 0 {
		*limit = aws.Int32(pageLimit)
	}
}

func (r *Reader) send(ctx context.Context, rec arrow.RecordBatch) error {
	if r.inline != nil {
		r.inline.held = append(r.inline.held, rec)
		return nil
	}
	select {
	case r.batches <- rec:
		return nil
	case <-ctx.Done():
		rec.Release()
		return ddb.Classify(ctx.Err(), r.ref, r.req.Op())
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

// inlineRead is a read run by its first ReadBatch (Options.Inline).
type inlineRead struct {
	run  func() error
	ran  sync.Once
	held []arrow.RecordBatch
}

// next runs the read on first call, then hands out what it kept.
func (in *inlineRead) next(r *Reader) (arrow.RecordBatch, error) {
	in.finish(r, true)
	if len(in.held) > 0 {
		rec := in.held[0]
		in.held = in.held[1:]
		return rec, nil
	}
	if r.err != nil {
		return nil, r.err
	}
	return nil, io.EOF
}

// finish ends the read once: by running it, or (Close first) not at all.
func (in *inlineRead) finish(r *Reader, run bool) {
	in.ran.Do(func() {
		var err error
		if run {
			err = in.run()
		}
		r.end(err)
		close(r.done)
	})
}

func (in *inlineRead) close(r *Reader) {
	in.finish(r, false)
	for _, rec := range in.held {
		rec.Release()
	}
	in.held = nil
}
