package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pgdynamo/pgdynamo/internal/dynamotest"
)

// Table is one sample table: how to create it and what to put in it.
type Table struct {
	Name         string
	PartitionKey dynamotest.KeySpec
	SortKey      *dynamotest.KeySpec
	Options      []dynamotest.TableOption
	Items        func() []map[string]types.AttributeValue
}

// Tables returns the sample tables in creation order.
func Tables() []Table {
	orderID := dynamotest.StringKey("order_id")
	orderedAt := dynamotest.StringKey("ordered_at")
	return []Table{
		{Name: UsersTable, PartitionKey: dynamotest.NumberKey("id"), Items: Users},
		{
			Name: OrdersTable, PartitionKey: dynamotest.NumberKey("user_id"), SortKey: &orderID,
			Options: []dynamotest.TableOption{dynamotest.WithGSI(dynamotest.Index{
				Name: OrderStatusIndex, PartitionKey: dynamotest.StringKey("status"), SortKey: &orderedAt,
			})},
			Items: Orders,
		},
	}
}

// Seed drops (if present) and recreates every sample table, fills it and reports each
// step to w. Only the named tables are touched.
func Seed(ctx context.Context, client *dynamodb.Client, w io.Writer) error {
	for _, t := range Tables() {
		start := time.Now()
		existed, err := tableExists(ctx, client, t.Name)
		if err != nil {
			return err
		}
		if existed {
			if err := dynamotest.DeleteTable(ctx, client, t.Name); err != nil {
				return err
			}
		}
		if err := dynamotest.CreateTable(ctx, client, t.Name, t.PartitionKey, t.SortKey, t.Options...); err != nil {
			return err
		}
		items := t.Items()
		if err := dynamotest.PutItems(ctx, client, t.Name, items); err != nil {
			return err
		}
		verb := "created"
		if existed {
			verb = "recreated"
		}
		key := t.PartitionKey.Name + " " + string(t.PartitionKey.Type)
		if t.SortKey != nil {
			key += ", sort key " + t.SortKey.Name + " " + string(t.SortKey.Type)
		}
		fmt.Fprintf(w, "%s table %-7s (partition key %s): %d items in %v\n",
			verb, t.Name, key, len(items), time.Since(start).Round(time.Millisecond))
	}
	return nil
}

func tableExists(ctx context.Context, client *dynamodb.Client, name string) (bool, error) {
	_, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err == nil {
		return true, nil
	}
	if isNotFound(err) {
		return false, nil
	}
	return false, fmt.Errorf("DescribeTable %s: %w", name, err)
}

func isNotFound(err error) bool {
	var nf *types.ResourceNotFoundException
	return errors.As(err, &nf)
}
