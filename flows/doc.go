// Package flows holds the guide's menu tree: which screens exist, what each
// one says (as message ids for the locales package to fill in), which
// buttons it shows and where they lead. It is pure Go with no Telegram and
// no I/O, so every adapter (Telegram, the terminal preview, exports) walks
// the same tree.
package flows
