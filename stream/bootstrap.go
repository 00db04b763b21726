package stream

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// ScanAPI is the part of the DynamoDB client the bootstrap calls.
type ScanAPI interface {
	Scan(ctx context.Context, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

// Segment is one parallel Scan segment's progress, stored with each page so
// a bootstrap that stops continues where it stopped.
type Segment struct {
	Index, Total int
	// LastKey is the LastEvaluatedKey of the last applied page; nil
	// before the first.
	LastKey map[string]ddbtypes.AttributeValue
	Done    bool
}

// Page is one Scan page of one segment and the segment's progress once the
// page is applied.
type Page struct {
	Items   []map[string]ddbtypes.AttributeValue
	Segment Segment
}

// Bootstrap scans the segments that are not done, each from its LastKey,
// up to concurrency at a time, and hands every page to apply — one call at
// a time, so the store needs no locking of its own. The store applies a
// page's items and its segment's progress in one transaction.
func Bootstrap(ctx context.Context, api ScanAPI, table string, segments []Segment, concurrency int, apply func(context.Context, Page) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		applyMu sync.Mutex
		errOnce sync.Once
		first   error
		wg      sync.WaitGroup
		slots   = make(chan struct{}, max(concurrency, 1))
	)
	fail := func(err error) {
		errOnce.Do(func() { first = err; cancel() })
	}
	for _, seg := range segments {
		if seg.Done {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-slots }()
			for !seg.Done {
				in := &dynamodb.ScanInput{TableName: aws.String(table), ExclusiveStartKey: seg.LastKey}
				if seg.Total > 1 {
					in.Segment, in.TotalSegments = aws.Int32(int32(seg.Index)), aws.Int32(int32(seg.Total))
				}
				out, err := api.Scan(ctx, in)
				if err != nil {
					fail(fmt.Errorf("bootstrap Scan of %s, segment %d of %d: %w", table, seg.Index, seg.Total, err))
					return
				}
				seg.LastKey = out.LastEvaluatedKey
				seg.Done = len(out.LastEvaluatedKey) == 0
				applyMu.Lock()
				if ctx.Err() != nil {
					// Another segment failed: apply nothing more.
					applyMu.Unlock()
					return
				}
				err = apply(ctx, Page{Items: out.Items, Segment: seg})
				if err != nil {
					fail(err) // before another segment can take the lock
				}
				applyMu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// Segments returns the progress of a bootstrap that has not started.
func Segments(total int) []Segment {
	total = max(total, 1)
	out := make([]Segment, total)
	for i := range out {
		out[i] = Segment{Index: i, Total: total}
	}
	return out
}

// keyValue is one key attribute as stored: DynamoDB's JSON form of S, N or
// B (key attributes have no other type).
type keyValue struct {
	S *string `json:",omitempty"`
	N *string `json:",omitempty"`
	B []byte  `json:",omitempty"`
}

// EncodeKey encodes a LastEvaluatedKey for storage; nil encodes as "".
func EncodeKey(key map[string]ddbtypes.AttributeValue) (string, error) {
	if len(key) == 0 {
		return "", nil
	}
	out := map[string]keyValue{}
	for name, av := range key {
		switch v := av.(type) {
		case *ddbtypes.AttributeValueMemberS:
			out[name] = keyValue{S: &v.Value}
		case *ddbtypes.AttributeValueMemberN:
			out[name] = keyValue{N: &v.Value}
		case *ddbtypes.AttributeValueMemberB:
			out[name] = keyValue{B: v.Value}
		default:
			return "", fmt.Errorf("key attribute %q has type %T, not S, N or B", name, av)
		}
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// DecodeKey reverses EncodeKey.
func DecodeKey(s string) (map[string]ddbtypes.AttributeValue, error) {
	if s == "" {
		return nil, nil
	}
	var in map[string]keyValue
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, fmt.Errorf("decoding a stored scan key: %w", err)
	}
	out := map[string]ddbtypes.AttributeValue{}
	for name, v := range in {
		switch {
		case v.S != nil:
			out[name] = &ddbtypes.AttributeValueMemberS{Value: *v.S}
		case v.N != nil:
			out[name] = &ddbtypes.AttributeValueMemberN{Value: *v.N}
		case v.B != nil:
			out[name] = &ddbtypes.AttributeValueMemberB{Value: v.B}
		default:
			return nil, fmt.Errorf("decoding a stored scan key: attribute %q has no value", name)
		}
	}
	return out, nil
}
