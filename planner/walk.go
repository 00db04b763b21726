package planner

import (
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
// Fields are visited in declaration order, not with Message.Range, whose
// order protobuf leaves unspecified (and varies between runs): scan IDs and
// every other order-dependent rewrite must come out the same each time.
func walk(msg protoreflect.Message, visit func(n *pg.Node) bool) {
	fields := msg.Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if fd.Kind() != protoreflect.MessageKind || fd.IsMap() || !msg.Has(fd) {
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
