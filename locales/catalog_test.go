package locales

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func load(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestEveryLanguageHasEveryMessage makes a missing or extra message, or a
// template field that differs from English, a test failure instead of a
// gap on a user's screen.
func TestEveryLanguageHasEveryMessage(t *testing.T) {
	c := load(t)
	if n := len(c.IDs(Default)); n < 50 {
		t.Fatalf("English has only %d messages", n)
	}
	for _, p := range c.CheckComplete() {
		t.Error(p)
	}
}

// TestPluralFormsAreComplete counts 0 to 199 of every unit in every
// language.
func TestPluralFormsAreComplete(t *testing.T) {
	for _, p := range load(t).CheckPlurals() {
		t.Error(p)
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
