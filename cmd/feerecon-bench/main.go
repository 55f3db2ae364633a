// Command feerecon-bench is the `make bench` harness (package bench): one
// run prints one table of the figures of issue 13 §4 and writes them to
// bench/results.json. It needs the servers scripts/bench.sh starts
// (FEERECON_TEST_PG, FEERECON_TEST_KAFKA).
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
		fmt.Fprintln(os.Stderr, "feerecon-bench:", err)
		if errors.Is(err, config.ErrInvalid) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}
