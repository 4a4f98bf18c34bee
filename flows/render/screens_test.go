package render

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"asylumguide/flows"
	"asylumguide/locales"
)

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

// TestEveryScreenIsValid renders every node in every language and checks
// what a user would notice (Screens.CheckScreens).
func TestEveryScreenIsValid(t *testing.T) {
	for _, p := range testScreens(t).CheckScreens() {
		t.Error(p)
	}
}

// TestContactDetailsAreExact checks that every contact screen shows the
// organisation's details exactly as in content.toml, in every language.
func TestContactDetailsAreExact(t *testing.T) {
	s := testScreens(t)
	for _, p := range s.CheckContacts() {
		t.Error(p)
	}
	for _, p := range s.CheckDatePicker() {
		t.Error(p)
	}
}

func TestFactsOnScreen(t *testing.T) {
	s := testScreens(t)
	tests := []struct {
		node flows.ID
		want []string
	}{
		{flows.ApplyWhere, []string{"border crossing", "police station", "DCAM (DSHAM)", "Art. 52(1)"}},
		{flows.ApplyInterpreter, []string{"interpreter", "tell the officer", "not yet checked"}},
		{flows.ApplyAfter, []string{"Magurë/Magura (Lipjan)", "Vranidoll", "pay for it yourself", "Art. 55(2)"}},
		{flows.ApplyDecision, []string{"6 months", "9 months", "Rights in Exile", "Arts 62–64", "15 days", "Art. 74"}},
		{flows.ApplyWait, []string{"3 days", "free legal aid", "freedom of thought and religion", "vocational training", "money or favours", "UNHCR or CRPK"}},
		{flows.ProtRefugee, []string{"race", "religion", "nationality", "political opinion", "particular social group", "Art. 3 §1.18", "Art. 8(3)", "UNRWA", "may still have a right to refugee status"}},
		{flows.ProtSubsidiary, []string{"death penalty", "torture", "armed conflict", "Art. 3 §1.19", "1 year", "Art. 9"}},
		{flows.ProtTemporary, []string{"Art. 80(3)", "16 August 2021", "Special Immigrant Visas", "did not cover Afghans in general"}},
		{flows.AppealDeadline, []string{"15 days", "Art. 74", "National Commission for Refugees", "02.03.2026", "may not be too late"}},
		{flows.AppealCommission, []string{"30 days", "Art. 79", "Komisioni Kombëtar për Refugjatë", "Narodna komisija za izbeglice"}},
		{flows.AppealCourt, []string{"Basic Court of Prishtina", "Department for Administrative Matters", "CRPK"}},
		{flows.AppealHelp, []string{"+383 38 243 610", "crp@crpkosovo.org", "source page of March 2025"}},
		{flows.RightsReturn, []string{"non-refoulement", "Art. 5", "real risk of serious harm", "strong reasons to believe", "a danger to the security", "has not been able to join", "no exception", "Constitution"}},
		{flows.RightsDetained, []string{"Vranidoll", "CRPK", "UNHCR", "ICRC", s.Tree().Contact("icrc").Phone}},
		{flows.RightsTreaties, []string{"Art. 22", "Universal Declaration", "Istanbul Convention", "Amendment No. 26", "Framework Convention for the Protection of National Minorities"}},
		{flows.RightsUNHCR, []string{"Art. 20", "free", "money or favours"}},
		{flows.HelpEmergency, []string{"112", "192", "193", "194", "free"}},
		{flows.HelpCRPK, []string{"1999", "1 December 2004", "statelessness", "March 2025"}},
		{flows.HelpBeforeCall, []string{"decision letter", "the day you received it", "ID card", "languages you speak", "never asks for money"}},
		{flows.HelpICRC, []string{"every place of detention"}},
		{flows.About, []string{"not legal advice", "never asks you for money, documents", "06/L-026", "Not yet checked", "30 November 2026"}},
		{flows.Privacy, []string{"only one thing", "/forget"}},
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
		for _, wrong := range []string{"Belarus", "CPRK", "National Committee", "signatory", "serious danger", "not a UN member"} {
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
			if strings.Contains(text, "<no value>") || !strings.Contains(text, s.Tree().Contact("crpk").Phone) || !strings.Contains(text, "2026") {
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
		screensVal, screensErr = New(cat, flows.DefaultContent())
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

// TestDeadlineIsNeverFinal renders every screen that can say the 15 days
// are over, in every language, for decisions before, on and after the
// last day: wherever the "passed" answer shows, the "it may not be too
// late, contact CRPK today" line shows with it, and the other answers give
// the earliest possible last day with CRPK's number.
func TestDeadlineIsNeverFinal(t *testing.T) {
	s := testScreens(t)
	today := flows.Date{Year: 2026, Month: 3, Day: 17}
	for _, tag := range s.Tags() {
		notLate, err := s.Text(tag, flows.MsgDeadlineNotLate, map[string]any{"Phone": s.Tree().Contact("crpk").Phone})
		if err != nil {
			t.Fatal(err)
		}
		notLate = strings.TrimSpace(notLate)
		passed, err := s.deadline(tag, flows.Date{Year: 2026, Month: 1, Day: 5}, today)
		if err != nil {
			t.Fatal(err)
		}
		title, _, _ := strings.Cut(passed.Text, "\n")
		screens := append([]*Screen{}, s.All(tag)...)
		for d := (flows.Date{Year: 2026, Month: 2, Day: 20}); !d.After(today); d = d.AddDays(1) {
			sc, err := s.deadline(tag, d, today)
			if err != nil {
				t.Fatal(err)
			}
			screens = append(screens, sc)
			last, _ := FormatDate(s.Catalog(), tag, s.Tree().LastDayToAppeal(d))
			if !strings.Contains(sc.Text, last) || !strings.Contains(sc.Text, s.Tree().Contact("crpk").Phone) {
				t.Errorf("%s, decision %v: the answer lacks the last day %q or CRPK's number:\n%s", tag, d, last, sc.Text)
			}
		}
		var shown int
		for _, sc := range screens {
			if !strings.Contains(sc.Text, title) {
				continue
			}
			shown++
			if !strings.Contains(sc.Text, notLate) {
				t.Errorf("%s/%s says the days are over without %q:\n%s", tag, sc.Node, notLate, sc.Text)
			}
		}
		if shown == 0 {
			t.Errorf("%s: the passed answer never showed; the test checks nothing", tag)
		}
	}
}

// TestDetainedScreenCarriesTheICRCNumber: the detained screen gives the
// ICRC's number in its text; if the contact changes, every language must.
func TestDetainedScreenCarriesTheICRCNumber(t *testing.T) {
	s := testScreens(t)
	for _, tag := range s.Tags() {
		if text := PlainText(s.Get(tag, flows.RightsDetained).Text); !strings.Contains(text, s.Tree().Contact("icrc").Phone) {
			t.Errorf("%s/%s lacks the ICRC's number %s", tag, flows.RightsDetained, s.Tree().Contact("icrc").Phone)
		}
	}
}

// TestCalendarShowsTheMonthNumber: the picker names the month with its
// number first, as people read it off the paper.
func TestCalendarShowsTheMonthNumber(t *testing.T) {
	s := testScreens(t)
	for _, tag := range s.Tags() {
		sc, err := s.calendar(tag, 2026, 3, flows.Date{Year: 2026, Month: 3, Day: 17})
		if err != nil {
			t.Fatal(err)
		}
		month, _ := FormatDate(s.Catalog(), tag, flows.Date{Year: 2026, Month: 3})
		if want := "3 · " + month; !strings.Contains(sc.Text, want) {
			t.Errorf("%s calendar lacks %q:\n%s", tag, want, sc.Text)
		}
	}
}

// TestRightToLeftRows: in Arabic and Farsi every row reads from the right
// (Back on the right, Monday on the right, the earlier month's arrow on
// the right and pointing right); left-to-right languages keep the order.
func TestRightToLeftRows(t *testing.T) {
	s := testScreens(t)
	today := flows.Date{Year: 2026, Month: 3, Day: 17}
	for _, l := range s.Languages() {
		back, _ := s.Text(l.Tag, flows.MsgBack, nil)
		monday, _ := s.Text(l.Tag, "weekday_"+strconv.Itoa((int(l.FirstWeekday)+6)%7+1), nil)
		first, last := 0, 1
		earlier := "◀️"
		if l.RTL {
			first, last = 1, 0
			earlier = "▶️"
		}
		nav := s.Get(l.Tag, flows.AppealDeadline).Rows
		if row := nav[len(nav)-1]; row[first].Text != back || row[last].Data != flows.NavData(flows.Main) {
			t.Errorf("%s: Back row = %+v, want Back at index %d", l.Tag, row, first)
		}
		cal, err := s.calendar(l.Tag, 2026, 3, today)
		if err != nil {
			t.Fatal(err)
		}
		if head := cal.Rows[0]; head[first*6].Text != monday {
			t.Errorf("%s: weekday row = %+v, want the week's first day at index %d", l.Tag, head, first*6)
		}
		arrows := cal.Rows[len(cal.Rows)-3]
		if len(arrows) != 1 || arrows[0].Text != earlier || arrows[0].Data != flows.MonthData(2026, 2) {
			t.Errorf("%s: month arrows = %+v, want %s to February", l.Tag, arrows, earlier)
		}
		mid, err := s.calendar(l.Tag, 2026, 2, today)
		if err != nil {
			t.Fatal(err)
		}
		arrows = mid.Rows[len(mid.Rows)-3]
		if arrows[first].Data != flows.MonthData(2026, 1) || arrows[last].Data != flows.MonthData(2026, 3) {
			t.Errorf("%s: arrows in February = %+v, want the earlier month at index %d", l.Tag, arrows, first)
		}
	}
}
