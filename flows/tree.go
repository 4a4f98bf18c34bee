package flows

import "net/url"

// ID names a node of the tree. It travels in callback data and deep links,
// so it is short, ASCII and stable across releases.
type ID string

// The nodes of the guide, in menu order.
const (
	Main ID = "main"

	Apply         ID = "apply"
	ApplyWhere    ID = "apply_where"
	ApplyAfter    ID = "apply_after"
	ApplyDecision ID = "apply_decision"
	ApplyWait     ID = "apply_wait"

	Protection     ID = "prot"
	ProtRefugee    ID = "prot_refugee"
	ProtSubsidiary ID = "prot_subsidiary"
	ProtTemporary  ID = "prot_temporary"

	Appeal           ID = "appeal"
	AppealDeadline   ID = "appeal_deadline"
	AppealDays       ID = "appeal_days"
	AppealCommission ID = "appeal_commission"
	AppealCourt      ID = "appeal_court"
	AppealHelp       ID = "appeal_help"

	Help          ID = "help"
	HelpCRPK      ID = "help_crpk"
	HelpICRC      ID = "help_icrc"
	HelpKRCT      ID = "help_krct"
	HelpRedCross  ID = "help_redcross"
	HelpEmergency ID = "help_emergency"

	Rights         ID = "rights"
	RightsReturn   ID = "rights_return"
	RightsTreaties ID = "rights_treaties"
	RightsUNHCR    ID = "rights_unhcr"
	LanguagePicker ID = "language"
	About          ID = "about"
	Privacy        ID = "privacy"
	Usage          ID = "usage"
	Forgotten      ID = "forgotten"
)

// BodyID is the message id of the node's screen text.
func (id ID) BodyID() string { return string(id) + "_body" }

// ButtonID is the message id of the label of a button that opens the node.
func (id ID) ButtonID() string { return string(id) + "_button" }

// Message ids shared by many screens.
const (
	MsgBack         = "nav_back"
	MsgMainMenu     = "nav_main"
	MsgWebsite      = "contact_website"
	MsgMap          = "contact_map"
	MsgAddress      = "contact_address"
	MsgPhone        = "contact_phone"
	MsgEmail        = "contact_email"
	MsgWeb          = "contact_web"
	MsgLabel        = "contact_label"
	MsgChecked      = "contact_checked"
	MsgDate         = "date_day_month_year"
	MsgMonthYear    = "date_month_year"
	MsgLanguageName = "language_name"
	// MsgLanguageSaved confirms a language choice, in the chosen language.
	MsgLanguageSaved = "language_saved"
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

// Facts that appear on several screens. Keeping them here keeps every
// language in step with the law.
var (
	AppealPeriod      = Quantity{15, Days}         // Law on Asylum, Art. 74
	CommissionPeriod  = Quantity{30, Days}         // Law on Asylum, Art. 79
	DecisionPeriod    = Quantity{6, Months}        // source page, "Information for asylum-seekers"
	DecisionMaxPeriod = Quantity{9, Months}        // source page, "Information for asylum-seekers"
	AddressPeriod     = Quantity{3, Days}          // CRPK, help.crpkosovo.org
	PermitMinimum     = Quantity{1, Years}         // Law on Asylum, Art. 9
	ReviewedOn        = Date{2026, 11, 26}         // when the content was last checked against the brief
	ContactsCheckedOn = Date{Year: 2025, Month: 3} // "Last updated March 2025" on the source page
)

// Contact is an organisation's contact block. Its values are shown exactly
// as written here in every language and are never translated.
type Contact struct {
	Address string
	Phone   string
	Email   string
	Web     []string // full https URLs
	Checked Date     // when the details were last checked against the source
}

// MapURL is an openstreetmap.org search for the address: it needs no
// coordinates and tracks nobody.
func (c *Contact) MapURL() string {
	return "https://www.openstreetmap.org/search?query=" + url.QueryEscape(c.Address)
}

// Contacts of the organisations, from the source page as corrected by the
// content brief. Last checked: March 2025.
var (
	CRPK = &Contact{
		Address: "Lorenc Antoni St. No. 15, Peyton City, 10000 Prishtina",
		Phone:   "+383 38 243 610",
		Email:   "crp@crpkosovo.org",
		Web:     []string{"https://crpkosovo.org", "https://help.crpkosovo.org"},
		Checked: ContactsCheckedOn,
	}
	ICRC = &Contact{
		Address: "Pashko Vasa 41, 10000 Prishtina",
		Phone:   "+383 38 704 042",
		Email:   "pristina@icrc.org",
		Web:     []string{"https://www.icrc.org"},
		Checked: ContactsCheckedOn,
	}
	KRCT = &Contact{
		Address: "Hamez Jashari 16b/2, 10000 Prishtina",
		Phone:   "+383 38 243 707",
		Email:   "info@krct.org",
		Web:     []string{"https://krct.org"},
		Checked: ContactsCheckedOn,
	}
	RedCross = &Contact{
		Address: "Enver Zymberi St. No. 24, Prishtina",
		Phone:   "+383 38 221 427",
		Email:   "info@redcross-ks.org",
		Web:     []string{"https://redcross-ks.org"},
		Checked: ContactsCheckedOn,
	}
)

// Node is one screen of the guide.
type Node struct {
	ID       ID
	Parent   ID   // "" only for Main
	Children []ID // the menu, one button a row, in order
	// Hidden nodes are not in any menu: a command or an action leads there.
	Hidden bool
	// Contact, when set, is shown below the text with website and map buttons.
	Contact *Contact
	// Quantities and Dates fill the template fields of the node's text.
	Quantities map[string]Quantity
	Dates      map[string]Date
	// Calendar marks the appeal-deadline date picker: its buttons are a
	// month of days, built when it is shown.
	Calendar bool
}

// nodes is the whole guide. Every fact in the content brief is reachable
// from Main; see tree_test.go for the checks that keep it whole.
var nodes = []*Node{
	{ID: Main, Children: []ID{Apply, Protection, Appeal, Help, Rights, LanguagePicker, About}},

	{ID: Apply, Parent: Main, Children: []ID{ApplyWhere, ApplyAfter, ApplyDecision, ApplyWait}},
	{ID: ApplyWhere, Parent: Apply},
	{ID: ApplyAfter, Parent: Apply},
	{ID: ApplyDecision, Parent: Apply, Quantities: map[string]Quantity{
		"Decision": DecisionPeriod, "DecisionMax": DecisionMaxPeriod, "Appeal": AppealPeriod,
	}},
	{ID: ApplyWait, Parent: Apply, Quantities: map[string]Quantity{"Address": AddressPeriod}},

	{ID: Protection, Parent: Main, Children: []ID{ProtRefugee, ProtSubsidiary, ProtTemporary}},
	{ID: ProtRefugee, Parent: Protection},
	{ID: ProtSubsidiary, Parent: Protection, Quantities: map[string]Quantity{"Permit": PermitMinimum}},
	{ID: ProtTemporary, Parent: Protection},

	{ID: Appeal, Parent: Main, Children: []ID{AppealDeadline, AppealDays, AppealCommission, AppealCourt, AppealHelp},
		Quantities: map[string]Quantity{"Appeal": AppealPeriod}},
	{ID: AppealDeadline, Parent: Appeal, Quantities: map[string]Quantity{"Appeal": AppealPeriod}},
	{ID: AppealDays, Parent: Appeal, Calendar: true, Quantities: map[string]Quantity{"Appeal": AppealPeriod}},
	{ID: AppealCommission, Parent: Appeal, Quantities: map[string]Quantity{"Commission": CommissionPeriod}},
	{ID: AppealCourt, Parent: Appeal},
	{ID: AppealHelp, Parent: Appeal, Contact: CRPK},

	{ID: Help, Parent: Main, Children: []ID{HelpCRPK, HelpICRC, HelpKRCT, HelpRedCross, HelpEmergency}},
	{ID: HelpCRPK, Parent: Help, Contact: CRPK},
	{ID: HelpICRC, Parent: Help, Contact: ICRC},
	{ID: HelpKRCT, Parent: Help, Contact: KRCT},
	{ID: HelpRedCross, Parent: Help, Contact: RedCross},
	{ID: HelpEmergency, Parent: Help},

	{ID: Rights, Parent: Main, Children: []ID{RightsReturn, RightsTreaties, RightsUNHCR}},
	{ID: RightsReturn, Parent: Rights},
	{ID: RightsTreaties, Parent: Rights},
	{ID: RightsUNHCR, Parent: Rights},

	{ID: LanguagePicker, Parent: Main},

	{ID: About, Parent: Main, Children: []ID{Privacy, Usage}, Dates: map[string]Date{"Reviewed": ReviewedOn}},
	{ID: Privacy, Parent: About},
	{ID: Usage, Parent: About},

	{ID: Forgotten, Parent: Main, Hidden: true},
}

// Choice is a language the user can pick: its tag and its own name.
type Choice struct {
	Tag  string
	Name string
}

// Tree is the guide with the languages it offers.
type Tree struct {
	nodes  []*Node
	byID   map[ID]*Node
	langs  []Choice
	byLang map[string]bool
}

// New returns the tree offering langs in the language picker.
func New(langs []Choice) *Tree {
	t := &Tree{nodes: nodes, byID: make(map[ID]*Node, len(nodes)), langs: langs, byLang: make(map[string]bool, len(langs))}
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
)

// Button is one button of a screen. Label is a message id, except for
// language buttons, whose label is the language's own name (Literal).
type Button struct {
	Kind    ButtonKind
	Label   string
	Literal bool
	Target  ID
	Lang    string
	URL     string
}

// Data is the button's callback data; empty for URL buttons.
func (b Button) Data() string {
	switch b.Kind {
	case Navigate:
		return NavData(b.Target)
	case SetLanguage:
		return langPrefix + b.Lang
	}
	return ""
}

// Screen is what a node shows: its text (a message id with its template
// data) and its buttons, row by row.
type Screen struct {
	Node *Node
	Rows [][]Button
}

// Screen returns the screen of node id. An unknown id gives the main menu,
// so a button from an older release never leads nowhere.
func (t *Tree) Screen(id ID) Screen {
	n, ok := t.byID[id]
	if !ok {
		n = t.byID[Main]
	}
	s := Screen{Node: n}
	for _, c := range n.Children {
		s.Rows = append(s.Rows, []Button{{Kind: Navigate, Label: c.ButtonID(), Target: c}})
	}
	if n.ID == LanguagePicker {
		s.Rows = append(s.Rows, languageRows(t.langs)...)
	}
	if n.Contact != nil {
		var row []Button
		if len(n.Contact.Web) > 0 {
			row = append(row, Button{Kind: OpenURL, Label: MsgWebsite, URL: n.Contact.Web[0]})
		}
		row = append(row, Button{Kind: OpenURL, Label: MsgMap, URL: n.Contact.MapURL()})
		s.Rows = append(s.Rows, row)
	}
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
	if len(data) > len(langPrefix) && data[:len(langPrefix)] == langPrefix {
		if tag := data[len(langPrefix):]; t.byLang[tag] {
			return Action{Kind: SetLanguage, Lang: tag}
		}
		return Action{Kind: Navigate, Target: Main}
	}
	if len(data) > len(navPrefix) && data[:len(navPrefix)] == navPrefix {
		if n, ok := t.byID[ID(data[len(navPrefix):])]; ok {
			return Action{Kind: Navigate, Target: n.ID}
		}
	}
	return Action{Kind: Navigate, Target: Main}
}

// topics are the deep-link topics an NGO can put in a link, such as
// t.me/<bot>?start=ar_appeal.
var topics = map[string]ID{
	"apply":      Apply,
	"protection": Protection,
	"appeal":     Appeal,
	"help":       Help,
	"rights":     Rights,
}

// Topic returns the node a deep-link topic opens.
func Topic(name string) (ID, bool) {
	id, ok := topics[name]
	return id, ok
}

// Topics returns the deep-link topic names, for documentation and posters.
func Topics() []string {
	return []string{"apply", "protection", "appeal", "help", "rights"}
}
