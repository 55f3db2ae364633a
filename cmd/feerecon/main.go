// Command feerecon reconciles cashless payments of public fees: one binary
// with subcommands (feerecon --help lists them).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/feerecon/feerecon/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := newRoot().ExecuteContext(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "feerecon:", err)
		if errors.Is(err, config.ErrInvalid) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}
