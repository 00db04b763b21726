package scan

import (
	"fmt"
)

// Request is one read of a DynamoDB table, as readplan decides it. The
// expressions are typed: scan renders them and allocates every placeholder.
type Request struct {
	Table string
	// Index is a GSI or LSI name, empty for the base table.
	Index string
	// Key, when set, makes the read Queries instead of a Scan.
	Key *KeyCondition
	// Filter is a FilterExpression; it only cuts what is returned, never
	// what is read (and paid for).
	Filter Filter
	// Projection lists the top-level attributes to fetch; empty means all.
	Projection []string
	// Limit stops reading after this many items returned; 0 means no limit.
	Limit int64
	// MaxItems fails the read with a *TooManyItemsError once more items
	// than this were read (scanned); 0 means no limit.
	MaxItems int64
	// Segments is the number of parallel Scan segments, at least 1. Ignored
	// for a Query.
	Segments       int
	ConsistentRead bool
}

// IsQuery reports whether the request reads with Query rather than Scan.
func (r Request) IsQuery() bool { return r.Key != nil }

// Op is the DynamoDB operation the request calls.
func (r Request) Op() string {
	if r.IsQuery() {
		return "Query"
	}
	return "Scan"
}

// MaxFilterIn is DynamoDB's limit on the operands of one IN (readplan
// leaves a longer IN to the engine).
const MaxFilterIn = 100

// Validate reports a request that DynamoDB would refuse.
func (r Request) Validate() error {
	if r.Table == "" {
		return fmt.Errorf("scan request without a table")
	}
	if !r.IsQuery() && (r.Segments < 1 || r.Segments > 1000000) {
		return fmt.Errorf("scan of %q with %d segments: DynamoDB allows 1 to 1000000", r.Table, r.Segments)
	}
	if r.Limit < 0 || r.MaxItems < 0 {
		return fmt.Errorf("negative limit %d or item cap %d", r.Limit, r.MaxItems)
	}
	if r.Key != nil && r.Key.Partition == "" {
		return fmt.Errorf("key condition without a partition key attribute")
	}
	for _, clause := range r.Filter {
		for _, c := range clause {
			if err := c.validate(); err != nil {
				return fmt.Errorf("filter: %w", err)
			}
		}
	}
	if r.Key != nil && r.Key.Sort != nil {
		if err := r.Key.Sort.validate(); err != nil {
			return fmt.Errorf("sort key condition: %w", err)
		}
		switch r.Key.Sort.Op {
		case Ne, In, Exists, NotExists, IsType, NotType:
			return fmt.Errorf("sort key condition %s: DynamoDB allows =, <, <=, >, >=, BETWEEN and begins_with", r.Key.Sort.Text())
		}
	}
	return nil
}

func (c Cond) validate() error {
	want := 1
	switch c.Op {
	case Between:
		want = 2
	case Exists, NotExists:
		want = 0
	case In:
		if len(c.Values) < 1 || len(c.Values) > MaxFilterIn {
			return fmt.Errorf("%s: IN takes 1 to %d values", c.Attr, MaxFilterIn)
		}
		return nil
	}
	if len(c.Values) != want {
		return fmt.Errorf("%s: %d values for a condition that takes %d", c.Attr, len(c.Values), want)
	}
	if c.Attr == "" {
		return fmt.Errorf("condition without an attribute")
	}
	return nil
}

// AutoSegments derives a Scan segment count from DescribeTable's item count
// and size (SPEC §5): <1k items 1, <10k 2, <100k 4, <1M 8, <10M 16, else 32;
// at least one segment per 2 GB; never more than maxSegments (when > 0).
func AutoSegments(itemCount, sizeBytes int64, maxSegments int) int {
	var n int
	switch {
	case itemCount < 1_000:
		n = 1
	case itemCount < 10_000:
		n = 2
	case itemCount < 100_000:
		n = 4
	case itemCount < 1_000_000:
		n = 8
	case itemCount < 10_000_000:
		n = 16
	default:
		n = 32
	}
	const twoGB = 2 << 30
	if bySize := int((sizeBytes + twoGB - 1) / twoGB); bySize > n {
		n = bySize
	}
	if maxSegments > 0 && n > maxSegments {
		n = maxSegments
	}
	return n
}
