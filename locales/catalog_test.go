package locales

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

func load(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var fieldPattern = regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)

// fields returns the template fields a message uses, in any plural form.
func fields(m *i18n.Message) []string {
	var out []string
	for _, form := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
		for _, f := range fieldPattern.FindAllStringSubmatch(form, -1) {
			if !slices.Contains(out, f[1]) {
				out = append(out, f[1])
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestEveryLanguageHasEveryMessage makes a missing or extra message, or a
// template field that differs from English, a test failure instead of an
// English fallback on a user's screen.
func TestEveryLanguageHasEveryMessage(t *testing.T) {
	c := load(t)
	want := c.IDs(Default)
	if len(want) < 50 {
		t.Fatalf("English has only %d messages", len(want))
	}
	for _, l := range c.Languages() {
		got := c.IDs(l.Tag)
		for _, id := range want {
			if !slices.Contains(got, id) {
				t.Errorf("%s: message %q missing", l.Tag, id)
				continue
			}
			en, _ := c.Message(Default, id)
			m, _ := c.Message(l.Tag, id)
			if f, w := fields(m), fields(en); !slices.Equal(f, w) {
				t.Errorf("%s: %s uses fields %v, English uses %v", l.Tag, id, f, w)
			}
			if m.Other == "" {
				t.Errorf("%s: %s has no text", l.Tag, id)
			}
		}
		for _, id := range got {
			if !slices.Contains(want, id) {
				t.Errorf("%s: message %q is not in English (a typo, or stale?)", l.Tag, id)
			}
		}
	}
}

// TestPluralFormsAreComplete counts 0 to 1000 of every unit in every
// language: a plural form the language's CLDR rules need but the file
// lacks is an error here.
func TestPluralFormsAreComplete(t *testing.T) {
	c := load(t)
	for _, l := range c.Languages() {
		for _, unit := range []string{"unit_days", "unit_months", "unit_years"} {
			for n := range 1001 {
				s, err := c.Count(l.Tag, unit, n)
				if err != nil {
					t.Errorf("%s: %s with %d: %v", l.Tag, unit, n, err)
					break
				}
				// One and two may be words ("يومان", "two days"); any
				// other count must show its digits.
				if n > 2 && !strings.Contains(s, strconv.Itoa(n)) {
					t.Errorf("%s: %s with %d = %q, which does not show the number", l.Tag, unit, n, s)
					break
				}
			}
		}
	}
}

func TestTextErrors(t *testing.T) {
	c := load(t)
	if _, err := c.Text("en", "no_such_message", nil); err == nil {
		t.Error("Text of a missing message succeeded")
	}
	if _, err := c.Text("xx", "main_body", nil); err == nil {
		t.Error("Text in a missing language succeeded")
	}
	if _, err := c.Text("en", "apply_decision_body", map[string]any{"Decision": "6 months"}); err == nil {
		t.Error("Text with a missing template field succeeded; it would show <no value>")
	}
}

func TestMatchEnglishAndNone(t *testing.T) {
	c := load(t)
	tests := []struct {
		code string
		want string // "" for no match
	}{
		{"en", "en"},
		{"en-US", "en"},
		{"en-gb", "en"},
		{"ru", ""},
		{"be", ""},
		{"zxx", ""}, // never a language of the guide
		{"pt-br", ""},
		{"", ""},
		{"garbage!!", ""},
		{"x", ""},
		{strings.Repeat("en-", 40), ""},
	}
	for _, tt := range tests {
		l, ok := c.Match(tt.code)
		if got := l.Tag; got != tt.want || ok != (tt.want != "") {
			t.Errorf("Match(%q) = %q, %v; want %q", tt.code, got, ok, tt.want)
		}
	}
}

func TestLoadRejectsBrokenFiles(t *testing.T) {
	en := []byte("language_name = \"English\"\n[language_saved]\nother = \"ok\"\n")
	tests := []struct {
		name  string
		files fstest.MapFS
		want  string
	}{
		{"no English", fstest.MapFS{"active.fr.toml": {Data: []byte("language_name = \"Français\"\n")}}, "no active.en.toml"},
		{"bad TOML", fstest.MapFS{"active.en.toml": {Data: []byte("[oops")}}, "active.en.toml"},
		{"no language name", fstest.MapFS{"active.en.toml": {Data: en}, "active.fr.toml": {Data: []byte("[x]\nother = \"y\"\n")}}, "language_name"},
		{"non-canonical tag", fstest.MapFS{"active.en.toml": {Data: en}, "active.sr-latn.toml": {Data: []byte("language_name = \"Srpski\"\n")}}, "not canonical"},
	}
	for _, tt := range tests {
		_, err := LoadFS(tt.files)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: LoadFS error = %v, want one mentioning %q", tt.name, err, tt.want)
		}
	}
}

func TestLanguagesInPickerOrder(t *testing.T) {
	c := load(t)
	var tags []string
	for _, l := range c.Languages() {
		tags = append(tags, l.Tag)
	}
	var want []string
	for _, tag := range order {
		if slices.Contains(tags, tag) {
			want = append(want, tag)
		}
	}
	if !slices.Equal(tags[:len(want)], want) {
		t.Errorf("Languages() = %v, want CRPK's order %v first", tags, want)
	}
}
