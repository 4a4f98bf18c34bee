package data

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

func paths(t *testing.T) (db, secret string) {
	dir := t.TempDir()
	return filepath.Join(dir, "guide.db"), filepath.Join(dir, "guide.key")
}

func open(t *testing.T, db, secret string) *Store {
	t.Helper()
	s, err := Open(db, secret, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRoundTripAndReopen(t *testing.T) {
	db, secret := paths(t)
	s := open(t, db, secret)
	if got, err := s.Language(42); err != nil || got != "" {
		t.Fatalf("Language of a new user = %q, %v; want \"\", nil", got, err)
	}
	if err := s.SetLanguage(42, "ar"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetLanguage(43, "sr-Cyrl"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetLanguage(42, "fa"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, db, secret)
	defer s.Close()
	for id, want := range map[int64]string{42: "fa", 43: "sr-Cyrl", 44: ""} {
		if got, err := s.Language(id); err != nil || got != want {
			t.Errorf("after reopen, Language(%d) = %q, %v; want %q", id, got, err, want)
		}
	}
}

func TestForgetLeavesNothing(t *testing.T) {
	db, secret := paths(t)
	s := open(t, db, secret)
	defer s.Close()
	if err := s.SetLanguage(7, "uk"); err != nil {
		t.Fatal(err)
	}
	if err := s.Forget(7); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Language(7); got != "" {
		t.Errorf("after Forget, Language = %q, want \"\"", got)
	}
	if err := s.Forget(8); err != nil {
		t.Errorf("Forget of a user with nothing stored: %v", err)
	}
}

// TestFileHoldsNoUserID checks the privacy promise: the database stores a
// keyed hash, so neither the id's digits nor its bytes are in the file.
func TestFileHoldsNoUserID(t *testing.T) {
	db, secret := paths(t)
	s := open(t, db, secret)
	const id = int64(987654321012)
	if err := s.SetLanguage(id, "tr"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	raw, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	var be, le [8]byte
	binary.BigEndian.PutUint64(be[:], uint64(id))
	binary.LittleEndian.PutUint64(le[:], uint64(id))
	for _, needle := range [][]byte{[]byte(strconv.FormatInt(id, 10)), be[:], le[:]} {
		if bytes.Contains(raw, needle) {
			t.Errorf("database file contains the user id as %q", needle)
		}
	}
	if !bytes.Contains(raw, []byte("tr")) {
		t.Error("database file does not contain the stored language; is the test reading the right file?")
	}
}

func TestSecretFile(t *testing.T) {
	db, secret := paths(t)
	s := open(t, db, secret)
	s.SetLanguage(1, "fr")
	s.Close()
	for _, p := range []string{db, secret} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("%s has mode %v, want 0600", filepath.Base(p), got)
		}
	}

	// Another secret would hide the stored choices: it is refused (the
	// cases are in TestKeyMustMatchTheDatabase).
	other := filepath.Join(t.TempDir(), "other.key")
	if _, err := Open(db, other, Options{}); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("Open with another secret: err = %v, want ErrKeyMismatch", err)
	}

	if err := os.WriteFile(secret, []byte("not hex\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(db, secret, Options{}); err == nil {
		t.Error("Open with a malformed secret file succeeded")
	}
}

func TestLockedDatabaseFailsFast(t *testing.T) {
	db, secret := paths(t)
	s := open(t, db, secret)
	defer s.Close()
	start := time.Now()
	_, err := Open(db, secret, Options{Timeout: 200 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: err = %v, want ErrLocked", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("second Open took %v, want under 2s", d)
	}
}

func TestCorruptFileIsReportedAndKept(t *testing.T) {
	db, secret := paths(t)
	junk := bytes.Repeat([]byte("this is not a bbolt database. "), 800)
	if err := os.WriteFile(db, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(db, secret, Options{})
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open of a damaged file: err = %v, want ErrCorrupt", err)
	}
	after, _ := os.ReadFile(db)
	if !bytes.Equal(after, junk) {
		t.Error("Open changed the damaged file; it must be left for the operator")
	}
}

func TestConcurrentWriters(t *testing.T) {
	db, secret := paths(t)
	s := open(t, db, secret)
	defer s.Close()
	langs := []string{"sq", "sr-Latn", "sr-Cyrl", "en", "uk", "ar", "tr", "fa", "fr"}
	var wg sync.WaitGroup
	for w := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				id := int64(w*1000 + i)
				if err := s.SetLanguage(id, langs[(w+i)%len(langs)]); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for w := range 64 {
		for i := range 20 {
			id := int64(w*1000 + i)
			if got, want := mustLang(t, s, id), langs[(w+i)%len(langs)]; got != want {
				t.Fatalf("Language(%d) = %q, want %q", id, got, want)
			}
		}
	}
}

func TestSetLanguageRejectsBadTags(t *testing.T) {
	db, secret := paths(t)
	s := open(t, db, secret)
	defer s.Close()
	for _, tag := range []string{"", string(make([]byte, 100))} {
		if err := s.SetLanguage(1, tag); err == nil {
			t.Errorf("SetLanguage(%q) succeeded", tag)
		}
	}
}

func mustLang(t *testing.T, s *Store, id int64) string {
	t.Helper()
	got, err := s.Language(id)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestCounts(t *testing.T) {
	db, secret := paths(t)
	s := open(t, db, secret)
	defer s.Close()
	for id, tag := range map[int64]string{1: "ar", 2: "ar", 3: "fa", 4: "uk"} {
		s.SetLanguage(id, tag)
	}
	s.Forget(4)
	got, err := s.Counts()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["ar"] != 2 || got["fa"] != 1 {
		t.Errorf("Counts() = %v, want ar:2 fa:1", got)
	}
}
