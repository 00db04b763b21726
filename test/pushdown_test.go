package test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/jackc/pgx/v5/pgconn"
	"golang.org/x/sync/errgroup"

	"github.com/pgdynamo/pgdynamo/internal/ddbproxy"
	"github.com/pgdynamo/pgdynamo/internal/dynamotest"
)

// The pushdown table: 500 owners × 100 orders. Its indexes are those the
// rules choose between: a GSI on category (100 values, 500 items each) with
// total as sort key, a GSI on region whose sort key flag only one item in
// ten has (sparse), and an LSI on (owner, total).
const (
	pdOwners   = 500
	pdPerOwner = 100
	pdItems    = pdOwners * pdPerOwner
)

var pdTable struct {
	once sync.Once
	name string
	err  error
}

func pdItem(i int) map[string]types.AttributeValue {
	owner, seq := i/pdPerOwner, i%pdPerOwner
	item := map[string]types.AttributeValue{
		"owner":    &types.AttributeValueMemberS{Value: fmt.Sprintf("u%03d", owner)},
		"sk":       &types.AttributeValueMemberS{Value: fmt.Sprintf("order#%03d", seq)},
		"seq":      num(int64(seq)),
		"category": &types.AttributeValueMemberS{Value: fmt.Sprintf("c%02d", i%100)},
		"total":    num(int64((i * 37) % 1000)),
		"region":   &types.AttributeValueMemberS{Value: []string{"eu", "us", "ap", "sa"}[i%4]},
		// About 300 bytes an item, so a full read costs read capacity
		// worth measuring (some 1,800 RCU).
		"padding": &types.AttributeValueMemberS{Value: strings.Repeat("p", 200)},
	}
	if i%10 == 0 {
		item["flag"] = &types.AttributeValueMemberS{Value: fmt.Sprintf("f%d", (i/10)%3)}
	}
	return item
}

// pushdownTable creates and fills the table once per test run.
func pushdownTable(t *testing.T) string {
	t.Helper()
	pdTable.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		client := dynamotest.SharedClient(t)
		name := dynamotest.UniqueTableName("pushdown")
		sk := dynamotest.StringKey("sk")
		total, flag := dynamotest.NumberKey("total"), dynamotest.StringKey("flag")
		if err := dynamotest.CreateTable(ctx, client, name, dynamotest.StringKey("owner"), &sk,
			dynamotest.WithGSI(dynamotest.Index{Name: "by-category", PartitionKey: dynamotest.StringKey("category")}),
			dynamotest.WithGSI(dynamotest.Index{Name: "by-region-flag", PartitionKey: dynamotest.StringKey("region"), SortKey: &flag}),
			dynamotest.WithLSI(dynamotest.Index{Name: "by-total", SortKey: &total}),
		); err != nil {
			pdTable.err = err
			return
		}
		g, gctx := errgroup.WithContext(ctx)
		const writers = 8
		for w := 0; w < writers; w++ {
			w := w
			g.Go(func() error {
				var items []map[string]types.AttributeValue
				for i := w; i < pdItems; i += writers {
					items = append(items, pdItem(i))
				}
				return dynamotest.PutItems(gctx, client, name, items)
			})
		}
		pdTable.name, pdTable.err = name, g.Wait()
	})
	if pdTable.err != nil {
		t.Fatalf("pushdown table: %v", pdTable.err)
	}
	return pdTable.name
}

// pdCount is how many items satisfy keep.
func pdCount(keep func(i int, item map[string]types.AttributeValue) bool) int {
	n := 0
	for i := 0; i < pdItems; i++ {
		if keep(i, pdItem(i)) {
			n++
		}
	}
	return n
}

func attrS(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// TestPushdownReadsOnlyWhatTheQueryNeeds proves each pushdown rule by what
// DynamoDB Local says it read (ScannedCount, counted by a proxy), on a
// 50,000-item table, and that the answers stay exact.
func TestPushdownReadsOnlyWhatTheQueryNeeds(t *testing.T) {
	table := pushdownTable(t)
	proxy := ddbproxy.Start(t, dynamotest.Shared(t).Endpoint())
	gw := startGateway(t, datasetYAML{name: "pd", table: table, params: map[string]string{"dynamodb_endpoint": proxy.Endpoint()}})
	conn := connect(t, gw)
	ctx := context.Background()

	u7 := func(i int, item map[string]types.AttributeValue) bool { return attrS(item, "owner") == "u007" }
	tests := []struct {
		name, where string
		keep        func(i int, item map[string]types.AttributeValue) bool
		explain     []string // lines EXPLAIN must show
		scanned     int      // items DynamoDB may read; -1: the count itself
	}{{
		name: "partition key equality reads its partition", where: "owner = 'u007'", keep: u7,
		explain: []string{"DynamoDB Query on public.pd", "Key condition: owner = 'u007'"}, scanned: -1,
	}, {
		name: "sort key range reads its range", where: "owner = 'u007' AND sk BETWEEN 'order#020' AND 'order#029'",
		keep: func(i int, item map[string]types.AttributeValue) bool {
			return u7(i, item) && attrS(item, "sk") >= "order#020" && attrS(item, "sk") <= "order#029"
		},
		explain: []string{"Key condition: owner = 'u007' AND sk BETWEEN 'order#020' AND 'order#029'"}, scanned: -1,
	}, {
		name: "LIKE prefix on the sort key is begins_with", where: "owner = 'u007' AND sk LIKE 'order#05%'",
		keep: func(i int, item map[string]types.AttributeValue) bool {
			return u7(i, item) && strings.HasPrefix(attrS(item, "sk"), "order#05")
		},
		explain: []string{"Key condition: owner = 'u007' AND begins_with(sk, 'order#05')"}, scanned: -1,
	}, {
		name: "several partitions are parallel Queries", where: "owner IN ('u001', 'u002', 'u003', 'u002')",
		keep: func(i int, item map[string]types.AttributeValue) bool {
			o := attrS(item, "owner")
			return o == "u001" || o == "u002" || o == "u003"
		},
		explain: []string{"Partitions queried in parallel: 3"}, scanned: -1,
	}, {
		name: "GSI equality reads the index's matching items", where: "category = 'c42'",
		keep:    func(i int, item map[string]types.AttributeValue) bool { return attrS(item, "category") == "c42" },
		explain: []string{"Index: by-category (global secondary index)", "Key condition: category = 'c42'"}, scanned: -1,
	}, {
		name: "GSI sort key range", where: "region = 'us' AND flag BETWEEN 'f1' AND 'f2'",
		keep: func(i int, item map[string]types.AttributeValue) bool {
			f := attrS(item, "flag")
			return attrS(item, "region") == "us" && f >= "f1" && f <= "f2"
		},
		explain: []string{"Index: by-region-flag", "Key condition: region = 'us' AND flag BETWEEN 'f1' AND 'f2'"}, scanned: -1,
	}, {
		name: "LSI sort key range", where: "owner = 'u007' AND total >= 900",
		keep:    func(i int, item map[string]types.AttributeValue) bool { return u7(i, item) && (i*37)%1000 >= 900 },
		explain: []string{"Index: by-total (local secondary index)", "Key condition: owner = 'u007' AND total >= 900"}, scanned: -1,
	}, {
		name: "a sparse GSI is used when the query implies its keys", where: "region = 'eu' AND flag = 'f1'",
		keep: func(i int, item map[string]types.AttributeValue) bool {
			return attrS(item, "region") == "eu" && attrS(item, "flag") == "f1"
		},
		explain: []string{"Index: by-region-flag", "Key condition: region = 'eu' AND flag = 'f1'"}, scanned: -1,
	}, {
		name: "a sparse GSI is not used when the query does not imply its keys", where: "region = 'eu'",
		keep:    func(i int, item map[string]types.AttributeValue) bool { return attrS(item, "region") == "eu" },
		explain: []string{"DynamoDB Scan on public.pd", "Filter: region = 'eu'"}, scanned: pdItems,
	}, {
		name: "a filter cuts what is returned", where: "owner = 'u007' AND seq >= 90",
		keep:    func(i int, item map[string]types.AttributeValue) bool { return u7(i, item) && i%pdPerOwner >= 90 },
		explain: []string{"Key condition: owner = 'u007'", "Filter: seq >= 90"}, scanned: pdPerOwner,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sql := "SELECT count(*) FROM pd WHERE " + tc.where
			plan := explainText(t, ctx, conn, sql)
			for _, want := range tc.explain {
				if !strings.Contains(plan, want) {
					t.Errorf("EXPLAIN lacks %q:\n%s", want, plan)
				}
			}
			want := pdCount(tc.keep)
			proxy.ResetCounts()
			var got int
			if err := conn.QueryRow(ctx, sql).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("count = %d, want %d", got, want)
			}
			scanned, limit := proxy.Scanned("Query")+proxy.Scanned("Scan"), tc.scanned
			if limit < 0 {
				limit = want
			}
			if scanned != limit {
				t.Errorf("DynamoDB read %d items, want %d", scanned, limit)
			}
			if returned := proxy.Items("Query") + proxy.Items("Scan"); returned != want {
				t.Errorf("DynamoDB returned %d items, the filter should leave %d", returned, want)
			}
		})
	}

	t.Run("LIMIT stops after the first page", func(t *testing.T) {
		proxy.ResetCounts()
		rows, err := conn.Query(ctx, "SELECT * FROM pd LIMIT 10")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			n++
		}
		if rows.Err() != nil || n != 10 {
			t.Fatalf("%d rows, %v", n, rows.Err())
		}
		if calls, scanned := proxy.Count("Scan"), proxy.Scanned("Scan"); calls != 1 || scanned != 10 {
			t.Errorf("LIMIT 10 made %d Scan calls reading %d items, want 1 call of 10", calls, scanned)
		}
	})

	t.Run("an index named by the query is read as named", func(t *testing.T) {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM "pd@by-region-flag" WHERE region = 'eu'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		want := pdCount(func(i int, item map[string]types.AttributeValue) bool {
			return attrS(item, "region") == "eu" && attrS(item, "flag") != ""
		})
		if n != want {
			t.Errorf("count through the sparse index = %d, want its %d items", n, want)
		}
		_, _, _, err := queryText(ctx, conn, `SELECT * FROM "pd@no-such-index"`)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42704" || !strings.Contains(pgErr.Message, "no-such-index") {
			t.Errorf("unknown index: %v", err)
		}
	})

	t.Run("pushdown off reads the whole table", func(t *testing.T) {
		if _, err := conn.Exec(ctx, "SET pgdynamo.pushdown = off"); err != nil {
			t.Fatal(err)
		}
		defer conn.Exec(ctx, "RESET pgdynamo.pushdown")
		plan := explainText(t, ctx, conn, "SELECT count(*) FROM pd WHERE owner = 'u007'")
		if !strings.Contains(plan, "DynamoDB Scan on public.pd") || !strings.Contains(plan, "Pushdown: off") || strings.Contains(plan, "Key condition") {
			t.Errorf("EXPLAIN with pushdown off:\n%s", plan)
		}
	})
}

// TestMaxScanItems: a query past max_scan_items fails with 54000 naming
// the dataset and the limit, after reading about that many items, and the
// session goes on.
func TestMaxScanItems(t *testing.T) {
	table := pushdownTable(t)
	proxy := ddbproxy.Start(t, dynamotest.Shared(t).Endpoint())
	gw := startGateway(t, datasetYAML{name: "capped", table: table,
		params: map[string]string{"dynamodb_endpoint": proxy.Endpoint(), "max_scan_items": "1000"}})
	conn := connect(t, gw)
	ctx := context.Background()
	var n int
	err := conn.QueryRow(ctx, "SELECT count(*) FROM capped").Scan(&n)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "54000" || !strings.Contains(pgErr.Message, "public.capped") || !strings.Contains(pgErr.Message, "1000") {
		t.Fatalf("a full read past max_scan_items: %v", err)
	}
	if scanned := proxy.Scanned("Scan"); scanned > 8*1001 {
		t.Errorf("read %d items before failing a query capped at 1000", scanned)
	}
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM capped WHERE owner = 'u001'").Scan(&n); err != nil || n != pdPerOwner {
		t.Errorf("a key query under the cap: %d, %v", n, err)
	}
}

// TestReadCapacityLimit: three concurrent full reads of a table with
// read_capacity_limit 200 consume at most 200 RCU per second over 20
// seconds, as DynamoDB reports it (ConsumedCapacity, seen by a proxy).
func TestReadCapacityLimit(t *testing.T) {
	table := pushdownTable(t)
	proxy := ddbproxy.Start(t, dynamotest.Shared(t).Endpoint())
	const limit, window = 200.0, 20 * time.Second
	gw := startGateway(t, datasetYAML{name: "budgeted", table: table,
		params: map[string]string{"dynamodb_endpoint": proxy.Endpoint(), "read_capacity_limit": strconv.Itoa(int(limit))}})
	ctx, cancel := context.WithTimeout(context.Background(), window+5*time.Second)
	defer cancel()
	proxy.ResetCounts()
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		c := connect(t, gw)
		wg.Add(1)
		go func() {
			defer wg.Done()
			var n int
			// Ended by ctx before it can finish: the three reads cost
			// some 5,500 RCU, 27 s at 200 RCU/s.
			c.QueryRow(ctx, "SELECT count(*) FROM budgeted").Scan(&n)
		}()
	}
	wg.Wait()
	pages := proxy.Pages()
	if len(pages) == 0 {
		t.Fatal("no reads")
	}
	start := pages[0].At
	var consumed float64
	for _, p := range pages {
		if p.At.Sub(start) <= window {
			consumed += p.Capacity
		}
	}
	rate := consumed / window.Seconds()
	t.Logf("3 concurrent full scans: %.0f RCU in %v = %.1f RCU/s (limit %.0f), %d pages", consumed, window, rate, limit, len(pages))
	if rate > limit {
		t.Errorf("consumed %.1f RCU/s over %v, above the limit of %.0f", rate, window, limit)
	}
	// How close to the budget the reads come depends on how fast this
	// machine's DynamoDB Local answers; that they read at all does not.
	if len(pages) < 10 {
		t.Errorf("only %d pages in %v", len(pages), window)
	}
}

// TestPushdownOnOffSameResults runs the differential corpus with pushdown
// on and off: the answers (or the errors' SQLSTATEs) must be the same.
func TestPushdownOnOffSameResults(t *testing.T) {
	_, gw := corpusGateway(t)
	on, off := connect(t, gw), connect(t, gw)
	ctx := context.Background()
	if _, err := off.Exec(ctx, "SET pgdynamo.pushdown = off"); err != nil {
		t.Fatal(err)
	}
	sqlstate := func(err error) string {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) {
			return pgErr.Code
		}
		return fmt.Sprint(err)
	}
	n := 0
	for _, fam := range differentialCorpus {
		for _, q := range fam.queries {
			n++
			_, _, want, errOff := queryText(ctx, off, q.sql)
			_, _, got, errOn := queryText(ctx, on, q.sql)
			if (errOn == nil) != (errOff == nil) || (errOn != nil && sqlstate(errOn) != sqlstate(errOff)) {
				t.Errorf("%s: pushdown on: %v, off: %v", q.sql, errOn, errOff)
				continue
			}
			// As multisets: an ORDER BY that is not total may order ties
			// differently from one read to the next.
			sortRows(got)
			sortRows(want)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: pushdown changes the answer:\n on  %v\n off %v", q.sql, got, want)
			}
		}
	}
	t.Logf("%d corpus queries, same answers with and without pushdown", n)
}
