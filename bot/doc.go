// Package bot is the Telegram adapter: it takes updates in (long polling or
// a webhook), asks the rendered guide (package flows/render) for the
// screen each one leads to, and sends or edits one message per
// conversation. It keeps no session: callback data names the screen, and
// the only thing it stores is a language choice, through the Prefs
// interface.
//
// One Bot API client. Every call, the start-up ones included, goes
// through the small JSON client in api.go, over one http.RoundTripper.
// go-telegram/bot is kept for its models package, the typed vocabulary of
// the Bot API (models.User, models.BotCommand), not for its transport,
// because owning the whole exchange with Telegram is what makes the bot
// correct and private:
//   - the library confirms an update (advances the offset) before it is
//     handled, and drops queued updates at shutdown; here an update is
//     confirmed only once the dispatcher has accepted it, and accepted
//     updates are drained before exit;
//   - one undecodable update fails the library's whole getUpdates batch,
//     which is then asked for again and again; here it is skipped and the
//     rest are handled;
//   - the library's webhook handler answers 200 to a wrong secret (and
//     compares it in variable time), reads unbounded bodies and logs a
//     body it cannot decode, which would put a person's message in the
//     log; here the secret is compared in constant time, bodies are
//     bounded, and no update content is ever logged;
//   - the library has no retry on 429, no pacing and no bound on
//     concurrent handlers; here messages are paced below Telegram's
//     limits (pace.go), every retry_after is kept in full for its chat
//     or the whole bot, and a fixed pool of workers keeps each chat's
//     updates in order, a chat that must wait being parked without a
//     worker (dispatch.go, job.go).
//
// A second client for a few start-up calls would mean two error
// taxonomies and two request paths to test; so there is one.
package bot
