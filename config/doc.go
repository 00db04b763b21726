// Package config owns pgdynamo's configuration file: a Spicepod-compatible
// YAML document (SPEC §2) with pgdynamo's own runtime section. It turns the
// file into a Config — the PostgreSQL listener and its users, the metrics
// listener, the statement-duration log threshold (log_min_duration_statement,
// with PostgreSQL's values), and one Dataset per DynamoDB table with its
// params, acceleration and metrics — and says precisely what is wrong when it
// cannot.
//
// # Lifecycle
//
// Loading is separate from resolving (house style rule 11):
//
//  1. Load (or Parse) reads the YAML and checks its shape only: every key is
//     known — an unknown one is an error with a "did you mean" when a known
//     key is close — and every value is a single value, a mapping or a list
//     as expected. References are left as written. The result is a File.
//  2. File.Resolve expands ${secrets:NAME} and ${env:NAME} through a lookup
//     function the caller passes (os.LookupEnv in cmd; a map in tests),
//     applies the documented defaults (the Default* constants and the field
//     comments on Config) and validates every value and combination. The
//     result is a Config, ready for use.
//  3. Config.Validate re-checks a Config after the caller changes it, e.g.
//     when the CLI's --listen or --metrics-listen overrides the file, which
//     may turn a trust-auth setup unsafe.
//
// Each step collects every problem before returning: the error is a
// Problems, one *Problem per line, each naming the file, the line where
// known, the dataset (by name, or datasets[i] when it has none) and the full
// key path, and saying what is allowed.
//
// One run shows every problem of a file: when the YAML is readable but has
// problems of shape, Load returns them together with a File holding the
// rest (unknown keys left out, wrong-shaped values absent), and resolving
// that File reports Load's problems along with its own — bad values,
// missing keys, unset references, keys not supported yet — without adding
// "is required" for a value that is there in the wrong shape. Load returns
// no File only when there is nothing to resolve (unreadable, not YAML,
// empty); callers resolve whenever the File is not nil.
//
// # The key table and the reference
//
// rootSpec (load.go) is the one list of accepted keys: the parser checks
// files against it, and each key carries its reference text beside it —
// what the value holds, an example, its default or what its absence means,
// whether it is required, which keys it needs beside it, one line of
// meaning. Keys exports it, with the refusals of notYet; Reference renders
// docs/configuration.md from it (go generate ./config runs cmd/genref).
// Tests fail when the file differs from Reference, when a key lacks its
// text, when a key the reference lists is not accepted with its example and
// the keys it needs (or, marked not supported yet, is not refused), when a
// mapping accepts a key the reference does not list, and when a documented
// default, required mark or need is not what Resolve does. A key added
// without its text fails them until it is documented and the file
// regenerated.
//
// # Keys not supported yet
//
// Every key does what examples/pgdynamo.yaml says or is refused (SPEC §8).
// A key of a feature still to come is parsed and checked like any other,
// then refused with "not supported yet" by Resolve and Validate (the notYet
// list, empty since the read-capacity keys landed). The stream keys (ready_lag, scan_interval,
// replication_invalid_checkpoint_behavior, on_conflict,
// snapshots_trigger_threshold, the metrics list) are refused on a dataset
// that does not follow its stream (refresh_mode: changes), where they would
// do nothing. They
// are listed once, in notYet (notyet.go); supporting one is deleting its
// entry, which also wakes the rules that tie it to other keys.
//
// # Secrets
//
// Credentials are of type Secret, which prints "[redacted]" through fmt,
// encoding/json, encoding.TextMarshaler and log/slog; Reveal returns the
// value. No message ever contains a value that came from ${secrets:...}:
// messages quote such a value by its reference instead. Values of the wrong
// shape (a list where a value belongs, say) are described, never echoed.
//
// # Boundaries
//
// This package imports nothing of the project and only the standard library
// and gopkg.in/yaml.v3. It never reads the environment (the caller's lookup
// does), never touches the network and reads exactly one file (Load). It
// checks what can be checked without AWS: whether on_conflict's columns are
// the table's key, whether the table exists and whether it has a stream are
// start-up checks against DescribeTable, made elsewhere.
//
// # Known debts
//
//   - A YAML syntax error stops everything: the file has no tree to resolve.
//   - yaml.v3 has no typed syntax error; the line is read from its message.
//   - A << merge whose value is not a mapping is ignored, not reported, and
//     anchors can only be defined under known keys (no top-level x- blocks).
//   - A literal "${" cannot be written in a value (there is no escape), and
//     references are expanded in every value, not only in params.
//   - from accepts table names only, not table ARNs (cross-account access).
//   - Secret stores other than the environment (Spicepod's secrets section
//     with from: env is accepted; any other store is an error) are not
//     supported.
//   - on_conflict accepts only upsert; Spice's drop is refused.
//   - A listen host other than an IP literal or localhost is not resolved and
//     counts as non-loopback.
//   - TLS files and the DuckDB file's directory are not checked for
//     existence here; the packages that open them report that.
package config
