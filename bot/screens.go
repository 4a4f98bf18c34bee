package bot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"strconv"
	"strings"

	"asylumguide/flows"
	"asylumguide/locales"
)

// Unicode first-strong isolate and pop directional isolate: they keep a
// left-to-right run (a phone number, an e-mail) in order inside
// right-to-left text.
const (
	fsi = "\u2068"
	pdi = "\u2069"
)

// Screen is a node rendered in one language: Telegram HTML text and its
// buttons. Screens are built once at start-up; an update only looks one up.
type Screen struct {
	Node flows.ID
	Lang string
	Text string // Telegram HTML
	Rows [][]Key
	// tail is the end of a sendMessage or editMessageText JSON body, from
	// "text" to the closing brace, ready to append after the chat fields.
	tail []byte
	// li and ni index the screen in Screens.all, for metrics.
	li, ni int
}

// Key is a rendered button: it sends Data back, or opens URL.
type Key struct {
	Text string `json:"text"`
	Data string `json:"callback_data,omitempty"`
	URL  string `json:"url,omitempty"`
}

// Screens holds every node in every language.
type Screens struct {
	tree   *flows.Tree
	cat    *locales.Catalog
	langs  []locales.Language
	byLang map[string]int
	nodes  []*flows.Node
	byNode map[flows.ID]int
	all    [][]*Screen // [language][node]
	saved  []string    // "language saved" notice, per language
	// dated holds the date picker's screens built today: calendars and
	// answers depend on the day, so the cache is emptied when it changes.
	dated datedCache
}

// NewScreens renders the tree in every language of the catalog. It fails
// if any message is missing or any template field is unfilled, so a broken
// translation stops the bot at start-up rather than showing a user a gap.
func NewScreens(cat *locales.Catalog) (*Screens, error) {
	langs := cat.Languages()
	choices := make([]flows.Choice, len(langs))
	for i, l := range langs {
		choices[i] = flows.Choice{Tag: l.Tag, Name: l.Name}
	}
	tree := flows.New(choices)
	s := &Screens{tree: tree, cat: cat, langs: langs, byLang: map[string]int{}, nodes: tree.Nodes(), byNode: map[flows.ID]int{}}
	for i, n := range s.nodes {
		s.byNode[n.ID] = i
	}
	for li, l := range langs {
		s.byLang[l.Tag] = li
		row := make([]*Screen, len(s.nodes))
		for ni, n := range s.nodes {
			sc, err := s.render(l, n)
			if err != nil {
				return nil, fmt.Errorf("render %s in %s: %w", n.ID, l.Tag, err)
			}
			sc.li, sc.ni = li, ni
			row[ni] = sc
		}
		s.all = append(s.all, row)
		saved, err := cat.Text(l.Tag, flows.MsgLanguageSaved, nil)
		if err != nil {
			return nil, err
		}
		s.saved = append(s.saved, saved)
	}
	return s, nil
}

// Tree returns the menu tree the screens were built from.
func (s *Screens) Tree() *flows.Tree { return s.tree }

// Catalog returns the messages the screens were built from.
func (s *Screens) Catalog() *locales.Catalog { return s.cat }

// Get returns node id in language tag; an unknown node gives the main
// menu and an unknown language English.
func (s *Screens) Get(tag string, id flows.ID) *Screen {
	li, ok := s.byLang[tag]
	if !ok {
		li = s.byLang[locales.Default]
	}
	ni, ok := s.byNode[id]
	if !ok {
		ni = s.byNode[flows.Main]
	}
	return s.all[li][ni]
}

// Saved is the notice that confirms a language choice, in that language.
func (s *Screens) Saved(tag string) string {
	li, ok := s.byLang[tag]
	if !ok {
		li = s.byLang[locales.Default]
	}
	return s.saved[li]
}

// All returns every screen of one language in tree order.
func (s *Screens) All(tag string) []*Screen {
	li, ok := s.byLang[tag]
	if !ok {
		return nil
	}
	return s.all[li]
}

func (s *Screens) render(l locales.Language, n *flows.Node) (*Screen, error) {
	if n.Calendar {
		// The picker is built when shown, at the month of that day; this
		// one, at the month the content was reviewed, serves checks and
		// print.
		day := flows.ReviewedOn
		text, rows, err := s.calendarParts(l.Tag, day.Year, day.Month, day)
		if err != nil {
			return nil, err
		}
		sc := &Screen{Node: n.ID, Lang: l.Tag, Text: text, Rows: rows}
		sc.tail, err = messageTail(text, rows)
		return sc, err
	}
	data := map[string]any{}
	for name, q := range n.Quantities {
		v, err := s.cat.Count(l.Tag, string(q.Unit), q.N)
		if err != nil {
			return nil, err
		}
		data[name] = v
	}
	for name, d := range n.Dates {
		v, err := FormatDate(s.cat, l.Tag, d)
		if err != nil {
			return nil, err
		}
		data[name] = v
	}
	text, err := s.cat.Text(l.Tag, n.ID.BodyID(), data)
	if err != nil {
		return nil, err
	}
	text = strings.TrimSpace(text)
	if n.Contact != nil {
		block, err := s.contactBlock(l, n)
		if err != nil {
			return nil, err
		}
		text += "\n\n" + block
	}
	sc := &Screen{Node: n.ID, Lang: l.Tag, Text: text}
	for _, row := range s.tree.Screen(n.ID).Rows {
		var keys []Key
		for _, b := range row {
			label := b.Label
			if !b.Literal {
				if label, err = s.cat.Text(l.Tag, b.Label, nil); err != nil {
					return nil, err
				}
			}
			keys = append(keys, Key{Text: label, Data: b.Data(), URL: b.URL})
		}
		sc.Rows = append(sc.Rows, keys)
	}
	sc.tail, err = messageTail(sc.Text, sc.Rows)
	if err != nil {
		return nil, err
	}
	return sc, nil
}

// contactBlock lists an organisation's address, phone, e-mail and websites
// under labels in the user's language. The values are copied exactly; in a
// right-to-left language each is isolated so it reads left to right.
func (s *Screens) contactBlock(l locales.Language, n *flows.Node) (string, error) {
	c := n.Contact
	var webs []string
	for _, u := range c.Web {
		webs = append(webs, `<a href="`+html.EscapeString(u)+`">`+html.EscapeString(displayURL(u))+`</a>`)
	}
	sep := ", "
	if l.RTL {
		sep = "، "
	}
	lines := []struct {
		icon, id string
		parts    []string // each shown as written, isolated in RTL
	}{
		{"📍", flows.MsgAddress, []string{html.EscapeString(c.Address)}},
		{"📞", flows.MsgPhone, []string{html.EscapeString(c.Phone)}},
		{"✉️", flows.MsgEmail, []string{html.EscapeString(c.Email)}},
		{"🌐", flows.MsgWeb, webs},
	}
	var b strings.Builder
	for _, ln := range lines {
		name, err := s.cat.Text(l.Tag, ln.id, nil)
		if err != nil {
			return "", err
		}
		if name, err = s.cat.Text(l.Tag, flows.MsgLabel, map[string]any{"Label": name}); err != nil {
			return "", err
		}
		parts := ln.parts
		if l.RTL {
			parts = make([]string, len(ln.parts))
			for i, p := range ln.parts {
				parts[i] = fsi + p + pdi
			}
		}
		fmt.Fprintf(&b, "%s <b>%s</b> %s\n", ln.icon, html.EscapeString(name), strings.Join(parts, sep))
	}
	when, err := FormatDate(s.cat, l.Tag, c.Checked)
	if err != nil {
		return "", err
	}
	checked, err := s.cat.Text(l.Tag, flows.MsgChecked, map[string]any{"Checked": when})
	if err != nil {
		return "", err
	}
	b.WriteString("<i>" + checked + "</i>")
	return b.String(), nil
}

// displayURL is a URL as people write it: no scheme, no "www.".
func displayURL(u string) string {
	u = strings.TrimPrefix(u, "https://")
	u = strings.TrimPrefix(u, "http://")
	u = strings.TrimPrefix(u, "www.")
	return strings.TrimSuffix(u, "/")
}

// FormatDate writes d the way the language writes dates: "26 November
// 2026", or "March 2025" when d has no day.
func FormatDate(cat *locales.Catalog, tag string, d flows.Date) (string, error) {
	if d.Day == 0 {
		month, err := cat.Text(tag, "month_"+strconv.Itoa(d.Month), nil)
		if err != nil {
			return "", err
		}
		return cat.Text(tag, flows.MsgMonthYear, map[string]any{"Month": month, "Year": strconv.Itoa(d.Year)})
	}
	month, err := cat.Text(tag, "month_"+strconv.Itoa(d.Month)+"_date", nil)
	if err != nil {
		return "", err
	}
	return cat.Text(tag, flows.MsgDate, map[string]any{"Day": strconv.Itoa(d.Day), "Month": month, "Year": strconv.Itoa(d.Year)})
}

// messageTail encodes the part of a message request that is the same for
// every user: text, parse mode, no link preview, and the keyboard.
func messageTail(text string, rows [][]Key) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`"text":`)
	b.Write(appendJSONString(nil, text))
	b.WriteString(`,"parse_mode":"HTML","link_preview_options":{"is_disabled":true}`)
	if len(rows) > 0 {
		b.WriteString(`,"reply_markup":`)
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(struct {
			Rows [][]Key `json:"inline_keyboard"`
		}{rows}); err != nil {
			return nil, err
		}
		b.Truncate(b.Len() - 1) // Encode's newline
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
