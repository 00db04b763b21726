package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pgdynamo/pgdynamo/planner"
	"github.com/pgdynamo/pgdynamo/readplan"
	"github.com/pgdynamo/pgdynamo/scan"
	"github.com/pgdynamo/pgdynamo/wire"
)

// explain answers EXPLAIN [ANALYZE] with one text column, QUERY PLAN, as
// PostgreSQL does: first how each dataset reference reads DynamoDB, then
// the engine's plan. With ANALYZE the query runs to the end and every read
// reports its pages, items and consumed capacity.
func (s *Session) explain(ctx context.Context, p planner.Statement) (wire.Result, error) {
	var lines []string
	if p.Analyze {
		analyzed, err := s.explainAnalyze(ctx, p)
		if err != nil {
			return nil, err
		}
		lines = analyzed
	} else {
		for _, ref := range p.Scans {
			if ref.Route.Local() {
				lines = append(lines, localLine(ref))
				continue
			}
			// The same decision the read makes when it runs; without bound
			// parameters, values show as $n.
			d, err := readplan.Decide(ref.Dataset, ref.Read, nil, nil, s.engine.readOptions(s.settings.pushdownOff()))
			if err != nil {
				return nil, err
			}
			lines = append(lines, d.Explain()...)
			if ref.Route.Reason != "" {
				lines = append(lines, "  Read live: "+ref.Route.Reason)
			}
		}
	}
	plan, err := s.enginePlan(ctx, p)
	if err != nil {
		return nil, classify(ctx, err, textOf(p))
	}
	lines = append(lines, plan...)
	return textResult([]string{"QUERY PLAN"}, lines), nil
}

// enginePlan is DuckDB's physical plan of the rewritten query, one row per
// line.
func (s *Session) enginePlan(ctx context.Context, p planner.Statement) ([]string, error) {
	s.settleActive()
	qs := newQueryState(ctx, p, nil)
	s.engine.running.Store(p.ID, qs)
	defer s.engine.running.Delete(p.ID)
	rows, err := s.conn.QueryContext(ctx, "EXPLAIN "+p.SQL)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var key, value string
		if err := rows.Scan(&key, &value); err != nil {
			return nil, err
		}
		for _, l := range strings.Split(strings.TrimRight(value, "\n"), "\n") {
			lines = append(lines, l)
		}
	}
	return lines, rows.Err()
}

// explainAnalyze runs the query, discards its rows and reports the reads.
func (s *Session) explainAnalyze(ctx context.Context, p planner.Statement) ([]string, error) {
	start := time.Now()
	res, err := s.runQuery(ctx, p, nil)
	if err != nil {
		return nil, err
	}
	qr := res.(*queryResult)
	defer qr.Close()
	var rows int64
	for {
		b, err := qr.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		rows += b.NumRows()
		b.Release()
	}
	elapsed := time.Since(start)
	qr.qs.noticesOnce() // closes the reads, so their counts are final
	qr.qs.mu.Lock()
	readers := qr.qs.readers
	qr.qs.mu.Unlock()
	var lines []string
	for _, ref := range p.Scans {
		if ref.Route.Local() {
			lines = append(lines, localLine(ref))
		}
	}
	for _, rd := range readers {
		req := rd.Request()
		lines = append(lines, fmt.Sprintf("DynamoDB %s on table %s", req.Op(), req.Table))
		if req.Index != "" {
			lines = append(lines, "  Index: "+req.Index)
		}
		if req.Key != nil {
			lines = append(lines, "  Key condition: "+req.Key.Text())
		}
		lines = append(lines, parallelism(req))
		if len(req.Filter) > 0 {
			lines = append(lines, "  Filter: "+req.Filter.Text())
		}
		lines = append(lines, "  Projection: "+projectionText(req.Projection))
		if req.Limit > 0 {
			lines = append(lines, fmt.Sprintf("  Limit: %d items", req.Limit))
		}
		lines = append(lines,
			fmt.Sprintf("  Pages: %d  Items scanned: %d  Items returned: %d  Consumed read capacity: %.1f  Throttled calls: %d  Time: %.3f ms",
				rd.Stats.Pages.Load(), rd.Stats.ItemsScanned.Load(), rd.Stats.ItemsReturned.Load(), rd.Stats.ConsumedCapacity.Load(),
				rd.Stats.Throttles.Load(), float64(rd.Elapsed().Microseconds())/1000))
		if w := rd.Stats.BudgetWait.Load(); w > 0 {
			lines = append(lines, fmt.Sprintf("  Waited for read capacity: %.3f ms (summed over parallel reads)", float64(w)/1e6))
		}
	}
	lines = append(lines, fmt.Sprintf("Rows: %d  Execution time: %.3f ms", rows, float64(elapsed.Microseconds())/1000))
	return lines, nil
}

func projectionText(attrs []string) string {
	if len(attrs) == 0 {
		return "all attributes"
	}
	return strings.Join(attrs, ", ")
}

func parallelism(req scan.Request) string {
	if req.IsQuery() {
		return fmt.Sprintf("  Partitions queried in parallel: %d", len(req.Key.Values))
	}
	return fmt.Sprintf("  Parallel segments: %d", max(req.Segments, 1))
}

func localLine(ref planner.ScanRef) string {
	return fmt.Sprintf("Local copy of %s (table %s): %s", ref.Dataset.QualifiedName(), ref.Dataset.Table, ref.Route.Reason)
}
