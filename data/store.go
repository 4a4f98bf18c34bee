// Package data keeps the one thing the guide remembers about a person: the
// language they chose. It is a bbolt file with one bucket that maps a
// pseudonymous key to a language tag. The key is an HMAC of the Telegram
// user id under a secret kept in a separate file, so a copy of the database
// alone reveals no Telegram ids.
// Reads go to bbolt: a lookup among a million choices takes a few
// microseconds, nothing a person can notice next to a Bot API call.
package data

import (
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
	"strings"
	"sync"
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

var bucket = []byte("lang")

// Errors an operator can act on.
var (
	ErrLocked  = errors.New("the database is in use by another process")
	ErrCorrupt = errors.New("the database file is damaged")
)

// Store is the language store. Its methods are safe for concurrent use.
type Store struct {
	db   *bolt.DB
	macs sync.Pool
}

// Options tune Open.
type Options struct {
	// Timeout is how long to wait for the file lock; DefaultTimeout if 0.
	Timeout time.Duration
}

// Open opens (or creates) the database at path, with the HMAC secret at
// secretPath, which is created with mode 0600 if it does not exist.
func Open(path, secretPath string, opt Options) (s *Store, err error) {
	secret, err := loadSecret(secretPath)
	if err != nil {
		return nil, err
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	// bbolt can panic on some damaged files instead of returning an error.
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("open %s: %w (%v)", path, ErrCorrupt, r)
		}
	}()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opt.Timeout, NoStatistics: true, FreelistType: bolt.FreelistMapType})
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, fmt.Errorf("open %s: %w", path, ErrLocked)
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrChecksum), errors.Is(err, bolterrors.ErrVersionMismatch):
		return nil, fmt.Errorf("open %s: %w (%v)", path, ErrCorrupt, err)
	case err != nil:
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucket)
		return err
	}); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// A choice is written while the person's next tap waits behind it;
	// bbolt's default of gathering writes for 10 ms is longer than the
	// disk takes.
	db.MaxBatchDelay = 2 * time.Millisecond
	s = &Store{db: db}
	s.macs.New = func() any { return hmac.New(sha256.New, secret) }
	return s, nil
}

// loadSecret reads the hex-encoded secret, creating it on first run.
func loadSecret(path string) ([]byte, error) {
	buf, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createSecret(path)
	}
	if err != nil {
		return nil, fmt.Errorf("read secret: %w", err)
	}
	secret, err := hex.DecodeString(strings.TrimSpace(string(buf)))
	if err != nil || len(secret) < 32 {
		return nil, fmt.Errorf("secret file %s is not 64 hex digits: restore it from a backup, or delete it and the database to start afresh", path)
	}
	return secret, nil
}

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
	err := s.db.View(func(tx *bolt.Tx) error {
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

// Forget deletes a user's language, leaving nothing about them.
func (s *Store) Forget(userID int64) error {
	var buf [sha256.Size]byte
	k := s.key(userID, &buf)
	err := s.db.Batch(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).Delete(k)
	})
	if err != nil {
		return fmt.Errorf("forget language: %w", err)
	}
	return nil
}

// Close closes the database file.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	return nil
}

// Counts returns how many users chose each language. It reads the whole
// bucket; the metrics ask at most once a minute.
func (s *Store) Counts() (map[string]int, error) {
	counts := map[string]int{}
	err := s.db.View(func(tx *bolt.Tx) error {
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
