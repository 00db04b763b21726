package planner

import (
	"fmt"
	"reflect"
	"testing"

	pg "github.com/pganalyze/pg_query_go/v5"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// walkEveryField is walk as it first was: every field of every message
// asked whether it is set. walk must visit the same nodes in the same
// order.
func walkEveryField(msg protoreflect.Message, visit func(n *pg.Node) bool) {
	fields := msg.Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if fd.Kind() != protoreflect.MessageKind || fd.IsMap() || !msg.Has(fd) {
			continue
		}
		v := msg.Get(fd)
		children := []protoreflect.Message{}
		if fd.IsList() {
			for j := 0; j < v.List().Len(); j++ {
				children = append(children, v.List().Get(j).Message())
			}
		} else {
			children = append(children, v.Message())
		}
		for _, m := range children {
			if n, ok := m.Interface().(*pg.Node); ok {
				if n != nil && visit(n) {
					walkEveryField(n.ProtoReflect(), visit)
				}
				continue
			}
			walkEveryField(m, visit)
		}
	}
}

func TestWalkVisitsAsEveryFieldWould(t *testing.T) {
	for _, sql := range []string{
		"SELECT 1",
		"SELECT * FROM users WHERE id = $1 AND x IN ('a', 'b') OR NOT y LIKE 'p%'",
		`WITH t AS (SELECT id, count(*) OVER (PARTITION BY x ORDER BY id) c FROM users)
		 SELECT date_trunc('day', now()) d, CASE WHEN c > 1 THEN 'many' ELSE NULL END, (array[1,2])[1],
		        (SELECT max(id) FROM orders o WHERE o.id = t.id), '{"a":1}'::jsonb -> 'a'
		 FROM t LEFT JOIN LATERAL generate_series(1, t.c) g(n) ON true
		 WHERE t.id BETWEEN 1 AND 10 GROUP BY ROLLUP (1, 2) HAVING count(*) > 0
		 ORDER BY 1 DESC NULLS LAST LIMIT 5 OFFSET 1`,
		"SELECT a.attname FROM pg_catalog.pg_attribute a WHERE a.attrelid = 'users'::regclass::oid; SHOW search_path; SET x = 1",
		"EXPLAIN ANALYZE SELECT x FROM users UNION ALL SELECT y FROM orders EXCEPT SELECT 'z'",
	} {
		tree, err := pg.Parse(sql)
		if err != nil {
			t.Fatal(err)
		}
		var got, want []string
		walk(tree.ProtoReflect(), func(n *pg.Node) bool {
			got = append(got, fmt.Sprintf("%T", n.Node))
			return true
		})
		walkEveryField(tree.ProtoReflect(), func(n *pg.Node) bool {
			want = append(want, fmt.Sprintf("%T", n.Node))
			return true
		})
		if len(got) < 3 || !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\nwalk visits        %v\nevery field visits %v", sql, got, want)
		}
	}
}
