package locales

import (
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// forms returns a message's text in every plural form it has, joined, so
// that a check sees all of them.
func forms(m *i18n.Message) string {
	return strings.Join([]string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other}, "\n")
}

var (
	digitRun   = regexp.MustCompile(`[0-9]+`)
	linkOrMail = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[a-z]{2,}|https?://[^\s"<>]+|\b[a-z0-9-]+\.(?:crpkosovo\.)?org\b`)
	htmlTag    = regexp.MustCompile(`</?[a-z-]+`)
	command    = regexp.MustCompile(`(?:^|[\s\x{2066}-\x{2069}])/[a-z]+`)
)

// sameMultiset reports whether a and b hold the same items, in any order.
func sameMultiset(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestTranslationsKeepTheFacts checks, message by message, that each
// language keeps what must never change in translation: every number
// (articles, days, phone numbers, years), every e-mail and web address,
// the formatting tags and the commands. Dates and counts come from
// template fields, so a number in the text is a fact copied from English.
func TestTranslationsKeepTheFacts(t *testing.T) {
	eachTranslation(t, func(l Language, id string, en, m *i18n.Message) {
		want, got := en.Other, m.Other
		if w, g := digitRun.FindAllString(want, -1), digitRun.FindAllString(got, -1); !sameMultiset(w, g) {
			t.Errorf("%s: %s has the numbers %v; English has %v", l.Tag, id, g, w)
		}
		if w, g := linkOrMail.FindAllString(want, -1), linkOrMail.FindAllString(got, -1); !sameMultiset(w, g) {
			t.Errorf("%s: %s has the addresses %v; English has %v", l.Tag, id, g, w)
		}
		if w, g := htmlTag.FindAllString(want, -1), htmlTag.FindAllString(got, -1); !sameMultiset(w, g) {
			t.Errorf("%s: %s has the tags %v; English has %v", l.Tag, id, g, w)
		}
		if w, g := command.FindAllString(want, -1), command.FindAllString(got, -1); !sameMultiset(trimAll(w), trimAll(g)) {
			t.Errorf("%s: %s has the commands %v; English has %v", l.Tag, id, g, w)
		}
		if strings.HasSuffix(id, "_button") || strings.HasPrefix(id, "nav_") || id == "contact_website" || id == "contact_map" {
			w, g := leadingSymbol(want), leadingSymbol(got)
			if l.RTL && id == "nav_back" && g == "➡️" {
				// Back points right in a right-to-left language.
				w = g
			}
			if w != g {
				t.Errorf("%s: button %s starts with %q; English starts with %q (keep the icon so people find it in any language)", l.Tag, id, g, w)
			}
		}
	})
}

// eachTranslation calls f for every message of every language but
// English, with its English original. A missing message is skipped here:
// TestEveryLanguageHasEveryMessage reports it.
func eachTranslation(t *testing.T, f func(l Language, id string, en, m *i18n.Message)) {
	c := load(t)
	for _, l := range c.Languages() {
		if l.Tag == Default {
			continue
		}
		for _, id := range c.IDs(Default) {
			en, _ := c.Message(Default, id)
			if m, ok := c.Message(l.Tag, id); ok {
				f(l, id, en, m)
			}
		}
	}
}

func trimAll(ss []string) []string {
	for i, s := range ss {
		ss[i] = strings.TrimLeft(s, " \t\n\u2066\u2067\u2068\u2069")
	}
	return ss
}

// leadingSymbol is the icon a button label starts with, if any.
func leadingSymbol(s string) string {
	r, _ := utf8.DecodeRuneInString(s)
	if unicode.IsLetter(r) || unicode.IsDigit(r) {
		return ""
	}
	sym, _, _ := strings.Cut(s, " ")
	return sym
}

// sameAsEnglish lists the messages that may equal English in a language:
// formats made only of template fields, and words the language borrows.
var sameAsEnglish = map[string][]string{
	"*":       {"date_day_month_year", "date_month_year", "unit_days", "unit_months", "unit_years", "contact_label"},
	"sr-Latn": {"contact_email"},
	"sr-Cyrl": {},
	"sq":      {"contact_email"},
	"fr":      {"contact_email", "weekday_1", "weekday_4", "weekday_6"},
	"tr":      {"contact_email"},
	"uk":      {},
	"ar":      {},
	"fa":      {},
}

// TestNothingLeftInEnglish fails when a message in another language is
// the English text: an untranslated message is English leaking into a
// screen the reader cannot read.
func TestNothingLeftInEnglish(t *testing.T) {
	eachTranslation(t, func(l Language, id string, en, m *i18n.Message) {
		if slices.Contains(sameAsEnglish["*"], id) || slices.Contains(sameAsEnglish[l.Tag], id) {
			return
		}
		if strings.TrimSpace(forms(m)) == strings.TrimSpace(forms(en)) {
			t.Errorf("%s: %s is the English text %q", l.Tag, id, en.Other)
		}
	})
}

// TestFilesHaveAGlossary checks each hand-written file starts with its
// glossary of legal terms, which translators and reviewers keep to.
func TestFilesHaveAGlossary(t *testing.T) {
	names, err := fs.Glob(files, "active.*.toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		raw, _ := fs.ReadFile(files, name)
		head, _, _ := strings.Cut(string(raw), "\n[")
		if !strings.Contains(head, "Glossary") || strings.Count(head, "\n#") < 10 {
			t.Errorf("%s: the comments before the first message should hold a glossary of the legal terms", name)
		}
	}
}

// isolates and pops are the Unicode controls that start and end an
// isolated run of text.
const (
	lri, rli, fsiMark, pdiMark = '\u2066', '\u2067', '\u2068', '\u2069'
)

// ltrRun finds a run of left-to-right material: Latin letters and digits
// joined by the punctuation that addresses, phone numbers and citations
// use.
var ltrRun = regexp.MustCompile(`[A-Za-z0-9ëËçÇ][A-Za-z0-9ëËçÇ .,:/@+()§–_'-]*[A-Za-z0-9ëËçÇ)]`)

// bareLTRRuns returns the left-to-right runs of s that are outside an
// isolate and would be reordered by the bidi algorithm: those that mix
// letters with digits, or hold spaces or punctuation. A plain word
// ("CRPK") or a plain number ("112") is safe on its own.
func bareLTRRuns(s string) []string {
	var out []string
	depth := 0
	var outside strings.Builder
	flush := func() {
		for _, run := range ltrRun.FindAllString(outside.String(), -1) {
			if strings.ContainsAny(run, " .,:/@+()§–_'-") || (strings.ContainsAny(run, "0123456789") && strings.IndexFunc(run, unicode.IsLetter) >= 0) {
				out = append(out, run)
			}
		}
		outside.Reset()
	}
	for _, r := range s {
		switch r {
		case lri, rli, fsiMark:
			if depth == 0 {
				flush()
			}
			depth++
			continue
		case pdiMark:
			if depth > 0 {
				depth--
			}
			continue
		}
		if depth == 0 {
			outside.WriteRune(r)
		}
	}
	flush()
	return out
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

// TestRightToLeftTextIsolatesLeftToRightRuns checks that in Arabic and
// Farsi every phone number, address, citation and acronym with
// punctuation sits in a Unicode isolate (FSI … PDI), so a phone shows it
// in order inside right-to-left text.
func TestRightToLeftTextIsolatesLeftToRightRuns(t *testing.T) {
	c := load(t)
	for _, l := range c.Languages() {
		if !l.RTL {
			continue
		}
		for _, id := range c.IDs(l.Tag) {
			m, _ := c.Message(l.Tag, id)
			text := htmlTag.ReplaceAllString(forms(m), "")
			text = strings.NewReplacer(">", " ", "{{", " ", "}}", " ").Replace(text)
			text = regexp.MustCompile(`\.[A-Z][A-Za-z]*`).ReplaceAllString(text, "")
			for _, run := range bareLTRRuns(text) {
				t.Errorf("%s: %s: %q is not isolated; wrap it in U+2068 … U+2069", l.Tag, id, run)
			}
			if depth := strings.Count(text, string(fsiMark)) + strings.Count(text, string(lri)) + strings.Count(text, string(rli)) - strings.Count(text, string(pdiMark)); depth != 0 {
				t.Errorf("%s: %s opens %d more isolates than it closes", l.Tag, id, depth)
			}
		}
	}
}

// TestProfileTextsFitTelegram checks the texts Telegram shows outside a
// chat: plain text within Telegram's limits (description 512, short
// description 120, command description 256, pop-up 200) and, for pop-ups
// and profile texts, no markup.
func TestProfileTextsFitTelegram(t *testing.T) {
	c := load(t)
	limits := map[string]int{
		"bot_description": 512, "bot_short_description": 120, "language_saved": 200, "appeal_days_future": 200,
		"cmd_menu": 256, "cmd_language": 256, "cmd_help": 256, "cmd_privacy": 256, "cmd_forget": 256,
		"poster_title": 80, "poster_privacy": 80,
	}
	for _, l := range c.Languages() {
		for id, max := range limits {
			s, err := c.Text(l.Tag, id, nil)
			if err != nil {
				t.Errorf("%s: %s: %v", l.Tag, id, err)
				continue
			}
			s = strings.TrimSpace(s)
			if n := utf8.RuneCountInString(s); n > max || n == 0 {
				t.Errorf("%s: %s is %d characters; Telegram takes 1 to %d", l.Tag, id, n, max)
			}
			if strings.ContainsAny(s, "<>&") {
				t.Errorf("%s: %s is shown as plain text and must have no markup: %q", l.Tag, id, s)
			}
		}
	}
}

// TestGlossaryRules checks glossary.toml's mechanical rules in every
// language file: "free" on the CRPK button, the local names of UNHCR, ICRC
// and KRCT before their acronyms, and the local forms of place names. A
// language file without rules is an error too.
func TestGlossaryRules(t *testing.T) {
	c := load(t)
	b, err := files.ReadFile("glossary.toml")
	if err != nil {
		t.Fatal(err)
	}
	rules, err := ParseGlossary(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range c.Languages() {
		tag := l.Tag
		if tag == "sr-Cyrl" {
			continue // made from sr-Latn, whose rules hold
		}
		rule, ok := rules[tag]
		if !ok {
			t.Errorf("glossary.toml has no rules for %s", tag)
			continue
		}
		for _, p := range c.CheckGlossary(tag, rule) {
			t.Error(p)
		}
	}
	broken := rules["fr"]
	broken.Free = "gratuit pour tous"
	if got := c.CheckGlossary("fr", broken); len(got) != 1 {
		t.Errorf("a CRPK button without its word for free gave %q, want one problem", got)
	}
}
