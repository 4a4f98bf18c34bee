package bot

import (
	"encoding/json"
	"html"
	"net/url"
	"strings"
	"testing"

	"asylumguide/bot/telegramtest"
	"asylumguide/flows"
)

func str(s string) *string { return &s }

// TestInlineQueryEveryLanguage asks for the cards in every language: each
// language gets its own topics, and each card's button is a deep link that
// opens that topic in that language.
func TestInlineQueryEveryLanguage(t *testing.T) {
	h := newHarness(t)
	for i, l := range testScreens(t).Languages() {
		u := telegramtest.User{ID: int64(5000 + i), Lang: l.Tag}
		calls := h.do(telegramtest.InlineQuery(u, ""))
		if len(calls) != 1 || calls[0].Method != "answerInlineQuery" {
			t.Fatalf("%s: calls = %v", l.Tag, methods(calls))
		}
		c := calls[0]
		if c.Params["is_personal"] != "false" || c.Params["cache_time"] == "0" {
			t.Errorf("%s: is_personal %s, cache_time %s", l.Tag, c.Params["is_personal"], c.Params["cache_time"])
		}
		var results []inlineResult
		if err := json.Unmarshal([]byte(c.Params["results"]), &results); err != nil {
			t.Fatal(err)
		}
		if got, want := len(results), len(flows.Topics()); got != want {
			t.Errorf("%s: %d cards, want %d", l.Tag, got, want)
		}
		for _, r := range results {
			var m struct {
				Rows [][]keyboardButton `json:"inline_keyboard"`
			}
			json.Unmarshal(r.Markup, &m)
			link, err := url.Parse(m.Rows[0][0].URL)
			if err != nil || link.Host != "t.me" || link.Path != "/"+telegramtest.Username {
				t.Fatalf("%s: card %s opens %q", l.Tag, r.ID, m.Rows[0][0].URL)
			}
			lang, topic, ok := h.bot.parseStart(link.Query().Get("start"))
			want, _ := flows.TopicNode(strings.TrimPrefix(r.ID, l.Tag+"_"))
			if !ok || lang != l.Tag || topic != want || topic == "" {
				t.Errorf("%s: card %s opens %s in %q, want %s", l.Tag, r.ID, topic, lang, want)
			}
			if !strings.Contains(r.Content.Text, html.EscapeString(r.Title)) {
				t.Errorf("%s: card %s does not post its title", l.Tag, r.ID)
			}
		}
	}
	// A topic's name, as the Share button types it, gives that card alone.
	calls := h.do(telegramtest.InlineQuery(english, "appeal"))
	var results []inlineResult
	json.Unmarshal([]byte(calls[0].Params["results"]), &results)
	if len(results) != 1 || results[0].ID != "en_appeal" {
		t.Errorf("query %q gave %d cards, want en_appeal alone", "appeal", len(results))
	}
	// A word narrows the list to the cards that hold it.
	calls = h.do(telegramtest.InlineQuery(english, "detain"))
	json.Unmarshal([]byte(calls[0].Params["results"]), &results)
	if len(results) == 0 || len(results) == len(flows.Topics()) {
		t.Errorf("query %q gave %d cards, want fewer than all", "detain", len(results))
	}
}

// TestShareButtonsWhereListed: the topics meant to be passed on carry a
// Share button that opens the chat picker with their card; other screens
// do not.
func TestShareButtonsWhereListed(t *testing.T) {
	h := newHarness(t)
	want := map[string]string{"v1:apply": "apply", "v1:appeal": "appeal", "v1:appeal_days": "deadline", "v1:help": "help"}
	for _, data := range []string{"v1:apply", "v1:appeal", "v1:appeal_days", "v1:help", "v1:help_crpk", "v1:rights", "v1:about"} {
		calls := h.do(telegramtest.Callback(english, 101, data))
		var share string
		for _, row := range keyboard(t, &calls[len(calls)-1]) {
			for _, k := range row {
				if k.Share != nil {
					share = k.Share.Query
				}
			}
		}
		if share != want[data] {
			t.Errorf("%s: Share button for %q, want %q", data, share, want[data])
		}
	}
}

// TestSaveTheGuideUploadsOncePerLanguage asks for the guide four times in
// two languages: it is uploaded once per language, then sent by file_id.
func TestSaveTheGuideUploadsOncePerLanguage(t *testing.T) {
	h := newHarness(t)
	arabic := telegramtest.User{ID: 1010, Lang: "ar"}
	for _, upd := range []map[string]any{
		telegramtest.Callback(english, 101, "v1:do:guide"),
		telegramtest.Text(english, "/guide"),
		telegramtest.Callback(arabic, 102, "v1:do:guide"),
		telegramtest.Text(arabic, "/guide"),
	} {
		h.do(upd)
	}
	docs := h.srv.CallsTo("sendDocument")
	if len(docs) != 4 {
		t.Fatalf("%d documents sent, want 4", len(docs))
	}
	if got := h.srv.Uploads(); got != 2 {
		t.Errorf("%d uploads, want one per language (2)", got)
	}
	for i, name := range []string{"kosovo-asylum-guide-en.html", "", "kosovo-asylum-guide-ar.html", ""} {
		if got := docs[i].Files["document"]; got != name {
			t.Errorf("document %d uploaded as %q, want %q", i, got, name)
		}
	}
	if !strings.Contains(docs[0].Params["document"], `lang="en"`) || !strings.Contains(docs[2].Params["document"], `lang="ar"`) {
		t.Error("the uploaded documents are not in the readers' languages")
	}
}

// TestGuideUploadFailureIsKind has Telegram refuse the upload: the person
// is told kindly, and the guide goes on.
func TestGuideUploadFailureIsKind(t *testing.T) {
	h := newHarness(t)
	h.srv.Fault = faultsFor("sendDocument", 1, telegramtest.Fault{Code: 400, Description: "Bad Request: file is too big"})
	calls := h.do(telegramtest.Text(english, "/guide"))
	if got := methods(calls); !equal(got, "sendMessage") {
		t.Fatalf("calls = %v, want the kind message", got)
	}
	want, _ := h.bot.g().screens.Notice("en", flows.MsgGuideFailed)
	if calls[0].Params["text"] != want.Text {
		t.Errorf("after a failed upload:\n%s", calls[0].Params["text"])
	}
	if calls := h.do(telegramtest.Text(english, "/menu")); !equal(methods(calls), "sendMessage") {
		t.Errorf("the guide did not go on: %v", methods(calls))
	}
}

// TestTypedQuestionsNeverEchoed types questions and checks that no reply
// holds what was typed, and that a question with no match offers CRPK.
func TestTypedQuestionsNeverEchoed(t *testing.T) {
	h := newHarness(t)
	for _, q := range []string{"my appeal was refused yesterday", "where is my brother Arben", "qwxz vbnm plkj"} {
		calls := h.do(telegramtest.Text(english, q))
		if len(calls) != 1 {
			t.Fatalf("%q: calls = %v", q, methods(calls))
		}
		// The question, and its words that are not the guide's own.
		for _, w := range []string{q, "yesterday", "brother", "Arben", "qwxz"} {
			if strings.Contains(calls[0].Params["text"]+calls[0].Params["reply_markup"], w) {
				t.Errorf("the answer to %q repeats %q", q, w)
			}
		}
	}
	calls := h.do(telegramtest.Text(english, "qwxz vbnm plkj"))
	if !strings.Contains(calls[0].Params["reply_markup"], flows.NavData(flows.HelpCRPK)) {
		t.Errorf("a question with no match does not offer CRPK:\n%s", formatCall(&calls[0]))
	}
	if strings.Contains(h.logs.String(), "qwxz") || strings.Contains(h.logs.String(), "Arben") {
		t.Errorf("the log holds a typed question:\n%s", h.logs)
	}
}

func TestTranscriptInlineEnglish(t *testing.T) {
	golden(t, "inline_en", conversation(t, english, []step{{inline: str("")}, {inline: str("appeal")}}))
}

func TestTranscriptInlineArabic(t *testing.T) {
	golden(t, "inline_ar", conversation(t, telegramtest.User{ID: 1011, Lang: "ar"}, []step{{inline: str("")}}))
}

// TestTranscriptShareAndSave: the About screen's Save button sends the
// guide; a shared card's link opens its topic in its language.
func TestTranscriptShareAndSave(t *testing.T) {
	golden(t, "share_and_save", conversation(t, english, []step{
		{send: "/start"},
		{tap: "ℹ️ About this guide"},
		{tap: "💾 Save the whole guide"},
		{send: "/guide"},
		{send: "/start fa_deadline"},
	}))
}

func TestTranscriptTypedQuestions(t *testing.T) {
	for _, tt := range []struct {
		name  string
		user  telegramtest.User
		query string
	}{
		{"en", english, "I was refused, I need a lawyer"},
		{"sq", telegramtest.User{ID: 1021, Lang: "sq"}, "ankese"},
		{"sr-Cyrl", telegramtest.User{ID: 1022, Lang: "sr"}, "жалба"},
		{"ar", telegramtest.User{ID: 1023, Lang: "ar"}, "محامي"},
		{"fa", telegramtest.User{ID: 1024, Lang: "fa"}, "ريجكت شدم"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			golden(t, "search_"+tt.name, conversation(t, tt.user, []step{{send: tt.query}, {send: "zzqx"}}))
		})
	}
}
