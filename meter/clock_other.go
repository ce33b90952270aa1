//go:build !linux

package meter

import "time"

var processStart = time.Now()

// elapsed uses Go's monotonic clock. On Windows it includes suspended time;
// on macOS it may not, and the wall-clock deadline check covers that case.
func elapsed() time.Duration { return time.Since(processStart) }
