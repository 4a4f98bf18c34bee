package locales

import (
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"
)

// GlossaryRule is what a machine can check of one language's glossary:
// see glossary.toml.
type GlossaryRule struct {
	Free   string   `toml:"free"`
	Names  []string `toml:"names"`
	Places []string `toml:"places"`
}

// ParseGlossary reads glossary rules by language tag.
func ParseGlossary(b []byte) (map[string]GlossaryRule, error) {
	var f struct {
		Rules map[string]GlossaryRule `toml:"rules"`
	}
	if _, err := toml.Decode(string(b), &f); err != nil {
		return nil, fmt.Errorf("glossary: %w", err)
	}
	return f.Rules, nil
}

// GlossaryFile is the file of the mechanical glossary rules.
const GlossaryFile = "glossary.toml"

// crpkButton is the message that must keep the word for "free".
const crpkButton = "help_crpk_button"

// CheckGlossary reports how language tag breaks rule: the CRPK button
// without its "free", a name or a place that no message holds. Serbian
// Cyrillic is checked through the Latin file it is made from.
func (c *Catalog) CheckGlossary(tag string, rule GlossaryRule) []Problem {
	var text strings.Builder
	for _, id := range c.IDs(tag) {
		m, _ := c.Message(tag, id)
		for _, s := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
			text.WriteString(stripIsolates(s))
			text.WriteByte('\n')
		}
	}
	all := text.String()
	var problems []Problem
	if b, ok := c.Message(tag, crpkButton); !ok || !strings.Contains(b.Other, rule.Free) {
		problems = append(problems, c.problem(tag, crpkButton, fmt.Sprintf("must keep the word %q", rule.Free), "CRPK's help is free, and its button says so in every language"))
	}
	for _, n := range rule.Names {
		if !strings.Contains(all, n) {
			problems = append(problems, c.problem(tag, "", fmt.Sprintf("no message names %q", n), "name the organisation as glossary.toml says: the name your readers know, then the acronym"))
		}
	}
	for _, p := range rule.Places {
		if !strings.Contains(all, p) {
			problems = append(problems, c.problem(tag, "", fmt.Sprintf("the local form %q of a place is missing", p), "write the place's local Latin name beside any transliteration, as on signs and maps"))
		}
	}
	return problems
}

// stripIsolates drops the Unicode isolates that keep Latin runs in order
// inside right-to-left text.
func stripIsolates(s string) string {
	return strings.NewReplacer("\u2068", "", "\u2069", "").Replace(s)
}
