package flows

import "testing"

// FuzzParse feeds any bytes as callback data: Parse never panics and
// always names a node that exists, or a language on offer.
func FuzzParse(f *testing.F) {
	tree := New(testLangs, DefaultContent())
	f.Fuzz(func(t *testing.T, data string) {
		a := tree.Parse(data)
		switch a.Kind {
		case Navigate:
			if _, ok := tree.Node(a.Target); !ok {
				t.Fatalf("Parse(%q) = %+v: no such node", data, a)
			}
		case SetLanguage:
			if !tree.HasLanguage(a.Lang) {
				t.Fatalf("Parse(%q) = %+v: no such language", data, a)
			}
		case ShowMonth:
			if a.Date.Month < 1 || a.Date.Month > 12 || a.Date.Year < FirstYear {
				t.Fatalf("Parse(%q) = %+v: no such month", data, a)
			}
		case PickDay:
			if !a.Date.Valid() || a.Date.Year < FirstYear {
				t.Fatalf("Parse(%q) = %+v: no such day", data, a)
			}
		case Noop:
		default:
			t.Fatalf("Parse(%q) = %+v: unknown kind", data, a)
		}
	})
}
