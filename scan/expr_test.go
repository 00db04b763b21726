package scan

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pgdynamo/pgdynamo/attrarrow"
)

func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func TestExpressionsAllocatePlaceholdersWithoutClashes(t *testing.T) {
	req := Request{
		Table: "t",
		Key:   &KeyCondition{Partition: "user", Values: []types.AttributeValue{s("a")}, Sort: &Cond{Attr: "date", Op: Between, Values: []types.AttributeValue{s("2024"), s("2025")}}},
		Filter: Filter{
			{{Attr: "status", Op: Eq, Values: []types.AttributeValue{s("open")}}},
			{{Attr: "total", Op: Gt, Values: []types.AttributeValue{n("5")}}, {Attr: "status", Op: NotExists}},
		},
		Projection: []string{"user", "status", "a.b"},
	}
	e := req.expressions()
	if e.keyCondition != "#n0 = :pk AND #n1 BETWEEN :v0 AND :v1" {
		t.Errorf("key condition %q", e.keyCondition)
	}
	if e.filter != "#n2 = :v2 AND (#n3 > :v3 OR attribute_not_exists(#n2))" {
		t.Errorf("filter %q", e.filter)
	}
	if e.projection != "#n0,#n2,#n4" {
		t.Errorf("projection %q", e.projection)
	}
	want := map[string]string{"#n0": "user", "#n1": "date", "#n2": "status", "#n3": "total", "#n4": "a.b"}
	for ph, attr := range want {
		if e.names[ph] != attr {
			t.Errorf("names[%s] = %q, want %q", ph, e.names[ph], attr)
		}
	}
	if len(e.names) != len(want) || len(e.values) != 4 {
		t.Errorf("names %v values %v", e.names, e.values)
	}
	if got := req.Key.Text(); got != "user = 'a' AND date BETWEEN '2024' AND '2025'" {
		t.Errorf("key text %q", got)
	}
	if got := req.Filter.Text(); got != "status = 'open' AND (total > 5 OR attribute_not_exists(status))" {
		t.Errorf("filter text %q", got)
	}
}

func TestValidateRefusesWhatDynamoDBRefuses(t *testing.T) {
	bad := []Request{
		{Table: "t", Segments: 1, Filter: Filter{{{Attr: "a", Op: Between, Values: []types.AttributeValue{n("1")}}}}},
		{Table: "t", Segments: 1, Filter: Filter{{{Attr: "a", Op: In, Values: make([]types.AttributeValue, 101)}}}},
		{Table: "t", Key: &KeyCondition{Partition: "p", Sort: &Cond{Attr: "s", Op: Ne, Values: []types.AttributeValue{n("1")}}}},
		{Table: "t", Segments: 0},
		{Table: "t", Segments: 1, MaxItems: -1},
	}
	for i, r := range bad {
		if err := r.Validate(); err == nil {
			t.Errorf("request %d accepted", i)
		}
	}
}

// fakeClock advances only when a reader waits.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }
func (c *fakeClock) wait(_ context.Context, d time.Duration) error {
	c.t = c.t.Add(d)
	return nil
}

func TestBudgetHoldsTheRate(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	b := NewBudgetWithClock(100, clock.now, clock.wait)
	start := clock.t
	consumed := 0.0
	// Pages reserved at 5 RCU that really cost 7: the settlement's debt
	// must slow the next reservations down.
	for i := 0; i < 400; i++ {
		if _, err := b.Reserve(context.Background(), 5); err != nil {
			t.Fatal(err)
		}
		b.Settle(5, 7)
		consumed += 7
	}
	elapsed := clock.t.Sub(start).Seconds()
	if rate := consumed / elapsed; rate > 100*1.02 {
		t.Errorf("consumed %.0f RCU in %.1f s: %.1f RCU/s over a budget of 100", consumed, elapsed, rate)
	}
	if rate := consumed / elapsed; rate < 90 {
		t.Errorf("consumed %.0f RCU in %.1f s: %.1f RCU/s, the budget is not used", consumed, elapsed, rate)
	}
}

func TestBudgetReserveEndsWithContext(t *testing.T) {
	b := NewBudget(1)
	if _, err := b.Reserve(context.Background(), 50); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.Reserve(ctx, 1); err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Errorf("Reserve in debt with a cancelled context: %v", err)
	}
}

// concurrencyAPI answers each Scan with an empty last page once a second
// call is in flight (or after a while), recording the most calls in flight.
type concurrencyAPI struct {
	mu       sync.Mutex
	inFlight int
	most     int
	arrived  chan struct{}
}

func (a *concurrencyAPI) Scan(ctx context.Context, in *dynamodb.ScanInput, _ ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	a.mu.Lock()
	a.inFlight++
	a.most = max(a.most, a.inFlight)
	a.mu.Unlock()
	select {
	case a.arrived <- struct{}{}:
	case <-a.arrived:
	case <-time.After(200 * time.Millisecond):
	}
	a.mu.Lock()
	a.inFlight--
	a.mu.Unlock()
	return &dynamodb.ScanOutput{}, nil
}

func (a *concurrencyAPI) Query(ctx context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return &dynamodb.QueryOutput{}, nil
}

// TestConcurrencyCapsSegmentsInFlight: runtime.scan_concurrency bounds the
// segments one read runs at once.
func TestConcurrencyCapsSegmentsInFlight(t *testing.T) {
	api := &concurrencyAPI{arrived: make(chan struct{})}
	schema, err := attrarrow.Infer(nil, []attrarrow.KeyAttribute{{Name: "id", Type: types.ScalarAttributeTypeN, Role: attrarrow.PartitionKey}}, attrarrow.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(context.Background(), api, Request{Table: "t", Segments: 8}, schema, Options{Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := r.ReadBatch(context.Background()); err != nil {
			break
		}
	}
	r.Close()
	if api.most != 2 {
		t.Errorf("at most %d segments in flight, want the cap of 2", api.most)
	}
}

// pagesAPI serves a table of total items at 0.5 RCU each, Limit items a
// page.
type pagesAPI struct {
	total, served int
	consumed      float64
	biggest       int32
}

func (a *pagesAPI) Scan(_ context.Context, in *dynamodb.ScanInput, _ ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	n := int(aws.ToInt32(in.Limit))
	if n == 0 {
		n = 1000
	}
	n = min(n, a.total-a.served)
	a.served += n
	a.biggest = max(a.biggest, int32(n))
	units := 0.5 * float64(n)
	a.consumed += units
	out := &dynamodb.ScanOutput{ScannedCount: int32(n), ConsumedCapacity: &types.ConsumedCapacity{CapacityUnits: &units}}
	if a.served < a.total {
		out.LastEvaluatedKey = map[string]types.AttributeValue{"id": n2(a.served)}
	}
	return out, nil
}

func (a *pagesAPI) Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return &dynamodb.QueryOutput{}, nil
}

func n2(i int) types.AttributeValue { return &types.AttributeValueMemberN{Value: strconv.Itoa(i)} }

// TestPacedScansHoldTheBudget: a reader other than Reader (the stream
// bootstrap) paced by PacedScans reads in small pages at the budget's rate.
func TestPacedScansHoldTheBudget(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	api := &pagesAPI{total: 20000}
	paced := &PacedScans{API: api, Budget: NewBudgetWithClock(100, clock.now, clock.wait)}
	in := &dynamodb.ScanInput{TableName: aws.String("t")}
	for {
		out, err := paced.Scan(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	elapsed := clock.t.Sub(time.Unix(0, 0)).Seconds()
	if rate := api.consumed / elapsed; rate > 100*1.02 || rate < 90 {
		t.Errorf("%.0f RCU in %.1f s: %.1f RCU/s for a budget of 100", api.consumed, elapsed, rate)
	}
	if api.biggest > 16 { // 16 items to learn the cost, then 6.25 RCU (PageCapacity) at 0.5 an item
		t.Errorf("a page of %d items: pages should cost about the budget's page capacity", api.biggest)
	}
}
