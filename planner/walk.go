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
func walk(msg protoreflect.Message, visit func(n *pg.Node) bool) {
	msg.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList():
			if fd.Kind() != protoreflect.MessageKind {
				return true
			}
			list := v.List()
			for i := 0; i < list.Len(); i++ {
				walkMessage(list.Get(i).Message(), visit)
			}
		case fd.IsMap():
			// pg_query's AST has no map fields.
		case fd.Kind() == protoreflect.MessageKind:
			walkMessage(v.Message(), visit)
		}
		return true
	})
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
