package dailyrun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store"
)

// raiseUnreportedLate stores the late event of each payment of a day
// before the reporting window (which starts at windowStart) that has no
// report (daily.DayRules.LateBeforeWindow): created now, on the day's
// open business day, whose ALL report lists it (see doc.go). A payment
// raised before (by an earlier step, or decided again) is nothing new: no
// second exception, no second warning.
func (s *Scheduler) raiseUnreportedLate(ctx context.Context, ps []payment.Payment, windowStart payment.Date, now time.Time) error {
	if len(ps) == 0 {
		return nil
	}
	now = now.Truncate(time.Second) // what the store keeps, as the Job's runs
	var raised []payment.Payment
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		raised = raised[:0]
		for _, p := range ps {
			e, ok := s.rules().LateBeforeWindow(p, windowStart, now)
			if !ok {
				continue
			}
			_, err := tx.Exception(ctx, e.ID)
			switch {
			case err == nil:
				continue
			case !errors.Is(err, store.ErrNotFound):
				return fmt.Errorf("exception %s: %w", e.ID, err)
			}
			if err := raise(ctx, tx, e, now); err != nil {
				return err
			}
			raised = append(raised, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("late events before the reporting window: %w", err)
	}
	for _, p := range raised {
		day := s.rules().BusinessDay(p.PaidAt)
		attrs := []any{slog.String("payment_id", p.ID), slog.String("business_date", day.String()),
			slog.String("window_start", windowStart.String()), slog.String("amount", p.Amount.String()),
			slog.String("listed_in", s.rules().BusinessDay(now).String())}
		if p.PayerAccount != "" {
			attrs = append(attrs, slog.String("payer_account", payment.MaskAccount(p.PayerAccount)))
		}
		attrs = append(attrs, slog.String("how_to_report", "feerecon report --date "+day.String()))
		s.log.WarnContext(ctx, "payment dated before the reporting window, on a day never reported: raised as late_event "+
			"of its day and listed in the ALL report of the day it was raised on; run how_to_report to report its day", attrs...)
	}
	return nil
}
