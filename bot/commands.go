package bot

import "strings"

// maxCommand bounds a command name; Telegram allows 32 characters.
const maxCommand = 32

// parseCommand reads a bot command at the start of text: "/start",
// "/start payload", "/start@BotName payload". A command addressed to
// another bot (@OtherBot) is no command. Names are matched in lower case;
// Telegram's entities are not needed, and byte offsets are used throughout
// (the library's matcher mixes up UTF-16 and byte offsets).
func parseCommand(text, username string) (cmd, arg string, ok bool) {
	if len(text) < 2 || text[0] != '/' {
		return "", "", false
	}
	word, rest, _ := strings.Cut(text[1:], " ")
	if i := strings.IndexAny(word, "\n\t"); i >= 0 {
		word, rest = word[:i], word[i+1:]+" "+rest
	}
	name, target, addressed := strings.Cut(word, "@")
	if addressed && username != "" && !strings.EqualFold(target, username) {
		return "", "", false
	}
	if name == "" || len(name) > maxCommand {
		return "", "", false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return "", "", false
		}
	}
	return strings.ToLower(name), strings.TrimSpace(rest), true
}

// maxPayload is Telegram's limit on a deep-link start parameter.
const maxPayload = 64

// payload is a parsed deep-link start parameter.
type payload struct {
	lang  string // as written, e.g. "sr-Latn"; "" if none
	topic string // e.g. "appeal"; "" if none
}

// parsePayload reads "<lang>", "<lang>_<topic>" or "_<topic>". Only the
// deep-link alphabet (A-Z a-z 0-9 _ -) is accepted, at most 64 characters.
func parsePayload(p string) (payload, bool) {
	if p == "" || len(p) > maxPayload {
		return payload{}, false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return payload{}, false
		}
	}
	lang, topic, _ := strings.Cut(p, "_")
	if lang == "" && topic == "" {
		return payload{}, false
	}
	return payload{lang: lang, topic: strings.ToLower(topic)}, true
}
