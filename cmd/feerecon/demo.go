package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/console"
	"github.com/feerecon/feerecon/demo"
	"github.com/feerecon/feerecon/payment"
)

// demoConfig is feerecon demo's command line.
type demoConfig struct {
	Dir string
	// Serve keeps the demo running after its summary, serving the console
	// over the demo day at HTTPAddr.
	Serve    bool
	HTTPAddr string
	// ApprovalThreshold (đồng): low by default, so that the demo day's
	// larger allocations show maker–checker.
	ApprovalThreshold string
}

// demoThreshold is the demo's approval threshold: below the demo day's
// unmatched 770.000 ₫, above its 350.000 ₫.
const demoThreshold = "500.000"

func demoCmd(g *globals) *cobra.Command {
	var c demoConfig
	cmd := &cobra.Command{
		Use:   "demo [--serve [--http ADDR]]",
		Short: "Run the main job on the embedded default (in-memory store, in-process transport) over testdata/demo; --serve then serves the console over it",
		RunE: func(cmd *cobra.Command, _ []string) error {
			// The demo's output is its summary; its logs (every request, every
			// payment) are there with --log-level info.
			if !cmd.Flags().Changed("log-level") {
				g.logLevel = "warn"
			}
			log, err := g.logger()
			if err != nil {
				return err
			}
			for _, name := range []string{"http", "approval-threshold"} {
				if cmd.Flags().Changed(name) && !c.Serve {
					return config.Errorf("demo: --%s needs --serve", name)
				}
			}
			if !c.Serve {
				sum, err := demo.Run(cmd.Context(), demo.Options{Dir: c.Dir, Logger: log})
				if err != nil {
					return err
				}
				sum.Print(cmd.OutOrStdout())
				return nil
			}
			return serveDemo(cmd.Context(), c, cmd.OutOrStdout(), log)
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.Dir, "dir", "testdata/demo", "folder with notices.jsonl, payments.jsonl and cancel.txt")
	f.BoolVar(&c.Serve, "serve", false, "after the summary, serve the console over the demo day until interrupted (Ctrl-C)")
	f.StringVar(&c.HTTPAddr, "http", "127.0.0.1:8080", "with --serve: the console's listen address (port 0: a free one)")
	f.StringVar(&c.ApprovalThreshold, "approval-threshold", demoThreshold,
		"with --serve, đồng: an allocation, refund or reopen above this waits for the approver (every write-off does)")
	return cmd
}

// serveDemo runs the demo day, prints its summary, then serves the console
// over it at c.HTTPAddr until ctx ends, and prints the URL and the demo
// accounts' passwords (to out only: never to the log).
func serveDemo(ctx context.Context, c demoConfig, out io.Writer, log *slog.Logger) error {
	threshold, err := payment.ParseDong(cmp.Or(c.ApprovalThreshold, demoThreshold))
	if err != nil || !threshold.Amount.IsPositive() {
		return config.Errorf("demo --serve: --approval-threshold %q: a positive whole number of đồng", c.ApprovalThreshold)
	}
	// The address first: a port taken fails before the day runs.
	l, err := net.Listen("tcp", c.HTTPAddr)
	if err != nil {
		return fmt.Errorf("demo --serve: %w", err)
	}
	defer l.Close()
	day, err := demo.Open(ctx, demo.Options{Dir: c.Dir, Logger: log})
	if err != nil {
		return err
	}
	defer day.Close()
	day.Summary.Print(out)
	con, err := day.Console(ctx, demo.ConsoleOptions{Logger: log, Threshold: threshold})
	if err != nil {
		return err
	}
	addr := l.Addr().(*net.TCPAddr)
	if !addr.IP.IsLoopback() {
		// The session cookie is Secure: over plain http a browser keeps
		// it only from a loopback address (a secure context).
		log.Warn("demo --serve listens beyond this machine over plain http: browsers log in only on http://127.0.0.1 or http://localhost (put TLS in front for others)",
			slog.String("addr", addr.String()))
	}
	printConsole(out, consoleURL(addr), con)

	srv := newHTTPServer("", con.Handler, defaultHTTPLimits())
	grp, gctx := errgroup.WithContext(ctx)
	grp.Go(func() error { return con.Run(gctx) })
	grp.Go(func() error {
		if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	grp.Go(func() error {
		<-gctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	return grp.Wait()
}

// consoleURL is the console's address for a browser on this machine: an
// unspecified listen address (0.0.0.0, ::) is reached on 127.0.0.1.
func consoleURL(a *net.TCPAddr) string {
	host := a.IP.String()
	switch {
	case a.IP.IsUnspecified():
		host = "127.0.0.1"
	case a.IP.To4() == nil:
		host = "[" + host + "]"
	}
	return fmt.Sprintf("http://%s:%d%s/", host, a.Port, console.Prefix)
}

func printConsole(w io.Writer, url string, c *demo.Console) {
	fmt.Fprintf(w, "console of the demo day (%s): %s  — Ctrl-C stops it\n", c.Date, url)
	for _, a := range c.Accounts {
		fmt.Fprintf(w, "  %-10s  login %-13s  password %s  (agencies %s)\n", a.Role, a.Login, a.Password, strings.Join(a.Agencies, ", "))
	}
	fmt.Fprintf(w, "  the passwords are made for this run and shown only here\n")
	fmt.Fprintf(w, "  actions above %s (and every write-off) wait for the approver\n", c.Threshold)
}
