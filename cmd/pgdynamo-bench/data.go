//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"github.com/pgdynamo/pgdynamo/internal/dynamotest"
)

// seedWriters is how many BatchWriteItem callers seed a table at once.
const seedWriters = 8

// keyAttr is the benchmark table's partition key.
const keyAttr = "id"

// tableName is the benchmark table of n items: a fixed name, so a run
// against an existing DynamoDB Local (-endpoint) reuses a table seeded by
// an earlier one.
func tableName(n int) string { return "pgdynamo_bench_" + strconv.Itoa(n) }

// itemKey is the partition key of item i.
func itemKey(i int) string { return fmt.Sprintf("u%08d", i) }

var (
	cities = []string{"Amsterdam", "Berlin", "Chicago", "Dublin", "Edinburgh", "Frankfurt", "Geneva", "Helsinki",
		"Istanbul", "Johannesburg", "Kyoto", "Lisbon", "Madrid", "Nairobi", "Oslo", "Paris", "Quito", "Rome",
		"San Francisco", "Toronto"}
	tagPool = []string{"new", "vip", "beta", "churn-risk", "mobile", "web", "newsletter", "trial"}
	words   = []string{"order", "shipped", "late", "customer", "asked", "about", "refund", "the", "parcel", "was",
		"left", "at", "door", "please", "call", "before", "delivery", "gift", "wrap", "fragile"}
)

// benchItem is item i of the benchmark table: ten attributes, about 250
// bytes, deterministic in i.
func benchItem(i int) map[string]types.AttributeValue {
	r := rand.New(rand.NewPCG(uint64(i), 42))
	name := capitalized(words[r.IntN(len(words))]) + " " + capitalized(words[r.IntN(len(words))])
	tags := make([]string, 0, 3)
	for _, t := range r.Perm(len(tagPool))[:1+r.IntN(3)] {
		tags = append(tags, tagPool[t])
	}
	note := make([]string, 6+r.IntN(8))
	for k := range note {
		note[k] = words[r.IntN(len(words))]
	}
	created := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.Int64N(int64(365 * 24 * time.Hour)))).Truncate(time.Millisecond)
	return map[string]types.AttributeValue{
		keyAttr:      &types.AttributeValueMemberS{Value: itemKey(i)},
		"name":       &types.AttributeValueMemberS{Value: name},
		"email":      &types.AttributeValueMemberS{Value: fmt.Sprintf("user%d@example.com", i)},
		"age":        &types.AttributeValueMemberN{Value: strconv.Itoa(18 + r.IntN(70))},
		"score":      &types.AttributeValueMemberN{Value: strconv.FormatFloat(float64(r.IntN(1_000_000))/1000+0.5, 'f', -1, 64)},
		"active":     &types.AttributeValueMemberBOOL{Value: r.IntN(4) > 0},
		"created_at": &types.AttributeValueMemberS{Value: created.Format("2006-01-02T15:04:05.000Z07:00")},
		"city":       &types.AttributeValueMemberS{Value: cities[r.IntN(len(cities))]},
		"tags":       &types.AttributeValueMemberSS{Value: tags},
		"note":       &types.AttributeValueMemberS{Value: strings.Join(note, " ")},
	}
}

// ensureTable creates and seeds the table of n items unless a table of that
// name already holds them. It returns the table name and how long seeding
// took (0 when the table was there).
func ensureTable(ctx context.Context, client *dynamodb.Client, n int, progress func(string)) (string, time.Duration, error) {
	name := tableName(n)
	desc, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	var missing *types.ResourceNotFoundException
	switch {
	case err == nil:
		if got := aws.ToInt64(desc.Table.ItemCount); got == int64(n) {
			return name, 0, nil
		}
		// A table left half-seeded by an interrupted run: start over.
		if err := dynamotest.DeleteTable(ctx, client, name); err != nil {
			return "", 0, err
		}
	case !errors.As(err, &missing):
		return "", 0, fmt.Errorf("describing %s: %w", name, err)
	}
	if err := dynamotest.CreateTable(ctx, client, name, dynamotest.StringKey(keyAttr), nil); err != nil {
		return "", 0, err
	}
	begin := time.Now()
	var done atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(seedWriters)
	const slice = 2500 // items per writer task
	for start := 0; start < n; start += slice {
		end := min(start+slice, n)
		g.Go(func() error {
			items := make([]map[string]types.AttributeValue, 0, end-start)
			for i := start; i < end; i++ {
				items = append(items, benchItem(i))
			}
			if err := dynamotest.PutItems(gctx, client, name, items); err != nil {
				return err
			}
			if total := done.Add(int64(end - start)); total%100_000 < slice {
				progress(fmt.Sprintf("seeded %d of %d items", total, n))
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return "", 0, fmt.Errorf("seeding %s: %w", name, err)
	}
	return name, time.Since(begin), nil
}

// capitalized is an ASCII word with its first letter upper-case.
func capitalized(w string) string { return strings.ToUpper(w[:1]) + w[1:] }
