package locales

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
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

// TestCheckFactsFindsWhatATranslationChanged gives French a message that
// changes one fact of the English each time: the check names the fact.
func TestCheckFactsFindsWhatATranslationChanged(t *testing.T) {
	en := "language_name = \"English\"\n" +
		"[call]\nother = \"Call <b>+383 38 000 000</b> or write to info@crpk.org, then send /start.\"\n" +
		"[help_button]\nother = \"🆘 Free help\"\n"
	tests := []struct {
		name, call, button, want string
	}{
		{"nothing changed", "Appelez le <b>+383 38 000 000</b> ou écrivez à info@crpk.org, puis envoyez /start.", "🆘 Aide gratuite", ""},
		{"a phone number", "Appelez le <b>+383 38 000 001</b> ou écrivez à info@crpk.org, puis envoyez /start.", "🆘 Aide gratuite", "has the numbers"},
		{"an e-mail address", "Appelez le <b>+383 38 000 000</b> ou écrivez à info@crpk.fr, puis envoyez /start.", "🆘 Aide gratuite", "has the addresses"},
		{"a tag", "Appelez le +383 38 000 000 ou écrivez à info@crpk.org, puis envoyez /start.", "🆘 Aide gratuite", "has the tags"},
		{"a command", "Appelez le <b>+383 38 000 000</b> ou écrivez à info@crpk.org, puis envoyez /démarrer.", "🆘 Aide gratuite", "has the commands"},
		{"a button's icon", "Appelez le <b>+383 38 000 000</b> ou écrivez à info@crpk.org, puis envoyez /start.", "Aide gratuite", "starts with"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fr := fmt.Sprintf("language_name = \"Français\"\n[call]\nother = %q\n[help_button]\nother = %q\n", tt.call, tt.button)
			c, err := LoadFS(fstest.MapFS{"active.en.toml": {Data: []byte(en)}, "active.fr.toml": {Data: []byte(fr)}})
			if err != nil {
				t.Fatal(err)
			}
			got := c.CheckFacts()
			switch {
			case tt.want == "" && len(got) > 0:
				t.Errorf("got %v, want no problem", got)
			case tt.want != "" && (len(got) != 1 || !strings.Contains(got[0].String(), tt.want)):
				t.Errorf("got %v, want one problem that says %q", got, tt.want)
			}
		})
	}
}
