package collection

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/feerecon/feerecon/payment"
)

// Header is the file's first row.
var Header = []string{"agency_code", "bin", "account"}

// ErrInvalid is wrapped by every error of a collection accounts file.
var ErrInvalid = errors.New("invalid collection accounts")

// What is wrong with a line (each *LineError wraps one).
var (
	ErrHeader    = errors.New("the header row must be agency_code,bin,account")
	ErrFields    = errors.New("a row has 3 fields: agency_code,bin,account")
	ErrAgency    = errors.New("not an agency code")
	ErrBIN       = errors.New("bin is neither a 6-digit bank BIN nor a wallet (vnpay, momo, zalopay)")
	ErrAccount   = errors.New("not an account number or merchant id")
	ErrDuplicate = errors.New("the row repeats an earlier one")
	ErrEmpty     = errors.New("no collection account listed")
	ErrCSV       = errors.New("not CSV")
)

// maxProblems caps the problems reported for one file.
const maxProblems = 20

// maxValueRunes caps the offending text an error message quotes.
const maxValueRunes = 80

// LineError is one problem of a file: its line (from 1), the column
// ("" for the whole row) and what is wrong.
type LineError struct {
	File   string
	Line   int
	Column string
	Err    error
	// Value is the offending text (quoted in the message), if any.
	Value string
}

func (e *LineError) Error() string {
	var b strings.Builder
	b.WriteString("collection accounts")
	if e.File != "" {
		b.WriteString(" " + e.File)
	}
	fmt.Fprintf(&b, " line %d", e.Line)
	if e.Column != "" {
		b.WriteString(" " + e.Column)
	}
	if v := e.Value; v != "" {
		// A value a megabyte long is shown by its start: an error is
		// read, and logged.
		if r := []rune(v); len(r) > maxValueRunes {
			v = string(r[:maxValueRunes]) + "…"
		}
		fmt.Fprintf(&b, " %q", v)
	}
	b.WriteString(": " + e.Err.Error())
	return b.String()
}

// Unwrap lets errors.Is see ErrInvalid and the line's sentinel.
func (e *LineError) Unwrap() []error { return []error{ErrInvalid, e.Err} }

// Account is one row: an agency's collection account.
type Account struct {
	Agency string
	payment.CreditedAccount
}

// Accounts is the set of collection accounts of each agency. The zero
// value lists none (Configured is false). It is immutable.
type Accounts struct {
	rows    []Account
	byAgent map[string][]payment.CreditedAccount
}

var (
	binRE    = regexp.MustCompile(`^[0-9]{6}$`)
	bankRE   = regexp.MustCompile(`^[A-Za-z0-9]{1,34}$`)
	walletRE = regexp.MustCompile(`^[!-+\--~]{1,64}$`) // printable ASCII but space and comma
)

// Check reports what is wrong with one row, as a sentinel with its column
// and value: nil when valid.
func (a Account) Check() *LineError {
	if err := payment.CheckAgencyCode(a.Agency); err != nil {
		return &LineError{Column: "agency_code", Value: a.Agency, Err: ErrAgency}
	}
	switch {
	case binRE.MatchString(a.BIN):
		if !bankRE.MatchString(a.Account) {
			return &LineError{Column: "account", Value: a.Account, Err: ErrAccount}
		}
	case payment.Gateway(a.BIN).Wallet():
		if !walletRE.MatchString(a.Account) {
			return &LineError{Column: "account", Value: a.Account, Err: ErrAccount}
		}
	default:
		return &LineError{Column: "bin", Value: a.BIN, Err: ErrBIN}
	}
	return nil
}

// New builds the set from rows, reporting every invalid or repeated row
// (its Line the row's index from 1).
func New(rows []Account) (Accounts, error) {
	lines := make([]int, len(rows))
	for i := range lines {
		lines[i] = i + 1
	}
	return build("", rows, lines)
}

// build is New of rows read from file's lines.
func build(file string, rows []Account, lines []int) (Accounts, error) {
	var errs []error
	out := Accounts{byAgent: map[string][]payment.CreditedAccount{}}
	seen := map[Account]int{}
	for i, r := range rows {
		if len(errs) == maxProblems {
			break
		}
		if e := r.Check(); e != nil {
			e.File, e.Line = file, lines[i]
			errs = append(errs, e)
			continue
		}
		if first, ok := seen[r]; ok {
			errs = append(errs, &LineError{File: file, Line: lines[i], Err: fmt.Errorf("%w (line %d)", ErrDuplicate, first)})
			continue
		}
		seen[r] = lines[i]
		out.rows = append(out.rows, r)
		out.byAgent[r.Agency] = append(out.byAgent[r.Agency], r.CreditedAccount)
	}
	if len(errs) > 0 {
		return Accounts{}, errors.Join(errs...)
	}
	if len(out.rows) == 0 {
		return Accounts{}, &LineError{File: file, Line: 1, Err: ErrEmpty}
	}
	return out, nil
}

// Parse reads a collection accounts file (see the package documentation).
// Errors wrap ErrInvalid; each problem is a *LineError.
func Parse(r io.Reader) (Accounts, error) {
	return parse("", r)
}

// ReadFile is Parse of the named file; its errors name the file.
func ReadFile(name string) (Accounts, error) {
	b, err := os.ReadFile(name) //nolint:gosec // an operator's configuration file, by design
	if err != nil {
		return Accounts{}, fmt.Errorf("collection accounts: %w", err)
	}
	return parse(name, bytes.NewReader(b))
}

func parse(file string, r io.Reader) (Accounts, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	var (
		rows  []Account
		lines []int
		errs  []error
	)
	header := true
	for len(errs) < maxProblems {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			errs = append(errs, &LineError{File: file, Line: line, Err: fmt.Errorf("%w: %w", ErrCSV, err)})
			break
		}
		line, _ := cr.FieldPos(0)
		if header {
			header = false
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
			if !slices.Equal(trimAll(rec), Header) {
				errs = append(errs, &LineError{File: file, Line: line, Err: ErrHeader})
				break
			}
			continue
		}
		rec = trimAll(rec)
		if len(rec) != len(Header) {
			errs = append(errs, &LineError{File: file, Line: line, Err: fmt.Errorf("%w, not %d", ErrFields, len(rec))})
			continue
		}
		rows = append(rows, Account{Agency: rec[0], CreditedAccount: payment.CreditedAccount{BIN: rec[1], Account: rec[2]}})
		lines = append(lines, line)
	}
	if header && len(errs) == 0 {
		errs = append(errs, &LineError{File: file, Line: 1, Err: ErrHeader})
	}
	if len(errs) > 0 {
		return Accounts{}, errors.Join(errs...)
	}
	return build(file, rows, lines)
}

func trimAll(rec []string) []string {
	out := make([]string, len(rec))
	for i, s := range rec {
		out[i] = strings.TrimSpace(s)
	}
	return out
}

// Configured reports whether any collection account is listed: when not,
// nothing is checked.
func (a Accounts) Configured() bool { return len(a.rows) > 0 }

// Rows lists the accounts in file order.
func (a Accounts) Rows() []Account { return slices.Clone(a.rows) }

// Of lists agency's collection accounts in file order.
func (a Accounts) Of(agency string) []payment.CreditedAccount {
	return slices.Clone(a.byAgent[agency])
}

// BankOf lists agency's bank collection accounts (a row whose bin is a
// 6-digit NAPAS BIN) in file order: the accounts a VietQR code can carry.
func (a Accounts) BankOf(agency string) []payment.CreditedAccount {
	var out []payment.CreditedAccount
	for _, r := range a.byAgent[agency] {
		if binRE.MatchString(r.BIN) {
			out = append(out, r)
		}
	}
	return out
}

// Collects reports whether c is a collection account of agency (see the
// package documentation); false for an unknown (zero) c.
func (a Accounts) Collects(agency string, c payment.CreditedAccount) bool {
	if c.IsZero() {
		return false
	}
	acct := strings.TrimSpace(c.Account)
	bin := strings.TrimSpace(c.BIN)
	for _, r := range a.byAgent[agency] {
		if r.Account != acct {
			continue
		}
		if r.BIN == bin || (bin == "" && binRE.MatchString(r.BIN)) {
			return true
		}
	}
	return false
}
