package scan

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/pgdynamo/pgdynamo/attrarrow"
	"github.com/pgdynamo/pgdynamo/ddb"
	"github.com/pgdynamo/pgdynamo/pgerror"
)

// reserve takes, from the table's budget, what the next page should cost
// (Budget.BeforePage).
func (r *Reader) reserve(ctx context.Context, pageLimit *int32, perItem float64) (float64, error) {
	if r.opts.Budget == nil {
		return 0, nil
	}
	reserved, waited, err := r.opts.Budget.BeforePage(ctx, pageLimit, perItem)
	r.Stats.BudgetWait.Add(int64(waited))
	return reserved, err
}

// BeforePage waits for the budget and reserves what the next page should
// cost. The page is cut (pageLimit, 0 meaning none) so that it costs about
// PageCapacity: perItem is the RCU per item earlier pages cost, 0 before
// the first, which then reads a few items to learn it. The caller settles
// the reservation with what the page consumed (Settle).
func (b *Budget) BeforePage(ctx context.Context, pageLimit *int32, perItem float64) (reserved float64, waited time.Duration, err error) {
	items := int32(16)
	if perItem > 0 {
		items = int32(min(max(math.Floor(b.PageCapacity()/perItem), 1), 1000))
	}
	if *pageLimit == 0 || items < *pageLimit {
		*pageLimit = items
	}
	reserved = 0.5 // DynamoDB's least charge for a page
	if perItem > 0 {
		reserved = max(perItem*float64(*pageLimit), 0.5)
	}
	waited, err = b.Reserve(ctx, reserved)
	return reserved, waited, err
}

func (r *Reader) settle(reserved, consumed float64) {
	if r.opts.Budget != nil {
		r.opts.Budget.Settle(reserved, consumed)
	}
}

// pageCapacity is what a page consumed: DynamoDB's ConsumedCapacity, or,
// where it is missing, an estimate from the items' sizes (eventually
// consistent reads cost 0.5 RCU per 4 KB, rounded up per page).
func pageCapacity(c *types.ConsumedCapacity, items []map[string]types.AttributeValue) float64 {
	if c != nil && c.CapacityUnits != nil {
		return *c.CapacityUnits
	}
	size := 0
	for _, item := range items {
		size += attrarrow.ItemSize(item)
	}
	return capacityOf(size)
}

// capacityOf is the RCU of a page of size bytes of items, eventually
// consistent.
func capacityOf(size int) float64 { return math.Ceil(float64(size)/4096) * 0.5 }

// countThrottles counts the attempts of one call that DynamoDB throttled
// (the SDK retried them; a final throttle is err itself).
func (r *Reader) countThrottles(meta middleware.Metadata, err error) {
	results, ok := retry.GetAttemptResults(meta)
	if ok {
		for _, a := range results.Results {
			if a.Err != nil && ddb.IsThrottled(a.Err) {
				r.Stats.Throttles.Add(1)
			}
		}
		return
	}
	if err != nil && ddb.IsThrottled(err) {
		r.Stats.Throttles.Add(1)
	}
}

// tooManyItems is the error of a read past max_scan_items: never a result
// silently cut short.
func (r *Reader) tooManyItems() error {
	name := r.opts.Dataset
	if name == "" {
		name = r.req.Table
	}
	return &pgerror.Error{
		Code: pgerror.ProgramLimitExceeded,
		Message: fmt.Sprintf("query read more than max_scan_items (%d) items of dataset %s (table %s)",
			r.req.MaxItems, name, r.req.Table),
		Hint: "narrow the query with a condition on the partition key (a Query reads only its partition), " +
			"accelerate the dataset, or raise params.max_scan_items",
	}
}

// logEnd writes the read's one debug line: conditions by their shape, as
// values may be the query's parameters, which logs never hold.
func (r *Reader) logEnd() {
	if r.opts.Log == nil || !r.opts.Log.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	attrs := []any{
		slog.String("dataset", r.opts.Dataset), slog.String("table", r.req.Table), slog.String("op", r.req.Op()),
		slog.Int64("pages", r.Stats.Pages.Load()), slog.Int64("items_scanned", r.Stats.ItemsScanned.Load()),
		slog.Int64("items_returned", r.Stats.ItemsReturned.Load()),
		slog.Float64("consumed_rcu", r.Stats.ConsumedCapacity.Load()),
		slog.Int64("throttles", r.Stats.Throttles.Load()),
		slog.Duration("elapsed", time.Since(r.start)),
	}
	if r.req.Index != "" {
		attrs = append(attrs, slog.String("index", r.req.Index))
	}
	if r.exprs.keyCondition != "" {
		attrs = append(attrs, slog.String("key_condition", r.req.Key.Shape()), slog.Int("partitions", len(r.req.Key.Values)))
	}
	if len(r.req.Filter) > 0 {
		attrs = append(attrs, slog.String("filter", r.req.Filter.Shape()))
	}
	if w := r.Stats.BudgetWait.Load(); w > 0 {
		attrs = append(attrs, slog.Duration("budget_wait", time.Duration(w)))
	}
	if r.err != nil {
		attrs = append(attrs, slog.String("error", r.err.Error()))
	}
	r.opts.Log.Debug("dynamodb read", attrs...)
}

// PacedScans paces the Scans of a reader other than Reader (a stream
// bootstrap) by a budget: each page waits its turn, is cut to the budget's
// page size and is settled with the capacity DynamoDB reports.
type PacedScans struct {
	API    API
	Budget *Budget
	// perItem is the RCU per item of the last page, as float64 bits.
	perItem atomic.Uint64
}

// Scan reads one page within the budget.
func (p *PacedScans) Scan(ctx context.Context, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	limit := aws.ToInt32(in.Limit)
	reserved, _, err := p.Budget.BeforePage(ctx, &limit, math.Float64frombits(p.perItem.Load()))
	if err != nil {
		return nil, err
	}
	page := *in
	page.Limit = aws.Int32(limit)
	page.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := p.API.Scan(ctx, &page, optFns...)
	if err != nil {
		p.Budget.Settle(reserved, 0)
		return nil, err
	}
	consumed := pageCapacity(out.ConsumedCapacity, out.Items)
	p.Budget.Settle(reserved, consumed)
	if out.ScannedCount > 0 {
		p.perItem.Store(math.Float64bits(consumed / float64(out.ScannedCount)))
	}
	return out, nil
}

// Query passes through: only Scans are paced.
func (p *PacedScans) Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return p.API.Query(ctx, in, optFns...)
}
