package locales

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"asylumguide/flows"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// Problem is one thing wrong in a message file (see flows.Problem).
type Problem = flows.Problem

// problem makes a Problem about message id of language tag.
func (c *Catalog) problem(tag, id, what, fix string) Problem {
	file, line := c.Locate(tag, id)
	return Problem{File: file, Line: line, ID: id, What: what, Fix: fix}
}

// source is the file a language was read from.
type source struct {
	name string // file name
	tag  string // the language the file itself is in
	text string
}

// line is the line of message id in the file: its [id] table, or its
// "id =" key.
func (s source) line(id string) int {
	if id == "" {
		return 0
	}
	for i, l := range strings.Split(s.text, "\n") {
		l = strings.TrimSpace(l)
		if l == "["+id+"]" || strings.HasPrefix(l, id+" =") || strings.HasPrefix(l, id+"=") {
			return i + 1
		}
	}
	return 0
}

// Check runs every check a language file must pass before the guide
// shows it, on every language: the same checks the tests run and the bot
// runs at start, with the glossary rules read with the messages.
func (c *Catalog) Check() []Problem {
	rules := c.rules
	var out []Problem
	for _, check := range []func() []Problem{
		c.CheckComplete, c.CheckPlurals, c.CheckFacts, c.CheckTranslated,
		c.CheckGlossaryHeader, c.CheckRightToLeft, c.CheckPlainTexts,
		func() []Problem { return c.CheckGlossaryRules(rules) },
	} {
		out = append(out, check()...)
	}
	return out
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

// forms returns a message's text in every plural form it has, joined, so
// that a check sees all of them.
func forms(m *i18n.Message) string {
	return strings.Join([]string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other}, "\n")
}

// CheckComplete reports a message missing or extra beside English, a
// template field that differs from English, and an empty message: each
// would show a reader a gap.
func (c *Catalog) CheckComplete() []Problem {
	var out []Problem
	want := c.IDs(Default)
	for _, l := range c.Languages() {
		got := c.IDs(l.Tag)
		for _, id := range want {
			if !slices.Contains(got, id) {
				out = append(out, c.problem(l.Tag, "", "message "+id+" is missing", "copy ["+id+"] from active.en.toml and translate it"))
				continue
			}
			en, _ := c.Message(Default, id)
			m, _ := c.Message(l.Tag, id)
			if f, w := fields(m), fields(en); !slices.Equal(f, w) {
				out = append(out, c.problem(l.Tag, id, fmt.Sprintf("uses the fields %v; English uses %v", f, w), "keep each {{.Field}} exactly as in English, translate the words around it"))
			}
			if strings.TrimSpace(m.Other) == "" {
				out = append(out, c.problem(l.Tag, id, "has no text", "write the translation in other = \"…\""))
			}
		}
		for _, id := range got {
			if !slices.Contains(want, id) {
				out = append(out, c.problem(l.Tag, id, "is not in English", "a typo in the id, or a message English no longer has: fix the id or delete it"))
			}
		}
	}
	return out
}

// units are the messages that count, with plural forms.
var units = []string{"unit_days", "unit_months", "unit_years"}

// CheckPlurals counts 0 to 199 of every unit in every language: a plural
// form the language's CLDR rules need but the file lacks, or a count that
// does not show its number, is a problem. The CLDR rules of this guide's
// languages look at a count, its last digit and its last two digits, so
// the counts to 199 take every form that any count below a million can
// take (a language whose rule looks further needs a larger range here).
func (c *Catalog) CheckPlurals() []Problem {
	var out []Problem
	for _, l := range c.Languages() {
		for _, unit := range units {
			if _, ok := c.Message(l.Tag, unit); !ok {
				continue // CheckComplete reports it
			}
			for n := range 200 {
				s, err := c.Count(l.Tag, unit, n)
				if err != nil {
					out = append(out, c.problem(l.Tag, unit, fmt.Sprintf("cannot say %d: %v", n, err), "give every plural form your language needs (one, two, few, many, other)"))
					break
				}
				// One and two may be words ("يومان", "two days"); any
				// other count must show its digits.
				if n > 2 && !strings.Contains(s, strconv.Itoa(n)) {
					out = append(out, c.problem(l.Tag, unit, fmt.Sprintf("with %d gives %q, without the number", n, s), "keep {{.Count}} in every plural form"))
					break
				}
			}
		}
	}
	return out
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

// eachTranslation calls f for every message of every language but
// English, with its English original. A missing message is skipped:
// CheckComplete reports it.
func (c *Catalog) eachTranslation(f func(l Language, id string, en, m *i18n.Message)) {
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

// CheckFacts checks, message by message, that each language keeps what
// must never change in translation: every number (articles, days, phone
// numbers, years), every e-mail and web address, the formatting tags, the
// commands and the icon a button starts with.
func (c *Catalog) CheckFacts() []Problem {
	// English's facts are found once, not once for every language.
	enFacts := map[string]*facts{}
	var out []Problem
	c.eachTranslation(func(l Language, id string, en, m *i18n.Message) {
		w := enFacts[id]
		if w == nil {
			w = factsOf(en.Other)
			enFacts[id] = w
		}
		g := factsOf(m.Other)
		if !sameMultiset(w.numbers, g.numbers) {
			out = append(out, c.problem(l.Tag, id, fmt.Sprintf("has the numbers %v; English has %v", g.numbers, w.numbers), "copy every number, article and phone number exactly as in English"))
		}
		if !sameMultiset(w.addresses, g.addresses) {
			out = append(out, c.problem(l.Tag, id, fmt.Sprintf("has the addresses %v; English has %v", g.addresses, w.addresses), "copy every e-mail and web address exactly as in English"))
		}
		if !sameMultiset(w.tags, g.tags) {
			out = append(out, c.problem(l.Tag, id, fmt.Sprintf("has the tags %v; English has %v", g.tags, w.tags), "keep the same <b>, <i> and <a> tags as English"))
		}
		if !sameMultiset(trimAll(w.commands), trimAll(g.commands)) {
			out = append(out, c.problem(l.Tag, id, fmt.Sprintf("has the commands %v; English has %v", g.commands, w.commands), "keep each /command in Latin letters, as in English"))
		}
		if strings.HasSuffix(id, "_button") || strings.HasPrefix(id, "nav_") || id == "contact_website" || id == "contact_map" {
			w, g := leadingSymbol(en.Other), leadingSymbol(m.Other)
			if l.RTL && id == "nav_back" && g == "➡️" {
				// Back points right in a right-to-left language.
				w = g
			}
			if w != g {
				out = append(out, c.problem(l.Tag, id, fmt.Sprintf("starts with %q; English starts with %q", g, w), "keep the button's icon, so people find it in any language"))
			}
		}
	})
	return out
}

// facts are what a message must keep in translation.
type facts struct {
	numbers, addresses, tags, commands []string
}

func factsOf(s string) *facts {
	f := &facts{numbers: digitRun.FindAllString(s, -1), tags: htmlTag.FindAllString(s, -1)}
	// Most messages have no address or command: the cheap test first.
	if strings.ContainsAny(s, "@.:") {
		f.addresses = linkOrMail.FindAllString(s, -1)
	}
	if strings.Contains(s, "/") {
		f.commands = command.FindAllString(s, -1)
	}
	return f
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
	"sq":      {"contact_email"},
	"fr":      {"contact_email", "weekday_1", "weekday_4", "weekday_6"},
	"tr":      {"contact_email"},
}

// CheckTranslated reports a message of another language that is the
// English text: English leaking into a screen the reader cannot read.
func (c *Catalog) CheckTranslated() []Problem {
	var out []Problem
	c.eachTranslation(func(l Language, id string, en, m *i18n.Message) {
		if slices.Contains(sameAsEnglish["*"], id) || slices.Contains(sameAsEnglish[l.Tag], id) {
			return
		}
		if strings.TrimSpace(forms(m)) == strings.TrimSpace(forms(en)) {
			out = append(out, c.problem(l.Tag, id, "is the English text", "translate it"))
		}
	})
	return out
}

// CheckGlossaryHeader reports a hand-written file that does not start
// with its glossary of the legal terms, which translators and reviewers
// keep to.
func (c *Catalog) CheckGlossaryHeader() []Problem {
	var out []Problem
	for _, l := range c.Languages() {
		src := c.sources[l.Tag]
		if src.tag != l.Tag {
			continue
		}
		head, _, _ := strings.Cut(src.text, "\n[")
		if !strings.Contains(head, "Glossary") || strings.Count(head, "\n#") < 10 {
			out = append(out, c.problem(l.Tag, "", "has no glossary before its first message", "keep the comment block with the glossary of legal terms at the top of the file"))
		}
	}
	return out
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

var fieldName = regexp.MustCompile(`\.[A-Z][A-Za-z]*`)

// CheckRightToLeft checks that in Arabic and Farsi every phone number,
// address, citation and acronym with punctuation sits in a Unicode
// isolate (FSI … PDI), so a phone shows it in order inside right-to-left
// text.
func (c *Catalog) CheckRightToLeft() []Problem {
	var out []Problem
	for _, l := range c.Languages() {
		if !l.RTL {
			continue
		}
		for _, id := range c.IDs(l.Tag) {
			m, _ := c.Message(l.Tag, id)
			text := htmlTag.ReplaceAllString(forms(m), "")
			text = strings.NewReplacer(">", " ", "{{", " ", "}}", " ").Replace(text)
			text = fieldName.ReplaceAllString(text, "")
			for _, run := range bareLTRRuns(text) {
				out = append(out, c.problem(l.Tag, id, fmt.Sprintf("%q is not isolated", run), `wrap it in \u2068 … \u2069 so it reads left to right`))
			}
			if depth := strings.Count(text, string(fsiMark)) + strings.Count(text, string(lri)) + strings.Count(text, string(rli)) - strings.Count(text, string(pdiMark)); depth != 0 {
				out = append(out, c.problem(l.Tag, id, fmt.Sprintf("opens %d more isolates than it closes", depth), `close each \u2068 with \u2069`))
			}
		}
	}
	return out
}

// plainLimits are the texts Telegram shows outside a chat or in a pop-up,
// as plain text, with their limits in characters: profile texts, command
// descriptions, pop-ups and the printed poster's lines.
var plainLimits = map[string]int{
	"bot_description": 512, "bot_short_description": 120,
	"language_saved": 200, "language_not_saved": 200, "appeal_days_future": 200,
	"poster_title": 80, "poster_privacy": 80,
	"guide_caption": 200, "share_disclaimer": 200,
}

// CheckPlainTexts checks the texts Telegram shows as plain text: within
// its limits, and without markup. Command descriptions (cmd_*) take 256
// characters, cards (*_card) 200 and search words (*_search) 500.
func (c *Catalog) CheckPlainTexts() []Problem {
	var out []Problem
	for _, l := range c.Languages() {
		for _, id := range c.IDs(Default) {
			max, ok := plainLimits[id]
			switch {
			case ok:
			case strings.HasPrefix(id, "cmd_"):
				max = 256
			case strings.HasSuffix(id, "_card"):
				max = 200
			case strings.HasSuffix(id, "_search"):
				max = 500
			default:
				continue
			}
			m, ok := c.Message(l.Tag, id)
			if !ok {
				continue
			}
			s := strings.TrimSpace(m.Other)
			if n := utf8.RuneCountInString(s); n > max || n == 0 {
				out = append(out, c.problem(l.Tag, id, fmt.Sprintf("is %d characters; it may have 1 to %d", n, max), "shorten it"))
			}
			if strings.ContainsAny(s, "<>&") {
				out = append(out, c.problem(l.Tag, id, "is shown as plain text and must have no markup", "remove the <tags> and write & as a word"))
			}
		}
	}
	return out
}

// CheckGlossaryRules checks the mechanical glossary rules (glossary.toml)
// of every language file. A language without rules is a problem too.
func (c *Catalog) CheckGlossaryRules(rules map[string]GlossaryRule) []Problem {
	var out []Problem
	for _, l := range c.Languages() {
		if src := c.sources[l.Tag]; src.tag != l.Tag {
			continue // made from another file, whose rules hold
		}
		if rules == nil {
			return []Problem{{File: GlossaryFile, What: "is missing", Fix: "keep glossary.toml beside the language files"}}
		}
		rule, ok := rules[l.Tag]
		if !ok {
			out = append(out, Problem{File: GlossaryFile, What: "has no rules for " + l.Tag, Fix: "add [rules." + l.Tag + "] with free, names and places"})
			continue
		}
		for _, p := range c.CheckGlossary(l.Tag, rule) {
			p.File, p.Line = c.sources[l.Tag].name, c.sources[l.Tag].line(p.ID)
			out = append(out, p)
		}
	}
	return out
}
