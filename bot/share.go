package bot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"sync"

	"asylumguide/flows"
	"asylumguide/flows/render"
)

// inlineCacheTime is how long Telegram may keep an answer to an inline
// query, in seconds: the cards change only with the content.
const inlineCacheTime = 600

// maxInlineResults is Telegram's limit on the results of one answer.
const maxInlineResults = 50

// inlineResult is an InlineQueryResultArticle: one topic's card.
type inlineResult struct {
	Type        string          `json:"type"`
	ID          string          `json:"id"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
	Content     inlineContent   `json:"input_message_content"`
	Markup      json.RawMessage `json:"reply_markup"`
}

type inlineContent struct {
	Text      string          `json:"message_text"`
	ParseMode string          `json:"parse_mode"`
	Preview   json.RawMessage `json:"link_preview_options"`
}

// cardResults holds each language's cards encoded as inline results, built
// once the bot's username (for the links) is known.
type cardResults struct {
	mu       sync.Mutex
	username string
	byCard   map[string]json.RawMessage // "<lang>_<topic>" -> result
}

// TopicLink is the deep link that opens the guide at a topic in a
// language.
func TopicLink(username, lang, topic string) string {
	return "https://t.me/" + url.PathEscape(username) + "?start=" + lang + "_" + topic
}

// result returns card c encoded as an inline result.
func (cr *cardResults) result(username string, c render.Card) (json.RawMessage, error) {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	if cr.username != username {
		cr.username, cr.byCard = username, map[string]json.RawMessage{}
	}
	id := c.Lang + "_" + c.Topic.Name
	if r, ok := cr.byCard[id]; ok {
		return r, nil
	}
	markup, err := json.Marshal(struct {
		Rows [][]keyboardButton `json:"inline_keyboard"`
	}{[][]keyboardButton{{{Text: c.Open, URL: TopicLink(username, c.Lang, c.Topic.Name)}}}})
	if err != nil {
		return nil, err
	}
	r, err := json.Marshal(inlineResult{Type: "article", ID: id, Title: c.Title, Description: c.Description,
		Content: inlineContent{Text: c.Text, ParseMode: "HTML", Preview: json.RawMessage(`{"is_disabled":true}`)}, Markup: markup})
	if err != nil {
		return nil, err
	}
	cr.byCard[id] = r
	return r, nil
}

// onInline answers a person typing @<bot> in any chat with the cards of
// the guide's topics in their language, narrowed by what they typed.
// Nothing about the query is stored or logged.
func (b *Bot) onInline(j *job, q *inlineQuery) (flows.ID, string, error) {
	lang, storeErr := b.language(&q.From)
	b.metrics.inline(lang)
	var results []json.RawMessage
	if name := b.botUsername(); name != "" {
		for _, c := range b.g().screens.Cards(lang, q.Query) {
			r, err := b.g().cards.result(name, c)
			if err != nil {
				return "", lang, err
			}
			results = append(results, r)
		}
	}
	if len(results) > maxInlineResults {
		results = results[:maxInlineResults]
	}
	if results == nil {
		results = []json.RawMessage{}
	}
	body, err := json.Marshal(struct {
		ID         string            `json:"inline_query_id"`
		Results    []json.RawMessage `json:"results"`
		CacheTime  int               `json:"cache_time"`
		IsPersonal bool              `json:"is_personal"`
	}{q.ID, results, inlineCacheTime, false})
	if err != nil {
		return "inline", lang, fmt.Errorf("encode inline results: %w", err)
	}
	// Not a message in a chat: not paced.
	j.reqs = append(j.reqs, &request{method: "answerInlineQuery", body: body})
	return "inline", lang, storeErr
}

// onChosenInline counts a shared card by topic and language.
func (b *Bot) onChosenInline(r *chosenInline) (flows.ID, string, error) {
	lang, topic, ok := strings.Cut(r.ResultID, "_")
	if ok {
		b.metrics.shared(lang, topic)
	}
	return "inline", lang, nil
}

// guideFiles remembers, per language, the file_id Telegram gave the
// guide's document, so it is uploaded once per language and process.
type guideFiles struct {
	mu  sync.Mutex
	ids map[string]string
}

func (g *guideFiles) get(lang string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.ids[lang]
}

func (g *guideFiles) set(lang, id string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ids == nil {
		g.ids = map[string]string{}
	}
	g.ids[lang] = id
}

// GuideFileName is the name of the guide's document in a language.
func GuideFileName(lang string) string { return "kosovo-asylum-guide-" + lang + ".html" }

// guide adds sending the whole guide as an HTML document in lang: by the
// file_id Telegram gave the first upload, or uploaded now. When it cannot
// be sent, the person is told kindly and the guide goes on as before.
func (j *job) guide(chat int64, lang string) error {
	b := j.b
	if b.cfg.Guide == nil {
		return nil
	}
	caption, err := b.g().screens.Text(lang, flows.MsgGuideCaption, nil)
	if err != nil {
		return err
	}
	caption = strings.TrimSpace(caption)
	id := b.g().files.get(lang)
	if id == "" {
		more, err := j.upload(chat, lang, caption)
		j.reqs = append(j.reqs, more...)
		return err
	}
	j.reqs = append(j.reqs, &request{method: "sendDocument", chat: chat, body: mustJSON(struct {
		Chat     int64  `json:"chat_id"`
		Document string `json:"document"`
		Caption  string `json:"caption"`
	}{chat, id, caption}), done: func(err error) ([]*request, error) {
		if err == nil {
			b.metrics.guide(lang, "cached")
			return nil, nil
		}
		if Class(err) == ClassBlocked {
			return nil, err
		}
		return j.upload(chat, lang, caption)
	}})
	return nil
}

// upload returns the request that uploads the guide's document and keeps
// its file_id, or, when the document cannot be made, the kind message
// that says so.
func (j *job) upload(chat int64, lang, caption string) ([]*request, error) {
	b := j.b
	body, header, err := guideUpload(b.cfg.Guide, chat, lang, caption)
	if err != nil {
		return j.guideFailed(chat, lang, err)
	}
	var sent struct {
		Document struct {
			FileID string `json:"file_id"`
		} `json:"document"`
	}
	return []*request{{method: "sendDocument", chat: chat, body: body, header: header, result: &sent, done: func(err error) ([]*request, error) {
		if err == nil {
			if sent.Document.FileID != "" {
				b.g().files.set(lang, sent.Document.FileID)
			}
			b.metrics.guide(lang, "uploaded")
			return nil, nil
		}
		if c := Class(err); c == ClassBlocked || c == ClassCanceled {
			b.metrics.guide(lang, "failed")
			return nil, err
		}
		return j.guideFailed(chat, lang, err)
	}}}, nil
}

// guideFailed counts a guide that could not be sent and tells the person.
func (j *job) guideFailed(chat int64, lang string, err error) ([]*request, error) {
	j.b.metrics.guide(lang, "failed")
	sorry, serr := j.b.g().screens.Notice(lang, flows.MsgGuideFailed)
	if serr != nil {
		return nil, serr
	}
	r, serr := j.sendRequest(chat, 0, sorry)
	if serr != nil {
		return nil, serr
	}
	return []*request{r}, err
}

// guideUpload builds the multipart body that uploads the guide in lang.
func guideUpload(guide func(string) ([]byte, error), chat int64, lang, caption string) ([]byte, http.Header, error) {
	doc, err := guide(lang)
	if err != nil {
		return nil, nil, fmt.Errorf("guide document: %w", err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, f := range [][2]string{{"chat_id", fmt.Sprint(chat)}, {"caption", caption}} {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			return nil, nil, err
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="document"; filename=%q`, GuideFileName(lang)))
	h.Set("Content-Type", "text/html; charset=utf-8")
	part, err := mw.CreatePart(h)
	if err != nil {
		return nil, nil, err
	}
	part.Write(doc)
	if err := mw.Close(); err != nil {
		return nil, nil, err
	}
	return body.Bytes(), http.Header{"Content-Type": {mw.FormDataContentType()}}, nil
}

// mustJSON encodes a value that always encodes.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
