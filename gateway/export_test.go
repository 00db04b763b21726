package gateway

import "time"

// SetThrottleClock replaces the clock of the throttling lines until the
// returned function restores it.
func SetThrottleClock(now func() time.Time) (restore func()) {
	prev := throttleNow
	throttleNow = now
	return func() { throttleNow = prev }
}

// PGMillis is pgMillis, for tests.
var PGMillis = pgMillis
