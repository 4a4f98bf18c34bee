package render

import (
	"testing"

	"asylumguide/flows"
)

// BenchmarkRenderScreen renders one screen (text, contact block and
// keyboard) in each language, as start-up does for every screen.
func BenchmarkRenderScreen(b *testing.B) {
	s := testScreens(b)
	fs := s.tree.Screen(flows.HelpCRPK)
	for _, l := range s.langs {
		b.Run(l.Tag, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.render(l, fs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkNewScreens renders the whole guide in every language: the
// start-up cost.
func BenchmarkNewScreens(b *testing.B) {
	cat := testScreens(b).cat
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(cat, flows.DefaultContent()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScreenLookup is what an update costs to find its screen, per
// language.
func BenchmarkScreenLookup(b *testing.B) {
	s := testScreens(b)
	for _, tag := range s.Tags() {
		b.Run(tag, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if sc := s.Get(tag, flows.AppealDeadline); sc == nil {
					b.Fatal("no screen")
				}
			}
		})
	}
}
