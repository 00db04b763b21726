package engine

import "testing"

// TestSnapshotDue: snapshots_trigger_threshold makes a file copy durable
// every N applied batches, and never a memory copy.
func TestSnapshotDue(t *testing.T) {
	e := &Engine{cfg: Config{Copies: []Copy{
		{Dataset: "public.file", File: "f.duckdb", Changes: true, SnapshotEvery: 3},
		{Dataset: "public.mem", Changes: true, SnapshotEvery: 3},
		{Dataset: "public.off", File: "o.duckdb", Changes: true},
	}}}
	var due []int
	for i := 1; i <= 9; i++ {
		if e.snapshotDue("public.file") {
			due = append(due, i)
		}
		if e.snapshotDue("public.mem") || e.snapshotDue("public.off") {
			t.Fatalf("batch %d: a snapshot of a memory copy or with no threshold", i)
		}
	}
	if len(due) != 3 || due[0] != 3 || due[1] != 6 || due[2] != 9 {
		t.Errorf("snapshots after batches %v, want 3, 6, 9", due)
	}
}
