package bot

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"asylumguide/flows"

	"github.com/go-telegram/bot/models"
	"golang.org/x/text/language"
)

// commandScope is a Bot API BotCommandScope. (The library's scope types
// encode their "type" only through its own request builder.)
type commandScope struct {
	Type string `json:"type"`
}

var (
	privateChats = commandScope{"all_private_chats"}
	defaultScope = commandScope{"default"}
)

// Setup registers the webhook (in webhook mode), learns the bot's
// username and sets its commands, description and short description in
// every language. The webhook and the username are retried until
// Telegram gives them, for as long as ctx lasts: without the webhook no
// update arrives, and without the username /start@Bot in a group goes
// unanswered. Ready reports false until both are done. Setup returns
// early only when ctx ends or Telegram refuses the token.
func (b *Bot) Setup(ctx context.Context, webhookURL, secret string) error {
	if webhookURL != "" {
		b.webhookWanted.Store(true)
		err := b.untilDone(ctx, "setWebhook", func() error {
			return b.api.callJSON(ctx, "setWebhook", struct {
				URL            string   `json:"url"`
				SecretToken    string   `json:"secret_token"`
				AllowedUpdates []string `json:"allowed_updates"`
				MaxConnections int      `json:"max_connections"`
			}{webhookURL, secret, allowedUpdates, 40}, nil)
		})
		if err != nil {
			return err
		}
		b.webhookSet.Store(true)
		b.log.Info("webhook registered")
	}
	if b.botUsername() == "" {
		var me models.User
		err := b.untilDone(ctx, "getMe", func() error {
			return b.api.call(ctx, "getMe", []byte(`{}`), &me)
		})
		if err != nil {
			return err
		}
		b.reached.Store(true)
		if me.Username != "" {
			name := me.Username
			b.username.Store(&name)
		}
	}
	return b.setProfile(ctx)
}

// setProfile sets the command menu of private chats and the descriptions
// in every language. Groups get no command menu: there the bot answers
// only /start. Failures are logged and Setup goes on: the guide works
// without a profile.
func (b *Bot) setProfile(ctx context.Context) error {
	var failed int
	profiles := b.profiles()
	for _, p := range profiles {
		err := b.retry.do(ctx, b.clock, func() error {
			// Commands an older release set for every chat.
			if err := b.api.callJSON(ctx, "deleteMyCommands", struct {
				Scope commandScope `json:"scope"`
				Lang  string       `json:"language_code,omitempty"`
			}{defaultScope, p.code}, nil); err != nil {
				return err
			}
			if err := b.api.callJSON(ctx, "setMyCommands", struct {
				Commands []models.BotCommand `json:"commands"`
				Scope    commandScope        `json:"scope"`
				Lang     string              `json:"language_code,omitempty"`
			}{p.commands, privateChats, p.code}, nil); err != nil {
				return err
			}
			if err := b.api.callJSON(ctx, "setMyDescription", struct {
				Description string `json:"description"`
				Lang        string `json:"language_code,omitempty"`
			}{p.description, p.code}, nil); err != nil {
				return err
			}
			return b.api.callJSON(ctx, "setMyShortDescription", struct {
				ShortDescription string `json:"short_description"`
				Lang             string `json:"language_code,omitempty"`
			}{p.short, p.code}, nil)
		}, nil)
		if err != nil {
			failed++
			b.log.Warn("profile not set", "lang", p.code, "class", Class(err), "err", err)
		}
	}
	if failed > 0 {
		return errors.New("profile: some languages failed")
	}
	b.log.Info("profile set", "languages", len(profiles))
	return nil
}

// untilDone runs f until it succeeds, waiting between tries: as long as
// a 429 asks, else from one second doubling to a minute, so a long
// outage costs one log line a minute. It gives up only when ctx ends or
// Telegram refuses the token.
func (b *Bot) untilDone(ctx context.Context, what string, f func() error) error {
	wait := time.Second
	for {
		err := f()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		class := Class(err)
		if class == ClassAuth {
			return err
		}
		d := wait
		if class == ClassRateLimited {
			d = retryAfter(err)
		} else {
			wait = min(wait*2, time.Minute)
		}
		b.log.Warn(what+" failed; trying again", "class", class, "err", err, "retry_in", d)
		if !sleep(ctx, b.clock, d) {
			return ctx.Err()
		}
	}
}

// SetProfile sets the commands and descriptions again, after a reload
// changed their texts.
func (b *Bot) SetProfile(ctx context.Context) error { return b.setProfile(ctx) }

func equalProfile(a, b profile) bool {
	return a.code == b.code && a.description == b.description && a.short == b.short && slices.Equal(a.commands, b.commands)
}

// profile is the bot's commands and descriptions for one language_code;
// code "" is the default for every other language.
type profile struct {
	code               string
	commands           []models.BotCommand
	description, short string
}

// profiles builds a profile for each two-letter language code Telegram
// knows. Telegram has one code for Serbian: it gets the script that
// "sr" matches (Cyrillic), and Latin readers pick it in the guide.
func (b *Bot) profiles() []profile {
	cat := b.g().screens.Catalog()
	out := []profile{}
	seen := map[string]bool{}
	for _, l := range cat.Languages() {
		base, _ := language.Make(l.Tag).Base()
		code := base.String()
		if m, ok := cat.Match(code); !ok || m.Tag != l.Tag || seen[code] {
			continue
		}
		seen[code] = true
		p, err := b.profile(l.Tag, code)
		if err != nil {
			b.log.Warn("profile text missing", "lang", l.Tag, "err", err)
			continue
		}
		out = append(out, p)
	}
	if p, err := b.profile("en", ""); err == nil {
		out = append(out, p)
	}
	return out
}

func (b *Bot) profile(tag, code string) (profile, error) {
	cat := b.g().screens.Catalog()
	p := profile{code: code}
	for _, c := range flows.Commands() {
		if !c.InMenu {
			continue
		}
		d, err := cat.Text(tag, "cmd_"+c.Name, nil)
		if err != nil {
			return p, err
		}
		p.commands = append(p.commands, models.BotCommand{Command: c.Name, Description: d})
	}
	var err error
	if p.description, err = cat.Text(tag, "bot_description", nil); err != nil {
		return p, err
	}
	if p.short, err = cat.Text(tag, "bot_short_description", nil); err != nil {
		return p, err
	}
	p.description = strings.TrimSpace(p.description)
	return p, nil
}
