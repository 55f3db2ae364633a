package dailyrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store"
)

// auditPage is how many audit entries the scheduler reads at a time.
const auditPage = 500

// span is the closed business days [oldest, last] a step may run.
type span struct{ oldest, last payment.Date }

func (s span) has(d payment.Date) bool { return !d.Before(s.oldest) && !s.last.Before(d) }

// changes are the days the audit entries read since the cursor may have
// changed, and the seq the cursor moves to once they have run.
type changes struct {
	// days may be before the span: days before the reporting window that
	// have a report (withinReported).
	days map[payment.Date]bool
	// late are the payments recorded or decided whose business day is
	// before the span and has no report: each is a late event of its day
	// (unreportedLate).
	late []payment.Payment
	// to is the seq of the last entry read; from is the stored cursor (-1:
	// none yet).
	from, to int64
}

// changed walks the audit log from the scheduler's cursor up to the last
// entry written at least the grace ago (later ones wait for their grace,
// as a day does after its cut-off) and returns the days within sp that
// the entries' changes may have altered (rerunDays), with the days before
// sp that have a report, and the payments of days before sp that have
// none (unreportedLate). On the first start
// (no cursor) it only places the cursor at the chain's head: changes
// before it are not the scheduler's to re-run (feerecon report is).
func (s *Scheduler) changed(ctx context.Context, now time.Time, sp span) (changes, error) {
	c := changes{days: map[payment.Date]bool{}, from: -1}
	horizon := now.Add(-s.cfg.Grace)
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		cur, err := tx.AuditCursor(ctx, store.CursorDailyRerun)
		if errors.Is(err, store.ErrNotFound) {
			head, err := tx.AuditHeadAt(ctx, now)
			c.to = head.Seq
			return err
		}
		if err != nil {
			return err
		}
		c.from, c.to = cur, cur
		for {
			recs, err := tx.AuditRecords(ctx, c.to+1, auditPage)
			if err != nil {
				return err
			}
			for _, r := range recs {
				if r.At.After(horizon) {
					return nil
				}
				ds, err := s.rerunDays(ctx, tx, r.AuditEntry, sp)
				if err != nil {
					return fmt.Errorf("audit entry %d: %w", r.Seq, err)
				}
				for _, d := range ds {
					c.days[d] = true
				}
				if r.Action == store.AuditPaymentDecide {
					p, late, err := s.unreportedLate(ctx, tx, strings.TrimPrefix(r.Entity, store.PaymentEntity("")), sp)
					if err != nil {
						return fmt.Errorf("audit entry %d: %w", r.Seq, err)
					}
					if late {
						c.late = append(c.late, p)
					}
				}
				c.to = r.Seq
			}
			if len(recs) < auditPage {
				return nil
			}
		}
	})
	if err != nil {
		return changes{}, fmt.Errorf("daily changes: %w", err)
	}
	return c, nil
}

// moveCursor stores the cursor at c.to, past the entries whose days have
// run.
func (s *Scheduler) moveCursor(ctx context.Context, c changes) error {
	if c.to == c.from {
		return nil
	}
	return s.st.InTx(ctx, func(tx store.Tx) error {
		if err := tx.SetAuditCursor(ctx, store.CursorDailyRerun, c.to); err != nil {
			return fmt.Errorf("daily changes: %w", err)
		}
		return nil
	})
}

// rerunDays are the business days within sp an audited change may alter
// (the days whose input, as Job reads it, holds what changed):
//
//   - statement.imported: a line booked on B is read by days B−N … B+N
//     (credit window N); an entry without booking days (written before
//     they were recorded) may concern any day of sp;
//   - payment.decide (a payment recorded or decided again): a payment
//     paid at t is read by its calendar day and by its business day b …
//     b+N;
//   - payment.reverse (a reversal recorded): the reversal's business day
//     (its report lists it) and the days of its payment, if known (its
//     allocations are undone);
//   - an exception closed, allocated, refunded, written off or reopened:
//     the days of its payment; one that names a statement line and no
//     payment, any day of sp (its booking day is not kept with it).
//
// Every other action changes nothing a report shows (the daily run's own
// entries, report.version and exception.raise, among them). A day re-run
// that the change did not alter stores nothing: its diff is empty.
func (s *Scheduler) rerunDays(ctx context.Context, tx store.Tx, e store.AuditEntry, sp span) ([]payment.Date, error) {
	switch e.Action {
	case store.AuditStatementImported:
		var d statementDetail
		if err := json.Unmarshal(e.Detail, &d); err != nil {
			return nil, fmt.Errorf("statement detail: %w", err)
		}
		switch {
		case d.BookedFrom != nil && d.BookedTo != nil:
			n := s.cfg.CreditWindowDays
			return s.within(ctx, tx, sp, d.BookedFrom.AddDays(-n), d.BookedTo.AddDays(n))
		case d.Lines > 0:
			return s.within(ctx, tx, sp, sp.oldest, sp.last)
		}
		return nil, nil
	case store.AuditPaymentDecide:
		return s.paymentDays(ctx, tx, strings.TrimPrefix(e.Entity, store.PaymentEntity("")), sp)
	case store.AuditPaymentReverse:
		return s.reversalDays(ctx, tx, e, sp)
	case store.AuditExceptionResolve, store.AuditExceptionAllocate, store.AuditExceptionRefund,
		store.AuditExceptionWriteOff, store.AuditExceptionReopen:
		x, err := tx.Exception(ctx, strings.TrimPrefix(e.Entity, store.ExceptionEntity("")))
		switch {
		case errors.Is(err, store.ErrNotFound):
			return nil, nil
		case err != nil:
			return nil, err
		case x.PaymentID == "":
			return s.within(ctx, tx, sp, sp.oldest, sp.last)
		}
		return s.paymentDays(ctx, tx, x.PaymentID, sp)
	case store.AuditNoticeCreate, store.AuditNoticeAmend, store.AuditNoticeCancel, store.AuditNoticeStatus, store.AuditNoticeConfirm:
		// A notice's change that moves money is audited as the payments'
		// re-decisions (payment.decide); its own fields show in the report
		// of the day it was issued, which has not closed when it is issued.
		return nil, nil
	case store.AuditExceptionRaise, store.AuditReportVersion, store.AuditReportRerun, store.AuditExceptionAssign,
		store.AuditExceptionComment, store.AuditRequestCreate, store.AuditRequestApprove, store.AuditRequestReject,
		store.AuditUserAdd, store.AuditUserDisable, store.AuditUserPassword, store.AuditUserRole,
		store.AuditLogin, store.AuditLoginFailed, store.AuditLogout, store.AuditOutboxDelivered, store.AuditOutboxDead,
		store.AuditAPIKeyCreate, store.AuditAPIKeyRevoke:
		// The daily run's own entries, and what no report shows. (A request
		// approved is audited again as the action it carries out.)
		return nil, nil
	}
	return nil, nil
}

// paymentDays are the days within sp that read payment id (rerunDays).
func (s *Scheduler) paymentDays(ctx context.Context, tx store.Tx, id string, sp span) ([]payment.Date, error) {
	p, err := tx.Payment(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	}
	b := s.rules().BusinessDay(p.PaidAt)
	return s.within(ctx, tx, sp, payment.DateOf(p.PaidAt), b.AddDays(s.cfg.CreditWindowDays))
}

// reversalDays are the days within sp a reversal changes (rerunDays): its
// own business day, which lists it, and the days that read its payment,
// whose allocations it undid.
func (s *Scheduler) reversalDays(ctx context.Context, tx store.Tx, e store.AuditEntry, sp span) ([]payment.Date, error) {
	var d struct {
		ReversalID string `json:"reversal_id"`
	}
	if err := json.Unmarshal(e.Detail, &d); err != nil {
		return nil, fmt.Errorf("reversal detail: %w", err)
	}
	r, err := tx.Reversal(ctx, d.ReversalID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	}
	day := s.rules().BusinessDay(r.ReversedAt)
	days, err := s.within(ctx, tx, sp, day, day)
	if err != nil || r.PaymentID == "" {
		return days, err
	}
	more, err := s.paymentDays(ctx, tx, r.PaymentID, sp)
	if err != nil {
		return nil, err
	}
	for _, m := range more {
		if !slices.Contains(days, m) {
			days = append(days, m)
		}
	}
	return days, nil
}

// within lists the days of [from, to] that are within sp, and those
// before sp that have an ALL report: a day reported once (in its
// catch-up window, or by hand with feerecon report) is re-reported on a
// change however long ago it was, as its report is what the treasury
// holds. A day before sp without a report is left to unreportedLate.
func (s *Scheduler) within(ctx context.Context, tx store.Tx, sp span, from, to payment.Date) ([]payment.Date, error) {
	var out []payment.Date
	for d := from; !to.Before(d); d = d.AddDays(1) {
		switch {
		case sp.has(d):
			out = append(out, d)
		case d.Before(sp.oldest):
			ok, err := reportedIn(ctx, tx, d)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, d)
			}
		}
	}
	return out, nil
}

// unreportedLate returns payment id when it belongs to a business day
// before sp that has no ALL report: no run of the scheduler reports that
// day, so its payment is raised as a late event of its day
// (raiseUnreportedLate) rather than left out.
func (s *Scheduler) unreportedLate(ctx context.Context, tx store.Tx, id string, sp span) (payment.Payment, bool, error) {
	p, err := tx.Payment(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return payment.Payment{}, false, nil
	case err != nil:
		return payment.Payment{}, false, err
	}
	b := s.rules().BusinessDay(p.PaidAt)
	if !b.Before(sp.oldest) {
		return payment.Payment{}, false, nil
	}
	done, err := reportedIn(ctx, tx, b)
	if err != nil || done {
		return payment.Payment{}, false, err
	}
	return p, true, nil
}
