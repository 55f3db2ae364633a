package main

import (
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// usageError is a mistake in the command line or configuration: exit 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return &usageError{fmt.Errorf(format, args...)} }

// globals are the flags every command shares.
type globals struct {
	logLevel  string
	logFormat string
}

func (g *globals) logger() (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(g.logLevel)); err != nil {
		return nil, usagef("--log-level %q: want debug, info, warn or error", g.logLevel)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch strings.ToLower(g.logFormat) {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, usagef("--log-format %q: want text or json", g.logFormat)
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
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", envOr("FEERECON_LOG_LEVEL", "info"), "debug, info, warn or error")
	root.PersistentFlags().StringVar(&g.logFormat, "log-format", envOr("FEERECON_LOG_FORMAT", "text"), "text or json")
	root.AddCommand(
		migrateCmd(g),
		reconcileCmd(g),
		demoCmd(g),
		dlqCmd(g),
		serveCmd(g),
		statementCmd(g),
		reportCmd(g),
	)
	return root
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
