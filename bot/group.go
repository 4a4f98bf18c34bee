package bot

import "asylumguide/flows"

// onGroupMessage answers the commands meant for groups (/start) with a
// button that opens a private chat with the bot, in the sender's
// language: the guide is read in private, so nobody in the group sees
// what a person looks at. Anything else in a group gets no answer and is
// not read further.
func (b *Bot) onGroupMessage(j *job, m *message) (flows.ID, string, error) {
	name := b.botUsername()
	cmd, _, ok := parseCommand(m.Text, name)
	if !ok || name == "" {
		return "", "", nil
	}
	if c, ok := flows.LookupCommand(cmd); !ok || !c.InGroups {
		return "", "", nil
	}
	lang, storeErr := b.language(m.From)
	sc, err := groupScreen(b.g().screens, lang, name)
	if err != nil {
		return "", lang, err
	}
	thread := 0
	if m.IsTopic {
		// In a forum, the answer goes to the topic the /start came from.
		thread = m.ThreadID
	}
	err = j.sendIn(m.Chat.ID, thread, sc)
	if err == nil {
		err = storeErr
	}
	return "group", lang, err
}
