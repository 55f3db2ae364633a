package main

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/dailyrun"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile/daily"
)

// walk calls fn for every flag of every command under c (local and
// persistent), with the command's path.
func walk(c *cobra.Command, fn func(path string, f *pflag.Flag)) {
	visit := func(f *pflag.Flag) { fn(c.CommandPath(), f) }
	c.LocalFlags().VisitAll(visit)
	for _, sub := range c.Commands() {
		walk(sub, fn)
	}
}

// A default written by hand in a usage string drifts from the real one
// (it did: "--credit-window-days 0 … (default 1)"). pflag prints the real
// default itself, so no usage string may say one.
func TestHelpDefaultsAreNotWrittenByHand(t *testing.T) {
	t.Parallel()
	handWritten := regexp.MustCompile(`(?i)\(default[: ]|default is|defaults to`)
	n := 0
	walk(newRoot(), func(path string, f *pflag.Flag) {
		n++
		if handWritten.MatchString(f.Usage) {
			t.Errorf("%s --%s: the usage %q states a default by hand; give the flag its real default instead", path, f.Name, f.Usage)
		}
	})
	if n < 30 {
		t.Fatalf("walked only %d flags: the walk is broken", n)
	}
}

// The defaults --help shows are the rules' own defaults: a flag's default
// value, parsed as the flag parses it, is the constant the code documents.
func TestHelpDefaultsAreTheRealDefaults(t *testing.T) {
	t.Parallel()
	want := map[string]string{
		"cutoff":             daily.DefaultCutoff.String(),
		"credit-window-days": "1",
		"report-grace":       dailyrun.DefaultGrace.String(),
		"code-prefix":        payment.DefaultCodePrefix,
	}
	if daily.DefaultCreditWindowDays != 1 {
		t.Fatalf("DefaultCreditWindowDays is %d: update this test", daily.DefaultCreditWindowDays)
	}
	seen := map[string]int{}
	walk(newRoot(), func(path string, f *pflag.Flag) {
		w, ok := want[f.Name]
		if !ok {
			return
		}
		seen[f.Name]++
		got := strings.Trim(f.DefValue, "[]")
		if got != w {
			t.Errorf("%s --%s: default %q, want %q", path, f.Name, f.DefValue, w)
		}
		if f.Value.Type() == "duration" {
			if _, err := time.ParseDuration(f.DefValue); err != nil {
				t.Errorf("%s --%s: default %q does not parse: %v", path, f.Name, f.DefValue, err)
			}
		}
	})
	for name := range want {
		if seen[name] == 0 {
			t.Errorf("no command has --%s", name)
		}
	}
}

// Every command parses its own defaults: running a command's flag set with
// each flag set explicitly to its shown default is accepted, so a default
// that the flag itself would refuse cannot be shown.
func TestHelpDefaultsParse(t *testing.T) {
	t.Parallel()
	walk(newRoot(), func(path string, f *pflag.Flag) {
		if f.Value.Type() == "stringSlice" || f.Value.Type() == "stringArray" || f.Value.Type() == "int64Slice" {
			return // a list's default is shown as [a,b]; Set appends
		}
		if err := f.Value.Set(f.DefValue); err != nil {
			t.Errorf("%s --%s: its default %q does not parse: %v", path, f.Name, f.DefValue, err)
		}
	})
}

// A flag the command does not know, or a value it cannot parse, is a
// configuration error like any other (exit 2), for every command.
func TestFlagMistakesAreConfigurationErrors(t *testing.T) {
	t.Setenv("FEERECON_DB", "") // migrate without --db
	for _, args := range [][]string{
		{"serve", "--no-such-flag"},
		{"report", "--credit-window-days", "one"},
		{"reconcile", "--cutoff", "4pm"},
		{"migrate"}, // no --db
	} {
		if _, err := runCLI(t, args...); !errors.Is(err, config.ErrInvalid) {
			t.Errorf("%v: %v, want a configuration error", args, err)
		}
	}
}
