package planner_test

import (
	"testing"
	"time"

	pg "github.com/pganalyze/pg_query_go/v5"
)

// BenchmarkPlan plans texts a client sends that the session has not
// planned yet: a new connection's lookup, and a dashboard's query with its
// literals inline. x_parse is planning's time over parsing the same text
// alone (pg_query, which planning includes), measured in the same run.
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
			var planned time.Duration
			n := 0
			for b.Loop() {
				start := time.Now()
				if _, err := p.Plan(bc.sql, ""); err != nil {
					b.Fatal(err)
				}
				planned += time.Since(start)
				n++
			}
			b.StopTimer()
			start := time.Now()
			for range n {
				if _, err := pg.Parse(bc.sql); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(planned)/float64(time.Since(start)), "x_parse")
		})
	}
}
