package main

import (
	"flag"
	"fmt"
	"strconv"

	"asylumguide/bot"

	"golang.org/x/time/rate"
)

// paceFlags defines -rate and -chat-rate, the bot's own pace, with their
// defaults from the environment.
func paceFlags(fs *flag.FlagSet, c *config, getenv func(string) string) error {
	r, err := envFloat(getenv, "ASYLUMGUIDE_RATE", float64(bot.DefaultRate))
	if err != nil {
		return err
	}
	cr, err := envFloat(getenv, "ASYLUMGUIDE_CHAT_RATE", float64(bot.DefaultChatRate))
	if err != nil {
		return err
	}
	fs.Float64Var(&c.rate, "rate", r, "messages a second the bot sends across all chats, below Telegram's limit so that it need not refuse; 0 for no limit, as with a local Bot API server (env ASYLUMGUIDE_RATE)")
	fs.Float64Var(&c.chatRate, "chat-rate", cr, "messages a second the bot sends in one chat, after a burst of 3; 0 for no limit (env ASYLUMGUIDE_CHAT_RATE)")
	return nil
}

// envFloat reads a number from the environment, def if unset.
func envFloat(getenv func(string) string, name string, def float64) (float64, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, fmt.Errorf("%s %q is not a number", name, v)
	}
	return f, nil
}

// limit is a rate for the bot: 0 turns the limit off.
func limit(perSecond float64) rate.Limit {
	if perSecond == 0 {
		return rate.Inf
	}
	return rate.Limit(perSecond)
}
