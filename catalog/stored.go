package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/pgdynamo/pgdynamo/attrarrow"
)

// storedFormat versions the stored description; a copy stored in another
// format is not trusted and is loaded again.
const storedFormat = 1

// storedDescription is what Describe learned of a dataset, in the form an
// accelerated copy keeps beside its rows, so that a restart can serve the
// copy before DynamoDB answers anything.
type storedDescription struct {
	Format       int
	Table        string
	Region       string
	Types        attrarrow.Options
	SampleSize   int
	PartitionKey attrarrow.KeyAttribute
	SortKey      *attrarrow.KeyAttribute
	Indexes      []Index
	ItemCount    int64
	SizeBytes    int64
	StreamARN    string
	StreamView   string
	Columns      []storedColumn
	Conflicts    []attrarrow.Conflict
	// Arrow is the columns' Arrow schema as an Arrow IPC stream.
	Arrow []byte
}

type storedColumn struct {
	Name string
	Path []string
	Key  *attrarrow.KeyAttribute
}

// MarshalDescription encodes what Describe learned of d (not its client).
func (d *Dataset) MarshalDescription() ([]byte, error) {
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(d.Columns.Arrow))
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encoding the schema of %s: %w", d.QualifiedName(), err)
	}
	sd := storedDescription{
		Format: storedFormat, Table: d.Table, Region: d.Region, Types: d.Types, SampleSize: d.SampleSize,
		PartitionKey: d.PartitionKey, SortKey: d.SortKey, Indexes: d.Indexes, ItemCount: d.ItemCount,
		SizeBytes: d.SizeBytes, StreamARN: d.StreamARN, StreamView: d.StreamViewType, Conflicts: d.Columns.Conflicts, Arrow: buf.Bytes(),
	}
	for _, c := range d.Columns.Columns {
		sd.Columns = append(sd.Columns, storedColumn{Name: c.Name, Path: c.Path, Key: c.Key})
	}
	return json.Marshal(sd)
}

// RestoreDescription rebuilds a dataset from spec and a description that
// MarshalDescription encoded. It fails when the description was made for
// other settings (table, region, type options, sample size): the copy it
// came with no longer matches the configuration.
func RestoreDescription(spec Spec, b []byte) (*Dataset, error) {
	if spec.Schema == "" {
		spec.Schema = PublicSchema
	}
	if spec.SampleSize <= 0 {
		spec.SampleSize = 10
	}
	var sd storedDescription
	if err := json.Unmarshal(b, &sd); err != nil {
		return nil, fmt.Errorf("decoding the stored description: %w", err)
	}
	switch {
	case sd.Format != storedFormat:
		return nil, fmt.Errorf("stored in format %d, this pgdynamo reads format %d", sd.Format, storedFormat)
	case sd.Table != spec.Table || sd.Region != spec.Region:
		return nil, fmt.Errorf("stored for table %s in %s, configured %s in %s", sd.Table, sd.Region, spec.Table, spec.Region)
	case sd.Types != spec.Types || sd.SampleSize != spec.SampleSize:
		return nil, fmt.Errorf("stored with other unnest_depth, time_format or schema_infer_max_records settings")
	}
	r, err := ipc.NewReader(bytes.NewReader(sd.Arrow))
	if err != nil {
		return nil, fmt.Errorf("decoding the stored schema: %w", err)
	}
	schema := r.Schema()
	r.Release()
	if schema.NumFields() != len(sd.Columns) {
		return nil, fmt.Errorf("stored schema has %d fields for %d columns", schema.NumFields(), len(sd.Columns))
	}
	cols := &attrarrow.Schema{Arrow: schema, Options: sd.Types, Conflicts: sd.Conflicts}
	for i, c := range sd.Columns {
		f := schema.Field(i)
		if f.Name != c.Name {
			return nil, fmt.Errorf("stored column %d is %q in the schema and %q in the description", i, f.Name, c.Name)
		}
		cols.Columns = append(cols.Columns, attrarrow.Column{Name: c.Name, Path: slices.Clone(c.Path), Field: f, Key: c.Key})
	}
	return &Dataset{
		Spec: spec, PartitionKey: sd.PartitionKey, SortKey: sd.SortKey, Indexes: sd.Indexes,
		ItemCount: sd.ItemCount, SizeBytes: sd.SizeBytes, StreamARN: sd.StreamARN, StreamViewType: sd.StreamView, Columns: cols,
	}, nil
}
