package main

import (
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/feerecon/feerecon/config"
)

// globals are the flags every command shares.
type globals struct {
	logLevel  string
	logFormat string
}

func (g *globals) logger() (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(g.logLevel)); err != nil {
		return nil, config.Errorf("--log-level %q: want debug, info, warn or error", g.logLevel)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch strings.ToLower(g.logFormat) {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, config.Errorf("--log-format %q: want text or json", g.logFormat)
}

func newRoot() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "feerecon",
		Short: "Reconcile cashless payments of public fees (phí, lệ phí) with fee notices and the treasury",
		Long: `feerecon takes banks' and e-wallets' payment events in through Kafka, matches them to fee
notices by their payment codes, confirms payment to the procedure systems, and reports each
business day to the State Treasury (Kho bạc Nhà nước).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// A flag the command does not know, or a value it cannot parse, is a
	// mistake of the command line: exit 2, like every configuration error.
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return config.Wrap("", err) })
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", envOr("FEERECON_LOG_LEVEL", "info"), "debug, info, warn or error")
	root.PersistentFlags().StringVar(&g.logFormat, "log-format", envOr("FEERECON_LOG_FORMAT", "text"), "text or json")
	root.AddCommand(
		migrateCmd(g),
		apikeyCmd(g),
		reconcileCmd(g),
		demoCmd(g),
		dlqCmd(g),
		serveCmd(g),
		statementCmd(g),
		reportCmd(g),
		userCmd(g),
		auditCmd(g),
	)
	redactDBDefaults(root)
	return root
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
