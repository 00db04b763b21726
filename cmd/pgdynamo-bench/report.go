//go:build linux

package main

import (
	"fmt"
	"io"
	"time"
)

// The targets of issue 10, each checked against the run's own baseline.
const (
	targetDrainWall     = 1.3                    // pgdynamo drain wall ÷ raw Scan wall
	targetDrainCPU      = 1.0                    // gateway CPU ÷ raw scanner CPU
	targetLookupOver    = time.Millisecond       // lookup p50 over the SDK's p50
	targetLookupCPU     = 500 * time.Microsecond // gateway CPU per lookup
	targetThroughput    = 0.7                    // lookups/s at the most clients ÷ the SDK's
	targetSelect1       = 300 * time.Microsecond // SELECT 1 p50
	targetRSSGrowth     = 1.1                    // peak RSS of the big drain ÷ the small one's
	throughputTargetFor = 64                     // the client count the throughput target is for
)

// row is one line of the report table.
type row struct {
	measure, pgdynamo, sdk, ratio, target string
	met                                   *bool
}

func check(ok bool) *bool { return &ok }

// rows turns the results into the report's lines.
func (b *bench) rows() []row {
	r := b.res
	var out []row
	if r.drainSDK.wall > 0 {
		wall := r.drainPG.wall.Seconds() / r.drainSDK.wall.Seconds()
		cpu := r.drainPG.cpu.Seconds() / r.drainSDK.cpu.Seconds()
		out = append(out,
			row{"Full drain, wall", secs(r.drainPG.wall), secs(r.drainSDK.wall), ratio(wall), "≤ 1.3", check(wall <= targetDrainWall)},
			row{"Full drain, CPU (gateway ÷ raw scanner)", secs(r.drainPG.cpu), secs(r.drainSDK.cpu), ratio(cpu), "≤ 1.0", check(cpu <= targetDrainCPU)},
		)
	}
	if len(r.lookupPG) > 0 {
		p50, s50 := percentile(r.lookupPG, 0.5), percentile(r.lookupSDK, 0.5)
		p99, s99 := percentile(r.lookupPG, 0.99), percentile(r.lookupSDK, 0.99)
		out = append(out,
			row{"Key lookup p50", millis(p50), millis(s50), "+" + millis(p50-s50), "≤ +1 ms", check(p50-s50 <= targetLookupOver)},
			row{"Key lookup p99", millis(p99), millis(s99), "+" + millis(p99-s99), "", nil},
			row{"Gateway CPU per lookup", millis(r.lookupCPU), "", "", "≤ 0.5 ms", check(r.lookupCPU <= targetLookupCPU)},
		)
	}
	for _, p := range r.throughput {
		x := p.pg / p.sdk
		tr := row{fmt.Sprintf("Lookups/s, %d client(s)", p.clients), fmt.Sprintf("%.0f (CPU %s each)", p.pg, millis(p.cpuPerLookup)),
			fmt.Sprintf("%.0f (CPU %s each)", p.sdk, millis(p.sdkCPU)), ratio(x), "", nil}
		if p.clients == throughputTargetFor {
			tr.target, tr.met = "≥ 0.7", check(x >= targetThroughput)
		}
		out = append(out, tr)
	}
	if len(r.select1Extended) > 0 {
		e, s := percentile(r.select1Extended, 0.5), percentile(r.select1Simple, 0.5)
		out = append(out,
			row{"SELECT 1 p50, prepared", millis(e), "", "", "≤ 0.3 ms", check(e <= targetSelect1)},
			row{"SELECT 1 p50, simple query", millis(s), "", "", "", nil},
		)
	}
	out = append(out, row{fmt.Sprintf("Gateway peak RSS after the %d-item drains", b.o.items), megabytes(r.rssAfterDrain), "", "", "", nil})
	if r.rssBig > 0 {
		x := float64(r.rssBig) / float64(r.rss)
		out = append(out,
			row{fmt.Sprintf("Peak RSS draining %d vs %d rows (fresh gateways)", b.o.rssRows, b.o.items),
				megabytes(r.rssBig) + " vs " + megabytes(r.rss), "", ratio(x), "≤ 1.1", check(x <= targetRSSGrowth)},
			row{fmt.Sprintf("Drain of %d rows, one run", b.o.rssRows), secs(r.drainBig.wall) + " (CPU " + secs(r.drainBig.cpu) + ")", "", "", "", nil},
		)
	}
	return out
}

// report prints the run's figures as a Markdown table.
func (b *bench) report(w io.Writer) {
	fmt.Fprintf(w, "\npgdynamo-bench: %d items of 10 attributes, %d segments, %d CPUs, best of %d drains, %d lookup samples, %s per throughput point\n",
		b.o.items, b.o.segments, cpus(), b.o.rounds, b.o.samples, b.o.duration)
	fmt.Fprintf(w, "load average: %s at the start, %s at the end\n\n", b.res.loadBefore, b.res.loadAfter)
	fmt.Fprintln(w, "| Measure | pgdynamo | SDK | Ratio | Target | Met |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, r := range b.rows() {
		met := ""
		if r.met != nil {
			met = "no"
			if *r.met {
				met = "yes"
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", r.measure, r.pgdynamo, r.sdk, r.ratio, r.target, met)
	}
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func millis(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

func ratio(x float64) string { return fmt.Sprintf("%.2f", x) }

func megabytes(b int64) string { return fmt.Sprintf("%.0f MB", float64(b)/(1<<20)) }
