package render

import (
	"html"
	"strings"

	"asylumguide/flows"
)

// Card is a topic as it is shared into another chat: a title, what the
// topic answers, and a button that opens the guide at the topic in the
// sharer's language.
type Card struct {
	Topic       flows.Topic
	Lang        string
	Title       string // plain text: the topic's button label
	Description string // plain text: what the topic answers
	Text        string // Telegram HTML: the message the card posts
	Open        string // the label of the button that opens the guide
}

// renderCards renders every topic's card in language tag.
func (s *Screens) renderCards(tag string) ([]Card, error) {
	open, err := s.cat.Text(tag, flows.MsgShareOpen, nil)
	if err != nil {
		return nil, err
	}
	note, err := s.cat.Text(tag, flows.MsgShareNote, nil)
	if err != nil {
		return nil, err
	}
	var cards []Card
	for _, t := range flows.Topics() {
		title, err := s.cat.Text(tag, t.Node.ButtonID(), nil)
		if err != nil {
			return nil, err
		}
		desc, err := s.cat.Text(tag, t.CardID(), nil)
		if err != nil {
			return nil, err
		}
		desc = strings.TrimSpace(desc)
		cards = append(cards, Card{
			Topic: t, Lang: tag, Title: title, Description: desc, Open: open,
			Text: "<b>" + html.EscapeString(title) + "</b>\n\n" + html.EscapeString(desc) + "\n\n<i>" + html.EscapeString(strings.TrimSpace(note)) + "</i>",
		})
	}
	return cards, nil
}

// Cards returns the shared cards of language tag whose title or text
// holds every word of query (as typed, or as the beginning of a word),
// or the one topic query names ("appeal"), or all of them for an empty
// query. What was typed is not kept.
func (s *Screens) Cards(tag, query string) []Card {
	all := s.cards[s.lang(tag)]
	query = strings.TrimSpace(query)
	if query == "" {
		return all
	}
	for _, c := range all {
		if c.Topic.Name == query {
			return []Card{c}
		}
	}
	q := queryWords(query)
	defer q.free()
	var out []Card
	for _, c := range all {
		words := words1(c.Title + " " + c.Description)
		if matchesAll(q.words, words) {
			out = append(out, c)
		}
	}
	return out
}

// matchesAll reports whether every query word begins some word.
func matchesAll(query, words []string) bool {
	for _, q := range query {
		found := false
		for _, w := range words {
			if strings.HasPrefix(w, q) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return len(query) > 0
}
