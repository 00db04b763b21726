package planner

import (
	"sync"

	pg "github.com/pganalyze/pg_query_go/v5"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// walk calls visit for every *pg.Node below msg, parents before children.
// visit may replace the node's content in place (n.Node = ...); the walk
// then descends into the replacement. Returning false skips the children.
//
// It is generic over the protobuf descriptors, so a node kind that a
// hand-written walker would forget (there are ~250) is still visited.
//
// Fields are visited in declaration order (a oneof's set member at its
// first member's place), not with Message.Range, whose order protobuf
// leaves unspecified (and varies between runs): scan IDs and every other
// order-dependent rewrite must come out the same each time.
func walk(msg protoreflect.Message, visit func(n *pg.Node) bool) {
	for _, c := range childrenOf(msg.Descriptor()) {
		fd := c.field
		if c.oneof != nil {
			// One member at most is set: ask which (a Node is one oneof
			// of ~250 members, and asking each whether it is set was
			// most of the planner's time).
			if fd = msg.WhichOneof(c.oneof); fd == nil || !walkable(fd) {
				continue
			}
		} else if !msg.Has(fd) {
			continue
		}
		v := msg.Get(fd)
		if fd.IsList() {
			list := v.List()
			for i := 0; i < list.Len(); i++ {
				walkMessage(list.Get(i).Message(), visit)
			}
			continue
		}
		walkMessage(v.Message(), visit)
	}
}

// child is where a message may hold nodes: a message field, or a oneof
// (at its first member's place) with message members.
type child struct {
	field protoreflect.FieldDescriptor
	oneof protoreflect.OneofDescriptor
}

// children caches childrenOf by message descriptor.
var children sync.Map // protoreflect.MessageDescriptor → []child

// childrenOf lists md's fields that may hold nodes, in declaration order.
func childrenOf(md protoreflect.MessageDescriptor) []child {
	if cs, ok := children.Load(md); ok {
		return cs.([]child)
	}
	var cs []child
	seen := map[protoreflect.FullName]bool{}
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
			if !seen[od.FullName()] {
				seen[od.FullName()] = true
				cs = append(cs, child{oneof: od})
			}
			continue
		}
		if walkable(fd) {
			cs = append(cs, child{field: fd})
		}
	}
	children.Store(md, cs)
	return cs
}

func walkable(fd protoreflect.FieldDescriptor) bool {
	return fd.Kind() == protoreflect.MessageKind && !fd.IsMap()
}

func walkMessage(m protoreflect.Message, visit func(n *pg.Node) bool) {
	if n, ok := m.Interface().(*pg.Node); ok {
		if n == nil || !visit(n) {
			return
		}
		// Re-read the message: visit may have replaced the oneof.
		walk(n.ProtoReflect(), visit)
		return
	}
	walk(m, visit)
}
