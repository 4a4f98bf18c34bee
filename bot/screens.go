package bot

import (
	"bytes"
	"encoding/json"
	"net/url"

	"asylumguide/flows"
	"asylumguide/flows/render"
)

// keyboardButton is an inline keyboard button as the Bot API takes it.
// The library's models.InlineKeyboardButton always sends an empty
// copy_text object, so the adapter writes its own.
type keyboardButton struct {
	Text string `json:"text"`
	Data string `json:"callback_data,omitempty"`
	URL  string `json:"url,omitempty"`
	// Share opens the chat picker with the inline query filled in.
	Share *chosenChat `json:"switch_inline_query_chosen_chat,omitempty"`
	// Here starts an inline query in the current chat (a group).
	Here *string `json:"switch_inline_query_current_chat,omitempty"`
}

// chosenChat is a SwitchInlineQueryChosenChat: the chats a card may go to.
type chosenChat struct {
	Query  string `json:"query"`
	Users  bool   `json:"allow_user_chats"`
	Groups bool   `json:"allow_group_chats"`
}

// tails holds, for every static screen, the end of its sendMessage or
// editMessageText body: from "text" to the closing brace, the same for
// every user, so an update only appends the chat fields before it.
type tails struct {
	static map[*render.Screen][]byte
}

func newTails(s *render.Screens) (*tails, error) {
	t := &tails{static: map[*render.Screen][]byte{}}
	for _, l := range s.Languages() {
		for _, sc := range s.All(l.Tag) {
			tail, err := messageTail(sc.Text, sc.Rows)
			if err != nil {
				return nil, err
			}
			t.static[sc] = tail
		}
	}
	return t, nil
}

// of returns sc's tail: prebuilt for a static screen, built now for a
// screen of the date picker.
func (t *tails) of(sc *render.Screen) ([]byte, error) {
	if tail, ok := t.static[sc]; ok {
		return tail, nil
	}
	return messageTail(sc.Text, sc.Rows)
}

// messageTail encodes the part of a message request that is the same for
// every user: text, parse mode, no link preview, and the keyboard.
func messageTail(text string, rows [][]render.Key) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`"text":`)
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(text); err != nil {
		return nil, err
	}
	b.Truncate(b.Len() - 1) // Encode's newline
	b.WriteString(`,"parse_mode":"HTML","link_preview_options":{"is_disabled":true}`)
	if len(rows) > 0 {
		kb := make([][]keyboardButton, len(rows))
		for i, row := range rows {
			kb[i] = make([]keyboardButton, len(row))
			for j, k := range row {
				kb[i][j] = keyboardButton{Text: k.Text, Data: k.Data, URL: k.URL}
				switch {
				case k.ShareHere:
					kb[i][j].Here = new(string)
				case k.Share != "":
					kb[i][j].Share = &chosenChat{Query: k.Share, Users: true, Groups: true}
				}
			}
		}
		b.WriteString(`,"reply_markup":`)
		if err := enc.Encode(struct {
			Rows [][]keyboardButton `json:"inline_keyboard"`
		}{kb}); err != nil {
			return nil, err
		}
		b.Truncate(b.Len() - 1)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// groupScreen is the answer to /start in a group: a button that opens a
// private chat with the bot, and one that shares a topic's card into the
// group. No start parameter: opening the chat must not store a language
// the person never chose.
func groupScreen(s *render.Screens, lang, username string) (*render.Screen, error) {
	text, err := s.Text(lang, flows.MsgGroupBody, nil)
	if err != nil {
		return nil, err
	}
	label, err := s.Text(lang, flows.MsgGroupButton, nil)
	if err != nil {
		return nil, err
	}
	share, err := s.Text(lang, flows.MsgShareInGroup, nil)
	if err != nil {
		return nil, err
	}
	return &render.Screen{Node: "group", Lang: lang, Text: text, Rows: [][]render.Key{
		{{Text: label, URL: "https://t.me/" + url.PathEscape(username)}},
		{{Text: share, ShareHere: true}},
	}}, nil
}
