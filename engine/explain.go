package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pgdynamo/pgdynamo/planner"
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
			d := ref.Dataset
			if ref.Route.Local() {
				lines = append(lines, fmt.Sprintf("Local copy of %s (table %s): %s", d.QualifiedName(), d.Table, ref.Route.Reason))
				continue
			}
			if k := ref.Key; k != nil {
				value := strings.Join(k.Literals, ", ")
				switch {
				case k.ParamList:
					value = fmt.Sprintf("each of $%d", k.Param)
				case k.Param > 0:
					value = fmt.Sprintf("$%d", k.Param)
				case len(k.Literals) > 1:
					value = "each of " + value
				}
				lines = append(lines, fmt.Sprintf("DynamoDB Query on %s (table %s, region %s)", d.QualifiedName(), d.Table, d.Region),
					fmt.Sprintf("  Key condition: %s = %s", k.Attribute, value))
			} else {
				lines = append(lines, fmt.Sprintf("DynamoDB Scan on %s (table %s, region %s)", d.QualifiedName(), d.Table, d.Region),
					fmt.Sprintf("  Parallel segments: %d (about %d items)", d.Segments(s.engine.cfg.MaxSegments), d.ItemCount))
			}
			lines = append(lines, "  Projection: the columns the engine reads below (ProjectionExpression)")
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
			lines = append(lines, fmt.Sprintf("Local copy of %s (table %s): %s", ref.Dataset.QualifiedName(), ref.Dataset.Table, ref.Route.Reason))
		}
	}
	for _, rd := range readers {
		req := rd.Request()
		op := "Scan"
		if req.IsQuery() {
			op = "Query"
		}
		lines = append(lines, fmt.Sprintf("DynamoDB %s on table %s", op, req.Table),
			parallelism(req),
			"  Projection: "+projectionText(req.Projection),
			fmt.Sprintf("  Pages: %d  Items scanned: %d  Items returned: %d  Consumed read capacity: %.1f",
				rd.Stats.Pages.Load(), rd.Stats.ItemsScanned.Load(), rd.Stats.ItemsReturned.Load(), rd.Stats.ConsumedCapacity.Load()))
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
	switch {
	case len(req.Partitions) > 0:
		return fmt.Sprintf("  Partitions queried in parallel: %d", len(req.Partitions))
	case req.IsQuery():
		return "  Partitions queried: 1"
	}
	return fmt.Sprintf("  Parallel segments: %d", max(req.Segments, 1))
}
