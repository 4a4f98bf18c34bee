package flows

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

var testLangs = []Choice{{"sq", "Shqip"}, {"sr-Latn", "Srpski"}, {"sr-Cyrl", "Српски"}, {"en", "English"}, {"ar", "العربية"}}

// TestTreeIsWhole checks the tree's shape: every menu entry exists, every
// node but the hidden ones is reachable from the main menu exactly once,
// each node's Parent is the node whose menu lists it, and every callback
// data fits Telegram's 64 bytes.
func TestTreeIsWhole(t *testing.T) {
	tree := New(testLangs, DefaultContent())
	idPattern := regexp.MustCompile(`^[a-z][a-z_]{1,30}$`)
	listedBy := map[ID]ID{}
	for _, n := range tree.nodes {
		if !idPattern.MatchString(string(n.ID)) {
			t.Errorf("node id %q: want lower-case ASCII letters and _", n.ID)
		}
		for _, c := range n.Children {
			if _, ok := tree.Node(c); !ok {
				t.Errorf("%s lists %s, which does not exist", n.ID, c)
			}
			if prev, dup := listedBy[c]; dup {
				t.Errorf("%s is listed by both %s and %s", c, prev, n.ID)
			}
			listedBy[c] = n.ID
		}
	}
	seen := map[ID]bool{}
	for _, n := range tree.nodes {
		if seen[n.ID] {
			t.Errorf("node %s defined twice", n.ID)
		}
		seen[n.ID] = true
		switch {
		case n.ID == Main:
			if n.Parent != "" {
				t.Errorf("main has parent %q", n.Parent)
			}
		case n.Hidden:
			if _, listed := listedBy[n.ID]; listed {
				t.Errorf("hidden node %s is listed in %s's menu", n.ID, listedBy[n.ID])
			}
			if _, ok := tree.Node(n.Parent); !ok {
				t.Errorf("hidden node %s: parent %q does not exist", n.ID, n.Parent)
			}
		default:
			got, want := listedBy[n.ID], n.Parent
			if got != want {
				t.Errorf("%s: Parent = %q, but it is listed by %q (orphans are listed by no one)", n.ID, want, got)
			}
		}
	}
	if got, want := len(tree.Nodes()), len(tree.nodes); got != want {
		t.Errorf("Nodes() returns %d nodes, want %d", got, want)
	}
	for _, n := range tree.Nodes() {
		for _, row := range tree.Screen(n.ID).Rows {
			for _, b := range row {
				if d := b.Data(); len(d) > MaxData {
					t.Errorf("%s: button %q has %d bytes of callback data, over %d", n.ID, b.Label, len(d), MaxData)
				}
				if b.Kind == OpenURL && !strings.HasPrefix(b.URL, "https://") {
					t.Errorf("%s: button %q opens %q, want an https URL", n.ID, b.Label, b.URL)
				}
			}
		}
	}
}

// TestMustHaveScreensAreReachable checks that the screens the content
// brief requires are in some menu under Main, wherever they sit; the
// golden transcripts pin the menus themselves.
func TestMustHaveScreensAreReachable(t *testing.T) {
	tree := New(testLangs, DefaultContent())
	reachable := map[ID]bool{}
	for _, n := range tree.Nodes() {
		if !n.Hidden {
			reachable[n.ID] = true
		}
	}
	for _, id := range []ID{Apply, ProtRefugee, ProtSubsidiary, ProtTemporary, AppealDeadline, AppealDays,
		AppealCommission, AppealCourt, HelpCRPK, HelpEmergency, RightsReturn, LanguagePicker, Privacy} {
		if !reachable[id] {
			t.Errorf("%s is not reachable from the main menu", id)
		}
	}
}

// TestCommands checks the command table: names Telegram accepts, screens
// that exist, and /start answered everywhere.
func TestCommands(t *testing.T) {
	tree := New(testLangs, DefaultContent())
	name := regexp.MustCompile(`^[a-z0-9_]{1,32}$`)
	seen := map[string]bool{}
	for _, c := range Commands() {
		if !name.MatchString(c.Name) {
			t.Errorf("command %q: Telegram takes 1-32 lower-case letters, digits and _", c.Name)
		}
		if seen[c.Name] {
			t.Errorf("command %q listed twice", c.Name)
		}
		seen[c.Name] = true
		if _, ok := tree.Node(c.Node); !ok {
			t.Errorf("/%s opens %q, which does not exist", c.Name, c.Node)
		}
		if got, ok := LookupCommand(c.Name); !ok || got != c {
			t.Errorf("LookupCommand(%q) = %+v, %v", c.Name, got, ok)
		}
	}
	if c, ok := LookupCommand("start"); !ok || !c.InGroups || c.Node != Main {
		t.Errorf("/start = %+v, %v; want the main menu, answered in groups too", c, ok)
	}
	if _, ok := LookupCommand("nosuch"); ok {
		t.Error("LookupCommand found a command that does not exist")
	}
}

func TestScreenButtons(t *testing.T) {
	tree := New(testLangs, DefaultContent())
	nav := func(label string, to ID) Button { return Button{Kind: Navigate, Label: label, Target: to} }
	tests := []struct {
		node ID
		want [][]Button
	}{
		{Main, [][]Button{
			{nav("apply_button", Apply)}, {nav("prot_button", Protection)}, {nav("appeal_button", Appeal)},
			{nav("help_button", Help)}, {nav("rights_button", Rights)}, {nav("language_button", LanguagePicker)},
			{nav("about_button", About)},
		}},
		{Protection, [][]Button{
			{nav("prot_refugee_button", ProtRefugee)}, {nav("prot_subsidiary_button", ProtSubsidiary)},
			{nav("prot_temporary_button", ProtTemporary)}, {nav(MsgMainMenu, Main)},
		}},
		{AppealDeadline, [][]Button{{nav(MsgBack, Appeal), nav(MsgMainMenu, Main)}}},
		{HelpKRCT, [][]Button{
			{{Kind: OpenURL, Label: MsgWebsite, URL: "https://krct.org"},
				{Kind: OpenURL, Label: MsgMap, URL: "https://www.openstreetmap.org/search?query=Hamez+Jashari+16b%2F2%2C+10000+Prishtina"}},
			{nav(MsgBack, Help), nav(MsgMainMenu, Main)},
		}},
		{LanguagePicker, [][]Button{
			{{Kind: SetLanguage, Label: "Shqip", Literal: true, Lang: "sq"}, {Kind: SetLanguage, Label: "Srpski", Literal: true, Lang: "sr-Latn"}},
			{{Kind: SetLanguage, Label: "Српски", Literal: true, Lang: "sr-Cyrl"}, {Kind: SetLanguage, Label: "English", Literal: true, Lang: "en"}},
			{{Kind: SetLanguage, Label: "العربية", Literal: true, Lang: "ar"}},
			{nav(MsgMainMenu, Main)},
		}},
		{Forgotten, [][]Button{{nav(MsgMainMenu, Main)}}},
		{"no_such_node", nil}, // checked below: the main menu
	}
	for _, tt := range tests {
		got := tree.Screen(tt.node)
		if tt.want == nil {
			if got.Node.ID != Main {
				t.Errorf("Screen(%q) shows %s, want the main menu", tt.node, got.Node.ID)
			}
			continue
		}
		if !slices.EqualFunc(got.Rows, tt.want, func(a, b []Button) bool { return slices.Equal(a, b) }) {
			t.Errorf("Screen(%s) rows:\n got %+v\nwant %+v", tt.node, got.Rows, tt.want)
		}
	}
}

func TestParseCallbackData(t *testing.T) {
	tree := New(testLangs, DefaultContent())
	main := Action{Kind: Navigate, Target: Main}
	tests := []struct {
		data string
		want Action
	}{
		{"v1:appeal", Action{Kind: Navigate, Target: Appeal}},
		{"v1:help_crpk", Action{Kind: Navigate, Target: HelpCRPK}},
		{"v1:main", main},
		{"v1:lang:sr-Cyrl", Action{Kind: SetLanguage, Lang: "sr-Cyrl"}},
		{"v1:lang:de", main},
		{"v1:lang:", main},
		{"v1:", main},
		{"v1:no_such_node", main},
		{"v1:forgotten", main}, // says "deleted", but only /forget deletes
		{"v1:forget_failed", main},
		{"v0:appeal", main},
		{"v2:appeal", main},
		{"appeal", main},
		{"", main},
		{"v1:appeal\x00", main},
		{"v1:" + strings.Repeat("a", 100), main},
		{"\xff\xfe", main},
	}
	for _, tt := range tests {
		if got := tree.Parse(tt.data); got != tt.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tt.data, got, tt.want)
		}
	}
}

func TestButtonDataRoundTrip(t *testing.T) {
	tree := New(testLangs, DefaultContent())
	for _, n := range tree.Nodes() {
		for _, row := range tree.Screen(n.ID).Rows {
			for _, b := range row {
				if b.Kind == OpenURL {
					continue
				}
				got := tree.Parse(b.Data())
				if b.Kind == Navigate && (got.Kind != Navigate || got.Target != b.Target) {
					t.Errorf("%s: button to %s parses as %+v", n.ID, b.Target, got)
				}
				if b.Kind == SetLanguage && (got.Kind != SetLanguage || got.Lang != b.Lang) {
					t.Errorf("%s: language button %s parses as %+v", n.ID, b.Lang, got)
				}
			}
		}
	}
}

func TestTopic(t *testing.T) {
	tests := []struct {
		name string
		want ID
		ok   bool
	}{
		{"apply", Apply, true},
		{"protection", Protection, true},
		{"appeal", Appeal, true},
		{"help", Help, true},
		{"rights", Rights, true},
		{"main", "", false},
		{"about", "", false},
		{"Appeal", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := TopicNode(tt.name)
		if got != tt.want || ok != tt.ok {
			t.Errorf("TopicNode(%q) = %q, %v; want %q, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	for _, tp := range Topics() {
		if got, ok := TopicNode(tp.Name); !ok || got != tp.Node {
			t.Errorf("Topics() lists %+v, but TopicNode gives %q, %v", tp, got, ok)
		}
	}
}

func TestMapURLSearchesTheAddress(t *testing.T) {
	for _, c := range New(testLangs, DefaultContent()).Contacts() {
		got := c.MapURL()
		if !strings.HasPrefix(got, "https://www.openstreetmap.org/search?query=") {
			t.Errorf("MapURL() = %q, want an openstreetmap.org search", got)
		}
		if strings.ContainsAny(got, " ,") {
			t.Errorf("MapURL() = %q is not escaped", got)
		}
	}
}

// TestStaleContacts: a contact confirmed more than twelve months ago is
// stale, counted on a fixed clock; one given as a month counts from its
// last day.
func TestStaleContacts(t *testing.T) {
	tests := []struct {
		confirmed, today Date
		want             bool
	}{
		{Date{Year: 2025, Month: 3}, Date{2026, 3, 31}, false},
		{Date{Year: 2025, Month: 3}, Date{2026, 4, 1}, true},
		{Date{2026, 1, 15}, Date{2027, 1, 15}, false},
		{Date{2026, 1, 15}, Date{2027, 1, 16}, true},
		{Date{2024, 2, 29}, Date{2025, 2, 28}, false},
		{Date{2024, 2, 29}, Date{2025, 3, 1}, true},
		{Date{2025, 12, 10}, Date{2026, 11, 30}, false},
	}
	for _, tt := range tests {
		c := &Contact{Confirmed: tt.confirmed}
		if got := c.Stale(tt.today); got != tt.want {
			t.Errorf("confirmed %v, on %v: Stale = %v, want %v", tt.confirmed, tt.today, got, tt.want)
		}
	}
	if got := len(New(testLangs, DefaultContent()).Contacts()); got != 4 {
		t.Errorf("Contacts() = %d contacts, want CRPK, ICRC, KRCT and the Red Cross", got)
	}
}

// TestEmbeddedContentIsValid: the contacts and facts that ship pass the
// checks an NGO's edited file must pass.
func TestEmbeddedContentIsValid(t *testing.T) {
	if _, problems := ParseContent(EmbeddedContent(), ContentFile); len(problems) > 0 {
		t.Errorf("the embedded content.toml has problems: %v", problems)
	}
}

// TestBrokenContentIsReported edits the embedded file the ways an NGO
// might get it wrong: each is reported with its line and what to do.
func TestBrokenContentIsReported(t *testing.T) {
	base := string(EmbeddedContent())
	tests := []struct {
		name, old, new string
		want           string // in the problem's text
	}{
		{"phone without country code", `phone = "+383 38 243 610"`, `phone = "038 243 610"`, "international form"},
		{"phone with letters", `phone = "+383 38 704 042"`, `phone = "+383 38 70A 042"`, "phone number"},
		{"e-mail without @", `email = "info@krct.org"`, `email = "info.krct.org"`, "e-mail"},
		{"link without https", `web = ["https://krct.org"]`, `web = ["krct.org"]`, "https://"},
		{"date that does not exist", `confirmed = "2025-03"
via = "source_page"

[contacts.icrc]`, `confirmed = "2025-02-30"
via = "source_page"

[contacts.icrc]`, "YYYY-MM-DD"},
		{"unknown way of confirming", `via = "source_page"

[contacts.krct]`, `via = "rumour"

[contacts.krct]`, "via"},
		{"contact a screen shows is gone", `[contacts.redcross]`, `[contacts.redcross_old]`, "contacts.redcross"},
		{"fact without a number", "[facts.appeal]\nn = 15", "[facts.appeal]\nn = 0", "whole number"},
		{"unknown unit", `unit = "months"
source = "Rights in Exile page (March 2025): usual`, `unit = "weeks"
source = "Rights in Exile page (March 2025): usual`, "unit"},
		{"not TOML", `reviewed = 2026-11-30`, `reviewed = 2026-11-30 "`, "not valid TOML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(base, tt.old) {
				t.Fatalf("the embedded file has no %q to break", tt.old)
			}
			broken := strings.Replace(base, tt.old, tt.new, 1)
			c, problems := ParseContent([]byte(broken), "content.toml")
			if c != nil || len(problems) != 1 {
				t.Fatalf("got %d problems %v, want one", len(problems), problems)
			}
			p := problems[0].String()
			if !strings.Contains(p, tt.want) || !strings.HasPrefix(p, "content.toml") {
				t.Errorf("problem %q does not say %q", p, tt.want)
			}
			if problems[0].Line == 0 && !strings.Contains(tt.name, "gone") {
				t.Errorf("problem %q has no line", p)
			}
		})
	}
}
