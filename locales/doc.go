// Package locales holds the guide's text in every language, as go-i18n
// message files embedded in the binary, and chooses a language for a user:
// by tag, or by matching Telegram's language_code with golang.org/x/text.
package locales
