package safefs

import "os"

// nonBlock: Windows has no FIFOs in the file system to block on.
const nonBlock = 0

// noFollow: links are refused by the Lstat check before opening.
const noFollow = 0

// syncDir does nothing: NTFS journals its folder entries, and Windows
// cannot flush a folder handle.
func syncDir(*os.Root) error { return nil }
