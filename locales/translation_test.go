package locales

import (
	"slices"
	"testing"
)

// TestTranslationsKeepTheFacts: every number, address, tag, command and
// button icon as in English.
func TestTranslationsKeepTheFacts(t *testing.T) {
	for _, p := range load(t).CheckFacts() {
		t.Error(p)
	}
}

// TestNothingLeftInEnglish: no message of another language is the English
// text.
func TestNothingLeftInEnglish(t *testing.T) {
	for _, p := range load(t).CheckTranslated() {
		t.Error(p)
	}
}

// TestFilesHaveAGlossary: each hand-written file starts with its glossary.
func TestFilesHaveAGlossary(t *testing.T) {
	for _, p := range load(t).CheckGlossaryHeader() {
		t.Error(p)
	}
}

func TestBareLTRRuns(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"اتصل بـ CRPK الآن", nil},
		{"اتصل على 112", nil},
		{"المادة \u206852(1)\u2069 من القانون", nil},
		{"المادة 52(1) من القانون", []string{"52(1)"}},
		{"الهاتف +383 38 243 610", []string{"383 38 243 610"}},
		{"DCAM (DSHAM) إدارة", []string{"DCAM (DSHAM)"}},
	}
	for _, tt := range tests {
		if got := bareLTRRuns(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("bareLTRRuns(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestRightToLeftTextIsolatesLeftToRightRuns: in Arabic and Farsi every
// phone number, address and citation sits in an isolate.
func TestRightToLeftTextIsolatesLeftToRightRuns(t *testing.T) {
	for _, p := range load(t).CheckRightToLeft() {
		t.Error(p)
	}
}

// TestProfileTextsFitTelegram: the plain texts within Telegram's limits.
func TestProfileTextsFitTelegram(t *testing.T) {
	for _, p := range load(t).CheckPlainTexts() {
		t.Error(p)
	}
}

// TestGlossaryRules checks glossary.toml's mechanical rules in every
// language file, and that breaking one is caught.
func TestGlossaryRules(t *testing.T) {
	c := load(t)
	for _, p := range c.CheckGlossaryRules(c.Rules()) {
		t.Error(p)
	}
	broken := c.Rules()["fr"]
	broken.Free = "gratuit pour tous"
	got := c.CheckGlossary("fr", broken)
	if len(got) != 1 || got[0].ID != "help_crpk_button" || got[0].Line == 0 {
		t.Errorf("a CRPK button without its word for free gave %v, want one problem at its line", got)
	}
}
