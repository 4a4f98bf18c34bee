package bot

import (
	"context"
	"net/url"

	"asylumguide/flows"
)

// onGroupMessage answers /start in a group with a button that opens a
// private chat with the bot, in the sender's language: the guide is read
// in private, so nobody in the group sees what a person looks at. Anything
// else in a group gets no answer and is not read further.
func (b *Bot) onGroupMessage(ctx context.Context, m *message) (flows.ID, string, error) {
	name := b.botUsername()
	cmd, _, ok := parseCommand(m.Text, name)
	if !ok || cmd != "start" || name == "" {
		return "", "", nil
	}
	lang, storeErr := b.language(m.From)
	text, err := b.screens.cat.Text(lang, "group_body", nil)
	if err != nil {
		return "", lang, err
	}
	label, err := b.screens.cat.Text(lang, "group_button", nil)
	if err != nil {
		return "", lang, err
	}
	// No start parameter: opening the chat must not store a language
	// the person never chose.
	link := "https://t.me/" + url.PathEscape(name)
	tail, err := messageTail(text, [][]Key{{{Text: label, URL: link}}})
	if err != nil {
		return "", lang, err
	}
	err = b.send(ctx, m.Chat.ID, &Screen{Lang: lang, Text: text, tail: tail})
	if err == nil {
		err = storeErr
	}
	return "group", lang, err
}
