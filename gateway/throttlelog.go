package gateway

import (
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go/middleware"

	"github.com/pgdynamo/pgdynamo/ddb"
)

// throttleLogEvery is the least time between two throttling lines of one
// dataset: under sustained throttling every call is throttled, and the log
// must not grow with the load.
const throttleLogEvery = 10 * time.Second

// throttleNow is the throttling lines' clock; tests replace it.
var throttleNow = time.Now

// throttleLog logs one dataset's DynamoDB throttling and retries, seen by
// the metered API after the SDK's retryer is done with a call:
//
//   - warn "DynamoDB throttling" when a call ended throttled (its
//     retries exhausted; the statement fails with 53000) or succeeded only
//     after throttled attempts. At most one line per throttleLogEvery; the
//     next line counts the calls left out ("suppressed").
//   - debug "DynamoDB call retried" for every call the SDK retried, with its
//     attempt count and the last attempt's error.
//
// A nil *throttleLog logs nothing.
type throttleLog struct {
	log     *slog.Logger
	dataset string

	mu         sync.Mutex
	last       time.Time // of the last warn line; zero before the first
	suppressed int       // throttled calls since then that were not logged
}

func newThrottleLog(log *slog.Logger, dataset string) *throttleLog {
	if log == nil {
		return nil
	}
	return &throttleLog{log: log, dataset: dataset}
}

// call logs what is worth logging about one call of op that ended with err,
// md being its result metadata: the retryer's attempt results for a call
// that returned an output; a failed call's attempts are in its error.
func (t *throttleLog) call(op string, md middleware.Metadata, err error) {
	if t == nil {
		return
	}
	attempts, throttledAttempts := 1, 0
	lastErr := err
	if results, ok := retry.GetAttemptResults(md); ok && len(results.Results) > 0 {
		attempts = len(results.Results)
		for _, r := range results.Results {
			if r.Err != nil && ddb.IsThrottled(r.Err) {
				throttledAttempts++
			}
			if r.Retried {
				lastErr = r.Err
			}
		}
	} else if mae := (*retry.MaxAttemptsError)(nil); errors.As(err, &mae) {
		attempts = mae.Attempt
	}
	if attempts > 1 {
		attrs := []any{"dataset", t.dataset, "operation", op, "attempts", attempts}
		if err == nil {
			attrs = append(attrs, "throttled_attempts", throttledAttempts)
		}
		t.log.Debug("DynamoDB call retried", append(attrs, "last_error", errString(lastErr))...)
	}
	switch {
	case err != nil && ddb.IsThrottled(err):
		t.warn(op, "failed: retries exhausted", attempts, err)
	case err == nil && throttledAttempts > 0:
		t.warn(op, "succeeded after retries", attempts, nil)
	}
}

// warn writes a throttling line unless one was written in the last
// throttleLogEvery.
func (t *throttleLog) warn(op, outcome string, attempts int, err error) {
	t.mu.Lock()
	now := throttleNow()
	if !t.last.IsZero() && now.Sub(t.last) < throttleLogEvery {
		t.suppressed++
		t.mu.Unlock()
		return
	}
	suppressed := t.suppressed
	t.last, t.suppressed = now, 0
	t.mu.Unlock()
	attrs := []any{"dataset", t.dataset, "operation", op, "outcome", outcome, "attempts", attempts}
	if err != nil {
		attrs = append(attrs, "err", err.Error())
	}
	if suppressed > 0 {
		attrs = append(attrs, "suppressed", suppressed)
	}
	attrs = append(attrs, "hint", "the table's read capacity is exhausted: lower scan_segments, raise the table's capacity, or accelerate the dataset")
	t.log.Warn("DynamoDB throttling", attrs...)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
