package dailyrun

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/statements"
	"github.com/feerecon/feerecon/statements/camt053"
	"github.com/feerecon/feerecon/statements/settlement"
	"github.com/feerecon/feerecon/store"
)

// Format is the kind of file ImportStatement recognised.
type Format string

// Formats.
const (
	// FormatCamt053 is an ISO 20022 camt.053 XML document.
	FormatCamt053 Format = "camt053"
	// FormatSettlement is an e-wallet settlement CSV (statements/settlement).
	FormatSettlement Format = "settlement"
)

// Errors of ImportStatement. A parse error also wraps the parser's own
// sentinel (camt053.ErrMalformed, settlement.ErrHeader, …), so errors.Is
// sees both.
var (
	// ErrUnknownFormat: the body is neither XML nor a settlement CSV.
	ErrUnknownFormat = errors.New("statement file is neither camt.053 XML nor a settlement CSV")
	// ErrParse wraps every error of the file's content: importing it again
	// cannot succeed.
	ErrParse = errors.New("statement file does not parse")
	// ErrEmpty: the file holds no statement line.
	ErrEmpty = errors.New("statement file holds no line")
	// ErrTooLarge: the file is above MaxStatementBytes; it is not read.
	ErrTooLarge = errors.New("statement file too large")
	// ErrConflict: a statement of the file was imported before with other
	// lines. A redelivery is the same statement again and a duplicate;
	// this is not, and the bank's record that is stored stands: the file
	// is refused (with ErrParse, so that it is dead-lettered, not retried).
	ErrConflict = errors.New("statement imported before with other lines")
	// ErrNoReverser: the file reverses credits and ImportOptions has no
	// Reverser to apply them (a wiring error; nothing was stored).
	ErrNoReverser = errors.New("statement reverses credits and no reverser is configured")
)

// MaxStatementBytes bounds a statement file: a day's camt.053 of a busy
// collection account (tens of thousands of entries at about a kilobyte
// each) stays well under it; the statements.raw topic's messages are
// bounded by the broker already.
const MaxStatementBytes = 64 << 20

// Reverser applies a bank's reversal of an earlier credit: undoes the
// payment's allocations, re-decides its notices and tells their systems
// (ingest.Processor.Reverse, the camt.054 path). It must be idempotent by
// reversal id: a reversal stored before is a redelivery.
type Reverser interface {
	Reverse(ctx context.Context, r payment.Reversal) (ingest.ReversalOutcome, error)
}

// ImportOptions are what ImportStatement needs besides the file.
type ImportOptions struct {
	// Policy checks every amount of the file.
	Policy payment.AmountPolicy
	// Now is the time of the audit entry.
	Now time.Time
	// Reverser applies the reversals a camt.053 statement carries
	// (camt053.Statement.Reversals); required when it carries any.
	Reverser Reverser
}

// Imported says what one ImportStatement call stored.
type Imported struct {
	// ID is the statement key (camt053.Statement.Key) or the settlement
	// file id; for a camt.053 document holding several statements, the
	// first one's (all are in IDs).
	ID     string
	IDs    []string
	Format Format
	// Source is the lines' source: "camt053" or "settlement:<wallet>".
	Source statements.Source
	// Lines is the number of lines in the file.
	Lines int
	// Duplicate is true when every statement of the file was imported
	// before: nothing was stored, and that is not an error.
	Duplicate bool
	// Reversals is the number of reversed credits the file carries; each
	// was applied by the Reverser, even on a Duplicate (a crash after the
	// statement was stored loses none). Of them: Applied took a payment
	// back now; Unknown were stored now without a payment (an
	// unknown_reversal exception); Before were stored already, by a
	// camt.054 notification of the same entry or an earlier import.
	Reversals, Applied, Unknown, Before int
}

// Sniff tells a camt.053 document from a settlement CSV by its first
// non-blank byte (after a UTF-8 BOM).
func Sniff(body []byte) (Format, error) {
	b := bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	b = bytes.TrimLeft(b, " \t\r\n")
	switch {
	case len(b) == 0:
		return "", fmt.Errorf("%w: empty", ErrUnknownFormat)
	case b[0] == '<':
		return FormatCamt053, nil
	case bytes.HasPrefix(b, []byte("wallet,")) || bytes.HasPrefix(b, []byte(`"wallet"`)):
		return FormatSettlement, nil
	}
	return "", fmt.Errorf("%w", ErrUnknownFormat)
}

type parsed struct {
	format Format
	stmts  []parsedStatement
}

type parsedStatement struct {
	id        string
	source    statements.Source
	lines     []statements.Line
	reversals []payment.Reversal
}

// parseStatement parses body (typed errors wrapping ErrParse).
func parseStatement(body []byte, policy payment.AmountPolicy) (parsed, error) {
	if len(body) > MaxStatementBytes {
		return parsed{}, fmt.Errorf("%w: %w: %d bytes, above %d", ErrParse, ErrTooLarge, len(body), MaxStatementBytes)
	}
	f, err := Sniff(body)
	if err != nil {
		return parsed{}, fmt.Errorf("%w: %w", ErrParse, err)
	}
	out := parsed{format: f}
	switch f {
	case FormatCamt053:
		stmts, err := camt053.Parse(bytes.NewReader(body), policy)
		if err != nil {
			return parsed{}, fmt.Errorf("%w: %w", ErrParse, err)
		}
		for _, s := range stmts {
			rs, err := s.Reversals()
			if err != nil {
				return parsed{}, fmt.Errorf("%w: %w", ErrParse, err)
			}
			out.stmts = append(out.stmts, parsedStatement{id: s.Key(), source: statements.SourceCamt053, lines: s.Lines(), reversals: rs})
		}
	case FormatSettlement:
		file, err := settlement.Parse(bytes.NewReader(body), policy)
		if err != nil {
			return parsed{}, fmt.Errorf("%w: %w", ErrParse, err)
		}
		out.stmts = append(out.stmts, parsedStatement{id: file.ID, source: statements.SettlementSource(file.Wallet), lines: file.StatementLines()})
	default:
		return parsed{}, fmt.Errorf("%w: %w: %q", ErrParse, ErrUnknownFormat, f)
	}
	n := 0
	for _, s := range out.stmts {
		n += len(s.lines)
	}
	if n == 0 {
		return parsed{}, fmt.Errorf("%w: %w", ErrParse, ErrEmpty)
	}
	return out, nil
}

// ImportStatement parses a camt.053 document or a settlement CSV and
// stores its lines under the statement key / file id, with an audit entry,
// in one transaction; then it applies each reversal of a credit the file
// carries with o.Reverser, each in its own transaction. Importing the same
// statement again stores nothing and returns Duplicate: a redelivery is
// not a second statement; its reversals are applied again all the same,
// which records those a crash after the first transaction left out and is
// a redelivery for the others (the Reverser is idempotent by reversal id).
// A file that does not parse returns an error wrapping ErrParse
// (permanent); a file with reversals and no Reverser, ErrNoReverser; any
// other error is the store's (transient: importing again completes it).
func ImportStatement(ctx context.Context, st store.Store, body []byte, o ImportOptions) (Imported, error) {
	p, err := parseStatement(body, o.Policy)
	if err != nil {
		return Imported{}, err
	}
	imp := Imported{ID: p.stmts[0].id, Format: p.format, Source: p.stmts[0].source}
	for _, s := range p.stmts {
		imp.IDs = append(imp.IDs, s.id)
		imp.Lines += len(s.lines)
		imp.Reversals += len(s.reversals)
	}
	if imp.Reversals > 0 && o.Reverser == nil {
		return Imported{}, fmt.Errorf("import statement %s: %w", imp.ID, ErrNoReverser)
	}
	if err := storeStatements(ctx, st, p, o.Now, &imp); err != nil {
		return Imported{}, err
	}
	if err := applyReversals(ctx, o.Reverser, p, &imp); err != nil {
		return Imported{}, err
	}
	return imp, nil
}

// storeStatements stores p's statements and their audit entries in one
// transaction; those stored before are counted as duplicates.
func storeStatements(ctx context.Context, st store.Store, p parsed, now time.Time, imp *Imported) error {
	return st.InTx(ctx, func(tx store.Tx) error {
		dups := 0
		for _, s := range p.stmts {
			err := tx.InsertStatement(ctx, s.id, s.source, s.lines)
			if errors.Is(err, store.ErrAlreadyExists) {
				if err := sameStatement(ctx, tx, s); err != nil {
					return err
				}
				dups++
				continue
			}
			if err != nil {
				return fmt.Errorf("import statement %s: %w", s.id, err)
			}
			from, to := bookedDays(s.lines)
			detail, err := json.Marshal(statementDetail{Source: s.source, Lines: len(s.lines), Format: p.format, BookedFrom: from, BookedTo: to})
			if err != nil {
				return err
			}
			if err := tx.AppendAudit(ctx, store.AuditEntry{At: now, Actor: store.ActorDailyRun, Action: store.AuditStatementImported,
				Entity: store.StatementEntity(s.id), Detail: detail}); err != nil {
				return fmt.Errorf("import statement %s: audit: %w", s.id, err)
			}
		}
		imp.Duplicate = dups == len(p.stmts)
		return nil
	})
}

// sameStatement checks that s, whose id is stored already, holds the lines
// stored under it: those of the days its import's audit entry names. An
// import without such an entry (none is older than the audit) is taken as
// the same.
func sameStatement(ctx context.Context, tx store.Tx, s parsedStatement) error {
	trail, err := tx.AuditTrail(ctx, store.StatementEntity(s.id))
	if err != nil {
		return fmt.Errorf("import statement %s: audit trail: %w", s.id, err)
	}
	for _, e := range trail {
		if e.Action != store.AuditStatementImported {
			continue
		}
		var d statementDetail
		if err := json.Unmarshal(e.Detail, &d); err != nil || d.BookedFrom == nil || d.BookedTo == nil {
			return nil //nolint:nilerr // an entry this version did not write: nothing to compare with
		}
		all, err := tx.StatementLines(ctx, *d.BookedFrom, *d.BookedTo)
		if err != nil {
			return fmt.Errorf("import statement %s: stored lines: %w", s.id, err)
		}
		var stored []statements.Line
		for _, l := range all {
			if l.StatementID == s.id {
				stored = append(stored, l)
			}
		}
		if !sameLines(stored, s.lines) {
			return fmt.Errorf("%w: %w: %s: the file's %d lines differ from the %d stored", ErrParse, ErrConflict, s.id, len(s.lines), len(stored))
		}
		return nil
	}
	return nil
}

// sameLines reports whether a and b are the same lines in seq order,
// amounts compared as money.
func sameLines(a, b []statements.Line) bool {
	if len(a) != len(b) {
		return false
	}
	slices.SortFunc(a, func(x, y statements.Line) int { return x.Seq - y.Seq })
	for i, x := range a {
		y := b[i]
		if x.Seq != y.Seq || x.Source != y.Source || x.Account != y.Account || x.Ref != y.Ref || x.EndToEndID != y.EndToEndID ||
			x.Credit != y.Credit || !x.Amount.Equal(y.Amount) || !x.Fee.Equal(y.Fee) || x.BookingDate != y.BookingDate ||
			x.ValueDate != y.ValueDate || x.Text != y.Text {
			return false
		}
	}
	return true
}

// applyReversals applies every reversal of p, in file order, after its
// statement is stored: the statement's lines are the bank's record and
// stand whatever a reversal finds.
func applyReversals(ctx context.Context, rev Reverser, p parsed, imp *Imported) error {
	for _, s := range p.stmts {
		for _, r := range s.reversals {
			out, err := rev.Reverse(ctx, r)
			if err != nil {
				return fmt.Errorf("import statement %s: %w", s.id, err)
			}
			switch {
			case out.Redelivery:
				imp.Before++
			case out.PaymentID == "":
				imp.Unknown++
			default:
				imp.Applied++
			}
		}
	}
	return nil
}

// statementDetail is the audit detail of a statement.imported entry; the
// scheduler reads the booking days back (BookedFrom … BookedTo, absent
// when the statement has no line) to re-run the days they may change.
type statementDetail struct {
	Source     statements.Source `json:"source"`
	Lines      int               `json:"lines"`
	Format     Format            `json:"format"`
	BookedFrom *payment.Date     `json:"booked_from,omitempty"`
	BookedTo   *payment.Date     `json:"booked_to,omitempty"`
}

// bookedDays is the first and last booking day of lines; nil when none.
func bookedDays(lines []statements.Line) (from, to *payment.Date) {
	for _, l := range lines {
		d := l.BookingDate
		if from == nil || d.Before(*from) {
			from = &d
		}
		if to == nil || to.Before(d) {
			to = &d
		}
	}
	return from, to
}

// printable keeps an id safe to print on one line.
func printable(s string) string {
	if !utf8.ValidString(s) {
		return fmt.Sprintf("%q", s)
	}
	return s
}

// String is the line `feerecon statement import` prints for a file.
func (i Imported) String() string {
	state := "imported"
	if i.Duplicate {
		state = "duplicate"
	}
	line := fmt.Sprintf("%s %s %s lines=%d", state, i.Source, printable(i.ID), i.Lines)
	if i.Reversals > 0 {
		line += fmt.Sprintf(" reversals=%d applied=%d unknown=%d before=%d", i.Reversals, i.Applied, i.Unknown, i.Before)
	}
	return line
}
