//go:build linux

package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"
)

// cost is what one run of a measured operation took: wall time and the
// CPU time of the process doing pgdynamo's or the SDK's work.
type cost struct {
	wall, cpu time.Duration
}

// best is the lowest wall and the lowest CPU time over runs, each on its
// own: the run least disturbed by the machine's other work.
func best(runs []cost) cost {
	b := runs[0]
	for _, r := range runs[1:] {
		b.wall = min(b.wall, r.wall)
		b.cpu = min(b.cpu, r.cpu)
	}
	return b
}

// cpuMeter reads the CPU time of the process whose work is measured.
type cpuMeter func() (usage, error)

// timed runs f and returns its wall time and the CPU time meter saw spent.
func timed(meter cpuMeter, f func() error) (cost, error) {
	before, err := meter()
	if err != nil {
		return cost{}, err
	}
	begin := time.Now()
	if err := f(); err != nil {
		return cost{}, err
	}
	wall := time.Since(begin)
	after, err := meter()
	if err != nil {
		return cost{}, err
	}
	return cost{wall: wall, cpu: after.cpu() - before.cpu()}, nil
}

// drainSQL reads every row of the table.
const drainSQL = "SELECT * FROM bench"

// repeatedDrainSQL reads every row of the table times times.
func repeatedDrainSQL(times int) string {
	return strings.Repeat(drainSQL+" UNION ALL ", times-1) + drainSQL
}

// drainPG reads every row of sql through the gateway and checks the count.
func drainPG(ctx context.Context, conn *pgx.Conn, sql string, want int) error {
	rows, err := conn.Query(ctx, sql)
	if err != nil {
		return fmt.Errorf("SELECT *: %w", err)
	}
	got := 0
	for rows.Next() {
		got++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("SELECT *: %w", err)
	}
	if got != want {
		return fmt.Errorf("SELECT * returned %d rows, want %d", got, want)
	}
	return nil
}

// scanRaw reads every item of table with a parallel Scan of segments
// segments into memory, as an application using the SDK would, and checks
// the count.
func scanRaw(ctx context.Context, client *dynamodb.Client, table string, segments, want int) error {
	parts := make([][]map[string]types.AttributeValue, segments)
	g, gctx := errgroup.WithContext(ctx)
	for seg := range segments {
		g.Go(func() error {
			p := dynamodb.NewScanPaginator(client, &dynamodb.ScanInput{
				TableName: aws.String(table), Segment: aws.Int32(int32(seg)), TotalSegments: aws.Int32(int32(segments)),
			})
			for p.HasMorePages() {
				page, err := p.NextPage(gctx)
				if err != nil {
					return fmt.Errorf("Scan segment %d: %w", seg, err)
				}
				parts[seg] = append(parts[seg], page.Items...)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	got := 0
	for _, p := range parts {
		got += len(p)
	}
	if got != want {
		return fmt.Errorf("the raw Scan read %d items, want %d", got, want)
	}
	return nil
}

// lookupSQL is the key lookup through the gateway.
const lookupSQL = "SELECT * FROM bench WHERE id = $1"

// lookupPG reads item i through the gateway (a prepared statement: pgx
// caches it per connection).
func lookupPG(ctx context.Context, conn *pgx.Conn, i int) error {
	rows, err := conn.Query(ctx, lookupSQL, itemKey(i))
	if err != nil {
		return err
	}
	n := 0
	for rows.Next() {
		n++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if n != 1 {
		return fmt.Errorf("lookup of %s returned %d rows", itemKey(i), n)
	}
	return nil
}

// lookupSDK reads item i with the SDK's Query.
func lookupSDK(ctx context.Context, client *dynamodb.Client, table string, i int) error {
	out, err := client.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(table),
		KeyConditionExpression:    aws.String("#k = :k"),
		ExpressionAttributeNames:  map[string]string{"#k": keyAttr},
		ExpressionAttributeValues: map[string]types.AttributeValue{":k": &types.AttributeValueMemberS{Value: itemKey(i)}},
	})
	if err != nil {
		return err
	}
	if len(out.Items) != 1 {
		return fmt.Errorf("Query of %s returned %d items", itemKey(i), len(out.Items))
	}
	return nil
}

// percentile is the p-th percentile (0 < p ≤ 1) of sorted samples by the
// nearest-rank method.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(float64(len(sorted))*p+0.999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// throughput runs workers callers of f (each with its own index) until d
// has passed and returns completed calls per second.
func throughput(ctx context.Context, workers int, d time.Duration, f func(worker, i int) error) (float64, int64, error) {
	var calls atomic.Int64
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	begin := time.Now()
	deadline := begin.Add(d)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline) && ctx.Err() == nil; i++ {
				if err := f(w, i); err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
					return
				}
				calls.Add(1)
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return 0, 0, firstErr
	}
	n := calls.Load()
	return float64(n) / time.Since(begin).Seconds(), n, nil
}

// randomKeys returns a function giving worker w's i-th key index, spread
// over n items and reproducible.
func randomKeys(n, workers int) func(w, i int) int {
	rngs := make([]*rand.Rand, workers)
	for w := range rngs {
		rngs[w] = rand.New(rand.NewPCG(uint64(w), 7))
	}
	return func(w, _ int) int { return rngs[w].IntN(n) }
}
