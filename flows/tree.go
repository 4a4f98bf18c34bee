package flows

import (
	"net/url"
	"time"
)

// ID names a node of the tree. It travels in callback data and deep links,
// so it is short, ASCII and stable across releases.
type ID string

// BodyID is the message id of the node's screen text.
func (id ID) BodyID() string { return string(id) + "_body" }

// ButtonID is the message id of the label of a button that opens the node.
func (id ID) ButtonID() string { return string(id) + "_button" }

// Message ids shared by many screens.
const (
	MsgBack      = "nav_back"
	MsgMainMenu  = "nav_main"
	MsgWebsite   = "contact_website"
	MsgMap       = "contact_map"
	MsgAddress   = "contact_address"
	MsgPhone     = "contact_phone"
	MsgEmail     = "contact_email"
	MsgWeb       = "contact_web"
	MsgLabel     = "contact_label"
	MsgDate      = "date_day_month_year"
	MsgMonthYear = "date_month_year"
	// MsgLanguageSaved confirms a language choice, in the chosen language.
	MsgLanguageSaved = "language_saved"
	MsgGroupBody     = "group_body"
	MsgGroupButton   = "group_button"
)

// Unit is what a Quantity counts. Its message id holds the plural forms.
type Unit string

// The units the guide counts in.
const (
	Days   Unit = "unit_days"
	Months Unit = "unit_months"
	Years  Unit = "unit_years"
)

// Quantity is a number with its unit, such as the 15 days to appeal. The
// locales package renders it with the plural form the language needs.
type Quantity struct {
	N    int
	Unit Unit
}

// Date is a calendar date; Day 0 means a month and year only.
type Date struct {
	Year, Month, Day int
}

// Contact is an organisation's contact block. Its values are shown exactly
// as written in every language and are never translated.
type Contact struct {
	Name    string // for the people who run the bot, never shown
	Address string
	Phone   string
	Email   string
	Web     []string // full https URLs
	// Confirmed is when, and Via how, the details were last confirmed;
	// readers see both under the block.
	Confirmed Date
	Via       Confirmation
}

// Confirmation is how a contact's details were last confirmed. Its value
// is the message id of the line readers see under the contact block.
type Confirmation string

// The ways a contact is confirmed.
const (
	FromSourcePage Confirmation = "contact_via_source_page"
	ByPhone        Confirmation = "contact_via_phone"
	OnWebsite      Confirmation = "contact_via_website"
)

// StaleAfter is how old a contact's confirmation may grow before the
// people running the bot are told to confirm it again.
const StaleAfter = 12 // months

// Stale reports whether c was last confirmed more than StaleAfter months
// before today. A confirmation given as a month counts from its last day.
func (c *Contact) Stale(today Date) bool {
	y, m := c.Confirmed.Year, c.Confirmed.Month+StaleAfter
	y, m = y+(m-1)/12, (m-1)%12+1
	day := c.Confirmed.Day
	if day == 0 {
		day = 31
	}
	limit := Date{Year: y, Month: m, Day: min(day, daysIn(y, m))}
	return today.After(limit)
}

// Contacts returns every contact a screen shows, each once, in tree order.
func (t *Tree) Contacts() []*Contact {
	var out []*Contact
	seen := map[*Contact]bool{}
	for _, n := range t.Nodes() {
		if c := t.Contact(n.Contact); c != nil && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// Contact returns the contact with key in content.toml, nil if none.
func (t *Tree) Contact(key string) *Contact { return t.content.Contacts[key] }

// Reviewed is the day the content was last reviewed.
func (t *Tree) Reviewed() Date { return t.content.Reviewed }

// fields resolves a node's facts and dates from the content.
func (t *Tree) fields(n *Node) Fields {
	f := Fields{}
	for name, key := range n.Quantities {
		if f.Quantities == nil {
			f.Quantities = map[string]Quantity{}
		}
		f.Quantities[name] = t.content.Facts[key]
	}
	for name := range n.Dates {
		if f.Dates == nil {
			f.Dates = map[string]Date{}
		}
		f.Dates[name] = t.content.Reviewed
	}
	return f
}

// MapURL is an openstreetmap.org search for the address: it needs no
// coordinates and tracks nobody.
func (c *Contact) MapURL() string {
	return "https://www.openstreetmap.org/search?query=" + url.QueryEscape(c.Address)
}

// Node is one screen of the guide.
type Node struct {
	ID       ID
	Parent   ID   // "" only for Main
	Children []ID // the menu, one button a row, in order
	// Hidden nodes are not in any menu: a command or an action leads there.
	Hidden bool
	// Contact, when set, is the key in content.toml of the contact shown
	// below the text with website and map buttons.
	Contact string
	// Quantities fill the template fields of the node's text with facts
	// (field name -> key in content.toml's [facts]); Dates with dates
	// ("reviewed", the day the content was reviewed).
	Quantities map[string]string
	Dates      map[string]string
	// Calendar marks the appeal-deadline date picker: its buttons are a
	// month of days, built when it is shown (see Tree.Calendar).
	Calendar bool
}

// Topic is a deep-link topic: t.me/<bot>?start=<lang>_<Name> opens Node.
type Topic struct {
	Name string
	Node ID
	// Share puts a button on the topic's screen that sends its card to
	// another chat.
	Share bool
}

// CardID is the message id of a topic's shared card.
func (t Topic) CardID() string { return string(t.Node) + "_card" }

// Message ids of sharing and saving.
const (
	MsgShare        = "share_button"
	MsgShareOpen    = "share_open_button"
	MsgShareNote    = "share_disclaimer"
	MsgShareInGroup = "share_group_button"
	MsgGuide        = "guide_button"
	MsgGuideCaption = "guide_caption"
	MsgGuideFailed  = "guide_failed"
	// MsgLanguageNotSaved tells a person their choice could not be stored.
	MsgLanguageNotSaved = "language_not_saved"
)

// Command is a bot command: /Name opens Node.
type Command struct {
	Name string
	Node ID
	// InMenu lists the command in Telegram's command menu of private
	// chats, described by the message "cmd_<Name>".
	InMenu bool
	// InGroups answers the command in groups too; every other command
	// is answered in private chats only.
	InGroups bool
	// Forget deletes the stored language before the screen is shown.
	Forget bool
	// Guide sends the whole guide as a file instead of a screen.
	Guide bool
}

// Choice is a language the user can pick: its tag and its own name.
type Choice struct {
	Tag  string
	Name string
}

// Tree is the guide with the languages it offers and its content.
type Tree struct {
	nodes   []*Node
	byID    map[ID]*Node
	langs   []Choice
	byLang  map[string]bool
	content *Content
}

// New returns the tree offering langs in the language picker, showing
// content (see ParseContent, which checks that it holds every fact and
// contact the screens use).
func New(langs []Choice, content *Content) *Tree {
	t := &Tree{nodes: nodes, byID: make(map[ID]*Node, len(nodes)), langs: langs, byLang: make(map[string]bool, len(langs)), content: content}
	for _, n := range nodes {
		t.byID[n.ID] = n
	}
	for _, l := range langs {
		t.byLang[l.Tag] = true
	}
	return t
}

// Nodes returns every node in tree order: depth first, in menu order,
// hidden nodes last.
func (t *Tree) Nodes() []*Node {
	var out []*Node
	seen := map[ID]bool{}
	var walk func(id ID)
	walk = func(id ID) {
		if seen[id] {
			return
		}
		seen[id] = true
		n := t.byID[id]
		out = append(out, n)
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(Main)
	for _, n := range t.nodes {
		if !seen[n.ID] {
			seen[n.ID] = true
			out = append(out, n)
		}
	}
	return out
}

// Node returns the node with the given id.
func (t *Tree) Node(id ID) (*Node, bool) {
	n, ok := t.byID[id]
	return n, ok
}

// Languages returns the languages the picker offers.
func (t *Tree) Languages() []Choice { return t.langs }

// HasLanguage reports whether tag is one of the offered languages.
func (t *Tree) HasLanguage(tag string) bool { return t.byLang[tag] }

// ButtonKind says what pressing a button does.
type ButtonKind int

// The kinds of button.
const (
	Navigate    ButtonKind = iota // open Target
	SetLanguage                   // store Lang and open the main menu in it
	OpenURL                       // open URL in the browser
	ShowMonth                     // show the date picker at Date's month
	PickDay                       // the decision is dated Date
	Noop                          // a calendar cell that does nothing
	Share                         // send Topic's card to another chat
	SendGuide                     // send the whole guide as a file
)

// Button is one button of a screen. Label is a message id, except where
// Literal is set: a language's own name, a day of the month, an arrow.
type Button struct {
	Kind    ButtonKind
	Label   string
	Literal bool
	Target  ID
	Lang    string
	URL     string
	Date    Date   // for ShowMonth (day 0) and PickDay
	Topic   string // for Share: the topic's name, the inline query it starts
}

// Data is the button's callback data; empty for URL and Share buttons.
func (b Button) Data() string {
	switch b.Kind {
	case Navigate:
		return NavData(b.Target)
	case SetLanguage:
		return langPrefix + b.Lang
	case ShowMonth:
		return MonthData(b.Date.Year, b.Date.Month)
	case PickDay:
		return DayData(b.Date)
	case Noop:
		return NoopData
	case SendGuide:
		return guideData
	}
	return ""
}

// Fields are the values of a screen's template fields, by field name.
type Fields struct {
	Quantities map[string]Quantity
	Dates      map[string]Date
	// Months are shown with the month's number before its name, "3 ·
	// March 2026", as people find the month on paper.
	Months map[string]Date
	// Exact values are copied as they are, such as a phone number.
	Exact map[string]string
}

// Screen is what a node shows: its text (message ids, shown one after
// another, with their template fields), the contact below it, and its
// buttons, row by row, in reading order of a left-to-right language.
type Screen struct {
	Node    *Node
	Texts   []string
	Fields  Fields
	Contact *Contact
	Rows    [][]Button
}

// Screen returns the screen of node id. An unknown id gives the main menu,
// so a button from an older release never leads nowhere. The date picker
// is shown at the month the content was reviewed; Calendar shows it at
// any month.
func (t *Tree) Screen(id ID) Screen {
	n, ok := t.byID[id]
	if !ok {
		n = t.byID[Main]
	}
	if n.Calendar {
		r := t.content.Reviewed
		return t.Calendar(r.Year, r.Month, r, time.Monday)
	}
	s := Screen{Node: n, Texts: []string{n.ID.BodyID()}, Contact: t.Contact(n.Contact), Fields: t.fields(n)}
	for _, c := range n.Children {
		s.Rows = append(s.Rows, []Button{{Kind: Navigate, Label: c.ButtonID(), Target: c}})
	}
	if n.ID == LanguagePicker {
		s.Rows = append(s.Rows, languageRows(t.langs)...)
	}
	if s.Contact != nil {
		s.Rows = append(s.Rows, contactRow(s.Contact))
	}
	if n.ID == About {
		s.Rows = append(s.Rows, []Button{{Kind: SendGuide, Label: MsgGuide}})
	}
	return s.withShare().withNav()
}

// withShare adds the Share button to the screen of a topic that has one.
func (s Screen) withShare() Screen {
	for _, t := range topics {
		if t.Node == s.Node.ID && t.Share {
			s.Rows = append(s.Rows, []Button{{Kind: Share, Label: MsgShare, Topic: t.Name}})
		}
	}
	return s
}

// contactRow opens the organisation's website and its address on a map.
func contactRow(c *Contact) []Button {
	var row []Button
	if len(c.Web) > 0 {
		row = append(row, Button{Kind: OpenURL, Label: MsgWebsite, URL: c.Web[0]})
	}
	return append(row, Button{Kind: OpenURL, Label: MsgMap, URL: c.MapURL()})
}

// withNav adds the last row: Main menu alone under a screen of the main
// menu or a hidden one, else Back to the parent and Main menu.
func (s Screen) withNav() Screen {
	n := s.Node
	switch {
	case n.ID == Main:
	case n.Parent == Main || n.Hidden:
		s.Rows = append(s.Rows, []Button{{Kind: Navigate, Label: MsgMainMenu, Target: Main}})
	default:
		s.Rows = append(s.Rows, []Button{
			{Kind: Navigate, Label: MsgBack, Target: n.Parent},
			{Kind: Navigate, Label: MsgMainMenu, Target: Main},
		})
	}
	return s
}

// languageRows lays the languages out two to a row, which fits the longest
// own name on a narrow phone.
func languageRows(langs []Choice) [][]Button {
	var rows [][]Button
	for i := 0; i < len(langs); i += 2 {
		var row []Button
		for _, l := range langs[i:min(i+2, len(langs))] {
			row = append(row, Button{Kind: SetLanguage, Label: l.Name, Literal: true, Lang: l.Tag})
		}
		rows = append(rows, row)
	}
	return rows
}

// Callback data formats. The version prefix lets a later release change the
// format and still recognise (and safely ignore) buttons from this one.
const (
	navPrefix  = "v1:"
	langPrefix = "v1:lang:"
	guideData  = "v1:do:guide"
	// MaxData is Telegram's limit on callback data, in bytes.
	MaxData = 64
)

// NavData is the callback data of a button that opens id.
func NavData(id ID) string { return navPrefix + string(id) }

// Action is what a pressed button asks for.
type Action struct {
	Kind   ButtonKind // Navigate, SetLanguage, ShowMonth, PickDay or Noop
	Target ID
	Lang   string
	Date   Date // for ShowMonth (day 0) and PickDay
}

// Parse reads callback data. Data it does not recognise (another version,
// an unknown node or language, any bytes at all) opens the main menu.
func (t *Tree) Parse(data string) Action {
	if len(data) > MaxData {
		return Action{Kind: Navigate, Target: Main}
	}
	if a, ok := parseCalendar(data); ok {
		return a
	}
	if data == guideData {
		return Action{Kind: SendGuide}
	}
	if len(data) > len(langPrefix) && data[:len(langPrefix)] == langPrefix {
		if tag := data[len(langPrefix):]; t.byLang[tag] {
			return Action{Kind: SetLanguage, Lang: tag}
		}
		return Action{Kind: Navigate, Target: Main}
	}
	if len(data) > len(navPrefix) && data[:len(navPrefix)] == navPrefix {
		// A hidden node answers a command ("Done, deleted"): a button
		// never leads there, so forged data for one opens the main menu.
		if n, ok := t.byID[ID(data[len(navPrefix):])]; ok && !n.Hidden {
			return Action{Kind: Navigate, Target: n.ID}
		}
	}
	return Action{Kind: Navigate, Target: Main}
}

// Message ids of the answers to a typed question.
const (
	MsgSearchFound = "search_found"
	MsgSearchNone  = "search_none"
)

// Found answers a typed question with the screens a search found, best
// first, one a row, then Main menu.
func (t *Tree) Found(ids []ID) Screen {
	s := Screen{Node: t.byID[Main], Texts: []string{MsgSearchFound}}
	for _, id := range ids {
		if _, ok := t.byID[id]; ok {
			s.Rows = append(s.Rows, []Button{{Kind: Navigate, Label: id.ButtonID(), Target: id}})
		}
	}
	s.Rows = append(s.Rows, []Button{{Kind: Navigate, Label: MsgMainMenu, Target: Main}})
	return s
}

// NotFound answers a typed question the search found nothing for: the
// main menu, and CRPK, since a person who types often has a problem.
func (t *Tree) NotFound() Screen {
	s := Screen{Node: t.byID[Main], Texts: []string{MsgSearchNone}}
	for _, c := range t.byID[Main].Children {
		s.Rows = append(s.Rows, []Button{{Kind: Navigate, Label: c.ButtonID(), Target: c}})
	}
	s.Rows = append(s.Rows, []Button{{Kind: Navigate, Label: HelpCRPK.ButtonID(), Target: HelpCRPK}})
	return s
}

// StaleContacts returns the contacts unconfirmed for more than StaleAfter
// months on day today.
func (t *Tree) StaleContacts(today Date) []*Contact {
	var out []*Contact
	for _, c := range t.Contacts() {
		if c.Stale(today) {
			out = append(out, c)
		}
	}
	return out
}

// TopicNode returns the node a deep-link topic opens.
func TopicNode(name string) (ID, bool) {
	for _, t := range topics {
		if t.Name == name {
			return t.Node, true
		}
	}
	return "", false
}

// Topics returns the deep-link topics, for documentation and posters.
func Topics() []Topic { return topics }

// Commands returns the bot's commands.
func Commands() []Command { return commands }

// LookupCommand returns the command called name.
func LookupCommand(name string) (Command, bool) {
	for _, c := range commands {
		if c.Name == name {
			return c, true
		}
	}
	return Command{}, false
}
