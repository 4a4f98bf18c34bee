package flows

import (
	"strconv"
	"strings"
)

// Problem is one thing wrong in a file an NGO edits (a language file,
// the contacts and facts), said so that a translator or a lawyer can find
// it and mend it: where, which message or entry, what is wrong and what
// to do.
type Problem struct {
	File string // the file to edit, such as "active.fr.toml" or "content.toml"
	Line int    // the line of the message in it; 0 if not known
	ID   string // the message id or entry; "" for the whole file
	What string
	Fix  string
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		b.WriteString(":" + strconv.Itoa(p.Line))
	}
	if p.ID != "" {
		b.WriteString(": " + p.ID)
	}
	b.WriteString(": " + p.What)
	if p.Fix != "" {
		b.WriteString(" (" + p.Fix + ")")
	}
	return b.String()
}
