package data

import "slices"

// deleted marks a key forgotten since the index was built.
const deleted = 0xFF

// maxTags is how many distinct language tags a store can hold: codes 0 to
// 254, with 255 for deleted.
const maxTags = deleted

// index is every stored choice in memory, 9 bytes a user: the keys read at
// Open in one sorted slice (bbolt returns them in order), and the changes
// since in a small map that is folded in when it grows.
type index struct {
	keys   []uint64 // sorted
	codes  []uint8  // codes[i] is the choice of keys[i]
	recent map[uint64]uint8
	tags   []string // code -> tag
	foldAt int
}

// foldAt is the size at which recent changes are merged into the slices:
// large enough that merging (a copy of the slices) is rare, small enough
// that the map stays a few megabytes.
const foldAt = 1 << 16

func newIndex() *index { return &index{recent: map[uint64]uint8{}, foldAt: foldAt} }

// code returns the code of tag, adding the tag if it is new.
func (x *index) code(tag string) (uint8, bool) {
	if i := slices.Index(x.tags, tag); i >= 0 {
		return uint8(i), true
	}
	if len(x.tags) >= maxTags {
		return 0, false
	}
	x.tags = append(x.tags, tag)
	return uint8(len(x.tags) - 1), true
}

// appendSorted adds a key read from the file, in key order.
func (x *index) appendSorted(k uint64, code uint8) {
	x.keys = append(x.keys, k)
	x.codes = append(x.codes, code)
}

// get returns the tag stored for k, or "".
func (x *index) get(k uint64) string {
	c, ok := x.recent[k]
	if !ok {
		i, found := slices.BinarySearch(x.keys, k)
		if !found {
			return ""
		}
		c = x.codes[i]
	}
	if c == deleted {
		return ""
	}
	return x.tags[c]
}

func (x *index) set(k uint64, code uint8) {
	x.recent[k] = code
	if len(x.recent) >= x.foldAt {
		x.fold()
	}
}

func (x *index) forget(k uint64) { x.set(k, deleted) }

// fold merges the recent changes into the sorted slices.
func (x *index) fold() {
	changes := make([]uint64, 0, len(x.recent))
	for k := range x.recent {
		changes = append(changes, k)
	}
	slices.Sort(changes)
	keys := make([]uint64, 0, len(x.keys)+len(changes))
	codes := make([]uint8, 0, cap(keys))
	i, j := 0, 0
	for i < len(x.keys) || j < len(changes) {
		var k uint64
		var c uint8
		switch {
		case j == len(changes) || (i < len(x.keys) && x.keys[i] < changes[j]):
			k, c = x.keys[i], x.codes[i]
			i++
		default:
			k, c = changes[j], x.recent[changes[j]]
			if i < len(x.keys) && x.keys[i] == k {
				i++
			}
			j++
		}
		if c != deleted {
			keys = append(keys, k)
			codes = append(codes, c)
		}
	}
	x.keys, x.codes, x.recent = keys, codes, map[uint64]uint8{}
}

// counts returns how many keys hold each tag.
func (x *index) counts() map[string]int {
	per := make([]int, len(x.tags))
	for i, k := range x.keys {
		if _, changed := x.recent[k]; !changed {
			per[x.codes[i]]++
		}
	}
	for _, c := range x.recent {
		if c != deleted {
			per[c]++
		}
	}
	out := map[string]int{}
	for i, n := range per {
		if n > 0 {
			out[x.tags[i]] = n
		}
	}
	return out
}
