package main

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// dbWatch notices a database file deleted, moved or replaced while the bot
// runs (finding C15): bbolt would go on writing to a file no path names,
// and every choice stored from then on would be lost at the next start.
// /readyz fails meanwhile, and the first failure is logged once.
type dbWatch struct {
	store  interface{ Check() error }
	log    *slog.Logger
	logged atomic.Bool
}

// check returns the store's Check error, logging the first one.
func (w *dbWatch) check() error {
	err := w.store.Check()
	if err != nil && w.logged.CompareAndSwap(false, true) {
		w.log.Error("database file missing: restore it from a backup and restart the bot", "err", err)
	}
	return err
}

// run checks every interval until ctx ends, so that the log says it even
// when nothing asks /readyz.
func (w *dbWatch) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			w.check()
		}
	}
}
