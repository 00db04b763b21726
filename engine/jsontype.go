package engine

import (
	"reflect"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// jsonType marks a text column that holds JSON (DuckDB's JSON alias, what
// ->, to_json and row_to_json return) so pgtypes sends it as json (OID 114)
// like PostgreSQL, not as text. It is the canonical arrow.json extension;
// arrow-go's own implementation lives in a package whose dependencies this
// module does not carry.
type jsonType struct {
	arrow.ExtensionBase
}

func newJSONType() *jsonType {
	return &jsonType{ExtensionBase: arrow.ExtensionBase{Storage: arrow.BinaryTypes.String}}
}

func (*jsonType) ArrayType() reflect.Type { return reflect.TypeOf(jsonArray{}) }
func (*jsonType) ExtensionName() string   { return "arrow.json" }
func (*jsonType) Serialize() string       { return "" }
func (t *jsonType) ExtensionEquals(other arrow.ExtensionType) bool {
	return other.ExtensionName() == t.ExtensionName()
}
func (*jsonType) Deserialize(storage arrow.DataType, _ string) (arrow.ExtensionType, error) {
	return &jsonType{ExtensionBase: arrow.ExtensionBase{Storage: storage}}, nil
}

// jsonArray is the array of jsonType.
type jsonArray struct {
	array.ExtensionArrayBase
}
