package telegramtest

import (
	"strconv"
	"sync/atomic"
	"time"
)

// User is a Telegram user of a test: an id and the language of their app.
type User struct {
	ID   int64
	Lang string // Telegram's language_code; "" for none
	Name string // first name; tests check it never reaches a log
}

func (u User) json() map[string]any {
	m := map[string]any{"id": u.ID, "is_bot": false, "first_name": u.firstName(), "username": u.firstName() + "_tg"}
	if u.Lang != "" {
		m["language_code"] = u.Lang
	}
	return m
}

func (u User) firstName() string {
	if u.Name != "" {
		return u.Name
	}
	return "Tester"
}

func privateChat(u User) map[string]any {
	return map[string]any{"id": u.ID, "type": "private", "first_name": u.firstName()}
}

var nextMessageID atomic.Int64

func message(u User, chat map[string]any, extra map[string]any) map[string]any {
	m := map[string]any{"message_id": nextMessageID.Add(1), "date": time.Now().Unix(), "chat": chat, "from": u.json()}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// Text is a private text message (commands included) from u.
func Text(u User, text string) map[string]any {
	return map[string]any{"message": message(u, privateChat(u), map[string]any{"text": text})}
}

// Media is a private message from u with no text: kind is "photo",
// "sticker", "voice", "document", "location" or "contact".
func Media(u User, kind string) map[string]any {
	var v any
	switch kind {
	case "photo":
		v = []map[string]any{{"file_id": "AgAD", "file_unique_id": "u1", "width": 90, "height": 90}}
	case "sticker":
		v = map[string]any{"file_id": "CAAD", "file_unique_id": "u2", "type": "regular", "width": 512, "height": 512, "is_animated": false, "is_video": false}
	case "voice":
		v = map[string]any{"file_id": "AwAD", "file_unique_id": "u3", "duration": 3}
	case "document":
		v = map[string]any{"file_id": "BQAD", "file_unique_id": "u4", "file_name": "passport-scan.pdf"}
	case "location":
		v = map[string]any{"latitude": 42.6629, "longitude": 21.1655}
	case "contact":
		v = map[string]any{"phone_number": "+38344000000", "first_name": u.firstName()}
	}
	return map[string]any{"message": message(u, privateChat(u), map[string]any{kind: v})}
}

// Callback is a tap by u on a button with data, on bot message msgID.
func Callback(u User, msgID int, data string) map[string]any {
	return map[string]any{"callback_query": map[string]any{
		"id":            "cbq-" + strconv.FormatInt(nextMessageID.Add(1), 10),
		"from":          u.json(),
		"chat_instance": "42",
		"data":          data,
		"message": map[string]any{
			"message_id": msgID, "date": time.Now().Unix(), "chat": privateChat(u),
			"from": map[string]any{"id": 123456789, "is_bot": true, "first_name": "Kosovo Asylum Guide", "username": Username},
			"text": "…",
		},
	}}
}

// InaccessibleCallback is a tap on a message Telegram no longer lets the
// bot see (date 0).
func InaccessibleCallback(u User, msgID int, data string) map[string]any {
	return map[string]any{"callback_query": map[string]any{
		"id": "cbq-old", "from": u.json(), "chat_instance": "42", "data": data,
		"message": map[string]any{"message_id": msgID, "date": 0, "chat": privateChat(u)},
	}}
}

// GroupText is a text message from u in group chat chatID.
func GroupText(u User, chatID int64, text string) map[string]any {
	chat := map[string]any{"id": chatID, "type": "supergroup", "title": "Volunteers"}
	return map[string]any{"message": message(u, chat, map[string]any{"text": text})}
}

// InlineQuery is u typing @<bot> query in some chat.
func InlineQuery(u User, query string) map[string]any {
	return map[string]any{"inline_query": map[string]any{
		"id": "iq-" + strconv.FormatInt(nextMessageID.Add(1), 10), "from": u.json(), "query": query, "offset": "", "chat_type": "private",
	}}
}
