package bot

import (
	"encoding/json"
	"strings"
	"testing"

	"asylumguide/flows"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		text, username string
		cmd, arg       string
		ok             bool
	}{
		{"/start", "Bot", "start", "", true},
		{"/start ar_appeal", "Bot", "start", "ar_appeal", true},
		{"/start@Bot ar", "Bot", "start", "ar", true},
		{"/start@bot ar", "Bot", "start", "ar", true},
		{"/start@OtherBot", "Bot", "", "", false},
		{"/start@AnyBot", "", "start", "", true},
		{"/MENU", "Bot", "menu", "", true},
		{"/help\nplease", "Bot", "help", "please", true},
		{"/forget   ", "Bot", "forget", "", true},
		{"/", "Bot", "", "", false},
		{"start", "Bot", "", "", false},
		{"", "Bot", "", "", false},
		{"/стар", "Bot", "", "", false},
		{"/start\xff", "Bot", "", "", false},
		{"/" + strings.Repeat("a", 33), "Bot", "", "", false},
		{"/@Bot", "Bot", "", "", false},
		{"hello /start", "Bot", "", "", false},
		{"/start 🇺🇦 uk", "Bot", "start", "🇺🇦 uk", true},
	}
	for _, tt := range tests {
		cmd, arg, ok := parseCommand(tt.text, tt.username)
		if cmd != tt.cmd || arg != tt.arg || ok != tt.ok {
			t.Errorf("parseCommand(%q, %q) = %q, %q, %v; want %q, %q, %v", tt.text, tt.username, cmd, arg, ok, tt.cmd, tt.arg, tt.ok)
		}
	}
}

func TestParsePayload(t *testing.T) {
	tests := []struct {
		in   string
		want payload
		ok   bool
	}{
		{"en", payload{lang: "en"}, true},
		{"sr-Latn", payload{lang: "sr-Latn"}, true},
		{"ar_appeal", payload{lang: "ar", topic: "appeal"}, true},
		{"fa_HELP", payload{lang: "fa", topic: "help"}, true},
		{"_rights", payload{topic: "rights"}, true},
		{"", payload{}, false},
		{"_", payload{}, false},
		{"en appeal", payload{}, false},
		{"en_appeal<script>", payload{}, false},
		{"uk_%00", payload{}, false},
		{strings.Repeat("a", 65), payload{}, false},
		{"ар", payload{}, false},
	}
	for _, tt := range tests {
		got, ok := parsePayload(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parsePayload(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseStart(t *testing.T) {
	h := &Bot{}
	h.guide.Store(&guide{screens: testScreens(t)})
	tests := []struct {
		payload string
		lang    string
		topic   flows.ID
		ok      bool
	}{
		{"en", "en", "", true},
		{"en_appeal", "en", flows.Appeal, true},
		{"EN_help", "en", flows.Help, true},
		{"_protection", "", flows.Protection, true},
		{"en_nosuchtopic", "", "", false},
		{"xx_appeal", "", "", false},
		{"en_main", "", "", false},
	}
	for _, tt := range tests {
		lang, topic, ok := h.parseStart(tt.payload)
		if lang != tt.lang || topic != tt.topic || ok != tt.ok {
			t.Errorf("parseStart(%q) = %q, %q, %v; want %q, %q, %v", tt.payload, lang, topic, ok, tt.lang, tt.topic, tt.ok)
		}
	}
}

func TestMessageTailIsValidJSON(t *testing.T) {
	s := testScreens(t)
	tails, err := newTails(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range s.All("ar") {
		tail, err := tails.of(sc)
		if err != nil {
			t.Fatal(err)
		}
		body := append([]byte(`{"chat_id":1,`), tail...)
		var v struct {
			Text      string `json:"text"`
			ParseMode string `json:"parse_mode"`
			Markup    struct {
				Rows [][]map[string]any `json:"inline_keyboard"`
			} `json:"reply_markup"`
		}
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("%s: request body is not JSON: %v\n%s", sc.Node, err, body)
		}
		if v.Text != sc.Text || v.ParseMode != "HTML" {
			t.Errorf("%s: body text/parse_mode = %q/%q", sc.Node, v.Text, v.ParseMode)
		}
		if got, want := len(v.Markup.Rows), len(sc.Rows); got != want {
			t.Errorf("%s: %d keyboard rows, want %d", sc.Node, got, want)
		}
		for _, row := range v.Markup.Rows {
			for _, k := range row {
				if _, ok := k["copy_text"]; ok || k["text"] == "" {
					t.Errorf("%s: button %v", sc.Node, k)
				}
			}
		}
	}
}
