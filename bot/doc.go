// Package bot is the Telegram adapter: it takes updates in (long polling or
// a webhook), decides which screen of the guide each one asks for, and sends
// or edits one message per conversation. It keeps no session: callback data
// names the screen, and the only thing it stores is a language choice,
// through the Prefs interface.
//
// go-telegram/bot sets up the bot's profile (commands and descriptions) and
// its webhook. The hot path (getUpdates, sendMessage, editMessageText,
// answerCallbackQuery) goes through a small client of our own that sends
// prebuilt JSON, because the library's multipart encoding costs about 150
// allocations per call; see README, "Performance".
package bot
