// Package render turns the guide into what a reader sees: each screen of
// the flows tree in each language of the locales catalogue, as Telegram
// HTML text and rows of buttons. It is pure: no Telegram transport and no
// I/O. The Telegram adapter (package bot), the terminal preview and the
// printed guide all show screens rendered here, so a screen reads the
// same wherever it appears.
package render
