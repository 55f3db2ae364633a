package batch

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
)

// DefaultSystem is the notice system of notices read from a batch file.
const DefaultSystem = "batch"

// maxLine bounds one payments line; a longer one fails the run.
const maxLine = 1 << 20

// Options configure a batch run.
type Options struct {
	// NoticesPath is the notices CSV (header NoticeColumns()).
	NoticesPath string
	// PaymentsPath is the payments JSONL.
	PaymentsPath string
	// Date selects the payments whose paid_at falls on this business day
	// (Asia/Ho_Chi_Minh). The zero Date selects every payment.
	Date payment.Date
	// System is the notice system given to the notices read. Default "batch".
	System string
	// Engine configures matching.
	Engine reconcile.Config
	// Amounts validates amounts; nil means payment.DefaultAmountPolicy().
	Amounts *payment.AmountPolicy
	// Logger; nil discards.
	Logger *slog.Logger

	// Statements (camt.053) and Settlements (e-wallet settlement CSV), when
	// given, add the daily three-way reconciliation: its discrepancies
	// join the exceptions and WriteReport also writes the daily reports.
	Statements  []string
	Settlements []string
	// DayRules of the three-way reconciliation: the cut-off and the credit
	// window, as daily.Input takes them (CreditWindowDays 0 is T+0).
	daily.DayRules
	// Lang of the daily report files; default Vietnamese.
	Lang daily.Lang
}

// Validate reports all problems at once.
func (o Options) Validate() error {
	p := config.In("batch")
	if o.NoticesPath == "" {
		p.Addf("notices file is required")
	}
	if o.PaymentsPath == "" {
		p.Addf("payments file is required")
	}
	if err := o.Engine.Validate(); err != nil {
		p.Add(err)
	}
	if (len(o.Statements) > 0 || len(o.Settlements) > 0) && o.Date.IsZero() {
		p.Addf("a business date is required with statements or settlements")
	}
	for _, s := range o.Problems() {
		p.Addf("%s", s)
	}
	return p.Err()
}

// Result is the outcome of a batch run.
type Result struct {
	BusinessDate payment.Date
	// Allocations and Notices are the engine's decision.
	Allocations []reconcile.Allocation
	Notices     []reconcile.NoticeState
	// Exceptions are the engine's plus one invalid_input per unreadable
	// payment line, sorted by (payment id, kind, id).
	Exceptions []reconcile.Exception
	// Lines gives the payments-file line of each exception id for
	// invalid_input rows and of each payment id otherwise.
	Lines map[string]int
	// InvalidNotices lists notice lines that could not be read.
	InvalidNotices []*LineError
	Inputs         Inputs
	Totals         Totals
	// Daily are the three-way daily reports (ALL and one per agency), when
	// statements or settlements were given.
	Daily []daily.Report
	lang  daily.Lang
}

// Inputs counts what was read.
type Inputs struct {
	NoticesFile        string `json:"notices_file"`
	PaymentsFile       string `json:"payments_file"`
	NoticeLines        int    `json:"notice_lines"`
	PaymentLines       int    `json:"payment_lines"`
	PaymentsSelected   int    `json:"payments_selected"`
	PaymentsOtherDates int    `json:"payments_other_dates"`
	InvalidPayments    int    `json:"invalid_payment_lines"`
	InvalidNotices     int    `json:"invalid_notice_lines"`
	// Three-way inputs, when given.
	StatementFiles  []string `json:"statement_files,omitempty"`
	SettlementFiles []string `json:"settlement_files,omitempty"`
	StatementLines  int      `json:"statement_lines,omitempty"`
	SettlementLines int      `json:"settlement_lines,omitempty"`
	// StatementWarnings name statements read whole but whose entries do not
	// add up to their closing balance (entries missing at the bank).
	StatementWarnings []string `json:"statement_warnings,omitempty"`
}

// Totals are counts and sums that add up:
// PaymentsAmountVND = AllocatedAmount + UnallocatedAmountVND, and
// UnallocatedAmountVND is the sum of the VND amounts of the exceptions
// about money (all kinds but currency_mismatch and invalid_input, whose
// amounts are not in VND or not read). AllocatedAmount is also the sum of
// the notices' paid amounts.
type Totals struct {
	Notices              int                                         `json:"notices"`
	NoticesByStatus      map[payment.NoticeStatus]int                `json:"notices_by_status"`
	AmountDue            decimal.Decimal                             `json:"amount_due"`
	Payments             int                                         `json:"payments"`
	PaymentsVND          int                                         `json:"payments_vnd"`
	PaymentsAmountVND    decimal.Decimal                             `json:"payments_amount_vnd"`
	ForeignPayments      map[payment.Currency]decimal.Decimal        `json:"foreign_payments_amount"`
	Allocations          int                                         `json:"allocations"`
	AllocatedAmount      decimal.Decimal                             `json:"allocated_amount"`
	UnallocatedAmountVND decimal.Decimal                             `json:"unallocated_amount_vnd"`
	Exceptions           int                                         `json:"exceptions"`
	ExceptionsByKind     map[reconcile.ExceptionKind]int             `json:"exceptions_by_kind"`
	ExceptionAmountsVND  map[reconcile.ExceptionKind]decimal.Decimal `json:"exception_amounts_vnd"`
	// CreditedAccounts counts the payments by what is known of the account
	// they were credited to; present only when collection accounts are
	// configured (Options.Engine.CollectionAccounts), so a run without
	// them writes the bytes it always wrote.
	CreditedAccounts *CreditedTotals `json:"credited_accounts,omitempty"`
}

// CreditedTotals are the control totals of the credited accounts: known
// + unknown = the payments selected. Unknown ones (no credited_account
// on the line) were matched as if no collection account were configured.
type CreditedTotals struct {
	Known            int             `json:"known"`
	Unknown          int             `json:"unknown"`
	UnknownAmountVND decimal.Decimal `json:"unknown_amount_vnd"`
	WrongAccount     int             `json:"wrong_account"`
}

// ErrTotals means the totals did not add up: a bug, never input's fault.
var ErrTotals = errors.New("totals do not add up")

// Run reads the files, decides, and totals. A file that cannot be read at
// all, or a notices header that is wrong, is an error; bad lines are listed
// in the result.
func Run(ctx context.Context, o Options) (*Result, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o.System == "" {
		o.System = DefaultSystem
	}
	policy := payment.DefaultAmountPolicy()
	if o.Amounts != nil {
		policy = *o.Amounts
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	res := &Result{BusinessDate: o.Date, Lines: map[string]int{}, lang: o.Lang}
	res.Inputs.NoticesFile = filepath.Base(o.NoticesPath)
	res.Inputs.PaymentsFile = filepath.Base(o.PaymentsPath)

	notices, err := readNotices(o.NoticesPath, o.System, policy, res)
	if err != nil {
		return nil, err
	}
	// The prefixes of the codes the notices carry are accepted in
	// descriptions too: a province that issues "TP…" codes is matched
	// without configuration. Only prefixes of issued codes are added, so
	// this widens nothing beyond the notices at hand.
	o.Engine.CodePrefixes = withNoticePrefixes(o.Engine.CodePrefixes, notices)
	engine, err := reconcile.NewEngine(o.Engine)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	pf, err := readPayments(o.PaymentsPath, policy)
	if err != nil {
		return nil, err
	}
	payments, invalid := pf.selectPayments(o.Date, res)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d := engine.Decide(notices, payments)
	res.Allocations = d.Allocations
	res.Notices = d.Notices
	res.Exceptions = append(d.Exceptions, invalid...)
	if !o.Date.IsZero() {
		for i := range res.Exceptions {
			res.Exceptions[i].CreatedAt = asOf(o.Date)
		}
	}
	if len(o.Statements) > 0 || len(o.Settlements) > 0 {
		if err := threeWay(o, policy, engine, notices, pf, res); err != nil {
			return nil, err
		}
	}
	slices.SortStableFunc(res.Exceptions, reconcile.CompareExceptions)
	if err := res.total(payments, o.Engine.CollectionAccounts.Configured()); err != nil {
		return nil, err
	}
	log.InfoContext(ctx, "batch reconciled",
		slog.String("business_date", o.Date.String()),
		slog.Int("notices", res.Totals.Notices),
		slog.Int("payments", res.Totals.Payments),
		slog.Int("allocations", res.Totals.Allocations),
		slog.Int("exceptions", res.Totals.Exceptions))
	return res, nil
}

// withNoticePrefixes returns the configured prefixes (the default when none)
// plus the prefix of every notice's payment code, sorted, each once.
func withNoticePrefixes(configured []string, notices []payment.Notice) []string {
	if len(configured) == 0 {
		configured = []string{payment.DefaultCodePrefix}
	}
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		if p != "" && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, p := range configured {
		add(p)
	}
	for _, n := range notices {
		if n.Code != "" {
			add(n.Code.Prefix())
		}
	}
	sort.Strings(out)
	return out
}

func readNotices(path, system string, policy payment.AmountPolicy, res *Result) ([]payment.Notice, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read notices: %w", err)
	}
	defer f.Close()
	file := filepath.Base(path)
	r := csv.NewReader(bufio.NewReader(f))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	rec, err := r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &HeaderError{File: file, Reason: "empty file"}
		}
		return nil, &HeaderError{File: file, Reason: err.Error()}
	}
	h, err := parseNoticeHeader(file, rec)
	if err != nil {
		return nil, err
	}
	var out []payment.Notice
	seen := map[string]int{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		res.Inputs.NoticeLines++
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, fmt.Errorf("read notices: %w", err)
			}
			res.InvalidNotices = append(res.InvalidNotices, &LineError{File: file, Line: pe.StartLine, Err: fmt.Errorf("%w: %w", ErrSyntax, pe.Err)})
			continue
		}
		line, _ := r.FieldPos(0)
		n, err := parseNotice(h, rec, system, policy)
		if err != nil {
			res.InvalidNotices = append(res.InvalidNotices, lineErr(file, line, err))
			continue
		}
		if first, ok := seen[n.ID]; ok {
			res.InvalidNotices = append(res.InvalidNotices, &LineError{File: file, Line: line, Field: "notice_id",
				Err: fmt.Errorf("%w: notice %q first on line %d", ErrRepeated, n.ID, first)})
			continue
		}
		seen[n.ID] = line
		out = append(out, n)
	}
	res.Inputs.InvalidNotices = len(res.InvalidNotices)
	return out, nil
}

func lineErr(file string, line int, err error) *LineError {
	var fe *fieldError
	if errors.As(err, &fe) {
		return &LineError{File: file, Line: line, Field: fe.field, Err: fe.err}
	}
	return &LineError{File: file, Line: line, Err: err}
}

// paymentsFile is the payments JSONL, read once: the business day's
// payments are selected from it, and the credit window's for the
// three-way reconciliation.
type paymentsFile struct {
	name  string
	lines []paymentRecord
}

// paymentRecord is one non-blank line of the payments file, parsed.
type paymentRecord struct {
	line int
	p    payment.Payment
	err  error
}

func readPayments(path string, policy payment.AmountPolicy) (*paymentsFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read payments: %w", err)
	}
	defer f.Close()
	pf := &paymentsFile{name: filepath.Base(path)}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), maxLine)
	for line := 1; sc.Scan(); line++ {
		raw := sc.Bytes()
		if line == 1 {
			raw = bytes.TrimPrefix(raw, []byte("\xEF\xBB\xBF"))
		}
		if len(strings.TrimSpace(string(raw))) == 0 {
			continue
		}
		p, err := parsePayment(raw, policy)
		pf.lines = append(pf.lines, paymentRecord{line: line, p: p, err: err})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read payments %s: %w", pf.name, err)
	}
	return pf, nil
}

// selectPayments returns the payments of date (of every date when date is
// zero), each id once, and an invalid_input exception per line that could
// not be read or repeats an id; it counts the lines into res.
func (pf *paymentsFile) selectPayments(date payment.Date, res *Result) ([]payment.Payment, []reconcile.Exception) {
	var out []payment.Payment
	var invalid []reconcile.Exception
	seen := map[string]int{}
	bad := func(line int, id string, err error) {
		le := lineErr(pf.name, line, err)
		ex := reconcile.Exception{
			ID:         reconcile.ExceptionID(reconcile.ExceptionInvalidInput, pf.name, strconv.Itoa(line)),
			Kind:       reconcile.ExceptionInvalidInput,
			PaymentID:  id,
			Candidates: []string{},
			Evidence:   le.Error(),
			Status:     reconcile.ExceptionOpen,
		}
		res.Lines[ex.ID] = line
		invalid = append(invalid, ex)
	}
	for _, r := range pf.lines {
		res.Inputs.PaymentLines++
		line, p := r.line, r.p
		if r.err != nil {
			bad(line, p.ID, r.err)
			continue
		}
		if !date.IsZero() && payment.DateOf(p.PaidAt) != date {
			res.Inputs.PaymentsOtherDates++
			continue
		}
		if first, ok := seen[p.ID]; ok {
			bad(line, p.ID, &fieldError{"payment_id", fmt.Errorf("%w: payment %q first on line %d (a redelivery is not a second payment)", ErrRepeated, p.ID, first)})
			continue
		}
		seen[p.ID] = line
		res.Lines[p.ID] = line
		out = append(out, p)
	}
	res.Inputs.PaymentsSelected = len(out)
	res.Inputs.InvalidPayments = len(invalid)
	return out, invalid
}

func (r *Result) total(payments []payment.Payment, accounts bool) error {
	t := Totals{
		NoticesByStatus:     map[payment.NoticeStatus]int{},
		ForeignPayments:     map[payment.Currency]decimal.Decimal{},
		ExceptionsByKind:    map[reconcile.ExceptionKind]int{},
		ExceptionAmountsVND: map[reconcile.ExceptionKind]decimal.Decimal{},
	}
	paid := decimal.Zero
	for _, n := range r.Notices {
		t.Notices++
		t.NoticesByStatus[n.Status]++
		t.AmountDue = t.AmountDue.Add(n.AmountDue.Amount)
		paid = paid.Add(n.Paid.Amount)
	}
	for _, p := range payments {
		t.Payments++
		if p.Amount.Currency == payment.VND {
			t.PaymentsVND++
			t.PaymentsAmountVND = t.PaymentsAmountVND.Add(p.Amount.Amount)
		} else {
			t.ForeignPayments[p.Amount.Currency] = t.ForeignPayments[p.Amount.Currency].Add(p.Amount.Amount)
		}
	}
	for _, a := range r.Allocations {
		t.Allocations++
		t.AllocatedAmount = t.AllocatedAmount.Add(a.Amount.Amount)
	}
	for _, e := range r.Exceptions {
		t.Exceptions++
		t.ExceptionsByKind[e.Kind]++
		if moneyKind(e.Kind) && e.Amount.Currency == payment.VND {
			t.ExceptionAmountsVND[e.Kind] = t.ExceptionAmountsVND[e.Kind].Add(e.Amount.Amount)
			t.UnallocatedAmountVND = t.UnallocatedAmountVND.Add(e.Amount.Amount)
		}
	}
	if accounts {
		c := &CreditedTotals{WrongAccount: t.ExceptionsByKind[reconcile.ExceptionWrongAccount]}
		for _, p := range payments {
			if !p.CreditedAccount.IsZero() {
				c.Known++
				continue
			}
			c.Unknown++
			if p.Amount.Currency == payment.VND {
				c.UnknownAmountVND = c.UnknownAmountVND.Add(p.Amount.Amount)
			}
		}
		t.CreditedAccounts = c
	}
	r.Totals = t
	if !paid.Equal(t.AllocatedAmount) {
		return fmt.Errorf("%w: notices paid %s, allocations %s", ErrTotals, paid, t.AllocatedAmount)
	}
	if sum := t.AllocatedAmount.Add(t.UnallocatedAmountVND); !sum.Equal(t.PaymentsAmountVND) {
		return fmt.Errorf("%w: allocated %s + unallocated %s != payments %s", ErrTotals,
			t.AllocatedAmount, t.UnallocatedAmountVND, t.PaymentsAmountVND)
	}
	return nil
}

// moneyKind reports whether an exception's amount is unallocated VND money
// of a selected payment.
func moneyKind(k reconcile.ExceptionKind) bool {
	switch k {
	case reconcile.ExceptionUnmatched, reconcile.ExceptionAmbiguous, reconcile.ExceptionOverpaid,
		reconcile.ExceptionDuplicate, reconcile.ExceptionCancelledNotice, reconcile.ExceptionRemainder,
		reconcile.ExceptionWrongAccount:
		return true
	case reconcile.ExceptionCurrencyMismatch, reconcile.ExceptionInvalidInput,
		reconcile.ExceptionMissingEvent, reconcile.ExceptionMissingCredit, reconcile.ExceptionAmountMismatch,
		reconcile.ExceptionSettlementShort, reconcile.ExceptionLateEvent, reconcile.ExceptionUnknownReversal:
		return false
	}
	return false
}
