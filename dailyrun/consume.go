package dailyrun

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store"
)

// ReasonStatementParse is the dead-letter reason of a statements.raw
// message that does not parse.
const ReasonStatementParse = "statement_parse"

// StatementHandler imports each statements.raw message's value with
// ImportStatement, applying its reversals with rev. A file that does not
// parse is permanent (dead-lettered with ReasonStatementParse); a store
// error is transient (retried: the redelivery applies what is left); a
// redelivered file is a duplicate, which is success.
func StatementHandler(st store.Store, rev Reverser, policy payment.AmountPolicy, clock func() time.Time, log *slog.Logger) kafkabus.Handler {
	if clock == nil {
		clock = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return func(ctx context.Context, m kafkabus.Message) error {
		imp, err := ImportStatement(ctx, st, m.Value, ImportOptions{Policy: policy, Now: clock(), Reverser: rev})
		if errors.Is(err, ErrParse) {
			return kafkabus.Permanent(ReasonStatementParse, err)
		}
		if err != nil {
			return err
		}
		log.InfoContext(ctx, "statement imported", slog.String("ref", m.Ref()), slog.String("statement", imp.ID),
			slog.String("source", string(imp.Source)), slog.Int("lines", imp.Lines), slog.Bool("duplicate", imp.Duplicate),
			slog.Int("reversals", imp.Reversals), slog.Int("reversals_applied", imp.Applied),
			slog.Int("reversals_unknown", imp.Unknown), slog.Int("reversals_before", imp.Before))
		return nil
	}
}
