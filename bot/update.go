package bot

import "encoding/json"

// update is the part of a Telegram Update the guide reads. Decoding into
// these small types instead of the library's full models keeps an update
// cheap, and a field we do not read can never break decoding.
type update struct {
	ID            int64          `json:"update_id"`
	Message       *message       `json:"message"`
	EditedMessage *message       `json:"edited_message"`
	ChannelPost   *message       `json:"channel_post"`
	CallbackQuery *callbackQuery `json:"callback_query"`
	InlineQuery   *inlineQuery   `json:"inline_query"`
	ChosenInline  *chosenInline  `json:"chosen_inline_result"`
	MyChatMember  *struct {
		Chat          chat `json:"chat"`
		NewChatMember struct {
			Status string `json:"status"`
		} `json:"new_chat_member"`
	} `json:"my_chat_member"`

	// answer is the answerCallbackQuery request of a tap, decided when
	// it arrived; nil once sent, or for anything but a tap. answered is
	// set once it is sent.
	answer   []byte
	answered bool
	// press is what the tap leads to, decided when it arrived, if
	// decided is set: not when an earlier update of its chat could
	// change it.
	press   press
	decided bool
	// langChanges is Bot.langChanges when the tap was decided.
	langChanges uint64
	// seq is the update's place in the order updates arrived.
	seq uint64
}

// takeAnswer returns the answer of a tap, to be sent, once: nil if there
// is none or it was taken.
func (u *update) takeAnswer() []byte {
	body := u.answer
	if body != nil {
		u.answer, u.answered = nil, true
	}
	return body
}

// inlineQuery is a person typing @<bot> in some chat: the guide lists
// the topics they can share there.
type inlineQuery struct {
	ID    string `json:"id"`
	From  user   `json:"from"`
	Query string `json:"query"`
}

// chosenInline reports which card was shared (only when inline feedback
// is switched on with @BotFather); the guide only counts it.
type chosenInline struct {
	ResultID string `json:"result_id"`
}

type user struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	LanguageCode string `json:"language_code"`
}

type chat struct {
	ID   int64  `json:"id"`
	Type string `json:"type"`
}

type message struct {
	MessageID int    `json:"message_id"`
	Date      int64  `json:"date"`
	Chat      chat   `json:"chat"`
	From      *user  `json:"from"`
	Text      string `json:"text"`
	// A forwarded message quotes someone else: its "/start …" is no
	// command of the sender's.
	ForwardOrigin json.RawMessage `json:"forward_origin"`
	ForwardDate   int64           `json:"forward_date"`
	// ThreadID is the forum topic a message was sent in, where the
	// answer must go too.
	ThreadID int  `json:"message_thread_id"`
	IsTopic  bool `json:"is_topic_message"`
}

// forwarded reports whether the message was forwarded from elsewhere.
func (m *message) forwarded() bool { return len(m.ForwardOrigin) > 0 || m.ForwardDate != 0 }

type callbackQuery struct {
	ID   string `json:"id"`
	From user   `json:"from"`
	// Message is nil for a button on an inline message, and has Date 0
	// when Telegram marks the message inaccessible.
	Message *shownMessage `json:"message"`
	Data    string        `json:"data"`
}

// shownMessage is the bot's own message a button was on: where it is,
// not what it says.
type shownMessage struct {
	MessageID int   `json:"message_id"`
	Date      int64 `json:"date"`
	Chat      chat  `json:"chat"`
}

// kind names the update's type for logs and metrics.
func (u *update) kind() string {
	switch {
	case u.CallbackQuery != nil:
		return "callback"
	case u.Message != nil:
		if len(u.Message.Text) > 0 && u.Message.Text[0] == '/' {
			return "command"
		}
		if u.Message.Text != "" {
			return "text"
		}
		return "media"
	case u.EditedMessage != nil:
		return "edited_message"
	case u.ChannelPost != nil:
		return "channel_post"
	case u.InlineQuery != nil:
		return "inline_query"
	case u.ChosenInline != nil:
		return "chosen_inline_result"
	case u.MyChatMember != nil:
		return "my_chat_member"
	}
	return "other"
}

// chatKey is the conversation an update belongs to: its updates are
// handled one at a time, in order. Updates with no chat share key 0.
func (u *update) chatKey() int64 {
	switch {
	case u.CallbackQuery != nil:
		if m := u.CallbackQuery.Message; m != nil && m.Chat.ID != 0 {
			return m.Chat.ID
		}
		return u.CallbackQuery.From.ID
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.EditedMessage != nil:
		return u.EditedMessage.Chat.ID
	case u.ChannelPost != nil:
		return u.ChannelPost.Chat.ID
	case u.MyChatMember != nil:
		return u.MyChatMember.Chat.ID
	case u.InlineQuery != nil:
		return u.InlineQuery.From.ID
	}
	return 0
}

// decodeUpdate decodes one update. An update whose fields have unexpected
// types still yields its id, so the offset can move past it.
func decodeUpdate(raw []byte) (*update, error) {
	u := new(update)
	if err := json.Unmarshal(raw, u); err != nil {
		if u.ID == 0 {
			var id struct {
				ID int64 `json:"update_id"`
			}
			if json.Unmarshal(raw, &id) == nil {
				u.ID = id.ID
			}
		}
		return u, err
	}
	return u, nil
}
