package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"asylumguide/flows"
	"asylumguide/flows/paper"
	"asylumguide/flows/render"
	"asylumguide/locales"
)

// screens loads the guide for the paper commands: the built-in content,
// or that of a content folder, which must pass the checks.
func screens(dir string) (*render.Screens, error) {
	set, problems, err := loadGuide(dir, flows.Today(time.Now()))
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, problemsError(problems)
	}
	return set.screens, nil
}

// poster runs "asylumguide poster".
func poster(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("asylumguide poster", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("bot", "", "the bot's username, from @BotFather (required)")
	lang := fs.String("lang", "all", "language tag, or all for one poster per language")
	topic := fs.String("topic", "", "open at a topic: apply, protection, appeal, help or rights")
	format := fs.String("format", "svg", "svg (an A4 poster) or png (the QR code alone)")
	out := fs.String("o", "", "output file (one language) or folder (all); default poster-<lang>[_<topic>].<format> here")
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	fail := func(err error) int { fmt.Fprintf(stderr, "asylumguide poster: %v\n", err); return exitUsage }
	if *name == "" {
		return fail(errors.New("-bot is required: the username @BotFather gave the bot, e.g. -bot KosovoAsylumGuideBot"))
	}
	if *format != "svg" && *format != "png" {
		return fail(fmt.Errorf("-format %q: use svg or png", *format))
	}
	s, err := screens("")
	if err != nil {
		return fail(err)
	}
	langs := []string{*lang}
	if *lang == "all" {
		langs = s.Tags()
	}
	for _, l := range langs {
		link, err := paper.Link(*name, l, *topic)
		if err != nil {
			return fail(err)
		}
		var b bytes.Buffer
		if *format == "png" {
			err = paper.QRPNG(&b, link, 16)
		} else {
			var t paper.PosterText
			if t, err = paper.PosterTextFor(s, l); err == nil {
				err = paper.Poster(&b, link, t)
			}
		}
		if err != nil {
			return fail(err)
		}
		file := "poster-" + l
		if *topic != "" {
			file += "_" + *topic
		}
		file += "." + *format
		switch {
		case *out != "" && *lang == "all":
			if err := os.MkdirAll(*out, 0o755); err != nil {
				return fail(err)
			}
			file = filepath.Join(*out, file)
		case *out != "":
			file = *out
		}
		if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "%s  %s\n", file, link)
	}
	return exitOK
}

// export runs "asylumguide export".
func export(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("asylumguide export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lang := fs.String("lang", locales.Default, "language tag, or all for one file per language (with -o FOLDER)")
	format := fs.String("format", "", "html, md, or review (English beside the language, with a box to tick per screen); default: from the -o file's extension, else html")
	out := fs.String("o", "-", "output file, or folder with -lang all; - for standard output")
	dir := fs.String("content-dir", getenv("ASYLUMGUIDE_CONTENT_DIR"), "content folder to export instead of the built-in texts (env ASYLUMGUIDE_CONTENT_DIR)")
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if *format == "" {
		*format = paper.HTML
		if strings.HasSuffix(*out, ".md") {
			*format = paper.Markdown
		}
	}
	fail := func(code int, err error) int {
		fmt.Fprintf(stderr, "asylumguide export: %v\n", err)
		return code
	}
	s, err := screens(*dir)
	if err != nil {
		return fail(exitError, err)
	}
	langs := []string{*lang}
	if *lang == "all" {
		if *out == "-" {
			return fail(exitUsage, errors.New("-lang all writes one file per language: give a folder with -o"))
		}
		langs = s.Tags()
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return fail(exitError, err)
		}
	}
	for _, l := range langs {
		var b bytes.Buffer
		if *format == paper.Review {
			err = paper.ExportReview(&b, s, l)
		} else {
			err = paper.Export(&b, s, l, *format)
		}
		if err != nil {
			return fail(exitUsage, err)
		}
		switch {
		case *out == "-":
			stdout.Write(b.Bytes())
		case *lang == "all":
			ext := *format
			if ext == paper.Review {
				ext = "html"
			}
			name := filepath.Join(*out, *format+"-"+l+"."+ext)
			if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
				return fail(exitError, err)
			}
			fmt.Fprintln(stdout, name)
		default:
			if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
				return fail(exitError, err)
			}
		}
	}
	return exitOK
}

// healthcheck runs "asylumguide healthcheck": the container's health check,
// with no curl or shell in the image. It asks the bot listening on
// ASYLUMGUIDE_LISTEN for /healthz.
func healthcheck(args []string, getenv func(string) string, stderr io.Writer) int {
	fs := flag.NewFlagSet("asylumguide healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := ":8080"
	if v := getenv("ASYLUMGUIDE_LISTEN"); v != "" {
		listen = v
	}
	fs.StringVar(&listen, "listen", listen, "the bot's listen address (env ASYLUMGUIDE_LISTEN)")
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		fmt.Fprintf(stderr, "asylumguide healthcheck: listen address %q: %v\n", listen, err)
		return exitError
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get("http://" + net.JoinHostPort(host, port) + "/healthz")
	if err != nil {
		fmt.Fprintf(stderr, "asylumguide healthcheck: %v\n", err)
		return exitError
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "asylumguide healthcheck: /healthz answered %d\n", resp.StatusCode)
		return exitError
	}
	return exitOK
}

// flagExit is the exit code for a flag parsing error: 0 for -h.
func flagExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}
