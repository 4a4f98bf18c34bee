package locales

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/nicksnyder/go-i18n/v2/i18n/template"
	"golang.org/x/text/language"
)

//go:embed active.*.toml glossary.toml
var files embed.FS

// Default is the language used when nothing else matches.
const Default = "en"

// order is the order of the language picker: CRPK's own list of the
// languages it serves. A language whose file is added later goes after
// these, in tag order.
var order = []string{"sq", "sr-Latn", "sr-Cyrl", "en", "uk", "ar", "tr", "fa", "fr"}

// Language is one language the guide is written in.
type Language struct {
	Tag  string // BCP 47, as in the file name: "en", "sr-Latn"
	Name string // the language's name in itself: "Shqip", "Српски"
	RTL  bool   // written right to left
	// FirstWeekday is the day a week starts on in its readers' calendars.
	FirstWeekday time.Weekday
	tag          language.Tag
}

// firstWeekdays are the languages whose calendars start a week on another
// day than Monday, Kosovo's: Persian calendars start on Saturday, on the
// right (the Farsi review).
var firstWeekdays = map[string]time.Weekday{"fa": time.Saturday}

// Catalog is every message in every language, ready to localize.
type Catalog struct {
	bundle   *i18n.Bundle
	langs    []Language
	byTag    map[string]int
	loc      []*i18n.Localizer
	matcher  language.Matcher
	messages []map[string]*i18n.Message
	cache    matchCache
	sources  map[string]source // by language tag
	rules    map[string]GlossaryRule
}

// Load reads the embedded message files.
func Load() (*Catalog, error) {
	return LoadFS(files)
}

// LoadFS reads the message files active.<tag>.toml at the top of fsys.
// Serbian in Cyrillic is not a file: it is transliterated from the Serbian
// Latin one, so the two can never drift apart.
func LoadFS(fsys fs.FS) (*Catalog, error) {
	names, err := fs.Glob(fsys, "active.*.toml")
	if err != nil {
		return nil, fmt.Errorf("locales: %w", err)
	}
	c := &Catalog{bundle: i18n.NewBundle(language.English), byTag: map[string]int{}, sources: map[string]source{}}
	c.bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	var serbianLatin []*i18n.Message
	for _, name := range names {
		buf, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("locales: %w", err)
		}
		mf, err := c.bundle.ParseMessageFileBytes(buf, name)
		if err != nil {
			return nil, fmt.Errorf("locales: %s: %w", name, err)
		}
		tagName := strings.TrimSuffix(strings.TrimPrefix(path.Base(name), "active."), ".toml")
		if err := c.add(tagName, mf.Tag, mf.Messages); err != nil {
			return nil, fmt.Errorf("locales: %s: %w", name, err)
		}
		c.sources[tagName] = source{name: path.Base(name), tag: tagName, text: string(buf)}
		if tagName == "sr-Latn" {
			serbianLatin = mf.Messages
		}
	}
	if _, handWritten := c.byTag["sr-Cyrl"]; serbianLatin != nil && !handWritten {
		cyr := language.MustParse("sr-Cyrl")
		msgs := cyrillicMessages(serbianLatin)
		if err := c.bundle.AddMessages(cyr, msgs...); err != nil {
			return nil, fmt.Errorf("locales: sr-Cyrl: %w", err)
		}
		if err := c.add("sr-Cyrl", cyr, msgs); err != nil {
			return nil, fmt.Errorf("locales: sr-Cyrl: %w", err)
		}
		c.sources["sr-Cyrl"] = c.sources["sr-Latn"]
	}
	if _, ok := c.byTag[Default]; !ok {
		return nil, fmt.Errorf("locales: no active.%s.toml", Default)
	}
	if buf, err := fs.ReadFile(fsys, GlossaryFile); err == nil {
		if c.rules, err = ParseGlossary(buf); err != nil {
			return nil, fmt.Errorf("locales: %w", err)
		}
	}
	c.sort()
	tags := make([]language.Tag, len(c.langs))
	for i, l := range c.langs {
		tags[i] = l.tag
	}
	c.matcher = language.NewMatcher(tags)
	return c, nil
}

// add registers a language's messages under tagName.
func (c *Catalog) add(tagName string, tag language.Tag, msgs []*i18n.Message) error {
	if tag.String() != tagName {
		return fmt.Errorf("file name tag %q is not canonical (want %q)", tagName, tag.String())
	}
	byID := make(map[string]*i18n.Message, len(msgs))
	for _, m := range msgs {
		byID[m.ID] = m
	}
	name := byID["language_name"]
	if name == nil || name.Other == "" {
		return fmt.Errorf("no language_name message")
	}
	c.byTag[tagName] = len(c.langs)
	first, ok := firstWeekdays[tagName]
	if !ok {
		first = time.Monday
	}
	c.langs = append(c.langs, Language{Tag: tagName, Name: name.Other, RTL: rtl(tag), FirstWeekday: first, tag: tag})
	c.loc = append(c.loc, i18n.NewLocalizer(c.bundle, tagName))
	c.messages = append(c.messages, byID)
	return nil
}

// sort puts the languages in picker order.
func (c *Catalog) sort() {
	rank := func(tag string) int {
		if i := slices.Index(order, tag); i >= 0 {
			return i
		}
		return len(order)
	}
	idx := make([]int, len(c.langs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		ra, rb := rank(c.langs[a].Tag), rank(c.langs[b].Tag)
		if ra != rb {
			return ra - rb
		}
		return strings.Compare(c.langs[a].Tag, c.langs[b].Tag)
	})
	langs := make([]Language, len(idx))
	loc := make([]*i18n.Localizer, len(idx))
	msgs := make([]map[string]*i18n.Message, len(idx))
	for to, from := range idx {
		langs[to], loc[to], msgs[to] = c.langs[from], c.loc[from], c.messages[from]
		c.byTag[langs[to].Tag] = to
	}
	c.langs, c.loc, c.messages = langs, loc, msgs
}

// rtl reports whether the language is written right to left.
func rtl(tag language.Tag) bool {
	s, _ := tag.Script()
	switch s.String() {
	case "Arab", "Hebr", "Syrc", "Thaa", "Nkoo", "Adlm", "Rohg":
		return true
	}
	return false
}

// Locate returns the file and line where message id of language tag is
// written, for a problem report.
func (c *Catalog) Locate(tag, id string) (file string, line int) {
	src, ok := c.sources[tag]
	if !ok {
		return "active." + tag + ".toml", 0
	}
	file = src.name
	if tag != src.tag {
		file += " (for " + tag + ", made from it)"
	}
	return file, src.line(id)
}

// Rules returns the mechanical glossary rules read with the messages.
func (c *Catalog) Rules() map[string]GlossaryRule { return c.rules }

// Languages returns the languages in picker order.
func (c *Catalog) Languages() []Language { return c.langs }

// Lookup returns the language with exactly this tag.
func (c *Catalog) Lookup(tag string) (Language, bool) {
	i, ok := c.byTag[tag]
	if !ok {
		return Language{}, false
	}
	return c.langs[i], true
}

// Message returns the raw message id of a language, for checks.
func (c *Catalog) Message(tag, id string) (*i18n.Message, bool) {
	i, ok := c.byTag[tag]
	if !ok {
		return nil, false
	}
	m, ok := c.messages[i][id]
	return m, ok
}

// IDs returns the message ids of a language, sorted.
func (c *Catalog) IDs(tag string) []string {
	i, ok := c.byTag[tag]
	if !ok {
		return nil
	}
	ids := make([]string, 0, len(c.messages[i]))
	for id := range c.messages[i] {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Text renders message id in the language tag with the template data.
// A message missing in tag is an error, never an English fallback: the
// tests make that impossible for the shipped files.
func (c *Catalog) Text(tag, id string, data map[string]any) (string, error) {
	return c.localize(tag, &i18n.LocalizeConfig{MessageID: id, TemplateData: data})
}

// Count renders message id with the plural form for n; the template sees n
// as {{.Count}}.
func (c *Catalog) Count(tag, id string, n int) (string, error) {
	return c.localize(tag, &i18n.LocalizeConfig{MessageID: id, PluralCount: n, TemplateData: map[string]any{"Count": n}})
}

// strict makes a template field missing from the data an error instead of
// the text "<no value>" on a user's screen.
var strict = &template.TextParser{Option: "missingkey=error"}

func (c *Catalog) localize(tag string, lc *i18n.LocalizeConfig) (string, error) {
	lc.TemplateParser = strict
	i, ok := c.byTag[tag]
	if !ok {
		return "", fmt.Errorf("locales: no language %q", tag)
	}
	if _, ok := c.messages[i][lc.MessageID]; !ok {
		return "", fmt.Errorf("locales: %s: no message %q", tag, lc.MessageID)
	}
	s, err := c.loc[i].Localize(lc)
	if err != nil {
		return "", fmt.Errorf("locales: %s: %s: %w", tag, lc.MessageID, err)
	}
	return s, nil
}

// Files returns the embedded language files and glossary, for a content
// folder to start from or to override.
func Files() fs.FS { return files }
