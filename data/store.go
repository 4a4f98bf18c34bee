// Package data keeps the one thing the guide remembers about a person: the
// language they chose. It is a bbolt file with a bucket that maps a
// pseudonymous key to a language tag. The key is an HMAC of the Telegram
// user id under a secret kept in a separate file, so a copy of the database
// alone reveals no Telegram ids; the database and the key together do, by
// trying every id (see the README's threat model), so they are kept and
// backed up apart. A second bucket holds a fingerprint of the secret, so
// that a missing or different key is refused instead of silently hiding
// every stored choice.
// Reads go to bbolt: a lookup among a million choices takes a few
// microseconds, nothing a person can notice next to a Bot API call.
package data

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// DefaultTimeout is how long Open waits for another process to release
// the database file.
const DefaultTimeout = time.Second

// keyLen is the length of a stored key: the first 8 bytes of an
// HMAC-SHA256. Two users share a key with a chance of about n²/2⁶⁵ (one in
// 30 million for a million users; the cost of a clash is one person seeing
// another's language), and short keys keep a million choices in a small,
// fast file.
const keyLen = 8

// maxTagLen bounds a stored language tag.
const maxTagLen = 35

var (
	bucket     = []byte("lang")
	metaBucket = []byte("meta")
	// fingerprintKey holds, in metaBucket, the HMAC-SHA256 of
	// fingerprintLabel under the secret: it tells whether a secret is the
	// one the choices were stored under, and reveals nothing of it.
	fingerprintKey   = []byte("key-fingerprint")
	fingerprintLabel = []byte("asylumguide: the key of this database, v1")
)

// Errors an operator can act on.
var (
	ErrLocked  = errors.New("the database is in use by another process")
	ErrCorrupt = errors.New("the database file is damaged")
	// ErrKeyMismatch is the error of Open when the database holds
	// choices and the key file is missing (the error also matches
	// fs.ErrNotExist then) or is not the key they were stored under.
	ErrKeyMismatch = errors.New("the key does not match the database")
	// ErrMissing is the error of Check when the database file was
	// deleted, moved or replaced while the store is open.
	ErrMissing = errors.New("deleted or replaced while the bot runs: what it stores from now on is lost when it stops")
)

// Store is the language store. Its methods are safe for concurrent use.
type Store struct {
	db   *bolt.DB
	macs sync.Pool
	path string
	// file is the database file Open opened, for Check.
	file os.FileInfo
	// raw is a second descriptor of that file, through which scrub
	// overwrites freed pages.
	raw      *os.File
	pageSize int
	// readers is held shared by every read transaction; scrub holds it
	// alone while its write transaction begins, so that no reader is
	// left on a page it is about to clear.
	readers sync.RWMutex
	// forgets counts the records Forget deleted; scrubbed is the count
	// that the last successful scrub covered.
	forgets  atomic.Uint64
	scrubMu  sync.Mutex
	scrubbed uint64
}

// Options tune Open.
type Options struct {
	// Timeout is how long to wait for the file lock; DefaultTimeout if 0.
	Timeout time.Duration
}

// Open opens (or creates) the database at path, with the HMAC secret at
// secretPath, which is created with mode 0600 if it does not exist and
// the database holds no choice.
//
// An existing file is checked read-only before anything writes to it (see
// inspect), so a damaged one is reported with ErrCorrupt and left exactly
// as it was. A file of 0 bytes is a new database only while there is no
// key: next to a key it was a database that lost its contents. A database
// that holds choices refuses a missing key or one whose fingerprint
// differs, with ErrKeyMismatch, instead of creating a new key that would
// hide every choice and leave them impossible to /forget.
func Open(path, secretPath string, opt Options) (s *Store, err error) {
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	// The check in inspect keeps bbolt from meeting a damaged page, but
	// should one slip through, bbolt's panics, and faults reading its
	// memory map (SIGBUS, which would otherwise kill the process), become
	// ErrCorrupt here. SetPanicOnFault applies to this goroutine only.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	var db *bolt.DB
	defer func() {
		if r := recover(); r != nil {
			closeQuietly(db)
			s, err = nil, fmt.Errorf("open %s: %w (%v)", path, ErrCorrupt, r)
		}
	}()
	st, err := inspect(path, opt.Timeout)
	if err != nil {
		return nil, err
	}
	secret, found, err := loadSecret(secretPath)
	if err != nil {
		return nil, err
	}
	switch {
	case st.exists && st.size == 0 && found:
		return nil, fmt.Errorf("open %s: %w (0 bytes, next to its key %s: the file lost its contents)", path, ErrCorrupt, secretPath)
	case st.choices && !found:
		return nil, fmt.Errorf("open %s: %w: key file %s: %w", path, ErrKeyMismatch, secretPath, fs.ErrNotExist)
	case st.choices && st.fingerprint != nil && !hmac.Equal(st.fingerprint, fingerprint(secret)):
		return nil, fmt.Errorf("open %s: %w: key file %s holds another key", path, ErrKeyMismatch, secretPath)
	}
	// Otherwise the key is right, or there is nothing it could hide: a
	// new database, or one whose every choice was forgotten. A database
	// of the release before fingerprints, which holds choices but no
	// fingerprint, cannot tell whether this is its key: it is accepted,
	// and its fingerprint recorded so that the next Open can tell.
	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: opt.Timeout, NoStatistics: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return nil, openError(path, err)
	}
	// A new key is made once bbolt has initialised a new file: a crash in
	// between leaves a database without choices and without a key, which
	// the next Open takes as new, where the other order could leave a key
	// next to an empty file, which Open must take for a damaged database.
	if !found {
		if secret, err = createSecret(secretPath); err != nil {
			db.Close()
			return nil, err
		}
	}
	if err := record(db, fingerprint(secret)); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// A choice is written while the person's next tap waits behind it;
	// bbolt's default of gathering writes for 10 ms is longer than the
	// disk takes.
	db.MaxBatchDelay = 2 * time.Millisecond
	s = &Store{db: db, path: path, pageSize: db.Info().PageSize}
	s.macs.New = func() any { return hmac.New(sha256.New, secret) }
	if s.file, err = os.Stat(path); err == nil {
		s.raw, err = os.OpenFile(path, os.O_RDWR, 0)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// dbState is what inspect learns of an existing database.
type dbState struct {
	exists, choices bool
	size            int64
	fingerprint     []byte
}

// inspect checks the database at path, if there is one, before Open lets
// bbolt write to it: under a shared lock (so a running bot holding the
// file gives ErrLocked, and nothing writes meanwhile), it reads the whole
// file with ordinary reads (checkFile), and only then opens it with
// bbolt's ReadOnly option to learn whether it holds choices and its key's
// fingerprint. Nothing here writes to the file.
func inspect(path string, timeout time.Duration) (st dbState, err error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	if !fi.Mode().IsRegular() {
		// A directory, a device or a FIFO (whose open would block).
		return st, fmt.Errorf("open %s: not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return st, err
	}
	defer f.Close()
	if err := lockShared(f, timeout); err != nil {
		return st, fmt.Errorf("open %s: %w", path, err)
	}
	st.exists = true
	if st.size, err = fileSize(f); err != nil || st.size == 0 {
		return st, err
	}
	if err := checkFile(f, st.size); err != nil {
		return st, fmt.Errorf("open %s: %w (%v)", path, ErrCorrupt, err)
	}
	ro, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: timeout, NoStatistics: true})
	if err != nil {
		return st, openError(path, err)
	}
	defer ro.Close()
	err = ro.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucket); b != nil {
			k, _ := b.Cursor().First()
			st.choices = k != nil
		}
		if b := tx.Bucket(metaBucket); b != nil {
			st.fingerprint = bytes.Clone(b.Get(fingerprintKey))
		}
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("open %s: %w", path, err)
	}
	return st, nil
}

// record creates the buckets and stores the key's fingerprint, unless
// they are there already: an unchanged database is not written to.
func record(db *bolt.DB, fp []byte) error {
	done := false
	db.View(func(tx *bolt.Tx) error {
		m := tx.Bucket(metaBucket)
		done = tx.Bucket(bucket) != nil && m != nil && bytes.Equal(m.Get(fingerprintKey), fp)
		return nil
	})
	if done {
		return nil
	}
	return db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucket); err != nil {
			return err
		}
		m, err := tx.CreateBucketIfNotExists(metaBucket)
		if err != nil {
			return err
		}
		return m.Put(fingerprintKey, fp)
	})
}

// openError turns an error of bolt.Open into one an operator can act on.
func openError(path string, err error) error {
	var pe *fs.PathError
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return fmt.Errorf("open %s: %w", path, ErrLocked)
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrChecksum), errors.Is(err, bolterrors.ErrVersionMismatch):
		return fmt.Errorf("open %s: %w (%v)", path, ErrCorrupt, err)
	case errors.As(err, &pe):
		return err // it names the path already
	default:
		return fmt.Errorf("open %s: %w", path, err)
	}
}

// closeQuietly closes a bbolt database after a panic, which may have
// left it in any state.
func closeQuietly(db *bolt.DB) {
	if db == nil {
		return
	}
	defer func() { recover() }()
	db.Close()
}

// fingerprint is the value stored under fingerprintKey for a secret.
func fingerprint(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write(fingerprintLabel)
	return m.Sum(nil)
}

// loadSecret reads the hex-encoded secret; found is false if the file
// does not exist.
func loadSecret(path string) (secret []byte, found bool, err error) {
	buf, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read secret: %w", err)
	}
	secret, err = hex.DecodeString(strings.TrimSpace(string(buf)))
	if err != nil || len(secret) < 32 {
		return nil, false, fmt.Errorf("secret file %s is not 64 hex digits: restore it from a backup, or delete it and the database to start afresh", path)
	}
	return secret, true, nil
}

// createSecret creates a new secret file at path.
func createSecret(path string) ([]byte, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("create secret: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create secret: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(secret) + "\n"); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("create secret: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("create secret: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("create secret: %w", err)
	}
	return secret, nil
}

// key is the pseudonymous key of a user id, as stored.
func (s *Store) key(userID int64, dst *[sha256.Size]byte) []byte {
	var id [8]byte
	binary.BigEndian.PutUint64(id[:], uint64(userID))
	m := s.macs.Get().(hash.Hash)
	m.Reset()
	m.Write(id[:])
	sum := m.Sum(dst[:0])
	s.macs.Put(m)
	return sum[:keyLen]
}

// Language returns the stored language of a user, or "" if none.
func (s *Store) Language(userID int64) (string, error) {
	var buf [sha256.Size]byte
	k := s.key(userID, &buf)
	var tag string
	err := s.view(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucket).Get(k); len(v) > 0 && len(v) <= maxTagLen {
			tag = string(v)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("read language: %w", err)
	}
	return tag, nil
}

// SetLanguage stores a user's language. Concurrent calls are committed
// together in one transaction.
func (s *Store) SetLanguage(userID int64, tag string) error {
	if tag == "" || len(tag) > maxTagLen {
		return fmt.Errorf("store language: invalid tag length %d", len(tag))
	}
	var buf [sha256.Size]byte
	k := s.key(userID, &buf)
	// Batch may run the function more than once; Put is idempotent.
	err := s.db.Batch(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).Put(k, []byte(tag))
	})
	if err != nil {
		return fmt.Errorf("store language: %w", err)
	}
	return nil
}

// Forget deletes a user's language, leaving nothing about them: when it
// returns, no page of the file, in use or freed, holds their record (see
// scrub).
func (s *Store) Forget(userID int64) error {
	var buf [sha256.Size]byte
	k := s.key(userID, &buf)
	found := false
	err := s.db.Batch(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		found = b.Get(k) != nil
		return b.Delete(k)
	})
	if err != nil {
		return fmt.Errorf("forget language: %w", err)
	}
	if found {
		s.forgets.Add(1)
	}
	if err := s.scrub(); err != nil {
		return fmt.Errorf("forget language: %w", err)
	}
	return nil
}

// Check reports whether the database file is still the one Open opened:
// one deleted, moved aside or replaced while the bot runs gives ErrMissing,
// since bbolt goes on writing to the open file that no path names any
// more. It costs one stat.
func (s *Store) Check() error {
	fi, err := os.Stat(s.path)
	if errors.Is(err, fs.ErrNotExist) || err == nil && !os.SameFile(fi, s.file) {
		return fmt.Errorf("database file missing: %s: %w", s.path, ErrMissing)
	}
	if err != nil {
		return fmt.Errorf("check database: %w", err)
	}
	return nil
}

// Close closes the database file.
func (s *Store) Close() error {
	err := s.db.Close() // it waits for a running scrub's transaction
	s.raw.Close()
	if err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	return nil
}

// view runs a read transaction; see readers.
func (s *Store) view(fn func(*bolt.Tx) error) error {
	s.readers.RLock()
	defer s.readers.RUnlock()
	return s.db.View(fn)
}

// Counts returns how many users chose each language. It reads the whole
// bucket; the metrics ask at most once a minute.
func (s *Store) Counts() (map[string]int, error) {
	counts := map[string]int{}
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
			if len(k) == keyLen && len(v) > 0 && len(v) <= maxTagLen {
				counts[string(v)]++
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("count languages: %w", err)
	}
	return counts, nil
}
