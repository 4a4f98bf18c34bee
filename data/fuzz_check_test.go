package data

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
)

var (
	fuzzBaseOnce sync.Once
	fuzzBase     []byte
)

// FuzzCheckFile patches a real database with arbitrary bytes at an
// arbitrary place: checkFile must never panic, and whatever it accepts,
// bbolt must open, walk and check without a fault or a complaint.
func FuzzCheckFile(f *testing.F) {
	fuzzBaseOnce.Do(func() {
		dir, err := os.MkdirTemp("", "fuzzcheck")
		if err != nil {
			f.Fatal(err)
		}
		defer os.RemoveAll(dir)
		db := filepath.Join(dir, "base.db")
		fill(f, db, filepath.Join(dir, "base.key"), 1500, 100)
		if fuzzBase, err = os.ReadFile(db); err != nil {
			f.Fatal(err)
		}
	})
	const ps = 4096
	// Seeds: a page id in a header, a count, an element's position and
	// size, a child page id of a branch, a freelist entry, a key byte, the
	// meta pages' root and high-water mark.
	for _, seed := range []struct {
		at    uint32
		patch []byte
	}{
		{3 * ps, []byte{9}},
		{3*ps + 10, []byte{0xff, 0x7f}},
		{4*ps + 16, []byte{0, 0x10}},
		{4*ps + 20, []byte{0x40}},
		{5*ps + 24, []byte{2}},
		{6*ps + 24, []byte{1}},
		{7*ps + 64, []byte{0xaa, 0xbb}},
		{16 + 16, []byte{1}},
		{ps + 16 + 40, []byte{0x7f}},
		{10*ps + 8, []byte{0x01, 0}},
	} {
		f.Add(seed.at, seed.patch)
	}
	f.Fuzz(func(t *testing.T, at uint32, patch []byte) {
		raw := append([]byte(nil), fuzzBase...)
		start := int(at) % len(raw)
		end := start + copy(raw[start:], patch)
		// bbolt reads a meta page's header only in tx.Check, which
		// asserts it; damage there is harmless to a running bot.
		metaHeader := start < 16 || start < ps+16 && end > ps
		db := filepath.Join(t.TempDir(), "fuzz.db")
		if err := os.WriteFile(db, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		fh, err := os.Open(db)
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		if checkFile(fh, int64(len(raw))) != nil {
			return
		}
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		b, err := bolt.Open(db, 0o600, &bolt.Options{ReadOnly: true, PreLoadFreelist: true})
		if err != nil {
			t.Fatalf("checkFile accepted a file bbolt cannot open: %v", err)
		}
		defer b.Close()
		err = b.View(func(tx *bolt.Tx) error {
			for err := range tx.Check() {
				if metaHeader {
					continue
				}
				t.Errorf("checkFile accepted a file bbolt's check rejects: %v", err)
			}
			return tx.ForEach(func(name []byte, bk *bolt.Bucket) error {
				return bk.ForEach(func(k, v []byte) error { return nil })
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
