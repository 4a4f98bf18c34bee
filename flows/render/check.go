package render

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"asylumguide/flows"
)

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

// utf16Len is the length Telegram counts a message in, after parsing.
func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

// Check renders and checks what a reader sees, in every language: each
// screen's markup, length and buttons, the date picker's screens, the
// contacts as written in content.toml, and the facts a screen's text must
// carry from the content. The tests and the bot at start run it.
func (s *Screens) Check() []flows.Problem {
	var out []flows.Problem
	for _, check := range []func() []flows.Problem{s.CheckScreens, s.CheckDatePicker, s.CheckContacts} {
		out = append(out, check()...)
	}
	return out
}

// problem makes a Problem about message id of language tag.
func (s *Screens) problem(tag, id, what, fix string) flows.Problem {
	file, line := s.cat.Locate(tag, id)
	return flows.Problem{File: file, Line: line, ID: id, What: what, Fix: fix}
}

// CheckScreens checks every screen in every language for what a reader
// would notice: valid markup, a message Telegram accepts and a phone
// shows without scrolling too far, buttons that fit a phone and lead
// somewhere, and no gaps.
func (s *Screens) CheckScreens() []flows.Problem {
	var out []flows.Problem
	for _, l := range s.langs {
		for _, sc := range s.All(l.Tag) {
			out = append(out, s.checkScreen(l.Tag, sc)...)
		}
	}
	return out
}

func (s *Screens) checkScreen(tag string, sc *Screen) []flows.Problem {
	var out []flows.Problem
	body := flows.ID(sc.Node).BodyID()
	if err := CheckHTML(sc.Text); err != nil {
		out = append(out, s.problem(tag, body, "is not valid Telegram HTML: "+err.Error(), "use only <b>, <i>, <u>, <s>, <a href>, <code>, <blockquote>, close each tag, and write &lt; &gt; &amp;"))
	}
	visible := PlainText(sc.Text)
	if n := utf16Len(visible); n > telegramMax {
		out = append(out, s.problem(tag, body, fmt.Sprintf("makes a screen of %d characters, over Telegram's %d", n, telegramMax), "shorten it"))
	} else if n > maxScreen {
		out = append(out, s.problem(tag, body, fmt.Sprintf("makes a screen of %d characters", n), fmt.Sprintf("shorten it to under %d, so it reads on a phone", maxScreen)))
	}
	if !utf8.ValidString(sc.Text) || strings.Contains(sc.Text, "<no value>") || strings.Contains(sc.Text, "{{") {
		out = append(out, s.problem(tag, body, "leaves a template field unfilled", "write each {{.Field}} exactly as in English"))
	}
	if len(sc.Rows) == 0 {
		out = append(out, s.problem(tag, body, "has no buttons", "every screen needs a way on"))
	}
	for _, row := range sc.Rows {
		limit := maxLabelAlone
		if len(row) > 1 {
			limit = maxLabelPaired
		}
		for _, k := range row {
			if n := utf16Len(k.Text); n > limit || n == 0 {
				out = append(out, s.problem(tag, s.labelID(tag, k.Text), fmt.Sprintf("button %q is %d long; in a row of %d it may be %d", k.Text, n, len(row), limit), "shorten the button's label"))
			}
			if n := btoi(k.Data != "") + btoi(k.URL != "") + btoi(k.Share != "" || k.ShareHere); n != 1 {
				out = append(out, s.problem(tag, body, fmt.Sprintf("button %q has %d actions", k.Text, n), "a button opens a screen, a link or the chat picker: one of them"))
			}
			if len(k.Data) > flows.MaxData {
				out = append(out, s.problem(tag, body, fmt.Sprintf("button %q has %d bytes of callback data", k.Text, len(k.Data)), "Telegram takes 64"))
			}
		}
	}
	return out
}

// labelID finds the message whose text is a button's label, for a
// problem's line.
func (s *Screens) labelID(tag, label string) string {
	for _, id := range s.cat.IDs(tag) {
		if t, err := s.cat.Text(tag, id, nil); err == nil && t == label {
			return id
		}
	}
	return ""
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CheckDatePicker renders the date picker and its answers for a day
// before, on and after the last day to appeal, in every language: the
// screens built when a person asks, which start-up does not render.
func (s *Screens) CheckDatePicker() []flows.Problem {
	var out []flows.Problem
	today := s.tree.Reviewed()
	crpk := s.tree.Contact("crpk")
	for _, tag := range s.Tags() {
		cal, err := s.calendar(tag, today.Year, today.Month, today)
		if err != nil {
			out = append(out, s.problem(tag, flows.AppealDays.BodyID(), "cannot be shown: "+err.Error(), "check its fields"))
			continue
		}
		out = append(out, s.checkScreen(tag, cal)...)
		for _, back := range []int{5, 15, 40} {
			decision := today.AddDays(-back)
			sc, err := s.deadline(tag, decision, today)
			if err != nil {
				out = append(out, s.problem(tag, flows.MsgDeadlineLeft, "an answer cannot be shown: "+err.Error(), "check its fields"))
				continue
			}
			out = append(out, s.checkScreen(tag, sc)...)
			if !strings.Contains(PlainText(sc.Text), crpk.Phone) {
				out = append(out, s.problem(tag, flows.MsgDeadlineLeft, "an answer does not give CRPK's number", "keep {{.Phone}}"))
			}
		}
	}
	return out
}

// phoneInText finds a Kosovo phone number written into a screen's text.
var phoneInText = regexp.MustCompile(`\+383[ 0-9]*[0-9]`)

// CheckContacts checks that every contact screen shows the organisation's
// details exactly as content.toml has them, in every language, and that a
// phone number written into a text (the ICRC's on the detained screen) is
// still the one content.toml has.
func (s *Screens) CheckContacts() []flows.Problem {
	var out []flows.Problem
	phones := map[string]bool{}
	for _, c := range s.tree.Contacts() {
		phones[c.Phone] = true
	}
	for _, l := range s.langs {
		for _, sc := range s.All(l.Tag) {
			for _, ph := range phoneInText.FindAllString(PlainText(sc.Text), -1) {
				if !phones[ph] {
					out = append(out, s.problem(l.Tag, flows.ID(sc.Node).BodyID(), fmt.Sprintf("gives the phone number %s, which no contact in content.toml has", ph), "write the number as content.toml has it, in every language"))
				}
			}
		}
	}
	for _, l := range s.langs {
		for _, n := range s.nodes {
			c := s.tree.Contact(n.Contact)
			if c == nil {
				continue
			}
			text := s.Get(l.Tag, n.ID).Text
			for _, v := range []string{c.Address, c.Phone, c.Email} {
				if !strings.Contains(PlainText(text), v) {
					out = append(out, s.problem(l.Tag, n.ID.BodyID(), fmt.Sprintf("does not show %q exactly", v), "the contact block comes from content.toml; do not copy it into the text"))
				}
			}
			for _, u := range c.Web {
				if !strings.Contains(text, `href="`+u+`"`) {
					out = append(out, s.problem(l.Tag, n.ID.BodyID(), "has no link to "+u, "the contact block comes from content.toml"))
				}
			}
		}
	}
	return out
}
