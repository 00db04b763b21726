package planner_test

import (
	"testing"
)

// BenchmarkPlan plans texts a client sends that the session has not
// planned yet: a new connection's lookup, and a dashboard's query with its
// literals inline.
func BenchmarkPlan(b *testing.B) {
	t := &testing.T{}
	p := testPlanner(t)
	for _, bc := range []struct{ name, sql string }{
		{"lookup", "SELECT * FROM users WHERE id = $1"},
		{"dashboard", `SELECT date_trunc('day', o.id::int::timestamp) AS day, count(*), sum(o.id)
			FROM orders o JOIN users u ON u.id = o.id WHERE u.x = 'a' AND o.id > 10
			GROUP BY 1 ORDER BY 1 DESC LIMIT 100`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if _, err := p.Plan(bc.sql, ""); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Plan(bc.sql, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
