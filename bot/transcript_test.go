package bot

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"asylumguide/bot/telegramtest"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/")

// step is one thing a user does in a scripted conversation.
type step struct {
	send  string // a text message or command
	media string // a message with no text: "photo", "sticker", ...
	tap   string // press the button with this label on the current screen
	press string // press the button on the current screen that sends this callback data
	data  string // send this raw callback data (an old or forged button)
	// inline types @<bot> and this query in some chat.
	inline *string
	// inaccessible presses on a message Telegram no longer shows the bot.
	inaccessible bool
}

// conversation plays steps as user against a fresh bot and returns the
// transcript: what the user did and every Bot API call the bot made.
func conversation(t *testing.T, user telegramtest.User, steps []step) string {
	t.Helper()
	h := newHarness(t)
	var out strings.Builder
	var current *telegramtest.Call // the message the user is looking at
	msgID := 0
	for _, s := range steps {
		var upd map[string]any
		switch {
		case s.send != "":
			fmt.Fprintf(&out, "» user sends %q\n", s.send)
			upd = telegramtest.Text(user, s.send)
		case s.media != "":
			fmt.Fprintf(&out, "» user sends a %s\n", s.media)
			upd = telegramtest.Media(user, s.media)
		case s.tap != "":
			if current == nil {
				t.Fatalf("tap %q: no screen shown yet", s.tap)
			}
			data := findButton(t, current, s.tap)
			fmt.Fprintf(&out, "» user taps %q\n", s.tap)
			upd = telegramtest.Callback(user, msgID, data)
		case s.press != "":
			if current == nil {
				t.Fatalf("press %q: no screen shown yet", s.press)
			}
			label := findLabel(t, current, s.press)
			fmt.Fprintf(&out, "» user taps %q\n", label)
			upd = telegramtest.Callback(user, msgID, s.press)
		case s.inline != nil:
			fmt.Fprintf(&out, "» user types @%s %s in another chat\n", telegramtest.Username, *s.inline)
			upd = telegramtest.InlineQuery(user, *s.inline)
		case s.data != "":
			fmt.Fprintf(&out, "» user taps an old button with data %q\n", s.data)
			if s.inaccessible {
				upd = telegramtest.InaccessibleCallback(user, msgID, s.data)
			} else {
				upd = telegramtest.Callback(user, msgID, s.data)
			}
		}
		for _, c := range h.do(upd) {
			c := c
			out.WriteString(formatCall(&c))
			switch c.Method {
			case "sendMessage":
				current, msgID = &c, c.MessageID
			case "editMessageText":
				current = &c
			}
		}
		out.WriteString("\n")
	}
	return out.String()
}

// findButton returns the callback data of the button labelled label.
func findButton(t *testing.T, c *telegramtest.Call, label string) string {
	t.Helper()
	for _, row := range keyboard(t, c) {
		for _, k := range row {
			if k.Text == label && k.Data != "" {
				return k.Data
			}
		}
	}
	t.Fatalf("no button %q on screen:\n%s", label, formatCall(c))
	return ""
}

// findLabel returns the label of the button that sends data.
func findLabel(t *testing.T, c *telegramtest.Call, data string) string {
	t.Helper()
	for _, row := range keyboard(t, c) {
		for _, k := range row {
			if k.Data == data {
				return k.Text
			}
		}
	}
	t.Fatalf("no button with data %q on screen:\n%s", data, formatCall(c))
	return ""
}

func keyboard(t testing.TB, c *telegramtest.Call) [][]keyboardButton {
	var m struct {
		Rows [][]keyboardButton `json:"inline_keyboard"`
	}
	if raw := c.Params["reply_markup"]; raw != "" {
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			t.Fatalf("reply_markup is not JSON: %v", err)
		}
	}
	return m.Rows
}

// formatCall writes one Bot API call the way a reviewer wants to read it:
// the method, the text line by line, then the buttons row by row.
func formatCall(c *telegramtest.Call) string {
	var b strings.Builder
	switch c.Method {
	case "sendMessage", "editMessageText":
		fmt.Fprintf(&b, "« %s (parse_mode %s, link preview %s)\n", c.Method, c.Params["parse_mode"], previewState(c))
		for _, line := range strings.Split(c.Params["text"], "\n") {
			b.WriteString("│ " + line + "\n")
		}
		var m struct {
			Rows [][]keyboardButton `json:"inline_keyboard"`
		}
		json.Unmarshal([]byte(c.Params["reply_markup"]), &m)
		for _, row := range m.Rows {
			b.WriteString("│")
			for _, k := range row {
				switch {
				case k.URL != "":
					fmt.Fprintf(&b, " [%s ↗ %s]", k.Text, k.URL)
				case k.Share != nil:
					fmt.Fprintf(&b, " [%s ⇪ share %q, to private chats %v, groups %v]", k.Text, k.Share.Query, k.Share.Users, k.Share.Groups)
				case k.Here != nil:
					fmt.Fprintf(&b, " [%s ⇪ share in this chat]", k.Text)
				default:
					fmt.Fprintf(&b, " [%s → %s]", k.Text, k.Data)
				}
			}
			b.WriteString("\n")
		}
	case "answerCallbackQuery":
		if t := c.Params["text"]; t != "" {
			fmt.Fprintf(&b, "« answerCallbackQuery: %q\n", t)
		} else {
			b.WriteString("« answerCallbackQuery\n")
		}
	case "answerInlineQuery":
		fmt.Fprintf(&b, "« answerInlineQuery (cache_time %s, is_personal %s)\n", c.Params["cache_time"], c.Params["is_personal"])
		var results []inlineResult
		json.Unmarshal([]byte(c.Params["results"]), &results)
		for _, r := range results {
			fmt.Fprintf(&b, "│ ▸ %s: %s\n│   %s\n", r.ID, r.Title, r.Description)
			for _, line := range strings.Split(r.Content.Text, "\n") {
				b.WriteString("│   │ " + line + "\n")
			}
			var m struct {
				Rows [][]keyboardButton `json:"inline_keyboard"`
			}
			json.Unmarshal(r.Markup, &m)
			for _, row := range m.Rows {
				for _, k := range row {
					fmt.Fprintf(&b, "│   [%s ↗ %s]\n", k.Text, k.URL)
				}
			}
		}
	case "sendDocument":
		how := "by file_id " + c.Params["document"]
		if name := c.Files["document"]; name != "" {
			how = fmt.Sprintf("uploaded as %s, %s", name, sizeClass(len(c.Params["document"])))
		}
		fmt.Fprintf(&b, "« sendDocument %s\n│ caption: %s\n", how, c.Params["caption"])
	default:
		fmt.Fprintf(&b, "« %s\n", c.Method)
	}
	return b.String()
}

// sizeClass describes a file's size without a number that changes with
// every edit of the guide.
func sizeClass(n int) string {
	switch {
	case n == 0:
		return "empty"
	case n < 20<<10:
		return "under 20 KB"
	case n < 200<<10:
		return "20–200 KB"
	}
	return "over 200 KB"
}

func previewState(c *telegramtest.Call) string {
	if strings.Contains(c.Params["link_preview_options"], `"is_disabled":true`) {
		return "off"
	}
	return "on"
}

// golden compares got with testdata/name.golden, or rewrites it with
// -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *updateGolden {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./bot -run %s -update to create it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("transcript differs from %s (rerun with -update if the change is intended)\n%s", path, diff(string(want), got))
	}
}

// diff shows the first lines where want and got part.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\nwant: %s\ngot:  %s", i+1, wl, gl)
		}
	}
	return ""
}

var english = telegramtest.User{ID: 1001, Lang: "en", Name: "Amira"}

func TestTranscriptNewUserTour(t *testing.T) {
	got := conversation(t, english, []step{
		{send: "/start"},
		{tap: "📝 How to apply"},
		{tap: "📍 Where and when to apply"},
		{tap: "⬅️ Back"},
		{tap: "🛏️ After you apply"},
		{tap: "⬅️ Back"},
		{tap: "⏳ How long the decision takes"},
		{tap: "⬅️ Back"},
		{tap: "🧾 While you wait"},
		{tap: "🏠 Main menu"},
		{tap: "🛡️ Kinds of protection"},
		{tap: "🛡️ Refugee status"},
		{tap: "⬅️ Back"},
		{tap: "🛟 Subsidiary protection"},
		{tap: "⬅️ Back"},
		{tap: "⛺ Temporary protection"},
		{tap: "🏠 Main menu"},
		{tap: "📜 Your rights"},
		{tap: "🚫 No return to danger"},
		{tap: "⬅️ Back"},
		{tap: "🌍 Human rights law"},
		{tap: "⬅️ Back"},
		{tap: "🕊️ The role of UNHCR"},
		{tap: "🏠 Main menu"},
		{tap: "ℹ️ About this guide"},
		{tap: "❓ How to use the guide"},
		{tap: "⬅️ Back"},
		{tap: "🔒 Privacy"},
		{tap: "🏠 Main menu"},
	})
	golden(t, "en_tour", got)
}

func TestTranscriptAppeals(t *testing.T) {
	got := conversation(t, english, []step{
		{send: "/start"},
		{tap: "⚖️ Appeals"},
		{tap: "⏰ The appeal deadline"},
		{tap: "⬅️ Back"},
		{tap: "🏛️ The National Commission"},
		{tap: "⬅️ Back"},
		{tap: "🏛️ After the Commission"},
		{tap: "⬅️ Back"},
		{tap: "🆘 Get legal help now"},
		{tap: "🏠 Main menu"},
	})
	golden(t, "en_appeals", got)
}

func TestTranscriptContacts(t *testing.T) {
	got := conversation(t, english, []step{
		{send: "/menu"},
		{tap: "🤝 Where to get help"},
		{tap: "⚖️ CRPK – free legal aid"},
		{tap: "⬅️ Back"},
		{tap: "🔎 ICRC – find family"},
		{tap: "⬅️ Back"},
		{tap: "💚 KRCT – after torture"},
		{tap: "⬅️ Back"},
		{tap: "❤️ Red Cross of Kosova"},
		{tap: "⬅️ Back"},
		{tap: "🚨 Emergency numbers"},
		{tap: "🏠 Main menu"},
	})
	golden(t, "en_contacts", got)
}

func TestTranscriptOddInput(t *testing.T) {
	got := conversation(t, english, []step{
		{send: "/start"},
		{data: "v0:appeals_old"},
		{data: "v1:no_such_screen"},
		{tap: "⚖️ Appeals"},
		{data: "v1:appeal"},
		{data: "v1:appeal", inaccessible: true},
		{send: "hello, I need help, my name is Amira"},
		{media: "photo"},
		{media: "sticker"},
		{media: "voice"},
		{send: "/unknowncommand"},
		{send: "/start@" + telegramtest.Username},
		{send: "/privacy"},
		{send: "/forget"},
		{send: "/help"},
	})
	golden(t, "en_odd_input", got)
}

func TestTranscriptLanguage(t *testing.T) {
	got := conversation(t, telegramtest.User{ID: 1002, Lang: unsupportedLang}, []step{
		{send: "/start"},
		{tap: "🌐 Language"},
		{tap: "English"},
		{send: "/language"},
	})
	golden(t, "en_language", got)
}

// mainPath is the walk every language's transcript takes: each section, a
// screen in it and back, a contact, and the whole of Appeals.
var mainPath = []step{
	{send: "/start"},
	{press: "v1:apply"}, {press: "v1:apply_where"}, {press: "v1:apply"}, {press: "v1:apply_decision"}, {press: "v1:main"},
	{press: "v1:prot"}, {press: "v1:prot_refugee"}, {press: "v1:prot"}, {press: "v1:prot_subsidiary"}, {press: "v1:main"},
	{press: "v1:appeal"}, {press: "v1:appeal_deadline"}, {press: "v1:appeal"}, {press: "v1:appeal_commission"},
	{press: "v1:appeal"}, {press: "v1:appeal_court"}, {press: "v1:appeal"}, {press: "v1:appeal_help"}, {press: "v1:main"},
	{press: "v1:help"}, {press: "v1:help_crpk"}, {press: "v1:help"}, {press: "v1:help_emergency"}, {press: "v1:main"},
	{press: "v1:rights"}, {press: "v1:rights_return"}, {press: "v1:main"},
	{press: "v1:about"}, {press: "v1:privacy"}, {press: "v1:main"},
}

// TestTranscriptEveryLanguage walks the main path in each language, for a
// user whose Telegram app is set to that language.
func TestTranscriptEveryLanguage(t *testing.T) {
	for _, l := range testScreens(t).Languages() {
		t.Run(l.Tag, func(t *testing.T) {
			got := conversation(t, telegramtest.User{ID: 2000, Lang: l.Tag}, mainPath)
			golden(t, "main_path_"+l.Tag, got)
		})
	}
}

// TestTranscriptDeepLinks follows links an NGO shares: a language and a
// topic open that screen in that language and remember the choice; a
// broken link is ignored (never echoed) and opens the main menu.
func TestTranscriptDeepLinks(t *testing.T) {
	got := conversation(t, telegramtest.User{ID: 1003, Lang: unsupportedLang}, []step{
		{send: "/start ar_appeal"},
		{send: "/menu"},
		{send: "/start sr-Latn_help"},
		{send: "/start fr"},
		{send: "/start xx_appeal"},
		{send: "/start <script>alert(1)</script>"},
	})
	golden(t, "deep_links", got)
}

// deadlinePath walks the appeal-deadline helper on 26 November 2026: a
// decision of 20 November (9 days left), another date a month back whose
// 15 days have passed, the 11th (today is the last day), a future day
// (refused), and the calendar's arrows and blank cells.
var deadlinePath = []step{
	{send: "/start"},
	{press: "v1:appeal"},
	{press: "v1:appeal_days"},
	{press: "v1:noop"},
	{press: "v1:day:20261128"},
	{press: "v1:day:20261120"},
	{press: "v1:cal:202611"},
	{press: "v1:cal:202610"},
	{press: "v1:day:20261030"},
	{press: "v1:cal:202610"},
	{press: "v1:cal:202611"},
	{press: "v1:day:20261111"},
	{press: "v1:appeal_help"},
	{press: "v1:main"},
}

func TestTranscriptDeadlineEnglish(t *testing.T) {
	golden(t, "deadline_en", conversation(t, english, deadlinePath))
}

func TestTranscriptDeadlineArabic(t *testing.T) {
	golden(t, "deadline_ar", conversation(t, telegramtest.User{ID: 1004, Lang: "ar"}, deadlinePath))
}

// TestDeadlineRejectsForgedDays sends calendar data no button carries: a
// day that does not exist, a month in the future, a date before the law.
func TestDeadlineRejectsForgedDays(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		data, want string
	}{
		{"v1:day:20261131", "Kosovo Asylum Guide"}, // no such day: main menu
		{"v1:day:20171231", "Kosovo Asylum Guide"}, // before 2018: main menu
		{"v1:cal:209912", "November 2026"},         // the future: this month
		{"v1:day:20270101", ""},                    // a future day: refused, no edit
		{"v1:cal:201801", "January 2018"},          // the first month offered
		{"v1:day:20180101", "It may not be too late"},
	}
	for _, tt := range tests {
		calls := h.do(telegramtest.Callback(english, 101, tt.data))
		var edited string
		for _, c := range calls {
			if c.Method == "editMessageText" {
				edited = c.Params["text"]
			}
		}
		if tt.want == "" {
			if edited != "" || calls[0].Params["text"] == "" {
				t.Errorf("%s: want a refusal pop-up and no edit; got %v, %q", tt.data, methods(calls), edited)
			}
			continue
		}
		if !strings.Contains(edited, tt.want) {
			t.Errorf("%s: screen %q, want it to contain %q", tt.data, firstLine(edited), tt.want)
		}
	}
}
