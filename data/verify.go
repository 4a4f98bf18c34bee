package data

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// The layout of a bbolt file, as go.etcd.io/bbolt v1.5 writes it
// (internal/common): every page starts with a 16-byte header (id uint64,
// flags uint16, count uint16, overflow uint32) in the machine's byte order;
// pages 0 and 1 are meta pages; branch and leaf pages hold 16-byte elements
// after the header, and the keys and values they point to.
const (
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	pageHeaderSize = 16
	elementSize    = 16
	metaSumOffset  = 56 // the meta's checksum covers its first 56 bytes
	noFreelist     = ^uint64(0)
	branchFlag     = 0x01
	leafFlag       = 0x02
	freelistFlag   = 0x10
	bucketFlag     = 0x01 // a leaf element that is a bucket
	bucketHeader   = 16   // a bucket's value: root page id, sequence
	// maxDepth bounds the walk: a B+tree of 2 or more elements a page
	// is never this deep, so a deeper one loops through damaged pages.
	maxDepth = 64
)

var ne = binary.NativeEndian

// boltMeta is what checkFile needs of a meta page.
type boltMeta struct {
	pageSize                  uint64
	root, freelist, hwm, txid uint64
}

// parseMeta reads the meta page in p and reports whether it is valid, by
// the same rule as bbolt's Meta.Validate: magic, version and checksum.
func parseMeta(p []byte) (boltMeta, bool) {
	if len(p) < pageHeaderSize+metaSumOffset+8 {
		return boltMeta{}, false
	}
	m := p[pageHeaderSize:]
	if ne.Uint32(m[0:]) != boltMagic || ne.Uint32(m[4:]) != boltVersion {
		return boltMeta{}, false
	}
	h := fnv.New64a()
	h.Write(m[:metaSumOffset])
	if h.Sum64() != ne.Uint64(m[metaSumOffset:]) {
		return boltMeta{}, false
	}
	return boltMeta{
		pageSize: uint64(ne.Uint32(m[8:])),
		root:     ne.Uint64(m[16:]),
		freelist: ne.Uint64(m[32:]),
		hwm:      ne.Uint64(m[40:]),
		txid:     ne.Uint64(m[48:]),
	}, true
}

// checker walks a bbolt file with ordinary reads.
type checker struct {
	f    io.ReaderAt
	ps   uint64 // page size
	hwm  uint64 // pages in use: ids below it
	used []bool // pages reached from the meta: the freelist and the trees
	free []bool // pages the freelist names
	// scratch holds one page; see page.
	scratch []byte
}

// checkFile reads the whole bbolt file f of the given size, with ordinary
// reads and never through a memory map, and returns an error (Open
// reports it as ErrCorrupt) if bbolt could fault on it or find it
// inconsistent. It runs the checks of bbolt's tx.Check on the meta page
// bbolt would use: the file holds every page up to the high-water mark (a
// shorter file is what makes bbolt's mmap raise SIGBUS, which no recover
// can catch), every page of the trees and the freelist has the header,
// type and bounds bbolt expects, no page is reached twice or is both in
// use and free, keys are in order, and every page below the high-water
// mark is in use or free. Free pages are not read: bbolt never does.
// FuzzCheckFile holds it to bbolt's own check.
func checkFile(f io.ReaderAt, size int64) error {
	first := make([]byte, 4096)
	n, _ := f.ReadAt(first, 0)
	m0, ok0 := parseMeta(first[:n])
	ps := m0.pageSize
	if !ok0 {
		// Meta page 0 is damaged: find meta page 1 at the page sizes
		// bbolt tries (1 KiB to 16 MiB).
		buf := make([]byte, 4096)
		for i := range 15 {
			pos := int64(1024) << i
			if pos >= size-1024 {
				break
			}
			n, _ := f.ReadAt(buf, pos)
			if m, ok := parseMeta(buf[:n]); ok && m.pageSize == uint64(pos) {
				ps = m.pageSize
				break
			}
		}
	}
	if ps < 1024 || ps > 1<<24 || ps&(ps-1) != 0 {
		return errors.New("no valid meta page")
	}
	if size < 4*int64(ps) {
		return fmt.Errorf("%d bytes, fewer than the 4 pages of %d bytes of the smallest database", size, ps)
	}
	page := make([]byte, ps)
	var metas []boltMeta
	for id := range uint64(2) {
		if _, err := f.ReadAt(page, int64(id*ps)); err != nil {
			return fmt.Errorf("read meta page %d: %v", id, err)
		}
		if m, ok := parseMeta(page); ok && m.pageSize == ps {
			metas = append(metas, m)
		}
	}
	if len(metas) == 0 {
		return errors.New("no valid meta page")
	}
	// bbolt uses the valid meta page of the higher transaction id.
	m := metas[0]
	if len(metas) == 2 && metas[1].txid > m.txid {
		m = metas[1]
	}
	if m.hwm > uint64(size)/ps {
		return fmt.Errorf("%d bytes, but its pages reach %d bytes: the file was cut short", size, m.hwm*ps)
	}
	if m.root < 2 || m.root >= m.hwm {
		return fmt.Errorf("the root page %d is outside the file's %d pages", m.root, m.hwm)
	}
	c := &checker{f: f, ps: ps, hwm: m.hwm, used: make([]bool, m.hwm), free: make([]bool, m.hwm), scratch: page}
	c.used[0], c.used[1] = true, true
	if m.freelist != noFreelist {
		if err := c.freelist(m.freelist); err != nil {
			return err
		}
	}
	if err := c.tree(m.root, nil, nil, 0); err != nil {
		return err
	}
	// Without a stored freelist (bbolt's NoFreelistSync, which this
	// package never sets) bbolt rebuilds it from the pages not in use.
	for id := uint64(2); id < c.hwm && m.freelist != noFreelist; id++ {
		if !c.used[id] && !c.free[id] {
			return fmt.Errorf("page %d is neither in use nor free", id)
		}
	}
	return nil
}

// page reads page id and its overflow pages, checks its header and marks
// them in use. A leaf of one page is read into c.scratch, which the next
// call reuses; any other page gets a buffer of its own.
func (c *checker) page(id uint64, flags ...uint16) ([]byte, error) {
	if id < 2 || id >= c.hwm {
		return nil, fmt.Errorf("a reference to page %d, outside the file's %d pages", id, c.hwm)
	}
	if _, err := c.f.ReadAt(c.scratch, int64(id*c.ps)); err != nil {
		return nil, fmt.Errorf("read page %d: %v", id, err)
	}
	if got := ne.Uint64(c.scratch[0:]); got != id {
		return nil, fmt.Errorf("page %d calls itself page %d", id, got)
	}
	flag := ne.Uint16(c.scratch[8:])
	known := false
	for _, f := range flags {
		known = known || flag == f
	}
	if !known {
		return nil, fmt.Errorf("page %d has type %#x", id, flag)
	}
	last := id + uint64(ne.Uint32(c.scratch[12:]))
	if last >= c.hwm {
		return nil, fmt.Errorf("page %d runs past the file's %d pages", id, c.hwm)
	}
	for p := id; p <= last; p++ {
		if c.used[p] {
			return nil, fmt.Errorf("page %d is reached twice", p)
		}
		if c.free[p] {
			return nil, fmt.Errorf("page %d is in use and free", p)
		}
		c.used[p] = true
	}
	switch {
	case last > id:
		buf := make([]byte, (last-id+1)*c.ps)
		if _, err := c.f.ReadAt(buf, int64(id*c.ps)); err != nil {
			return nil, fmt.Errorf("read page %d: %v", id, err)
		}
		return buf, nil
	case flag == leafFlag:
		return c.scratch, nil
	default:
		return bytes.Clone(c.scratch), nil
	}
}

// freelist reads the freelist page and marks the pages it names free.
func (c *checker) freelist(id uint64) error {
	p, err := c.page(id, freelistFlag)
	if err != nil {
		return err
	}
	start, count := uint64(pageHeaderSize), uint64(ne.Uint16(p[10:]))
	if count == 0xFFFF {
		// More than 64k ids: the count is the first element.
		count = ne.Uint64(p[start:])
		start += 8
	}
	if count > (uint64(len(p))-start)/8 {
		return fmt.Errorf("the freelist page %d claims %d ids", id, count)
	}
	for i := range count {
		free := ne.Uint64(p[start+8*i:])
		switch {
		case free < 2 || free >= c.hwm:
			return fmt.Errorf("the freelist names page %d, outside the file's %d pages", free, c.hwm)
		case c.free[free]:
			return fmt.Errorf("the freelist names page %d twice", free)
		case c.used[free]:
			return fmt.Errorf("page %d is in use and free", free)
		}
		c.free[free] = true
	}
	return nil
}

// tree checks the branch or leaf page id, whose keys must lie in [lo, hi)
// (nil: no bound), and every page below it, sub-buckets included.
func (c *checker) tree(id uint64, lo, hi []byte, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("the tree is deeper than %d pages at page %d", maxDepth, id)
	}
	p, err := c.page(id, branchFlag, leafFlag)
	if err != nil {
		return err
	}
	if ne.Uint16(p[8:]) == leafFlag {
		// p may be c.scratch: check the leaf, then the buckets it holds.
		roots, err := leaf(p, id, lo, hi)
		if err != nil {
			return err
		}
		for _, root := range roots {
			if err := c.tree(root, nil, nil, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	var keys []element
	err = forElements(p, id, func(e element) error {
		keys = append(keys, e)
		return nil
	})
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return fmt.Errorf("the branch page %d is empty", id)
	}
	if err := inOrder(keys, lo, hi, id); err != nil {
		return err
	}
	for i, k := range keys {
		next := hi
		if i+1 < len(keys) {
			next = keys[i+1].key
		}
		if err := c.tree(k.child, k.key, next, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// leaf checks the leaf page p (page id, for messages), whose keys must
// lie in [lo, hi), and the inline buckets in it, and returns the root
// pages of the other buckets it holds.
func leaf(p []byte, id uint64, lo, hi []byte) (roots []uint64, err error) {
	var prev []byte
	first := true
	err = forElements(p, id, func(e element) error {
		switch {
		case first && lo != nil && bytes.Compare(e.key, lo) < 0,
			!first && bytes.Compare(prev, e.key) >= 0,
			hi != nil && bytes.Compare(e.key, hi) >= 0:
			return fmt.Errorf("a key of page %d is out of order", id)
		}
		first, prev = false, e.key
		if e.flags&bucketFlag == 0 {
			return nil
		}
		if len(e.value) < bucketHeader {
			return fmt.Errorf("a bucket on page %d has a value of %d bytes", id, len(e.value))
		}
		if root := ne.Uint64(e.value); root != 0 {
			roots = append(roots, root)
			return nil
		}
		// An inline bucket: a leaf page inside the value, which bbolt
		// writes only for buckets without sub-buckets.
		inline := e.value[bucketHeader:]
		if len(inline) < pageHeaderSize || ne.Uint16(inline[8:]) != leafFlag {
			return fmt.Errorf("an inline bucket on page %d is not a leaf", id)
		}
		sub, err := leaf(inline, id, nil, nil)
		if err == nil && len(sub) > 0 {
			err = fmt.Errorf("an inline bucket on page %d holds a bucket", id)
		}
		return err
	})
	return roots, err
}

// element is one entry of a branch or leaf page.
type element struct {
	key, value []byte
	flags      uint32
	child      uint64
}

// forElements decodes the elements of the branch or leaf page p (page
// id, for messages) in order, checking that each lies inside the page.
func forElements(p []byte, id uint64, fn func(element) error) error {
	count := uint64(ne.Uint16(p[10:]))
	size := uint64(len(p))
	if pageHeaderSize+count*elementSize > size {
		return fmt.Errorf("page %d claims %d elements", id, count)
	}
	branch := ne.Uint16(p[8:]) == branchFlag
	for i := range count {
		at := pageHeaderSize + i*elementSize
		el := p[at:]
		var e element
		var pos, ksize, vsize uint64
		if branch {
			pos, ksize = uint64(ne.Uint32(el[0:])), uint64(ne.Uint32(el[4:]))
			e.child = ne.Uint64(el[8:])
		} else {
			e.flags = ne.Uint32(el[0:])
			pos, ksize, vsize = uint64(ne.Uint32(el[4:])), uint64(ne.Uint32(el[8:])), uint64(ne.Uint32(el[12:]))
		}
		if at+pos+ksize+vsize > size {
			return fmt.Errorf("element %d of page %d lies outside it", i, id)
		}
		k := at + pos
		e.key = p[k : k+ksize]
		e.value = p[k+ksize : k+ksize+vsize]
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// inOrder checks that the keys rise strictly and lie in [lo, hi).
func inOrder(es []element, lo, hi []byte, id uint64) error {
	for i, e := range es {
		switch {
		case i == 0 && lo != nil && bytes.Compare(e.key, lo) < 0,
			i > 0 && bytes.Compare(es[i-1].key, e.key) >= 0,
			hi != nil && bytes.Compare(e.key, hi) >= 0:
			return fmt.Errorf("key %d of page %d is out of order", i, id)
		}
	}
	return nil
}

// fileSize is the size of an open file.
func fileSize(f *os.File) (int64, error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}
