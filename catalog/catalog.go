package catalog

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pgdynamo/pgdynamo/attrarrow"
	"github.com/pgdynamo/pgdynamo/ddb"
	"github.com/pgdynamo/pgdynamo/pgerror"
	"github.com/pgdynamo/pgdynamo/scan"
)

// API is the part of the DynamoDB client the catalog and the scans need.
type API interface {
	scan.API
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// Spec says which table a dataset reads and how to type it.
type Spec struct {
	Name   string // SQL table name
	Schema string // SQL schema, "public" when empty
	Table  string // DynamoDB table name
	Region string
	// SampleSize is how many items schema inference reads (default 10).
	SampleSize int
	// ScanSegments fixes the Scan segment count; 0 derives it from the
	// table's size (scan.AutoSegments).
	ScanSegments int
	// ReadCapacityLimit is the table's read-capacity budget in RCU per
	// second shared by every read through pgdynamo; 0 is unlimited.
	ReadCapacityLimit float64
	// MaxScanItems is the most items one query may read from the dataset;
	// 0 is unlimited.
	MaxScanItems int64
	Types        attrarrow.Options
	Client       API
	// Description is the dataset's comment (pg_description), "" for none.
	Description string
}

// IndexKind tells a global from a local secondary index.
type IndexKind int

// Index kinds.
const (
	GlobalIndex IndexKind = iota
	LocalIndex
)

// Index is a secondary index of a dataset's table.
type Index struct {
	Name           string
	Kind           IndexKind
	PartitionKey   string
	SortKey        string // empty without a sort key
	ProjectionType types.ProjectionType
	NonKeyAttrs    []string
}

// Dataset is one SQL table backed by one DynamoDB table.
type Dataset struct {
	Spec
	PartitionKey attrarrow.KeyAttribute
	SortKey      *attrarrow.KeyAttribute
	Indexes      []Index
	ItemCount    int64
	SizeBytes    int64
	StreamARN    string
	// StreamViewType is the table stream's view type (NEW_IMAGE,
	// NEW_AND_OLD_IMAGES, ...); "" when the table has no stream enabled.
	StreamViewType string
	Columns        *attrarrow.Schema
}

// QualifiedName is schema.name, for messages.
func (d *Dataset) QualifiedName() string { return d.Schema + "." + d.Name }

// KeyColumn returns the column that serves key attribute attr (the
// partition key, the sort key or a secondary index's key). Key columns are
// found by their schema entry, never by name: a column may be served under
// another name than its attribute's (a key "Id" beside an attribute "id"
// becomes column "Id_2").
func (d *Dataset) KeyColumn(attr string) (attrarrow.Column, bool) {
	for _, c := range d.Columns.Columns {
		if c.Key != nil && c.Key.Name == attr {
			return c, true
		}
	}
	return attrarrow.Column{}, false
}

// PrimaryKeyColumns are the SQL names of the columns serving the partition
// key and, when the table has one, the sort key.
func (d *Dataset) PrimaryKeyColumns() ([]string, error) {
	attrs := []string{d.PartitionKey.Name}
	if d.SortKey != nil {
		attrs = append(attrs, d.SortKey.Name)
	}
	return d.keyColumnNames(attrs...)
}

// keyColumnNames maps key attributes to the SQL names of their columns;
// empty attribute names are skipped.
func (d *Dataset) keyColumnNames(attrs ...string) ([]string, error) {
	out := make([]string, 0, len(attrs))
	for _, a := range attrs {
		if a == "" {
			continue
		}
		c, ok := d.KeyColumn(a)
		if !ok {
			return nil, fmt.Errorf("dataset %s: key attribute %q has no column", d.QualifiedName(), a)
		}
		out = append(out, c.Name)
	}
	return out, nil
}

// Ref names the dataset's table for error messages.
func (d *Dataset) Ref() ddb.TableRef {
	return ddb.TableRef{Table: d.Table, Region: d.Region, Dataset: d.QualifiedName()}
}

// Segments returns the Scan segment count for a full read of the table.
func (d *Dataset) Segments(maxSegments int) int {
	if d.ScanSegments > 0 {
		return d.ScanSegments
	}
	return scan.AutoSegments(d.ItemCount, d.SizeBytes, maxSegments)
}

// Catalog is the set of datasets, looked up by SQL name.
type Catalog struct {
	datasets []*Dataset
	byName   map[string]*Dataset // key: schema + "." + name
}

// New builds a catalog from described datasets.
func New(datasets []*Dataset) (*Catalog, error) {
	c := &Catalog{byName: map[string]*Dataset{}}
	for _, d := range datasets {
		key := d.Schema + "." + d.Name
		switch d.Schema {
		case PGCatalog, InformationSchema, SystemSchema:
			return nil, fmt.Errorf("dataset %s: schema %s is reserved for the system", key, d.Schema)
		}
		if _, dup := c.byName[key]; dup {
			return nil, fmt.Errorf("dataset %s is declared twice", key)
		}
		c.byName[key] = d
		c.datasets = append(c.datasets, d)
	}
	sort.Slice(c.datasets, func(i, j int) bool { return c.datasets[i].QualifiedName() < c.datasets[j].QualifiedName() })
	return c, nil
}

// Datasets returns every dataset ordered by qualified name.
func (c *Catalog) Datasets() []*Dataset { return c.datasets }

// Lookup finds a dataset by schema and name; an empty schema searches
// "public", the only schema on pgdynamo's search path.
func (c *Catalog) Lookup(schema, name string) (*Dataset, bool) {
	if schema == "" {
		schema = "public"
	}
	d, ok := c.byName[schema+"."+name]
	return d, ok
}

// Load describes and infers every spec. All failures are reported together.
func Load(ctx context.Context, specs []Spec) (*Catalog, error) {
	var (
		datasets []*Dataset
		problems []error
	)
	for _, s := range specs {
		d, err := Describe(ctx, s)
		if err != nil {
			problems = append(problems, &LoadError{Dataset: s.Name, Err: err})
			continue
		}
		datasets = append(datasets, d)
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return New(datasets)
}

// LoadError is a dataset that could not be described. Its text carries
// the cause's hint (a *pgerror.Error prints its message alone, so a hint
// such as "check dynamodb_aws_region" would never reach the user), and
// Unwrap keeps the cause for errors.As.
type LoadError struct {
	Dataset string
	Err     error
}

func (e *LoadError) Error() string {
	msg := fmt.Sprintf("dataset %q: %v", e.Dataset, e.Err)
	var pe *pgerror.Error
	if errors.As(e.Err, &pe) && pe.Hint != "" {
		msg += " (hint: " + pe.Hint + ")"
	}
	return msg
}

func (e *LoadError) Unwrap() error { return e.Err }

// Describe calls DescribeTable for spec's table, samples items and infers
// the column schema.
func Describe(ctx context.Context, spec Spec) (*Dataset, error) {
	if spec.Schema == "" {
		spec.Schema = "public"
	}
	if spec.SampleSize <= 0 {
		spec.SampleSize = 10
	}
	ref := ddb.TableRef{Table: spec.Table, Region: spec.Region, Dataset: spec.Schema + "." + spec.Name}
	out, err := spec.Client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(spec.Table)})
	if err != nil {
		return nil, ddb.Classify(err, ref, "DescribeTable")
	}
	desc := out.Table
	d := &Dataset{Spec: spec}
	attrTypes := map[string]types.ScalarAttributeType{}
	for _, def := range desc.AttributeDefinitions {
		attrTypes[aws.ToString(def.AttributeName)] = def.AttributeType
	}
	for _, k := range desc.KeySchema {
		name := aws.ToString(k.AttributeName)
		switch k.KeyType {
		case types.KeyTypeHash:
			d.PartitionKey = attrarrow.KeyAttribute{Name: name, Type: attrTypes[name], Role: attrarrow.PartitionKey}
		case types.KeyTypeRange:
			d.SortKey = &attrarrow.KeyAttribute{Name: name, Type: attrTypes[name], Role: attrarrow.SortKey}
		}
	}
	if d.PartitionKey.Name == "" {
		return nil, fmt.Errorf("DescribeTable of %q returned no partition key", spec.Table)
	}
	keys := []attrarrow.KeyAttribute{d.PartitionKey}
	if d.SortKey != nil {
		keys = append(keys, *d.SortKey)
	}
	seen := map[string]bool{d.PartitionKey.Name: true}
	if d.SortKey != nil {
		seen[d.SortKey.Name] = true
	}
	addIndex := func(name string, kind IndexKind, schema []types.KeySchemaElement, proj *types.Projection) {
		idx := Index{Name: name, Kind: kind}
		if proj != nil {
			idx.ProjectionType = proj.ProjectionType
			idx.NonKeyAttrs = proj.NonKeyAttributes
		}
		for _, k := range schema {
			attr := aws.ToString(k.AttributeName)
			if k.KeyType == types.KeyTypeHash {
				idx.PartitionKey = attr
			} else {
				idx.SortKey = attr
			}
			// Index key attributes have declared types; typing them from the
			// definitions beats guessing from a sample that may lack them.
			if !seen[attr] {
				seen[attr] = true
				keys = append(keys, attrarrow.KeyAttribute{Name: attr, Type: attrTypes[attr], Role: attrarrow.IndexKey})
			}
		}
		d.Indexes = append(d.Indexes, idx)
	}
	for _, g := range desc.GlobalSecondaryIndexes {
		addIndex(aws.ToString(g.IndexName), GlobalIndex, g.KeySchema, g.Projection)
	}
	for _, l := range desc.LocalSecondaryIndexes {
		addIndex(aws.ToString(l.IndexName), LocalIndex, l.KeySchema, l.Projection)
	}
	d.ItemCount = aws.ToInt64(desc.ItemCount)
	d.SizeBytes = aws.ToInt64(desc.TableSizeBytes)
	d.StreamARN = aws.ToString(desc.LatestStreamArn)
	if spec := desc.StreamSpecification; spec != nil && aws.ToBool(spec.StreamEnabled) {
		d.StreamViewType = string(spec.StreamViewType)
	}

	sample, err := spec.Client.Scan(ctx, &dynamodb.ScanInput{
		TableName: aws.String(spec.Table),
		Limit:     aws.Int32(int32(spec.SampleSize)),
	})
	if err != nil {
		return nil, ddb.Classify(err, ref, "Scan")
	}
	d.Columns, err = attrarrow.Infer(sample.Items, keys, spec.Types)
	if err != nil {
		return nil, fmt.Errorf("inferring the schema of %q: %w", spec.Table, err)
	}
	return d, nil
}
