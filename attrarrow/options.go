package attrarrow

import (
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Options control how items are typed. The zero value means UnnestDepth 0
// (maps as JSON text) and the default time format; DefaultOptions returns the
// product default (maps as Structs).
type Options struct {
	// UnnestDepth is -1 for maps as Arrow Structs typed recursively (the
	// default when the dataset sets no unnest_depth); 0 for maps as JSON text
	// (Utf8); N > 0 for maps flattened into columns "b.x", "b.y.z" down to
	// depth N, deeper maps as JSON text.
	UnnestDepth int
	// TimeFormat is a Go reference layout for strings holding timestamps.
	// "" means RFC 3339 with optional fractional seconds.
	TimeFormat string
}

// DefaultOptions returns the options used when a dataset sets neither
// unnest_depth nor time_format: maps become Structs, timestamps are RFC 3339.
func DefaultOptions() Options { return Options{UnnestDepth: -1} }

// Validate reports options that cannot be honoured.
func (o Options) Validate() error {
	if o.UnnestDepth < -1 {
		return fmt.Errorf("attrarrow: unnest_depth %d: must be -1 (structs), 0 (JSON text) or a positive depth", o.UnnestDepth)
	}
	return nil
}

// Layout returns the Go reference layout strings are parsed with: TimeFormat,
// or time.RFC3339 (which also accepts fractional seconds) when it is empty.
func (o Options) Layout() string {
	if o.TimeFormat == "" {
		return time.RFC3339
	}
	return o.TimeFormat
}

// LayoutHasZone reports whether the layout carries a zone (Z07:00, -0700,
// MST, …), in which case parsed strings become Timestamp(ms, "UTC") rather
// than naive timestamps. It is decided by formatting one wall-clock time in
// two different zones, not by searching the layout for tokens.
func (o Options) LayoutHasZone() bool { return layoutHasZone(o.Layout()) }

func layoutHasZone(layout string) bool {
	a := time.Date(2001, 2, 3, 4, 5, 6, 0, time.FixedZone("AAA", 3*3600+1800))
	b := time.Date(2001, 2, 3, 4, 5, 6, 0, time.FixedZone("BBB", -5*3600))
	return a.Format(layout) != b.Format(layout)
}

// KeyRole says which key schema a key attribute belongs to.
type KeyRole int

// Key roles. The zero KeyRole is invalid so that a forgotten role is caught.
const (
	PartitionKey KeyRole = iota + 1 // the table's partition (HASH) key
	SortKey                         // the table's sort (RANGE) key
	IndexKey                        // a GSI or LSI key attribute
)

func (r KeyRole) String() string {
	switch r {
	case PartitionKey:
		return "partition key"
	case SortKey:
		return "sort key"
	case IndexKey:
		return "index key"
	}
	return fmt.Sprintf("KeyRole(%d)", int(r))
}

// KeyAttribute is a key attribute as DescribeTable reports it.
type KeyAttribute struct {
	Name string
	Type types.ScalarAttributeType
	Role KeyRole
}

// normalizeKeys validates keys and folds duplicates (an attribute that is both
// the table's sort key and a GSI key is listed once, with its strongest role).
func normalizeKeys(keys []KeyAttribute) ([]KeyAttribute, error) {
	out := make([]KeyAttribute, 0, len(keys))
	var pk, sk string
	for _, k := range keys {
		if k.Name == "" {
			return nil, errors.New("attrarrow: key attribute with an empty name")
		}
		switch k.Type {
		case types.ScalarAttributeTypeS, types.ScalarAttributeTypeN, types.ScalarAttributeTypeB:
		default:
			return nil, fmt.Errorf("attrarrow: key attribute %q: type %q is not S, N or B", k.Name, string(k.Type))
		}
		switch k.Role {
		case PartitionKey:
			if pk != "" && pk != k.Name {
				return nil, fmt.Errorf("attrarrow: two partition keys, %q and %q", pk, k.Name)
			}
			pk = k.Name
		case SortKey:
			if sk != "" && sk != k.Name {
				return nil, fmt.Errorf("attrarrow: two sort keys, %q and %q", sk, k.Name)
			}
			sk = k.Name
		case IndexKey:
		default:
			return nil, fmt.Errorf("attrarrow: key attribute %q: invalid role %d", k.Name, int(k.Role))
		}
		dup := false
		for i := range out {
			if out[i].Name != k.Name {
				continue
			}
			dup = true
			if out[i].Type != k.Type {
				return nil, fmt.Errorf("attrarrow: key attribute %q declared as both %s and %s", k.Name, out[i].Type, k.Type)
			}
			if k.Role < out[i].Role {
				out[i].Role = k.Role
			}
		}
		if !dup {
			out = append(out, k)
		}
	}
	if pk != "" && pk == sk {
		return nil, fmt.Errorf("attrarrow: %q is both partition key and sort key", pk)
	}
	return out, nil
}
