package data

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestIndexAgreesWithAMap runs random stores, forgets and folds against a
// plain map and checks every answer.
func TestIndexAgreesWithAMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	tags := []string{"sq", "sr-Latn", "sr-Cyrl", "en", "uk", "ar", "tr", "fa", "fr"}
	x := newIndex()
	x.foldAt = 500 // fold often
	want := map[uint64]string{}
	// A sorted start, as read from the file.
	var start []uint64
	for range 5000 {
		start = append(start, rng.Uint64()%50000)
	}
	slices.Sort(start)
	start = slices.Compact(start)
	for _, k := range start {
		tag := tags[rng.IntN(len(tags))]
		c, _ := x.code(tag)
		x.appendSorted(k, c)
		want[k] = tag
	}
	for step := range 300_000 {
		k := rng.Uint64() % 50000
		switch rng.IntN(3) {
		case 0:
			tag := tags[rng.IntN(len(tags))]
			c, _ := x.code(tag)
			x.set(k, c)
			want[k] = tag
		case 1:
			x.forget(k)
			delete(want, k)
		default:
			if got := x.get(k); got != want[k] {
				t.Fatalf("step %d: get(%d) = %q, want %q", step, k, got, want[k])
			}
		}
	}
	x.fold()
	counts := map[string]int{}
	for k, tag := range want {
		if got := x.get(k); got != tag {
			t.Fatalf("after fold, get(%d) = %q, want %q", k, got, tag)
		}
		counts[tag]++
	}
	got := x.counts()
	for tag, n := range counts {
		if got[tag] != n {
			t.Errorf("counts[%s] = %d, want %d", tag, got[tag], n)
		}
	}
	if !slices.IsSorted(x.keys) {
		t.Error("keys not sorted after fold")
	}
}
