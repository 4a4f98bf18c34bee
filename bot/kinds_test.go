package bot

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"asylumguide/bot/telegramtest"
)

// TestEveryKindOfUpdate sends one update of each kind and checks the bot's
// answer: the main menu for anything a person sends in private, a button
// to the private chat for /start in a group, and silence for the rest.
func TestEveryKindOfUpdate(t *testing.T) {
	u := telegramtest.User{ID: 3001, Lang: "en"}
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	chat := `"chat":{"id":3001,"type":"private"},"from":{"id":3001,"is_bot":false,"first_name":"A"}`
	tests := []struct {
		name   string
		update any
		want   []string // Bot API methods called, in order
	}{
		{"text", telegramtest.Text(u, "where do I apply?"), []string{"sendMessage"}},
		{"command", telegramtest.Text(u, "/menu"), []string{"sendMessage"}},
		{"photo", telegramtest.Media(u, "photo"), []string{"sendMessage"}},
		{"sticker", telegramtest.Media(u, "sticker"), []string{"sendMessage"}},
		{"voice", telegramtest.Media(u, "voice"), []string{"sendMessage"}},
		{"document", telegramtest.Media(u, "document"), []string{"sendMessage"}},
		{"location", telegramtest.Media(u, "location"), []string{"sendMessage"}},
		{"contact", telegramtest.Media(u, "contact"), []string{"sendMessage"}},
		{"text at the 4096 limit", telegramtest.Text(u, strings.Repeat("ж", 4096)), []string{"sendMessage"}},
		{"bidi overrides", telegramtest.Text(u, "\u202e/start\u202c \u2066evil\u2069"), []string{"sendMessage"}},
		{"callback", telegramtest.Callback(u, 101, "v1:help"), []string{"answerCallbackQuery", "editMessageText"}},
		{"callback on an inaccessible message", telegramtest.InaccessibleCallback(u, 101, "v1:help"), []string{"answerCallbackQuery", "sendMessage"}},
		{"callback with no message", raw(`{"callback_query":{"id":"q1","from":{"id":3001,"is_bot":false,"first_name":"A"},"inline_message_id":"AAA","chat_instance":"1","data":"v1:help"}}`), []string{"answerCallbackQuery"}},
		{"edited message", raw(`{"edited_message":{"message_id":5,"date":1,"edit_date":2,` + chat + `,"text":"edited"}}`), nil},
		{"channel post", raw(`{"channel_post":{"message_id":5,"date":1,"chat":{"id":-100123,"type":"channel","title":"News"},"text":"post"}}`), nil},
		{"inline query", raw(`{"inline_query":{"id":"iq","from":{"id":3001,"is_bot":false,"first_name":"A"},"query":"asylum","offset":""}}`), []string{"answerInlineQuery"}},
		{"chosen inline result", raw(`{"chosen_inline_result":{"result_id":"en_appeal","from":{"id":3001,"is_bot":false,"first_name":"A"},"query":"appeal"}}`), nil},
		{"blocked", raw(`{"my_chat_member":{"chat":{"id":3001,"type":"private"},"from":{"id":3001,"is_bot":false,"first_name":"A"},"date":1,"old_chat_member":{"status":"member","user":{"id":1,"is_bot":true,"first_name":"B"}},"new_chat_member":{"status":"kicked","user":{"id":1,"is_bot":true,"first_name":"B"},"until_date":0}}}`), nil},
		{"message from a bot", raw(`{"message":{"message_id":5,"date":1,"chat":{"id":3001,"type":"private"},"from":{"id":9,"is_bot":true,"first_name":"X"},"text":"/start"}}`), nil},
		{"group /start", telegramtest.GroupText(u, -100777, "/start"), []string{"sendMessage"}},
		{"group /start@ours", telegramtest.GroupText(u, -100777, "/start@"+telegramtest.Username), []string{"sendMessage"}},
		{"group /start@other", telegramtest.GroupText(u, -100777, "/start@OtherBot"), nil},
		{"group chatter", telegramtest.GroupText(u, -100777, "hello everyone"), nil},
		{"group /menu", telegramtest.GroupText(u, -100777, "/menu"), nil},
		{"unknown kind", raw(`{"poll":{"id":"p","question":"?","options":[],"total_voter_count":0,"is_closed":false,"is_anonymous":true,"type":"regular","allows_multiple_answers":false}}`), nil},
	}
	h := newHarness(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := h.do(tt.update)
			if got := methods(calls); !equal(got, tt.want...) {
				t.Fatalf("calls = %v, want %v", got, tt.want)
			}
			for _, c := range calls {
				if text := c.Params["text"]; strings.Contains(text, "evil") || strings.Contains(text, "where do I apply") || strings.Contains(text, "жжжж") {
					t.Errorf("the reply echoes the user's text: %q", text)
				}
			}
		})
	}
}

func TestGroupStartOffersAPrivateChat(t *testing.T) {
	h := newHarness(t)
	calls := h.do(telegramtest.GroupText(telegramtest.User{ID: 3002, Lang: "en"}, -100777, "/start"))
	if len(calls) != 1 {
		t.Fatalf("calls = %v", methods(calls))
	}
	got := formatCall(&calls[0])
	if calls[0].Params["chat_id"] != "-100777" || !strings.Contains(got, "[💬 Open the guide ↗ https://t.me/"+telegramtest.Username+"]") {
		t.Errorf("group answer:\n%s", got)
	}
}

// TestMalformedUpdateDoesNotStallPolling puts an update whose fields have
// the wrong types between good ones: the bot skips it and answers the rest.
func TestMalformedUpdateDoesNotStallPolling(t *testing.T) {
	h := newHarness(t)
	u := telegramtest.User{ID: 3003, Lang: "en"}
	bad := h.srv.NextID()
	h.srv.PushRaw([]byte(`{"update_id":`+itoa(bad)+`,"message":{"message_id":"seven","chat":"not an object","text":5}}`), bad)
	good := h.srv.Push(telegramtest.Text(u, "/start"))
	h.waitHandled(good)
	if got := len(h.srv.CallsTo("sendMessage")); got != 1 {
		t.Errorf("sendMessage calls = %d, want 1", got)
	}
	if !h.srv.WaitFor(5*time.Second, func([]telegramtest.Call) bool { return h.srv.Confirmed() > good }) {
		t.Errorf("offset %d not confirmed past the good update %d", h.srv.Confirmed(), good)
	}
	if !strings.Contains(h.logs.String(), "update skipped") {
		t.Error("the skipped update is not logged")
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestUpdateWithoutIDDoesNotStallPolling gives the bot a batch whose only
// update has no readable id: it backs off instead of spinning, and the
// next good update gets through.
func TestUpdateWithoutIDDoesNotStallPolling(t *testing.T) {
	h := newHarness(t)
	h.srv.PushRaw([]byte(`{"message":{"text":5}}`), h.srv.NextID())
	good := h.srv.Push(telegramtest.Text(telegramtest.User{ID: 3004, Lang: "en"}, "/start"))
	h.waitHandled(good)
	if got := len(h.srv.CallsTo("sendMessage")); got != 1 {
		t.Errorf("sendMessage calls = %d, want 1", got)
	}
}
