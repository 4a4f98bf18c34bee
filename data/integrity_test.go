package data

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// fill stores a language for users 1..n in transactions of chunk choices,
// as a running bot commits them, so that the file has a tree of several
// levels and free pages, and closes the store.
func fill(t testing.TB, db, secret string, n, chunk int) {
	t.Helper()
	s, err := Open(db, secret, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	langs := []string{"sq", "sr-Latn", "sr-Cyrl", "en", "uk", "ar", "tr", "fa", "fr"}
	for start := 1; start <= n; start += chunk {
		err := s.db.Update(func(tx *bolt.Tx) error {
			bk := tx.Bucket(bucket)
			for id := start; id < start+chunk && id <= n; id++ {
				var buf [sha256.Size]byte
				k := s.key(int64(id), &buf)
				if err := bk.Put(append([]byte(nil), k...), []byte(langs[id%len(langs)])); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// fileHash is the SHA-256 of a file's bytes, or "" if it cannot be read.
func fileHash(t testing.TB, path string) string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	raw, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

// userKey is the stored key of a user id under the secret file's key.
func userKey(t testing.TB, secretPath string, id int64) []byte {
	t.Helper()
	secret := readKey(t, secretPath)
	s := &Store{}
	s.macs.New = func() any { return hmac.New(sha256.New, secret) }
	var buf [sha256.Size]byte
	return append([]byte(nil), s.key(id, &buf)...)
}

// readKey reads a key file as Open does.
func readKey(t testing.TB, path string) []byte {
	t.Helper()
	buf, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := hex.DecodeString(strings.TrimSpace(string(buf)))
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// writeKey writes a new random key file.
func writeKey(t testing.TB, path string) {
	t.Helper()
	secret := make([]byte, 32)
	for i := range secret {
		secret[i] = byte(rand.Uint32())
	}
	if err := os.WriteFile(path, []byte(hex.EncodeToString(secret)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// dropFingerprint makes the database look like one written by the release
// before key fingerprints: it removes the meta bucket.
func dropFingerprint(t testing.TB, db string) {
	t.Helper()
	b, err := bolt.Open(db, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(metaBucket) }); err != nil {
		t.Fatal(err)
	}
}

// TestKeyMustMatchTheDatabase covers C19 and C20: a database that holds
// choices refuses a missing or different key, and is left as it was; one
// that holds none takes any key.
func TestKeyMustMatchTheDatabase(t *testing.T) {
	other := func(t *testing.T, dir string) string {
		p := filepath.Join(dir, "other.key")
		writeKey(t, p)
		return p
	}
	remove := func(t *testing.T, key string) {
		if err := os.Remove(key); err != nil {
			t.Fatal(err)
		}
	}
	forgetAll := func(t *testing.T, db, key string) {
		s := open(t, db, key)
		defer s.Close()
		for id := int64(1); id <= 3; id++ {
			if err := s.Forget(id); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name string
		// prepare changes the files after three users chose a language,
		// and returns the key file to open with.
		prepare func(t *testing.T, dir, db, key string) string
		wantErr error
		// want is user 1's language after Open succeeded.
		want string
	}{
		{"the same key", func(t *testing.T, dir, db, key string) string { return key }, nil, "uk"},
		{"key file missing, database holds choices", func(t *testing.T, dir, db, key string) string {
			remove(t, key)
			return key
		}, ErrKeyMismatch, ""},
		{"another key, database holds choices", func(t *testing.T, dir, db, key string) string {
			return other(t, dir)
		}, ErrKeyMismatch, ""},
		{"key file missing, every choice forgotten", func(t *testing.T, dir, db, key string) string {
			forgetAll(t, db, key)
			remove(t, key)
			return key
		}, nil, ""},
		{"another key, every choice forgotten", func(t *testing.T, dir, db, key string) string {
			forgetAll(t, db, key)
			return other(t, dir)
		}, nil, ""},
		{"previous release (no fingerprint), the same key", func(t *testing.T, dir, db, key string) string {
			dropFingerprint(t, db)
			return key
		}, nil, "uk"},
		{"previous release (no fingerprint), key file missing", func(t *testing.T, dir, db, key string) string {
			dropFingerprint(t, db)
			remove(t, key)
			return key
		}, ErrKeyMismatch, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			db, key := filepath.Join(dir, "guide.db"), filepath.Join(dir, "guide.key")
			s := open(t, db, key)
			for id, tag := range map[int64]string{1: "uk", 2: "ar", 3: "fa"} {
				if err := s.SetLanguage(id, tag); err != nil {
					t.Fatal(err)
				}
			}
			s.Close()
			keyPath := tt.prepare(t, dir, db, key)
			_, keyErr := os.Stat(keyPath)
			before := fileHash(t, db)

			s, err := Open(db, keyPath, Options{})
			if !errors.Is(err, tt.wantErr) {
				if err == nil {
					s.Close()
				}
				t.Fatalf("Open: err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				if after := fileHash(t, db); after != before {
					t.Error("Open changed the database it refused")
				}
				if _, statErr := os.Stat(keyPath); errors.Is(keyErr, os.ErrNotExist) && statErr == nil {
					t.Error("Open created a key file although it refused the database")
				}
				return
			}
			defer s.Close()
			if got := mustLang(t, s, 1); got != tt.want {
				t.Errorf("Language(1) = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestFingerprintIsRecorded checks that a database from the previous
// release learns its key's fingerprint at the first Open, so that another
// key is refused from then on, and that the file never holds the key.
func TestFingerprintIsRecorded(t *testing.T) {
	db, key := paths(t)
	s := open(t, db, key)
	if err := s.SetLanguage(1, "sq"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	dropFingerprint(t, db)
	open(t, db, key).Close()

	other := filepath.Join(t.TempDir(), "other.key")
	if _, err := Open(db, other, Options{}); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("Open with another key after the fingerprint was recorded: err = %v, want ErrKeyMismatch", err)
	}
	secret := readKey(t, key)
	raw, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, secret) || bytes.Contains(raw, []byte(hex.EncodeToString(secret))) {
		t.Error("the database file holds the key")
	}
}

// pageTypes lists the pages below the high-water mark of a healthy
// database by what bbolt says they are: "branch", "leaf", "freelist",
// "meta" or "free".
func pageTypes(t testing.TB, db string) (types []string, pageSize int, used int64) {
	t.Helper()
	b, err := bolt.Open(db, 0o600, &bolt.Options{ReadOnly: true, PreLoadFreelist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	err = b.View(func(tx *bolt.Tx) error {
		used = tx.Size()
		for id := 0; ; id++ {
			info, err := tx.Page(id)
			if err != nil {
				return err
			}
			if info == nil {
				return nil
			}
			types = append(types, info.Type)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return types, b.Info().PageSize, used
}

// TestDamagedTreeIsReportedAndNotModified covers C13: any page of the tree
// overwritten with zeros or random bytes gives ErrCorrupt, and the file
// keeps every byte; damage to a free page or to one meta page is harmless
// (C12) and every choice is kept.
func TestDamagedTreeIsReportedAndNotModified(t *testing.T) {
	dir := t.TempDir()
	good, key := filepath.Join(dir, "good.db"), filepath.Join(dir, "guide.key")
	fill(t, good, key, 3000, 100)
	types, ps, _ := pageTypes(t, good)
	counts := map[string]int{}
	for _, typ := range types {
		counts[typ]++
	}
	if counts["branch"] == 0 || counts["leaf"] < 10 || counts["free"] == 0 {
		t.Fatalf("the fixture has pages %v; want branch, leaf and free pages", counts)
	}
	rng := rand.New(rand.NewPCG(17, 13))
	damage := map[string]func([]byte){
		"zeros": func(p []byte) { clear(p) },
		"random": func(p []byte) {
			for i := range p {
				p[i] = byte(rng.Uint32())
			}
		},
	}
	for id, typ := range types {
		for how, spoil := range damage {
			db := filepath.Join(dir, "damaged.db")
			raw, err := os.ReadFile(good)
			if err != nil {
				t.Fatal(err)
			}
			spoil(raw[id*ps : (id+1)*ps])
			if err := os.WriteFile(db, raw, 0o600); err != nil {
				t.Fatal(err)
			}
			before := fileHash(t, db)
			s, err := Open(db, key, Options{})
			harmless := typ == "free" || typ == "meta"
			switch {
			case harmless && err != nil:
				t.Errorf("page %d (%s) filled with %s: Open: %v, want the database to open", id, typ, how, err)
			case harmless:
				// Ids of earlier transactions: with the newer meta page
				// damaged, bbolt falls back to the older one, which
				// does not have the last transaction.
				for _, uid := range []int64{1, 1500, 2800} {
					if got := mustLang(t, s, uid); got == "" {
						t.Errorf("page %d (%s) filled with %s: Language(%d) lost", id, typ, how, uid)
					}
				}
				s.Close()
			case !errors.Is(err, ErrCorrupt):
				if err == nil {
					s.Close()
				}
				t.Errorf("page %d (%s) filled with %s: Open: err = %v, want ErrCorrupt", id, typ, how, err)
			case fileHash(t, db) != before:
				t.Errorf("page %d (%s) filled with %s: Open changed the damaged file", id, typ, how)
			}
		}
	}

	t.Run("both meta pages", func(t *testing.T) {
		db := filepath.Join(dir, "nometa.db")
		raw, _ := os.ReadFile(good)
		clear(raw[:2*ps])
		os.WriteFile(db, raw, 0o600)
		if _, err := Open(db, key, Options{}); !errors.Is(err, ErrCorrupt) {
			t.Errorf("Open: err = %v, want ErrCorrupt", err)
		}
	})
}

// TestTruncatedFileIsDamaged covers C8, C9 and C10: a file cut short gives
// ErrCorrupt and is left as it was, never a fault or a new database; a cut
// in the free tail beyond the last used page is harmless.
func TestTruncatedFileIsDamaged(t *testing.T) {
	dir := t.TempDir()
	good, key := filepath.Join(dir, "good.db"), filepath.Join(dir, "guide.key")
	fill(t, good, key, 3000, 100)
	_, ps, used := pageTypes(t, good)
	fi, err := os.Stat(good)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() <= used {
		t.Fatalf("the fixture has no free tail (%d bytes, %d used)", fi.Size(), used)
	}
	tests := []struct {
		name    string
		size    int64
		noKey   bool
		wantErr error
	}{
		{"0 bytes while its key exists (C8)", 0, false, ErrCorrupt},
		{"one page (C9)", int64(ps), false, ErrCorrupt},
		{"two pages (C10)", 2 * int64(ps), false, ErrCorrupt},
		{"three pages", 3 * int64(ps), false, ErrCorrupt},
		{"four pages", 4 * int64(ps), false, ErrCorrupt},
		{"half a page", int64(ps) / 2, false, ErrCorrupt},
		{"the last used page cut", used - int64(ps), false, ErrCorrupt},
		{"the last used page cut in half", used - int64(ps)/2, false, ErrCorrupt},
		{"cut at the last used page: the free tail is not needed", used, false, nil},
		{"cut in the free tail", used + int64(ps) + 100, false, nil},
		{"0 bytes and no key: a new database", 0, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, k := filepath.Join(t.TempDir(), "cut.db"), key
			copyFile(t, good, db)
			if err := os.Truncate(db, tt.size); err != nil {
				t.Fatal(err)
			}
			if tt.noKey {
				k = filepath.Join(t.TempDir(), "new.key")
			}
			before := fileHash(t, db)
			s, err := Open(db, k, Options{})
			if !errors.Is(err, tt.wantErr) {
				if err == nil {
					s.Close()
				}
				t.Fatalf("Open of %d bytes: err = %v, want %v", tt.size, err, tt.wantErr)
			}
			if err != nil {
				if after := fileHash(t, db); after != before {
					t.Error("Open changed the truncated file")
				}
				return
			}
			defer s.Close()
			want := "ar"
			if tt.noKey {
				want = ""
			}
			if got := mustLang(t, s, 5); got != want {
				t.Errorf("Language(5) = %q, want %q", got, want)
			}
		})
	}
}

// TestCheckNoticesAMissingFile covers C15: the database file deleted,
// moved or replaced while the store is open makes Check fail.
func TestCheckNoticesAMissingFile(t *testing.T) {
	tests := []struct {
		name    string
		do      func(t *testing.T, db string)
		wantErr error
	}{
		{"untouched", func(t *testing.T, db string) {}, nil},
		{"deleted", func(t *testing.T, db string) {
			if err := os.Remove(db); err != nil {
				t.Fatal(err)
			}
		}, ErrMissing},
		{"moved aside", func(t *testing.T, db string) {
			if err := os.Rename(db, db+".old"); err != nil {
				t.Fatal(err)
			}
		}, ErrMissing},
		{"replaced by a copy", func(t *testing.T, db string) {
			copyFile(t, db, db+".copy")
			if err := os.Rename(db+".copy", db); err != nil {
				t.Fatal(err)
			}
		}, ErrMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, key := paths(t)
			s := open(t, db, key)
			defer s.Close()
			if err := s.Check(); err != nil {
				t.Fatalf("Check of a fresh store: %v", err)
			}
			tt.do(t, db)
			if err := s.SetLanguage(9, "tr"); err != nil {
				t.Fatal(err)
			}
			if err := s.Check(); !errors.Is(err, tt.wantErr) {
				t.Errorf("Check: err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// TestForgetClearsTheFreedPages covers F6: after Forget, no byte of the
// file holds the forgotten person's key, in a live page or a freed one.
func TestForgetClearsTheFreedPages(t *testing.T) {
	db, key := paths(t)
	fill(t, db, key, 5000, 250)
	s := open(t, db, key)
	defer s.Close()
	// A person who changed their mind leaves older copies of their
	// record in freed pages too.
	for _, id := range []int64{10, 2000} {
		for _, tag := range []string{"fa", "uk", "sq"} {
			if err := s.SetLanguage(id, tag); err != nil {
				t.Fatal(err)
			}
		}
	}
	forgotten := []int64{1, 10, 11, 12, 777, 2000, 2500, 4999, 5000}
	for _, id := range forgotten {
		if err := s.Forget(id); err != nil {
			t.Fatal(err)
		}
	}
	scan := func(when string) {
		raw, err := os.ReadFile(db)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range forgotten {
			if n := bytes.Count(raw, userKey(t, key, id)); n != 0 {
				t.Errorf("%s: the file holds the key of forgotten user %d %d times", when, id, n)
			}
		}
		if !bytes.Contains(raw, userKey(t, key, 3)) {
			t.Errorf("%s: the file does not hold the key of user 3, who was not forgotten; is the test reading the right file?", when)
		}
	}
	scan("after Forget")
	for _, id := range forgotten {
		if got := mustLang(t, s, id); got != "" {
			t.Errorf("Language(%d) = %q after Forget", id, got)
		}
	}
	if got := mustLang(t, s, 3); got == "" {
		t.Error("Language(3) lost")
	}
	s.Close()
	scan("after Close")
	open(t, db, key).Close()
}

// TestForgetWhileReading runs Forget and SetLanguage while other
// goroutines read: clearing freed pages must never hand a reader a zeroed
// page (run with -race).
func TestForgetWhileReading(t *testing.T) {
	db, key := paths(t)
	fill(t, db, key, 3000, 100)
	s := open(t, db, key)
	defer s.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for r := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int64(0); ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := 1501 + (i*7+int64(r))%1500 // never forgotten
				if got, err := s.Language(id); err != nil || got == "" {
					t.Errorf("Language(%d) = %q, %v while others forget", id, got, err)
					return
				}
				if r == 0 && i%50 == 0 {
					if _, err := s.Counts(); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	var writers sync.WaitGroup
	for w := range 4 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for id := int64(1 + w); id <= 1500; id += 40 {
				if err := s.SetLanguage(id, "fr"); err != nil {
					t.Error(err)
				}
				if err := s.Forget(id); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	writers.Wait()
	close(stop)
	wg.Wait()
	s.Close()
	raw, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	for id := int64(1); id <= 1500; id += 40 {
		if bytes.Contains(raw, userKey(t, key, id)) {
			t.Errorf("the file holds the key of forgotten user %d", id)
		}
	}
	check, err := bolt.Open(db, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	check.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			t.Errorf("bbolt's check after forgetting: %v", err)
		}
		return nil
	})
}
