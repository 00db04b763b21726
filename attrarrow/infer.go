package attrarrow

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// maxInferDepth bounds how deep inference descends. DynamoDB allows 32 levels
// of nesting; a value nested deeper than this is kept as JSON text.
const maxInferDepth = 48

// shape accumulates what the samples showed at one position: a top-level
// attribute, a map field, or the elements of a list.
type shape struct {
	kinds   kindSet
	notDate bool // an S value that is not exactly YYYY-MM-DD
	notTime bool // an S value that does not parse with the time layout
	nFrac   bool // an N value that is not an integer fitting int64
	nsFrac  bool // an NS element that is not an integer fitting int64
	deep    bool // nesting went beyond maxInferDepth
	elem    *shape
	fields  map[string]*shape
}

type inferer struct{ layout string }

func (in *inferer) add(sh *shape, av types.AttributeValue, depth int) {
	k := kindOf(av)
	if k == kindMissing {
		return
	}
	sh.kinds |= 1 << k
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		if !sh.notDate {
			if _, ok := parseDate(v.Value); !ok {
				sh.notDate = true
			}
		}
		if !sh.notTime {
			if _, ok := parseTime(in.layout, v.Value); !ok {
				sh.notTime = true
			}
		}
	case *types.AttributeValueMemberN:
		if !sh.nFrac && !isInt64(v.Value) {
			sh.nFrac = true
		}
	case *types.AttributeValueMemberNS:
		for _, n := range v.Value {
			if sh.nsFrac {
				break
			}
			if !isInt64(n) {
				sh.nsFrac = true
			}
		}
	case *types.AttributeValueMemberL:
		if depth >= maxInferDepth {
			sh.deep = true
			return
		}
		for _, e := range v.Value {
			if sh.elem == nil {
				sh.elem = &shape{}
			}
			in.add(sh.elem, e, depth+1)
		}
	case *types.AttributeValueMemberM:
		if depth >= maxInferDepth {
			sh.deep = true
			return
		}
		if sh.fields == nil {
			sh.fields = make(map[string]*shape, len(v.Value))
		}
		for name, fv := range v.Value {
			if kindOf(fv) == kindMissing {
				continue
			}
			f := sh.fields[name]
			if f == nil {
				f = &shape{}
				sh.fields[name] = f
			}
			in.add(f, fv, depth+1)
		}
	}
}

// Infer merges the types of the sample items (the caller passes up to
// schema_infer_max_records items) into a schema.
//
// Key attributes always appear, typed from their ScalarAttributeType: S is
// inferred like other strings from the samples (Utf8, Date32 or Timestamp),
// N is Int64 unless a sample is not an integer fitting int64 (then Float64),
// B is Binary. Column order: partition key, sort key, then every other column
// by name (byte order), so the order is stable across runs.
//
// Infer fails only on invalid options or keys, never on item contents.
func Infer(items []map[string]types.AttributeValue, keys []KeyAttribute, opts Options) (*Schema, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	keys, err := normalizeKeys(keys)
	if err != nil {
		return nil, err
	}
	in := &inferer{layout: opts.Layout()}
	top := make(map[string]*shape)
	for _, item := range items {
		for name, av := range item {
			if kindOf(av) == kindMissing {
				continue
			}
			sh := top[name]
			if sh == nil {
				sh = &shape{}
				top[name] = sh
			}
			in.add(sh, av, 0)
		}
	}
	keyOf := make(map[string]KeyAttribute, len(keys))
	for _, k := range keys {
		keyOf[k.Name] = k
		if top[k.Name] == nil {
			top[k.Name] = &shape{}
		}
	}

	b := builder{opts: opts, zoned: layoutHasZone(opts.Layout())}
	names := slices.Sorted(maps.Keys(top))
	perAttr := make(map[string]attrColumns, len(names))
	for _, name := range names {
		var key *KeyAttribute
		if k, ok := keyOf[name]; ok {
			key = &k
		}
		perAttr[name] = b.attr(name, top[name], key, opts.UnnestDepth > 0)
	}
	// A flattened name can collide with another column ("b.x" the attribute
	// and b.x the map field). Such a map is not flattened: it stays one JSON
	// text column named after its attribute. Each round demotes at least one
	// attribute, and top-level names are unique, so this terminates.
	for {
		owners := make(map[string][]string)
		for _, name := range names {
			for _, c := range perAttr[name].cols {
				owners[c.Name] = append(owners[c.Name], name)
			}
		}
		demoted := false
		for _, name := range names {
			for _, c := range perAttr[name].cols {
				if len(owners[c.Name]) > 1 && len(c.Path) > 1 {
					perAttr[name] = b.attr(name, top[name], nil, false)
					demoted = true
					break
				}
			}
		}
		if !demoted {
			break
		}
	}

	var cols []Column
	for _, name := range names {
		cols = append(cols, perAttr[name].cols...)
	}
	slices.SortStableFunc(cols, func(a, b Column) int {
		if ra, rb := keyRank(a), keyRank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a.Name, b.Name)
	})
	renamed := uniqueIgnoringCase(cols)
	byColumn := make(map[string][]Conflict)
	for _, name := range names {
		for _, cf := range perAttr[name].conflicts {
			if to, ok := renamed[cf.Column]; ok {
				cf.Column = to
			}
			byColumn[cf.Column] = append(byColumn[cf.Column], cf)
		}
	}
	var conflicts []Conflict
	for _, c := range cols {
		conflicts = append(conflicts, byColumn[c.Name]...)
	}
	return newSchema(cols, opts, conflicts), nil
}

// uniqueIgnoringCase renames columns whose names differ from an earlier
// column's only in case ("Name" after "name"): SQL engines fold identifiers,
// so both could not be told apart and the table could not be created at
// all. The later column gets a suffix, "Name_2"; its attribute path is
// unchanged, so no value is lost. It returns old name → new name.
func uniqueIgnoringCase(cols []Column) map[string]string {
	taken := make(map[string]bool, len(cols))
	for _, c := range cols {
		taken[strings.ToLower(c.Name)] = true
	}
	// An all-lower-case name keeps its spelling first: it is the one an
	// unquoted identifier in SQL reaches.
	used := make(map[string]bool, len(cols))
	keeps := make([]bool, len(cols))
	for pass := 0; pass < 2; pass++ {
		for i, c := range cols {
			folded := strings.ToLower(c.Name)
			if (pass == 0) != (c.Name == folded) || used[folded] {
				continue
			}
			used[folded], keeps[i] = true, true
		}
	}
	renamed := map[string]string{}
	for i := range cols {
		if keeps[i] {
			continue
		}
		for n := 2; ; n++ {
			candidate := cols[i].Name + "_" + strconv.Itoa(n)
			folded := strings.ToLower(candidate)
			if !taken[folded] && !used[folded] {
				renamed[cols[i].Name] = candidate
				cols[i].Name, cols[i].Field.Name = candidate, candidate
				used[folded] = true
				break
			}
		}
	}
	return renamed
}

// keyRank orders the partition key first, the sort key second, the rest after.
func keyRank(c Column) int {
	if c.Key != nil {
		switch c.Key.Role {
		case PartitionKey:
			return 0
		case SortKey:
			return 1
		}
	}
	return 2
}

type attrColumns struct {
	cols      []Column
	conflicts []Conflict
}

// builder turns shapes into columns and Arrow types.
type builder struct {
	opts  Options
	zoned bool
	out   *attrColumns
	col   string // the column whose type is being resolved, for conflicts
}

func (b *builder) attr(name string, sh *shape, key *KeyAttribute, flatten bool) attrColumns {
	var out attrColumns
	b.out = &out
	if key != nil {
		out.cols = append(out.cols, Column{
			Name:  name,
			Path:  []string{name},
			Field: arrow.Field{Name: name, Type: b.keyType(sh, key.Type), Nullable: true},
			Key:   key,
		})
		b.out = nil
		return out
	}
	b.columns(name, []string{name}, sh, 0, flatten)
	b.out = nil
	return out
}

func (b *builder) columns(name string, path []string, sh *shape, level int, flatten bool) {
	if flatten && level < b.opts.UnnestDepth && !sh.deep && len(sh.fields) > 0 &&
		sh.kinds&^(1<<kindNULL) == 1<<kindM {
		for _, f := range slices.Sorted(maps.Keys(sh.fields)) {
			p := append(slices.Clip(path), f)
			b.columns(name+"."+f, p, sh.fields[f], level+1, flatten)
		}
		return
	}
	b.col = name
	b.out.cols = append(b.out.cols, Column{
		Name:  name,
		Path:  path,
		Field: arrow.Field{Name: name, Type: b.typeOf(sh, name), Nullable: true},
	})
}

func (b *builder) keyType(sh *shape, t types.ScalarAttributeType) arrow.DataType {
	switch t {
	case types.ScalarAttributeTypeS:
		if sh.kinds.has(kindS) {
			return b.stringType(sh)
		}
		return arrow.BinaryTypes.String
	case types.ScalarAttributeTypeN:
		if sh.kinds.has(kindN) && sh.nFrac {
			return arrow.PrimitiveTypes.Float64
		}
		return arrow.PrimitiveTypes.Int64
	}
	return arrow.BinaryTypes.Binary
}

func (b *builder) stringType(sh *shape) arrow.DataType {
	switch {
	case !sh.notDate:
		return arrow.FixedWidthTypes.Date32
	case !sh.notTime:
		if b.zoned {
			return &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}
		}
		return &arrow.TimestampType{Unit: arrow.Millisecond}
	}
	return arrow.BinaryTypes.String
}

func numberType(frac bool) arrow.DataType {
	if frac {
		return arrow.PrimitiveTypes.Float64
	}
	return arrow.PrimitiveTypes.Int64
}

// typeOf resolves a shape to an Arrow type; path names the position for
// conflict reports.
func (b *builder) typeOf(sh *shape, path string) arrow.DataType {
	ks := sh.kinds &^ (1 << kindNULL)
	if elem, ok := listAndSet(sh, ks); ok {
		return arrow.ListOf(b.typeOf(elem, path+"[]"))
	}
	k, single := ks.only()
	if !single {
		if ks != 0 {
			b.out.conflicts = append(b.out.conflicts, Conflict{Column: b.col, Path: path, Kinds: ks.names()})
		}
		return arrow.BinaryTypes.String
	}
	switch k {
	case kindS:
		return b.stringType(sh)
	case kindN:
		return numberType(sh.nFrac)
	case kindB:
		return arrow.BinaryTypes.Binary
	case kindBOOL:
		return arrow.FixedWidthTypes.Boolean
	case kindSS:
		return arrow.ListOf(arrow.BinaryTypes.String)
	case kindNS:
		return arrow.ListOf(numberType(sh.nsFrac))
	case kindBS:
		return arrow.ListOf(arrow.BinaryTypes.Binary)
	case kindL:
		if sh.deep {
			return arrow.BinaryTypes.String
		}
		if sh.elem == nil {
			return arrow.ListOf(arrow.BinaryTypes.String)
		}
		return arrow.ListOf(b.typeOf(sh.elem, path+"[]"))
	case kindM:
		if b.opts.UnnestDepth != -1 || sh.deep || len(sh.fields) == 0 {
			return arrow.BinaryTypes.String
		}
		names := slices.Sorted(maps.Keys(sh.fields))
		fields := make([]arrow.Field, len(names))
		for i, n := range names {
			fields[i] = arrow.Field{Name: n, Type: b.typeOf(sh.fields[n], path+"."+n), Nullable: true}
		}
		return arrow.StructOf(fields...)
	}
	return arrow.BinaryTypes.String
}

// listAndSet merges an attribute seen both as L and as one kind of set (SS,
// NS or BS) into one list: DynamoDB sets cannot be empty, so applications
// store [] where they mean an empty set. It returns the merged element shape.
func listAndSet(sh *shape, ks kindSet) (*shape, bool) {
	if !ks.has(kindL) || sh.deep {
		return nil, false
	}
	set, ok := (ks &^ (1 << kindL)).only()
	if !ok {
		return nil, false
	}
	elem := &shape{}
	if sh.elem != nil {
		*elem = *sh.elem
	}
	switch set {
	case kindSS:
		elem.kinds |= 1 << kindS
		elem.notDate, elem.notTime = true, true // set elements stay text
	case kindNS:
		elem.kinds |= 1 << kindN
		elem.nFrac = elem.nFrac || sh.nsFrac
	case kindBS:
		elem.kinds |= 1 << kindB
	default:
		return nil, false
	}
	return elem, true
}
