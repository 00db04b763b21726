package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/pgdynamo/pgdynamo/accel"
	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/config"
	"github.com/pgdynamo/pgdynamo/ddb"
	"github.com/pgdynamo/pgdynamo/engine"
	"github.com/pgdynamo/pgdynamo/scan"
	"github.com/pgdynamo/pgdynamo/stream"
)

// restoredCopy is a file-mode copy a previous run left, usable as is.
type restoredCopy struct {
	rows        int64
	refreshedAt time.Time
}

// describeDatasets builds every dataset's catalog entry. A file-mode
// dataset whose file holds a complete copy made with the same settings is
// described from the file, without calling DynamoDB, so that its copy is
// served at once; every other dataset is described by DynamoDB. All
// problems are reported together.
func describeDatasets(ctx context.Context, cfg *config.Config, specs []catalog.Spec, log *slog.Logger) (*catalog.Catalog, map[string]restoredCopy, error) {
	restored := map[string]restoredCopy{}
	var (
		datasets []*catalog.Dataset
		problems []string
	)
	for i, spec := range specs {
		d := cfg.Datasets[i]
		if a := d.Acceleration; a.Enabled && a.Mode == config.ModeFile {
			ds, rc, err := restoreFromFile(ctx, spec, a.File)
			switch {
			case err != nil:
				log.Warn("the stored copy cannot be served; loading the table again", "dataset", d.QualifiedName(), "file", a.File, "err", err)
			case ds != nil:
				log.Info("serving the stored copy until it is refreshed", "dataset", d.QualifiedName(), "file", a.File,
					"rows", rc.rows, "refreshed_at", rc.refreshedAt.UTC().Format(time.RFC3339))
				datasets = append(datasets, ds)
				restored[d.QualifiedName()] = rc
				continue
			}
		}
		ds, err := catalog.Describe(ctx, spec)
		if err != nil {
			problems = append(problems, (&catalog.LoadError{Dataset: d.QualifiedName(), Err: err}).Error())
			continue
		}
		datasets = append(datasets, ds)
	}
	if len(problems) > 0 {
		return nil, nil, fmt.Errorf("%s:\n%s", cfg.Path, strings.Join(problems, "\n"))
	}
	cat, err := catalog.New(datasets)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", cfg.Path, err)
	}
	return cat, restored, nil
}

// restoreFromFile reads a file-mode copy's description; a nil dataset
// means there is no usable copy.
func restoreFromFile(ctx context.Context, spec catalog.Spec, file string) (*catalog.Dataset, restoredCopy, error) {
	sc, ok, err := engine.ReadStoredCopy(ctx, file)
	if err != nil || !ok {
		return nil, restoredCopy{}, err
	}
	ds, err := catalog.RestoreDescription(spec, sc.Description)
	if err != nil {
		return nil, restoredCopy{}, err
	}
	return ds, restoredCopy{rows: sc.Rows, refreshedAt: sc.RefreshedAt}, nil
}

// copies lists the accelerated datasets' local copies for the engine.
func copies(cfg *config.Config) []engine.Copy {
	var out []engine.Copy
	for _, d := range cfg.Datasets {
		if a := d.Acceleration; a.Enabled {
			c := engine.Copy{Dataset: d.QualifiedName(), Changes: a.RefreshMode == config.RefreshChanges}
			if a.Mode == config.ModeFile {
				c.File, c.SnapshotEvery = a.File, a.SnapshotsTriggerThreshold
			}
			out = append(out, c)
		}
	}
	return out
}

// runner keeps one accelerated dataset's copy up to date until ctx ends.
type runner interface{ Run(ctx context.Context) }

// accelerate marks the accelerated datasets in reg and returns what keeps
// each copy up to date: a Refresher (refresh_mode full) or a Streamer
// (changes).
func accelerate(ctx context.Context, cfg *config.Config, cat *catalog.Catalog, reg *accel.Registry, eng *engine.Engine,
	restored map[string]restoredCopy, m *Metrics, log *slog.Logger) ([]runner, error) {
	var out []runner
	for _, d := range cfg.Datasets {
		a := d.Acceleration
		if !a.Enabled {
			continue
		}
		name := d.QualifiedName()
		t := reg.Accelerate(name, a.RefreshMode, eng.CopyRelation(name), d.ReadyLag)
		if a.RefreshMode != config.RefreshChanges {
			if rc, ok := restored[name]; ok {
				t.Restored(rc.rows, rc.refreshedAt)
			}
			out = append(out, &accel.Refresher{Tracker: t, Store: eng, Interval: a.RefreshCheckInterval, Observer: m, Log: log})
			continue
		}
		// A copy that follows a stream is served once its stream is caught
		// up, not at once.
		ds, _ := cat.Lookup(d.Schema, d.Name)
		obs := m.StreamObserver(d)
		onRetry := func(error) {}
		if obs != nil {
			onRetry = obs.TransientError
		}
		streams, err := ddb.NewStreamsClient(ctx, ddbConfig(d), onRetry)
		if err != nil {
			return nil, fmt.Errorf("%s: dataset %q: %w", cfg.Path, name, err)
		}
		client, table := ds.Client, ds.Table
		latest := func(ctx context.Context) (string, error) {
			out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
			if err != nil {
				return "", ddb.Classify(err, ddb.TableRef{Table: table, Region: d.Region}, "DescribeTable")
			}
			if out.Table.StreamSpecification == nil || !aws.ToBool(out.Table.StreamSpecification.StreamEnabled) || out.Table.LatestStreamArn == nil {
				return "", fmt.Errorf("table %s has no stream enabled any more", table)
			}
			return aws.ToString(out.Table.LatestStreamArn), nil
		}
		var scans stream.ScanAPI = ds.Client
		if b := eng.Budget(ds); b != nil {
			// The bootstrap's Scan shares the table's read-capacity budget
			// with the queries.
			scans = &scan.PacedScans{API: ds.Client, Budget: b}
		}
		out = append(out, &accel.Streamer{
			Tracker: t, Store: eng, Streams: streams, Scans: scans, Table: ds.Table, StreamARN: ds.StreamARN, LatestStream: latest,
			Segments: ds.Segments(maxSegments), Concurrency: bootstrapConcurrency, ScanInterval: d.ScanInterval,
			Restart: d.InvalidCheckpointBehavior != config.CheckpointError, Observer: obs, Log: log,
		})
	}
	return out, nil
}

// The bootstrap's Scan shape: as many segments as a query's full Scan, at
// most this many at once.
const (
	maxSegments          = 32
	bootstrapConcurrency = 8
)

// ddbConfig is how a dataset reaches DynamoDB.
func ddbConfig(d config.Dataset) ddb.Config {
	return ddb.Config{
		Region: d.Region, AccessKeyID: d.AccessKeyID,
		SecretAccessKey: d.SecretAccessKey.Reveal(), SessionToken: d.SessionToken.Reveal(),
		Endpoint: d.Endpoint,
	}
}

// checkStreams checks what refresh_mode changes needs of a table, against
// DescribeTable: on_conflict names the table's primary key, and the table
// has a stream whose records carry the new image.
func checkStreams(cfg *config.Config, cat *catalog.Catalog) []string {
	var problems []string
	for _, d := range cfg.Datasets {
		a := d.Acceleration
		if !a.Enabled || a.RefreshMode != config.RefreshChanges {
			continue
		}
		ds, ok := cat.Lookup(d.Schema, d.Name)
		if !ok {
			continue
		}
		key, err := ds.PrimaryKeyColumns()
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		for _, oc := range a.OnConflict {
			if !sameSet(oc.Columns, key) {
				problems = append(problems, fmt.Sprintf("dataset %q: acceleration.on_conflict: (%s) is not the table's primary key; write (%s): upsert",
					d.QualifiedName(), strings.Join(oc.Columns, ", "), strings.Join(key, ", ")))
			}
		}
		switch ds.StreamViewType {
		case "NEW_IMAGE", "NEW_AND_OLD_IMAGES":
		case "":
			problems = append(problems, fmt.Sprintf("dataset %q: acceleration.refresh_mode: changes needs a stream on table %s, which has none "+
				"(enable one with view type NEW_IMAGE or NEW_AND_OLD_IMAGES: aws dynamodb update-table --table-name %s "+
				"--stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES)", d.QualifiedName(), ds.Table, ds.Table))
		default:
			problems = append(problems, fmt.Sprintf("dataset %q: acceleration.refresh_mode: changes needs the stream of table %s to carry new images "+
				"(view type NEW_IMAGE or NEW_AND_OLD_IMAGES); it is %s", d.QualifiedName(), ds.Table, ds.StreamViewType))
		}
	}
	return problems
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// checkCopyFiles says what serve will do with file-mode copies, without
// creating anything: serve a stored copy (notes), or fail to create a file
// (problems). A stored copy made with other settings is a note: serve loads
// the table again.
func checkCopyFiles(ctx context.Context, cfg *config.Config, cat *catalog.Catalog) (notes, problems []string) {
	for _, d := range cfg.Datasets {
		a := d.Acceleration
		if !a.Enabled || a.Mode != config.ModeFile {
			continue
		}
		ds, ok := cat.Lookup(d.Schema, d.Name)
		if !ok {
			continue
		}
		if _, err := os.Stat(a.File); err == nil {
			restoredDS, rc, err := restoreFromFile(ctx, ds.Spec, a.File)
			switch {
			case err != nil:
				notes = append(notes, fmt.Sprintf("dataset %s: %s cannot be served (%v); serve loads the table again", d.QualifiedName(), a.File, err))
			case restoredDS == nil:
				notes = append(notes, fmt.Sprintf("dataset %s: %s holds no complete copy; serve loads the table", d.QualifiedName(), a.File))
			default:
				notes = append(notes, fmt.Sprintf("dataset %s: %s holds a copy of %d rows from %s, served at start-up, then refreshed",
					d.QualifiedName(), a.File, rc.rows, rc.refreshedAt.UTC().Format(time.RFC3339)))
			}
			continue
		}
		if err := creatable(filepath.Dir(a.File)); err != nil {
			problems = append(problems, fmt.Sprintf("dataset %q: acceleration.params.duckdb_file %s cannot be created: %v", d.QualifiedName(), a.File, err))
		}
	}
	return notes, problems
}

// Check builds everything Start builds but the listeners: the catalog
// (DescribeTable and inference for every dataset), its pg_catalog
// relations, and the locked-down engine with every accelerated copy (in
// memory: check creates no file), and checks the copies' files. It returns
// the catalog and what serve will do with stored copies.
func Check(ctx context.Context, cfg *config.Config) (*catalog.Catalog, []string, error) {
	cat, err := LoadCatalog(ctx, cfg, nil)
	if err != nil {
		return nil, nil, err
	}
	notes, problems := checkCopyFiles(ctx, cfg, cat)
	problems = append(problems, checkStreams(cfg, cat)...)
	inMemory := copies(cfg)
	for i := range inMemory {
		inMemory[i].File = ""
	}
	eng, err := engine.Open(ctx, engine.Config{Catalog: cat, Copies: inMemory, Registry: accel.NewRegistry(cat),
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		problems = append(problems, err.Error())
	} else {
		eng.Close()
	}
	if len(problems) > 0 {
		return nil, nil, fmt.Errorf("%s:\n%s", cfg.Path, strings.Join(problems, "\n"))
	}
	return cat, notes, nil
}

// creatable reports whether files can be created in dir, or in the nearest
// existing directory above it (serve creates the rest).
func creatable(dir string) error {
	for {
		st, err := os.Stat(dir)
		if err == nil {
			if !st.IsDir() {
				return fmt.Errorf("%s is not a directory", dir)
			}
			f, err := os.CreateTemp(dir, ".pgdynamo-check-*")
			if err != nil {
				return err
			}
			f.Close()
			return os.Remove(f.Name())
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return err
		}
		dir = parent
	}
}

// readyHandler answers /readyz: 200 when every accelerated dataset has a
// copy that queries read, else 503; the body lists every dataset's state.
func readyHandler(reg *accel.Registry) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		ready, all := reg.Ready()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if ready {
			w.WriteHeader(http.StatusOK)
			fmt.Fprintln(w, "ready")
		} else {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "not ready")
		}
		for _, s := range all {
			line := fmt.Sprintf("%s: %s %s", s.Name, s.Mode, s.State)
			if s.HasCopy {
				line += fmt.Sprintf(", %d rows, refreshed %s", s.Rows, s.LastRefresh.UTC().Format(time.RFC3339))
			}
			if s.State == accel.Loading || s.State == accel.Refreshing {
				line += fmt.Sprintf(", %d items read", s.Progress)
			}
			if s.LastError != "" {
				line += ", last error: " + s.LastError
			}
			fmt.Fprintln(w, line)
		}
	}
}
