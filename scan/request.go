package scan

import (
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Request is one read of a DynamoDB table, as the planner decides it.
type Request struct {
	Table string
	// Index is a GSI or LSI name, empty for the base table.
	Index string
	// KeyCondition, when set, makes the read a Query instead of a Scan.
	KeyCondition string
	// Filter is a FilterExpression; it only cuts what is returned, never what
	// is read (and paid for).
	Filter string
	// Names and Values hold the placeholders the expressions use.
	Names  map[string]string
	Values map[string]types.AttributeValue
	// Partitions, with KeyCondition, run one Query per value, in parallel:
	// query i binds Partitions[i] to the placeholder PartitionValue (an IN
	// list on the partition key). The values must be distinct, or items are
	// read twice.
	Partitions     []types.AttributeValue
	PartitionValue string
	// Projection lists the top-level attributes to fetch; empty means all.
	Projection []string
	// Limit stops reading after this many items; 0 means no limit.
	Limit int64
	// Segments is the number of parallel Scan segments, at least 1. Ignored
	// for a Query.
	Segments       int
	ConsistentRead bool
}

// IsQuery reports whether the request reads with Query rather than Scan.
func (r Request) IsQuery() bool { return r.KeyCondition != "" }

// Validate reports a request that DynamoDB would refuse.
func (r Request) Validate() error {
	if r.Table == "" {
		return fmt.Errorf("scan request without a table")
	}
	if !r.IsQuery() && (r.Segments < 1 || r.Segments > 1000000) {
		return fmt.Errorf("scan of %q with %d segments: DynamoDB allows 1 to 1000000", r.Table, r.Segments)
	}
	if r.Limit < 0 {
		return fmt.Errorf("negative limit %d", r.Limit)
	}
	if len(r.Partitions) > 0 && (!r.IsQuery() || r.PartitionValue == "") {
		return fmt.Errorf("partition values need a key condition and a placeholder")
	}
	return nil
}

// projectionExpression returns the expression and the names it adds. Names
// always go through placeholders, so reserved words and dots in attribute
// names cannot break the expression.
func (r Request) projectionExpression() (string, map[string]string) {
	if len(r.Projection) == 0 {
		return "", nil
	}
	names := make(map[string]string, len(r.Projection))
	expr := make([]byte, 0, 8*len(r.Projection))
	for i, attr := range r.Projection {
		ph := "#p" + strconv.Itoa(i)
		names[ph] = attr
		if i > 0 {
			expr = append(expr, ',')
		}
		expr = append(expr, ph...)
	}
	return string(expr), names
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
