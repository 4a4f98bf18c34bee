package render

import (
	"fmt"
	"html"
	"slices"
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
// buttons. Static screens are built once at start-up; an update only
// looks one up.
type Screen struct {
	Node flows.ID
	Lang string
	Text string // Telegram HTML
	Rows [][]Key
	// Dated marks a screen of the date picker, which depends on the day
	// it is shown.
	Dated bool
}

// Key is a rendered button: pressing it sends Data back to the bot,
// opens URL, or, with Share set, opens the chat picker to send the card
// of the topic Share names; ShareHere lists the cards to share in the
// chat the button is in.
type Key struct {
	Text      string
	Data      string
	URL       string
	Share     string
	ShareHere bool
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
	index *Index
	// notFound is the answer to a question the search found nothing
	// for, per language.
	notFound []*Screen
	cards    [][]Card // per language, in topic order
}

// New renders the tree with content in every language of the catalog. It
// fails if any message is missing or any template field is unfilled, so a
// broken translation stops the bot at start-up rather than showing a user
// a gap.
func New(cat *locales.Catalog, content *flows.Content) (*Screens, error) {
	langs := cat.Languages()
	choices := make([]flows.Choice, len(langs))
	for i, l := range langs {
		choices[i] = flows.Choice{Tag: l.Tag, Name: l.Name}
	}
	tree := flows.New(choices, content)
	s := &Screens{tree: tree, cat: cat, langs: langs, byLang: map[string]int{}, nodes: tree.Nodes(), byNode: map[flows.ID]int{}}
	for i, n := range s.nodes {
		s.byNode[n.ID] = i
	}
	for li, l := range langs {
		s.byLang[l.Tag] = li
		row := make([]*Screen, len(s.nodes))
		for ni, n := range s.nodes {
			sc, err := s.render(l, tree.Screen(n.ID))
			if err != nil {
				return nil, fmt.Errorf("render %s in %s: %w", n.ID, l.Tag, err)
			}
			row[ni] = sc
		}
		s.all = append(s.all, row)
		saved, err := cat.Text(l.Tag, flows.MsgLanguageSaved, nil)
		if err != nil {
			return nil, err
		}
		s.saved = append(s.saved, saved)
		nf, err := s.render(l, tree.NotFound())
		if err != nil {
			return nil, fmt.Errorf("render the search answer in %s: %w", l.Tag, err)
		}
		s.notFound = append(s.notFound, nf)
		cards, err := s.renderCards(l.Tag)
		if err != nil {
			return nil, fmt.Errorf("render the shared cards in %s: %w", l.Tag, err)
		}
		s.cards = append(s.cards, cards)
	}
	index, err := NewIndex(s)
	if err != nil {
		return nil, fmt.Errorf("search index: %w", err)
	}
	s.index = index
	return s, nil
}

// Notice is a short message in language tag, message id, with a Main menu
// button: for what is not a screen of the guide, such as a file that
// could not be sent.
func (s *Screens) Notice(tag, id string) (*Screen, error) {
	li := s.lang(tag)
	main, _ := s.tree.Node(flows.Main)
	return s.render(s.langs[li], flows.Screen{Node: main, Texts: []string{id},
		Rows: [][]flows.Button{{{Kind: flows.Navigate, Label: flows.MsgMainMenu, Target: flows.Main}}}})
}

// Search answers a typed question in language tag: the screens it finds,
// best first, or the main menu with CRPK when it finds none (found is
// false). The text is searched and forgotten: the answer never holds it.
func (s *Screens) Search(tag, text string) (sc *Screen, found bool, err error) {
	li := s.lang(tag)
	ids := s.index.Search(s.langs[li].Tag, text)
	if len(ids) == 0 {
		return s.notFound[li], false, nil
	}
	sc, err = s.render(s.langs[li], s.tree.Found(ids))
	return sc, true, err
}

// Tree returns the menu tree the screens were built from.
func (s *Screens) Tree() *flows.Tree { return s.tree }

// Catalog returns the messages the screens were built from.
func (s *Screens) Catalog() *locales.Catalog { return s.cat }

// Languages returns the languages the screens are rendered in.
func (s *Screens) Languages() []locales.Language { return s.langs }

// Nodes returns the nodes in tree order.
func (s *Screens) Nodes() []*flows.Node { return s.nodes }

// Tags lists the language tags of the screens.
func (s *Screens) Tags() []string {
	tags := make([]string, len(s.langs))
	for i, l := range s.langs {
		tags[i] = l.Tag
	}
	return tags
}

// Has reports whether the screens are rendered in language tag.
func (s *Screens) Has(tag string) bool {
	_, ok := s.byLang[tag]
	return ok
}

// lang returns the index of language tag, English if there is none.
func (s *Screens) lang(tag string) int {
	if li, ok := s.byLang[tag]; ok {
		return li
	}
	return s.byLang[locales.Default]
}

// Get returns node id in language tag; an unknown node gives the main
// menu and an unknown language English.
func (s *Screens) Get(tag string, id flows.ID) *Screen {
	ni, ok := s.byNode[id]
	if !ok {
		ni = s.byNode[flows.Main]
	}
	return s.all[s.lang(tag)][ni]
}

// Saved is the notice that confirms a language choice, in that language.
func (s *Screens) Saved(tag string) string { return s.saved[s.lang(tag)] }

// All returns every screen of one language in tree order.
func (s *Screens) All(tag string) []*Screen {
	li, ok := s.byLang[tag]
	if !ok {
		return nil
	}
	return s.all[li]
}

// Text renders message id in language tag with the template data.
func (s *Screens) Text(tag, id string, data map[string]any) (string, error) {
	return s.cat.Text(tag, id, data)
}

// render renders one screen of the tree in language l.
func (s *Screens) render(l locales.Language, fs flows.Screen) (*Screen, error) {
	data, err := s.fields(l.Tag, fs.Fields)
	if err != nil {
		return nil, err
	}
	parts := make([]string, 0, len(fs.Texts)+1)
	for _, id := range fs.Texts {
		t, err := s.cat.Text(l.Tag, id, data)
		if err != nil {
			return nil, err
		}
		parts = append(parts, strings.TrimSpace(t))
	}
	if fs.Contact != nil {
		block, err := s.contactBlock(l, fs.Contact)
		if err != nil {
			return nil, err
		}
		parts = append(parts, block)
	}
	sc := &Screen{Node: fs.Node.ID, Lang: l.Tag, Text: strings.Join(parts, "\n\n")}
	for _, row := range fs.Rows {
		keys := make([]Key, 0, len(row))
		for _, b := range row {
			label := b.Label
			if !b.Literal {
				if label, err = s.cat.Text(l.Tag, b.Label, nil); err != nil {
					return nil, err
				}
			}
			if l.RTL && b.Kind == flows.ShowMonth && b.Literal {
				label = mirrored(label)
			}
			keys = append(keys, Key{Text: label, Data: b.Data(), URL: b.URL, Share: b.Topic})
		}
		if l.RTL {
			// Telegram lays a row out left to right even in Arabic and
			// Farsi; reversed, the first button (Back, Monday, the
			// earlier month) sits on the right, where the eye starts.
			slices.Reverse(keys)
		}
		sc.Rows = append(sc.Rows, keys)
	}
	return sc, nil
}

// fields renders the values of a screen's template fields.
func (s *Screens) fields(tag string, f flows.Fields) (map[string]any, error) {
	data := map[string]any{}
	for name, q := range f.Quantities {
		v, err := s.cat.Count(tag, string(q.Unit), q.N)
		if err != nil {
			return nil, err
		}
		data[name] = v
	}
	for name, d := range f.Dates {
		v, err := FormatDate(s.cat, tag, d)
		if err != nil {
			return nil, err
		}
		data[name] = v
	}
	for name, d := range f.Months {
		v, err := FormatDate(s.cat, tag, flows.Date{Year: d.Year, Month: d.Month})
		if err != nil {
			return nil, err
		}
		// The number first: people match it to the figures on the paper,
		// and month names differ between regions (Arabic, Farsi).
		data[name] = strconv.Itoa(d.Month) + " · " + v
	}
	for name, v := range f.Exact {
		data[name] = html.EscapeString(v)
	}
	return data, nil
}

// contactBlock lists an organisation's address, phone, e-mail and websites
// under labels in the user's language. The values are copied exactly; in a
// right-to-left language each is isolated so it reads left to right.
func (s *Screens) contactBlock(l locales.Language, c *flows.Contact) (string, error) {
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
	when, err := FormatDate(s.cat, l.Tag, c.Confirmed)
	if err != nil {
		return "", err
	}
	checked, err := s.cat.Text(l.Tag, string(c.Via), map[string]any{"Checked": when})
	if err != nil {
		return "", err
	}
	b.WriteString("<i>" + checked + "</i>")
	return b.String(), nil
}

// mirrored turns an arrow to face the other way, so that in a
// right-to-left calendar "earlier" points right.
func mirrored(arrow string) string {
	switch arrow {
	case "◀️":
		return "▶️"
	case "▶️":
		return "◀️"
	}
	return arrow
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

// PlainText turns Telegram HTML into the text a reader sees: tags dropped,
// entities decoded.
func PlainText(h string) string {
	var b strings.Builder
	for len(h) > 0 {
		i := strings.IndexByte(h, '<')
		if i < 0 {
			b.WriteString(h)
			break
		}
		b.WriteString(h[:i])
		j := strings.IndexByte(h[i:], '>')
		if j < 0 {
			b.WriteString(h[i:])
			break
		}
		h = h[i+j+1:]
	}
	return html.UnescapeString(b.String())
}
