//go:build !unix

package data

import (
	"os"
	"time"
)

// lockShared does nothing where flock does not exist: the check before
// Open then reads without a lock, and bbolt's own lock still keeps a
// second bot out.
func lockShared(*os.File, time.Duration) error { return nil }
