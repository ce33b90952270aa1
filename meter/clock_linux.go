package meter

import (
	"time"

	"golang.org/x/sys/unix"
)

// elapsed reads CLOCK_BOOTTIME: monotonic like CLOCK_MONOTONIC, but it keeps
// counting while the machine is suspended, so a session that was due to end
// during sleep ends on resume and the gap is measured at its true length.
func elapsed() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return time.Since(processStart)
	}
	return time.Duration(ts.Nano())
}

var processStart = time.Now()
