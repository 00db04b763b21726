package stream_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pgdynamo/pgdynamo/stream"
)

// fakeTable is an in-memory ScanAPI: items keyed by pk (S) and sk (N),
// each in the segment fnv(pk) % TotalSegments, pageSize items a page.
type fakeTable struct {
	name     string
	items    []map[string]ddbtypes.AttributeValue // in key order
	pageSize int
	// emptyLastPage: a segment's last page with items still carries a
	// LastEvaluatedKey, and one more, empty, page ends it (DynamoDB does
	// this when a page ends exactly at the end).
	emptyLastPage bool

	inScan, maxInScan atomic.Int32
	mu                sync.Mutex
	scans             []scanCall
	// afterScan runs after each Scan that returned a page, outside the
	// lock.
	afterScan func(seg int)
}

type scanCall struct {
	segment, total int
	items          int
	err            error
}

func newTable(n, pageSize int) *fakeTable {
	t := &fakeTable{name: "orders", pageSize: pageSize}
	for i := range n {
		t.items = append(t.items, map[string]ddbtypes.AttributeValue{
			"pk":   &ddbtypes.AttributeValueMemberS{Value: fmt.Sprintf("item-%03d", i)},
			"sk":   &ddbtypes.AttributeValueMemberN{Value: fmt.Sprint(i % 7)},
			"body": &ddbtypes.AttributeValueMemberS{Value: strings.Repeat("x", i%5)},
		})
	}
	return t
}

// itemID is the item's key as text; "" when pk is not S or sk not N.
func itemID(item map[string]ddbtypes.AttributeValue) string {
	pk, ok1 := item["pk"].(*ddbtypes.AttributeValueMemberS)
	sk, ok2 := item["sk"].(*ddbtypes.AttributeValueMemberN)
	if !ok1 || !ok2 {
		return ""
	}
	return pk.Value + "/" + sk.Value
}

func segmentOf(item map[string]ddbtypes.AttributeValue, total int) int {
	h := fnv.New32a()
	h.Write([]byte(item["pk"].(*ddbtypes.AttributeValueMemberS).Value))
	return int(h.Sum32() % uint32(total))
}

func (t *fakeTable) Scan(ctx context.Context, in *dynamodb.ScanInput, _ ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	n := t.inScan.Add(1)
	defer t.inScan.Add(-1)
	for {
		m := t.maxInScan.Load()
		if n <= m || t.maxInScan.CompareAndSwap(m, n) {
			break
		}
	}
	for range 20 {
		runtime.Gosched() // let other segments run meanwhile
	}
	call := scanCall{segment: 0, total: 1}
	out, err := t.scan(ctx, in, &call)
	call.err = err
	if out != nil {
		call.items = len(out.Items)
	}
	t.mu.Lock()
	t.scans = append(t.scans, call)
	hook := t.afterScan
	t.mu.Unlock()
	if err == nil && hook != nil {
		hook(call.segment)
	}
	return out, err
}

func (t *fakeTable) scan(ctx context.Context, in *dynamodb.ScanInput, call *scanCall) (*dynamodb.ScanOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if aws.ToString(in.TableName) != t.name {
		return nil, &ddbtypes.ResourceNotFoundException{Message: aws.String("no table " + aws.ToString(in.TableName))}
	}
	if (in.Segment == nil) != (in.TotalSegments == nil) {
		return nil, errors.New("fake: ValidationException: Segment and TotalSegments go together")
	}
	if in.Segment != nil {
		call.segment, call.total = int(*in.Segment), int(*in.TotalSegments)
		if call.total < 2 || call.segment < 0 || call.segment >= call.total {
			return nil, fmt.Errorf("fake: ValidationException: segment %d of %d", call.segment, call.total)
		}
	}
	var seg []map[string]ddbtypes.AttributeValue
	for _, item := range t.items {
		if segmentOf(item, call.total) == call.segment {
			seg = append(seg, item)
		}
	}
	start := 0
	if in.ExclusiveStartKey != nil {
		if len(in.ExclusiveStartKey) != 2 || itemID(in.ExclusiveStartKey) == "" {
			return nil, fmt.Errorf("fake: ValidationException: ExclusiveStartKey %v is not the key", in.ExclusiveStartKey)
		}
		want := itemID(in.ExclusiveStartKey)
		start = -1
		for i, item := range seg {
			if itemID(item) == want {
				start = i + 1
			}
		}
		if start < 0 {
			return nil, fmt.Errorf("fake: ValidationException: ExclusiveStartKey %s is not of segment %d of %d", want, call.segment, call.total)
		}
	}
	end := min(start+t.pageSize, len(seg))
	out := &dynamodb.ScanOutput{}
	for _, item := range seg[start:end] {
		out.Items = append(out.Items, clone(item))
	}
	if end < len(seg) || (t.emptyLastPage && end > start) {
		last := seg[end-1]
		out.LastEvaluatedKey = map[string]ddbtypes.AttributeValue{"pk": last["pk"], "sk": last["sk"]}
	}
	out.Count, out.ScannedCount = int32(len(out.Items)), int32(len(out.Items))
	return out, nil
}

func clone(item map[string]ddbtypes.AttributeValue) map[string]ddbtypes.AttributeValue {
	out := make(map[string]ddbtypes.AttributeValue, len(item))
	for k, v := range item {
		out[k] = v
	}
	return out
}

func (t *fakeTable) calls() []scanCall {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.scans)
}

// pageStore is the bootstrap's apply: it counts every item, keeps each
// segment's progress as of its last successful page, and detects calls
// that overlap. Like a real store, it fails when ctx is done.
type pageStore struct {
	inApply atomic.Int32
	overlap atomic.Bool

	mu       sync.Mutex
	count    map[string]int
	progress map[int]stream.Segment
	calls    int
	// fail, if set, fails the n-th call (counting from 1).
	fail func(n int, ctx context.Context) error
}

func newPageStore() *pageStore {
	return &pageStore{count: map[string]int{}, progress: map[int]stream.Segment{}}
}

func (s *pageStore) apply(ctx context.Context, p stream.Page) error {
	if s.inApply.Add(1) > 1 {
		s.overlap.Store(true)
	}
	defer s.inApply.Add(-1)
	for range 20 {
		runtime.Gosched() // give an overlapping call the chance to show
	}
	s.mu.Lock()
	s.calls++
	n, fail := s.calls, s.fail
	s.mu.Unlock()
	if fail != nil {
		if err := fail(n, ctx); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, item := range p.Items {
		s.count[itemID(item)]++
	}
	// Stored as the engine stores it: the key encoded.
	enc, err := stream.EncodeKey(p.Segment.LastKey)
	if err != nil {
		return err
	}
	seg := p.Segment
	if seg.LastKey, err = stream.DecodeKey(enc); err != nil {
		return err
	}
	s.progress[seg.Index] = seg
	return nil
}

// resume is the segments a restarted bootstrap starts from: each
// segment's stored progress, or its start.
func (s *pageStore) resume(total int) []stream.Segment {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := stream.Segments(total)
	for i := range out {
		if p, ok := s.progress[i]; ok {
			out[i] = p
		}
	}
	return out
}

func (s *pageStore) checkOnce(t *testing.T, table *fakeTable) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, item := range table.items {
		if n := s.count[itemID(item)]; n != 1 {
			t.Errorf("item %s applied %d times, want 1", itemID(item), n)
		}
	}
	if len(s.count) != len(table.items) {
		t.Errorf("%d distinct items applied, the table has %d", len(s.count), len(table.items))
	}
	if s.overlap.Load() {
		t.Error("apply calls overlapped")
	}
}

// TestBootstrap: every item is delivered exactly once across the
// segments, apply calls never overlap, at most concurrency segments scan
// at once, and every segment ends Done.
func TestBootstrap(t *testing.T) {
	cases := []struct {
		items, total, concurrency, pageSize int
		emptyLastPage                       bool
	}{
		{items: 23, total: 1, concurrency: 1, pageSize: 4},
		{items: 50, total: 4, concurrency: 2, pageSize: 3},
		{items: 60, total: 8, concurrency: 8, pageSize: 2, emptyLastPage: true},
		{items: 40, total: 3, concurrency: 10, pageSize: 5, emptyLastPage: true},
		{items: 30, total: 5, concurrency: 0, pageSize: 3},
		{items: 0, total: 4, concurrency: 2, pageSize: 3},
	}
	for _, tc := range cases {
		name := fmt.Sprintf("%d items %d segments concurrency %d page %d emptyLast %v", tc.items, tc.total, tc.concurrency, tc.pageSize, tc.emptyLastPage)
		t.Run(name, func(t *testing.T) {
			table := newTable(tc.items, tc.pageSize)
			table.emptyLastPage = tc.emptyLastPage
			st := newPageStore()
			if err := stream.Bootstrap(context.Background(), table, table.name, stream.Segments(tc.total), tc.concurrency, st.apply); err != nil {
				t.Fatalf("Bootstrap: %v", err)
			}
			st.checkOnce(t, table)
			if got, limit := table.maxInScan.Load(), int32(max(tc.concurrency, 1)); got > limit {
				t.Errorf("%d Scans at once, concurrency %d", got, limit)
			}
			for i := range tc.total {
				if p := st.progress[i]; !p.Done || p.Total != tc.total || p.Index != i || p.LastKey != nil {
					t.Errorf("segment %d ends at %+v, want Done", i, p)
				}
			}
			for _, c := range table.calls() {
				if c.err != nil {
					t.Errorf("Scan: %v", c.err)
				}
				if c.total != tc.total {
					t.Errorf("Scan of segment %d of %d, want of %d", c.segment, c.total, tc.total)
				}
			}
		})
	}

	t.Run("done segments are not scanned", func(t *testing.T) {
		table := newTable(20, 3)
		st := newPageStore()
		segs := stream.Segments(4)
		segs[1].Done, segs[3].Done = true, true
		if err := stream.Bootstrap(context.Background(), table, table.name, segs, 2, st.apply); err != nil {
			t.Fatalf("Bootstrap: %v", err)
		}
		for _, c := range table.calls() {
			if c.segment == 1 || c.segment == 3 {
				t.Errorf("Scan of the done segment %d", c.segment)
			}
		}
	})
}

// TestBootstrapResume: a bootstrap whose apply fails at any call, resumed
// from the progress of each segment's last successful apply, delivers
// every item exactly once over both runs.
func TestBootstrapResume(t *testing.T) {
	cases := []struct {
		items, total, concurrency, pageSize int
		emptyLastPage                       bool
	}{
		{items: 17, total: 1, concurrency: 1, pageSize: 3},
		{items: 40, total: 4, concurrency: 2, pageSize: 3, emptyLastPage: true},
		{items: 40, total: 3, concurrency: 3, pageSize: 4},
	}
	errDisk := errors.New("disk full")
	for _, tc := range cases {
		ref := newTable(tc.items, tc.pageSize)
		ref.emptyLastPage = tc.emptyLastPage
		refStore := newPageStore()
		if err := stream.Bootstrap(context.Background(), ref, ref.name, stream.Segments(tc.total), tc.concurrency, refStore.apply); err != nil {
			t.Fatalf("reference Bootstrap: %v", err)
		}
		for k := 1; k <= refStore.calls; k++ {
			t.Run(fmt.Sprintf("%d segments concurrency %d fail at %d", tc.total, tc.concurrency, k), func(t *testing.T) {
				table := newTable(tc.items, tc.pageSize)
				table.emptyLastPage = tc.emptyLastPage
				st := newPageStore()
				st.fail = func(n int, _ context.Context) error {
					if n == k {
						return errDisk
					}
					return nil
				}
				err := stream.Bootstrap(context.Background(), table, table.name, stream.Segments(tc.total), tc.concurrency, st.apply)
				if !errors.Is(err, errDisk) {
					t.Fatalf("Bootstrap: %v, want the apply error", err)
				}
				applied := len(st.count)
				st.fail = nil
				resume := st.resume(tc.total)
				firstScans := len(table.calls())
				if err := stream.Bootstrap(context.Background(), table, table.name, resume, tc.concurrency, st.apply); err != nil {
					t.Fatalf("resumed Bootstrap: %v", err)
				}
				st.checkOnce(t, table)
				// The resumed run scanned only what was not applied.
				read := 0
				for _, c := range table.calls()[firstScans:] {
					read += c.items
				}
				if read != tc.items-applied {
					t.Errorf("the resumed bootstrap read %d items; %d of %d were applied before", read, applied, tc.items)
				}
			})
		}
	}
}

// TestBootstrapApplyError: an apply error stops the bootstrap — the
// segments waiting for a slot never scan, the running ones stop — and
// Bootstrap returns it. (That no page at all is applied after the failure
// is TestBugBootstrapAppliesAfterFailedApply.)
func TestBootstrapApplyError(t *testing.T) {
	// 100 items, 50 pages a segment: far more than a failure leaves time
	// for.
	table := newTable(800, 2)
	st := newPageStore()
	errDisk := errors.New("disk full")
	st.fail = func(n int, _ context.Context) error {
		if n == 3 {
			return errDisk
		}
		return nil
	}
	const concurrency = 2
	err := stream.Bootstrap(context.Background(), table, table.name, stream.Segments(8), concurrency, st.apply)
	if !errors.Is(err, errDisk) {
		t.Fatalf("Bootstrap: %v, want the apply error", err)
	}
	scanned := map[int]bool{}
	pages := 0
	for _, c := range table.calls() {
		if c.err == nil {
			scanned[c.segment] = true
			pages++
		}
	}
	if len(scanned) > concurrency {
		t.Errorf("segments %v scanned; only the %d running when the apply failed may have", scanned, concurrency)
	}
	if pages >= 100 {
		t.Errorf("%d pages scanned: the failure at the third apply did not stop the running segments", pages)
	}

	t.Run("Scan error", func(t *testing.T) {
		table := newTable(30, 2)
		table.name = "other"
		err := stream.Bootstrap(context.Background(), table, "orders", stream.Segments(3), 2, newPageStore().apply)
		var nf *ddbtypes.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Fatalf("Bootstrap: %v, want the Scan's ResourceNotFoundException", err)
		}
	})

	t.Run("ctx cancelled", func(t *testing.T) {
		table := newTable(30, 2)
		st := newPageStore()
		ctx, cancel := context.WithCancel(context.Background())
		st.fail = func(n int, _ context.Context) error {
			if n == 2 {
				cancel()
			}
			return nil
		}
		err := stream.Bootstrap(ctx, table, table.name, stream.Segments(3), 2, st.apply)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Bootstrap: %v, want context.Canceled", err)
		}
	})
}

// TestBootstrapAppliesNothingAfterAFailedApply: when one segment's apply
// fails while another segment has a page in hand, that page is not handed
// to apply: Bootstrap stops handing out pages once an apply failed.
func TestBootstrapAppliesNothingAfterAFailedApply(t *testing.T) {
	table := newTable(40, 3)
	st := newPageStore()
	errDisk := errors.New("disk full")
	var scans atomic.Int32
	otherScanned := make(chan struct{})
	table.afterScan = func(int) {
		if scans.Add(1) == 2 {
			close(otherScanned)
		}
	}
	var afterFailure, live atomic.Int32
	st.fail = func(n int, ctx context.Context) error {
		if n == 1 {
			// Hold the failing apply until the other segment has its
			// first page.
			select {
			case <-otherScanned:
			case <-time.After(10 * time.Second):
				t.Error("the other segment never scanned")
			}
			return errDisk
		}
		afterFailure.Add(1)
		if ctx.Err() == nil {
			live.Add(1)
		}
		return nil
	}
	err := stream.Bootstrap(context.Background(), table, table.name, stream.Segments(2), 2, st.apply)
	if !errors.Is(err, errDisk) {
		t.Fatalf("Bootstrap: %v, want the apply error", err)
	}
	if n := afterFailure.Load(); n != 0 {
		t.Errorf("apply called %d more times after an apply failed (%d of them with a live context, so stored); want none", n, live.Load())
	}
}

// TestSegments: the progress of a bootstrap that has not started.
func TestSegments(t *testing.T) {
	for _, total := range []int{-1, 0, 1, 4} {
		got := stream.Segments(total)
		n := max(total, 1)
		if len(got) != n {
			t.Fatalf("Segments(%d): %d segments", total, len(got))
		}
		for i, s := range got {
			if s.Index != i || s.Total != n || s.Done || s.LastKey != nil {
				t.Errorf("Segments(%d)[%d] = %+v", total, i, s)
			}
		}
	}
}

// TestEncodeKey: EncodeKey/DecodeKey round-trip S, N and B key attributes
// and refuse other types.
func TestEncodeKey(t *testing.T) {
	roundTrip := []struct {
		name string
		key  map[string]ddbtypes.AttributeValue
	}{
		{"S", map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "user#1 \"quoted\" ünïcode"}}},
		{"N", map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberN{Value: "-12345678901234567890.125"}}},
		{"B", map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberB{Value: []byte{0, 1, 2, 0xff, '"'}}}},
		{"S and N", map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "a"}, "sk": &ddbtypes.AttributeValueMemberN{Value: "7"}}},
		{"N and B", map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberN{Value: "0"}, "sk": &ddbtypes.AttributeValueMemberB{Value: []byte("bin")}}},
		{"index key", map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "a"}, "sk": &ddbtypes.AttributeValueMemberS{Value: "b"}, "gsi": &ddbtypes.AttributeValueMemberN{Value: "3"}}},
	}
	for _, tc := range roundTrip {
		t.Run(tc.name, func(t *testing.T) {
			enc, err := stream.EncodeKey(tc.key)
			if err != nil {
				t.Fatalf("EncodeKey: %v", err)
			}
			dec, err := stream.DecodeKey(enc)
			if err != nil {
				t.Fatalf("DecodeKey(%s): %v", enc, err)
			}
			if !keysEqual(dec, tc.key) {
				t.Errorf("round trip %s: %#v, want %#v", enc, dec, tc.key)
			}
		})
	}

	t.Run("nil", func(t *testing.T) {
		for _, key := range []map[string]ddbtypes.AttributeValue{nil, {}} {
			enc, err := stream.EncodeKey(key)
			if err != nil || enc != "" {
				t.Errorf("EncodeKey(%v) = %q, %v; want \"\"", key, enc, err)
			}
		}
		dec, err := stream.DecodeKey("")
		if err != nil || dec != nil {
			t.Errorf("DecodeKey(\"\") = %v, %v; want nil", dec, err)
		}
	})

	refused := []struct {
		name string
		av   ddbtypes.AttributeValue
	}{
		{"BOOL", &ddbtypes.AttributeValueMemberBOOL{Value: true}},
		{"NULL", &ddbtypes.AttributeValueMemberNULL{Value: true}},
		{"SS", &ddbtypes.AttributeValueMemberSS{Value: []string{"a"}}},
		{"NS", &ddbtypes.AttributeValueMemberNS{Value: []string{"1"}}},
		{"BS", &ddbtypes.AttributeValueMemberBS{Value: [][]byte{{1}}}},
		{"L", &ddbtypes.AttributeValueMemberL{Value: []ddbtypes.AttributeValue{&ddbtypes.AttributeValueMemberS{Value: "a"}}}},
		{"M", &ddbtypes.AttributeValueMemberM{Value: map[string]ddbtypes.AttributeValue{"a": &ddbtypes.AttributeValueMemberS{Value: "a"}}}},
	}
	for _, tc := range refused {
		t.Run("refuse "+tc.name, func(t *testing.T) {
			key := map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "a"}, "bad": tc.av}
			if enc, err := stream.EncodeKey(key); err == nil {
				t.Errorf("EncodeKey of a %s attribute = %q, want an error", tc.name, enc)
			}
		})
	}

	for _, bad := range []string{"not json", `{"pk":{}}`, `{"pk":"a"}`, `[1]`} {
		t.Run("decode "+bad, func(t *testing.T) {
			if key, err := stream.DecodeKey(bad); err == nil {
				t.Errorf("DecodeKey(%q) = %v, want an error", bad, key)
			}
		})
	}
}

func keysEqual(a, b map[string]ddbtypes.AttributeValue) bool {
	if len(a) != len(b) {
		return false
	}
	names := make([]string, 0, len(a))
	for k := range a {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		switch x := a[k].(type) {
		case *ddbtypes.AttributeValueMemberS:
			y, ok := b[k].(*ddbtypes.AttributeValueMemberS)
			if !ok || x.Value != y.Value {
				return false
			}
		case *ddbtypes.AttributeValueMemberN:
			y, ok := b[k].(*ddbtypes.AttributeValueMemberN)
			if !ok || x.Value != y.Value {
				return false
			}
		case *ddbtypes.AttributeValueMemberB:
			y, ok := b[k].(*ddbtypes.AttributeValueMemberB)
			if !ok || !bytes.Equal(x.Value, y.Value) {
				return false
			}
		default:
			return false
		}
	}
	return true
}
