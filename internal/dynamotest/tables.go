package dynamotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// activeTimeout bounds waiting for a new table when ctx has no deadline.
const activeTimeout = 2 * time.Minute

// KeySpec is one key attribute: its name and scalar type (S, N or B).
type KeySpec struct {
	Name string
	Type types.ScalarAttributeType
}

// StringKey builds a KeySpec of type S.
func StringKey(name string) KeySpec { return KeySpec{name, types.ScalarAttributeTypeS} }

// NumberKey builds a KeySpec of type N.
func NumberKey(name string) KeySpec { return KeySpec{name, types.ScalarAttributeTypeN} }

// BinaryKey builds a KeySpec of type B.
func BinaryKey(name string) KeySpec { return KeySpec{name, types.ScalarAttributeTypeB} }

// Index describes a secondary index for WithGSI and WithLSI.
type Index struct {
	Name string
	// PartitionKey is the GSI's partition key; ignored for an LSI, which shares the table's.
	PartitionKey KeySpec
	// SortKey is optional for a GSI and required for an LSI.
	SortKey *KeySpec
	// Projection defaults to ALL. With INCLUDE, NonKeyAttributes lists the projected attributes.
	Projection       types.ProjectionType
	NonKeyAttributes []string
}

// TableOption adjusts the CreateTableInput that CreateTable sends.
type TableOption func(*dynamodb.CreateTableInput) error

// WithGSI adds a global secondary index.
func WithGSI(idx Index) TableOption {
	return func(in *dynamodb.CreateTableInput) error {
		if idx.Name == "" || idx.PartitionKey.Name == "" {
			return errors.New("dynamotest: a GSI needs a name and a partition key")
		}
		if err := addAttr(in, idx.PartitionKey); err != nil {
			return err
		}
		ks := []types.KeySchemaElement{{AttributeName: aws.String(idx.PartitionKey.Name), KeyType: types.KeyTypeHash}}
		if idx.SortKey != nil {
			if err := addAttr(in, *idx.SortKey); err != nil {
				return err
			}
			ks = append(ks, types.KeySchemaElement{AttributeName: aws.String(idx.SortKey.Name), KeyType: types.KeyTypeRange})
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName:  aws.String(idx.Name),
			KeySchema:  ks,
			Projection: projection(idx),
		})
		return nil
	}
}

// WithLSI adds a local secondary index: the table's partition key with idx.SortKey.
func WithLSI(idx Index) TableOption {
	return func(in *dynamodb.CreateTableInput) error {
		if idx.Name == "" || idx.SortKey == nil {
			return errors.New("dynamotest: an LSI needs a name and a sort key")
		}
		var pk *string
		for _, k := range in.KeySchema {
			if k.KeyType == types.KeyTypeHash {
				pk = k.AttributeName
			}
		}
		if err := addAttr(in, *idx.SortKey); err != nil {
			return err
		}
		in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, types.LocalSecondaryIndex{
			IndexName: aws.String(idx.Name),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: pk, KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(idx.SortKey.Name), KeyType: types.KeyTypeRange},
			},
			Projection: projection(idx),
		})
		return nil
	}
}

// WithStream enables DynamoDB Streams with the given view type.
func WithStream(view types.StreamViewType) TableOption {
	return func(in *dynamodb.CreateTableInput) error {
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: view}
		return nil
	}
}

func projection(idx Index) *types.Projection {
	p := &types.Projection{ProjectionType: idx.Projection}
	if p.ProjectionType == "" {
		p.ProjectionType = types.ProjectionTypeAll
	}
	if p.ProjectionType == types.ProjectionTypeInclude {
		p.NonKeyAttributes = idx.NonKeyAttributes
	}
	return p
}

// addAttr declares a key attribute once; a second declaration must agree on the type.
func addAttr(in *dynamodb.CreateTableInput, k KeySpec) error {
	if k.Type == "" {
		return fmt.Errorf("dynamotest: key attribute %q has no type", k.Name)
	}
	for _, d := range in.AttributeDefinitions {
		if aws.ToString(d.AttributeName) == k.Name {
			if d.AttributeType != k.Type {
				return fmt.Errorf("dynamotest: key attribute %q declared as both %s and %s", k.Name, d.AttributeType, k.Type)
			}
			return nil
		}
	}
	in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
		AttributeName: aws.String(k.Name), AttributeType: k.Type,
	})
	return nil
}

// CreateTable creates an on-demand table with partition key pk and optional sort key sk,
// then waits until it and its indexes are ACTIVE.
func CreateTable(ctx context.Context, client *dynamodb.Client, name string, pk KeySpec, sk *KeySpec, opts ...TableOption) error {
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		KeySchema:   []types.KeySchemaElement{{AttributeName: aws.String(pk.Name), KeyType: types.KeyTypeHash}},
	}
	if err := addAttr(in, pk); err != nil {
		return err
	}
	if sk != nil {
		if err := addAttr(in, *sk); err != nil {
			return err
		}
		in.KeySchema = append(in.KeySchema, types.KeySchemaElement{AttributeName: aws.String(sk.Name), KeyType: types.KeyTypeRange})
	}
	for _, o := range opts {
		if err := o(in); err != nil {
			return err
		}
	}
	return CreateTableInput(ctx, client, in)
}

// CreateTableInput sends a raw CreateTableInput and waits until the table is ACTIVE.
func CreateTableInput(ctx context.Context, client *dynamodb.Client, in *dynamodb.CreateTableInput) error {
	if _, err := client.CreateTable(ctx, in); err != nil {
		return fmt.Errorf("dynamotest: CreateTable %s: %w", aws.ToString(in.TableName), err)
	}
	return WaitActive(ctx, client, aws.ToString(in.TableName))
}

// WaitActive waits until the table and all its global secondary indexes are ACTIVE.
func WaitActive(ctx context.Context, client *dynamodb.Client, name string) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, activeTimeout)
		defer cancel()
	}
	for {
		out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			return fmt.Errorf("dynamotest: DescribeTable %s: %w", name, err)
		}
		if tableActive(out.Table) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("dynamotest: table %s not ACTIVE (status %s): %w", name, out.Table.TableStatus, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func tableActive(t *types.TableDescription) bool {
	if t == nil || t.TableStatus != types.TableStatusActive {
		return false
	}
	for _, g := range t.GlobalSecondaryIndexes {
		if g.IndexStatus != types.IndexStatusActive {
			return false
		}
	}
	return true
}

// DeleteTable deletes a table and waits until it is gone. A table that does not exist is
// not an error.
func DeleteTable(ctx context.Context, client *dynamodb.Client, name string) error {
	_, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	var nf *types.ResourceNotFoundException
	if errors.As(err, &nf) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("dynamotest: DeleteTable %s: %w", name, err)
	}
	w := dynamodb.NewTableNotExistsWaiter(client, func(o *dynamodb.TableNotExistsWaiterOptions) {
		o.MinDelay = 50 * time.Millisecond
		o.MaxDelay = time.Second
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, activeTimeout); err != nil {
		return fmt.Errorf("dynamotest: waiting for %s to be deleted: %w", name, err)
	}
	return nil
}

// batchSize is BatchWriteItem's limit on requests per call.
const batchSize = 25

// PutItems writes items with BatchWriteItem, 25 per call, resending UnprocessedItems with
// exponential back-off until they are all written or ctx ends.
func PutItems(ctx context.Context, client *dynamodb.Client, table string, items []map[string]types.AttributeValue) error {
	for start := 0; start < len(items); start += batchSize {
		chunk := items[start:min(start+batchSize, len(items))]
		reqs := make([]types.WriteRequest, len(chunk))
		for i, item := range chunk {
			reqs[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: item}}
		}
		pending := map[string][]types.WriteRequest{table: reqs}
		backoff := 20 * time.Millisecond
		for len(pending[table]) > 0 {
			out, err := client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				return fmt.Errorf("dynamotest: BatchWriteItem %s (items %d..%d): %w", table, start, start+len(chunk)-1, err)
			}
			pending = out.UnprocessedItems
			if len(pending[table]) == 0 {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("dynamotest: %d items of %s still unprocessed: %w", len(pending[table]), table, ctx.Err())
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 2*time.Second)
		}
	}
	return nil
}

// ScanAll reads every item of a table with a paginated Scan.
func ScanAll(ctx context.Context, client *dynamodb.Client, table string) ([]map[string]types.AttributeValue, error) {
	var items []map[string]types.AttributeValue
	p := dynamodb.NewScanPaginator(client, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("dynamotest: Scan %s: %w", table, err)
		}
		items = append(items, page.Items...)
	}
	return items, nil
}

var tableSeq atomic.Uint64

// UniqueTableName returns a valid table name that starts with prefix (characters DynamoDB
// does not allow become '_', so t.Name() is a fine prefix) and is unique in this process
// and, by a random suffix, across processes sharing a server.
func UniqueTableName(prefix string) string {
	clean := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-', r == '.':
			return r
		}
		return '_'
	}, prefix)
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	suffix := fmt.Sprintf("_%d_%s", tableSeq.Add(1), hex.EncodeToString(rnd[:]))
	if max := 255 - len(suffix); len(clean) > max {
		clean = clean[:max]
	}
	if clean == "" {
		clean = "t"
	}
	return clean + suffix
}
