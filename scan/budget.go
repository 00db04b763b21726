package scan

import (
	"context"
	"sync"
	"time"
)

// Budget is a read-capacity budget in RCU per second shared by every read
// of one table (every query, segment and refresh that holds it), so
// analytics through pgdynamo cannot starve the table's own workload.
//
// It is a token bucket that runs on reservations: before a page a reader
// reserves what the page should cost (Reserve), waiting while the bucket is
// in debt, and afterwards settles the difference with what DynamoDB reported
// it consumed (Settle). Reservations let many readers share the budget
// without all starting a page at the same instant; the bucket holds at most
// one second of unused capacity, so an idle table does not build up a burst.
type Budget struct {
	rate float64 // RCU per second

	mu     sync.Mutex
	tokens float64
	last   time.Time
	now    func() time.Time
	// wait sleeps d or until ctx ends.
	wait func(ctx context.Context, d time.Duration) error
}

// NewBudget returns a budget of rate RCU per second (> 0). It paces reads
// at budgetShare of the rate: the first pages of a read are reserved before
// their cost is known, and the margin keeps what they overdraw inside the
// limit.
func NewBudget(rate float64) *Budget {
	return NewBudgetWithClock(rate*budgetShare, time.Now, sleepContext)
}

// budgetShare is the share of a read-capacity limit reads are paced at.
const budgetShare = 0.95

// NewBudgetWithClock is NewBudget with an injected clock, for tests.
func NewBudgetWithClock(rate float64, now func() time.Time, wait func(context.Context, time.Duration) error) *Budget {
	return &Budget{rate: rate, now: now, wait: wait, last: now()}
}

// PageCapacity is the most one page should cost, so that the readers sharing
// the budget take turns at a fine grain instead of overdrawing it by whole
// 1 MB pages (128 RCU each).
func (b *Budget) PageCapacity() float64 { return max(b.rate/16, 0.5) }

func (b *Budget) refill() {
	t := b.now()
	if d := t.Sub(b.last).Seconds(); d > 0 {
		b.tokens = min(b.tokens+d*b.rate, b.rate)
	}
	b.last = t
}

// Reserve waits until the bucket is out of debt, then takes units for the
// page about to be read. It returns how long it waited.
func (b *Budget) Reserve(ctx context.Context, units float64) (time.Duration, error) {
	var waited time.Duration
	for {
		b.mu.Lock()
		b.refill()
		if b.tokens >= 0 {
			b.tokens -= units
			b.mu.Unlock()
			return waited, nil
		}
		d := time.Duration(-b.tokens / b.rate * float64(time.Second))
		b.mu.Unlock()
		d = max(d, time.Millisecond)
		if err := b.wait(ctx, d); err != nil {
			return waited, err
		}
		waited += d
	}
}

// Settle corrects a reservation with what the page really consumed.
func (b *Budget) Settle(reserved, consumed float64) {
	b.mu.Lock()
	b.refill()
	b.tokens += reserved - consumed
	b.mu.Unlock()
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
