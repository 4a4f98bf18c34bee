package render

import (
	"fmt"
	"regexp"
	"strings"
)

// telegramTags are the tags Telegram's HTML parse mode accepts.
var telegramTags = map[string]bool{
	"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true,
	"s": true, "strike": true, "del": true, "a": true, "code": true, "pre": true,
	"blockquote": true, "tg-spoiler": true, "span": true,
}

var hrefPattern = regexp.MustCompile(`^href="(https?|tg)://[^"<>]+"$`)

var entityPattern = regexp.MustCompile(`^&(lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});`)

// CheckHTML reports the first way s is not valid Telegram HTML:
// an unknown tag, a tag not closed or closed out of order, a link that is
// not http(s), or a bare & < >.
func CheckHTML(s string) error {
	var open []string
	for i := 0; i < len(s); {
		switch s[i] {
		case '&':
			if !entityPattern.MatchString(s[i:]) {
				return fmt.Errorf("bare & at byte %d: %q", i, s[i:min(i+12, len(s))])
			}
			i += strings.IndexByte(s[i:], ';') + 1
		case '>':
			return fmt.Errorf("bare > at byte %d", i)
		case '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				return fmt.Errorf("unclosed < at byte %d", i)
			}
			tag := s[i+1 : i+end]
			i += end + 1
			if name, ok := strings.CutPrefix(tag, "/"); ok {
				if len(open) == 0 || open[len(open)-1] != name {
					return fmt.Errorf("</%s> does not close the innermost open tag (open: %v)", name, open)
				}
				open = open[:len(open)-1]
				continue
			}
			name, attrs, _ := strings.Cut(tag, " ")
			if !telegramTags[name] {
				return fmt.Errorf("tag <%s> is not allowed in Telegram HTML", name)
			}
			switch name {
			case "a":
				if !hrefPattern.MatchString(attrs) {
					return fmt.Errorf("link <a %s> needs one href to an http(s) or tg URL", attrs)
				}
			case "span":
				if attrs != `class="tg-spoiler"` {
					return fmt.Errorf("<span> needs class=\"tg-spoiler\"")
				}
			default:
				if attrs != "" {
					return fmt.Errorf("<%s> takes no attributes here: %q", name, attrs)
				}
			}
			open = append(open, name)
		default:
			i++
		}
	}
	if len(open) > 0 {
		return fmt.Errorf("tags left open: %v", open)
	}
	return nil
}
