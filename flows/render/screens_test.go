package render

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"asylumguide/flows"
	"asylumguide/locales"
)

// utf16Len is the length Telegram counts a message in, after parsing.
func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

func TestCheckTelegramHTML(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"<b>bold</b> and <i>it</i>", true},
		{`<a href="https://crpkosovo.org">crpkosovo.org</a>`, true},
		{"Tom &amp; Jerry &lt;3 &#8206;", true},
		{"<b>unclosed", false},
		{"<b><i>crossed</b></i>", false},
		{"<div>no</div>", false},
		{"Tom & Jerry", false},
		{"1 < 2", false},
		{`<a href="javascript:alert(1)">x</a>`, false},
		{`<b class="x">x</b>`, false},
	}
	for _, tt := range tests {
		if err := CheckHTML(tt.in); (err == nil) != tt.ok {
			t.Errorf("CheckHTML(%q) = %v, want ok=%v", tt.in, err, tt.ok)
		}
	}
}

// Phone layout limits, in UTF-16 units. A button alone in its row shows
// about 30 characters on a 360-pixel-wide phone; two in a row about 15
// each. Emoji count as they are encoded, which leaves a little margin.
const (
	maxLabelAlone  = 32
	maxLabelPaired = 17
	// maxScreen is the target length of a screen; Telegram's hard limit
	// is 4,096.
	maxScreen   = 1500
	telegramMax = 4096
)

// TestEveryScreenIsValid renders every node in every language and checks
// what a user would notice: valid markup, a message Telegram accepts,
// buttons that fit a phone and lead somewhere, and no gaps.
func TestEveryScreenIsValid(t *testing.T) {
	s := testScreens(t)
	for _, l := range s.langs {
		for _, sc := range s.All(l.Tag) {
			name := l.Tag + "/" + string(sc.Node)
			if err := CheckHTML(sc.Text); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			visible := PlainText(sc.Text)
			if n := utf16Len(visible); n > telegramMax {
				t.Errorf("%s: %d UTF-16 units, over Telegram's %d", name, n, telegramMax)
			} else if n > maxScreen {
				t.Errorf("%s: %d characters; keep a screen under %d so it reads on a phone", name, n, maxScreen)
			}
			if !utf8.ValidString(sc.Text) || strings.Contains(sc.Text, "<no value>") || strings.Contains(sc.Text, "{{") {
				t.Errorf("%s: unfilled template or invalid UTF-8:\n%s", name, sc.Text)
			}
			if len(sc.Rows) == 0 {
				t.Errorf("%s: no buttons; every screen needs a way on", name)
			}
			for _, row := range sc.Rows {
				limit := maxLabelAlone
				if len(row) > 1 {
					limit = maxLabelPaired
				}
				for _, k := range row {
					if n := utf16Len(k.Text); n > limit || n == 0 {
						t.Errorf("%s: button %q is %d long; the limit in a row of %d is %d", name, k.Text, n, len(row), limit)
					}
					if (k.Data == "") == (k.URL == "") {
						t.Errorf("%s: button %q needs exactly one of callback data and URL", name, k.Text)
					}
					if len(k.Data) > flows.MaxData {
						t.Errorf("%s: button %q has %d bytes of data", name, k.Text, len(k.Data))
					}
				}
			}
		}
	}
}

// TestContactDetailsAreExact checks that every contact screen shows the
// organisation's details exactly as in flows, in every language.
func TestContactDetailsAreExact(t *testing.T) {
	s := testScreens(t)
	for _, l := range s.langs {
		for _, n := range s.nodes {
			if n.Contact == nil {
				continue
			}
			text := PlainText(s.Get(l.Tag, n.ID).Text)
			for _, v := range []string{n.Contact.Address, n.Contact.Phone, n.Contact.Email} {
				if !strings.Contains(text, v) {
					t.Errorf("%s/%s: %q missing from:\n%s", l.Tag, n.ID, v, text)
				}
			}
			for _, u := range n.Contact.Web {
				if !strings.Contains(s.Get(l.Tag, n.ID).Text, `href="`+u+`"`) {
					t.Errorf("%s/%s: no link to %s", l.Tag, n.ID, u)
				}
			}
		}
	}
}

func TestFactsOnScreen(t *testing.T) {
	s := testScreens(t)
	tests := []struct {
		node flows.ID
		want []string
	}{
		{flows.ApplyWhere, []string{"border crossing", "police station", "DCAM (DSHAM)", "Art. 52(1)"}},
		{flows.ApplyAfter, []string{"Magurë/Magura (Lipjan)", "Vranidoll", "pay for it yourself", "Art. 55(2)"}},
		{flows.ApplyDecision, []string{"6 months", "9 months", "Arts 62–64", "15 days"}},
		{flows.ApplyWait, []string{"3 days", "free legal aid", "Nobody may ask you for money"}},
		{flows.ProtRefugee, []string{"race", "religion", "nationality", "political opinion", "particular social group", "Art. 3 §1.18", "Art. 8(3)"}},
		{flows.ProtSubsidiary, []string{"death penalty", "torture", "armed conflict", "Art. 3 §1.19", "1 year", "Art. 9"}},
		{flows.ProtTemporary, []string{"Art. 80(3)", "August 2021", "Afghans"}},
		{flows.AppealDeadline, []string{"15 days", "Art. 74", "National Commission for Refugees"}},
		{flows.AppealCommission, []string{"30 days", "Art. 79", "Komisioni Kombëtar për Refugjatë", "Narodna komisija za izbeglice"}},
		{flows.AppealCourt, []string{"Basic Court of Prishtina", "Department for Administrative Matters", "CRPK"}},
		{flows.AppealHelp, []string{"+383 38 243 610", "crp@crpkosovo.org"}},
		{flows.RightsReturn, []string{"non-refoulement", "Art. 5", "not a party to the 1951"}},
		{flows.RightsTreaties, []string{"Art. 22", "Universal Declaration", "Istanbul Convention", "Amendment No. 26", "Framework Convention for the Protection of National Minorities"}},
		{flows.RightsUNHCR, []string{"Art. 20", "free"}},
		{flows.HelpEmergency, []string{"112", "192", "193", "194", "free"}},
		{flows.About, []string{"not legal advice", "never asks you for money, documents", "06/L-026", "26 November 2026"}},
		{flows.Privacy, []string{"only one thing", "/forget"}},
		{flows.HelpCRPK, []string{"1999", "1 December 2004", "March 2025"}},
	}
	for _, tt := range tests {
		text := PlainText(s.Get("en", tt.node).Text)
		for _, w := range tt.want {
			if !strings.Contains(text, w) {
				t.Errorf("en/%s does not say %q:\n%s", tt.node, w, text)
			}
		}
	}
	for _, sc := range s.All("en") {
		text := PlainText(sc.Text)
		for _, wrong := range []string{"Belarus", "CPRK", "National Committee", "signatory"} {
			if strings.Contains(text, wrong) {
				t.Errorf("en/%s repeats the source page's mistake %q", sc.Node, wrong)
			}
		}
	}
}

func TestPlainText(t *testing.T) {
	got := PlainText(`<b>Title</b> &amp; <a href="https://x.org">x.org</a> &lt;3`)
	if want := "Title & x.org <3"; got != want {
		t.Errorf("PlainText = %q, want %q", got, want)
	}
}

// TestDeadlineScreensInEveryLanguage renders the date picker and its three
// answers (days left, last day today, passed) in every language: valid
// markup, filled fields, the dates and the CRPK phone number on screen.
func TestDeadlineScreensInEveryLanguage(t *testing.T) {
	s := testScreens(t)
	today := flows.Date{Year: 2026, Month: 11, Day: 26}
	for _, tag := range s.Tags() {
		cal, err := s.calendar(tag, 2026, 11, today)
		if err != nil {
			t.Fatalf("%s calendar: %v", tag, err)
		}
		if err := CheckHTML(cal.Text); err != nil {
			t.Errorf("%s calendar: %v", tag, err)
		}
		for _, decision := range []flows.Date{{Year: 2026, Month: 11, Day: 20}, {Year: 2026, Month: 11, Day: 11}, {Year: 2026, Month: 10, Day: 1}} {
			sc, err := s.deadline(tag, decision, today)
			if err != nil {
				t.Fatalf("%s %v: %v", tag, decision, err)
			}
			name := tag + "/deadline " + fmt.Sprint(decision)
			if err := CheckHTML(sc.Text); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			text := PlainText(sc.Text)
			if strings.Contains(text, "<no value>") || !strings.Contains(text, flows.CRPK.Phone) || !strings.Contains(text, "2026") {
				t.Errorf("%s:\n%s", name, text)
			}
			if n := utf16Len(text); n > maxScreen {
				t.Errorf("%s: %d characters", name, n)
			}
		}
	}
}

var (
	screensOnce sync.Once
	screensVal  *Screens
	screensErr  error
)

// testScreens renders the shipped catalog once for all tests.
func testScreens(t testing.TB) *Screens {
	t.Helper()
	screensOnce.Do(func() {
		cat, err := locales.Load()
		if err != nil {
			screensErr = err
			return
		}
		screensVal, screensErr = New(cat)
	})
	if screensErr != nil {
		t.Fatal(screensErr)
	}
	return screensVal
}

// TestEveryMenuCommandIsDescribed ties the command table to the
// messages: every command in the menu has a description "cmd_<name>",
// and every such message belongs to a command in the menu.
func TestEveryMenuCommandIsDescribed(t *testing.T) {
	cat := testScreens(t).Catalog()
	inMenu := map[string]bool{}
	for _, c := range flows.Commands() {
		if c.InMenu {
			inMenu["cmd_"+c.Name] = true
		}
	}
	for id := range inMenu {
		if _, ok := cat.Message(locales.Default, id); !ok {
			t.Errorf("command %s is in the menu but has no message %s", strings.TrimPrefix(id, "cmd_"), id)
		}
	}
	for _, id := range cat.IDs(locales.Default) {
		if strings.HasPrefix(id, "cmd_") && !inMenu[id] {
			t.Errorf("message %s describes no command in the menu (flows/content.go, commands)", id)
		}
	}
}
