package config

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is wrapped by every configuration and command-line error:
// errors.Is(err, ErrInvalid) tells a mistake the operator fixes from a
// failure of the service.
var ErrInvalid = errors.New("invalid configuration")

// Problems gathers the problems of one configuration. The zero value is
// ready to use.
type Problems struct {
	scope string
	errs  []error
}

// In returns Problems whose messages start with scope ("dailyrun",
// "--webhooks file.json").
func In(scope string) *Problems { return &Problems{scope: scope} }

// Addf records a problem.
func (p *Problems) Addf(format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf(format, args...))
}

// Add records err, if not nil, as a problem; another Problems' Err adds
// each of its problems, so that every one is reported on its own line.
func (p *Problems) Add(err error) {
	// Only a Problems' own result is flattened, not one it wraps.
	if j, ok := err.(*joined); ok { //nolint:errorlint // the direct type, on purpose
		p.errs = append(p.errs, j.errs...)
		return
	}
	if err != nil {
		p.errs = append(p.errs, err)
	}
}

// Len is the number of problems recorded.
func (p *Problems) Len() int { return len(p.errs) }

// Err returns nil without problems, else every problem, joined one a line,
// each wrapping ErrInvalid (and whatever error it wrapped itself).
func (p *Problems) Err() error {
	if len(p.errs) == 0 {
		return nil
	}
	out := make([]error, len(p.errs))
	for i, e := range p.errs {
		out[i] = Wrap(p.scope, e)
	}
	return &joined{errs: out}
}

// joined is what Err returns: like errors.Join, one problem a line.
type joined struct{ errs []error }

func (j *joined) Error() string {
	msgs := make([]string, len(j.errs))
	for i, e := range j.errs {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

func (j *joined) Unwrap() []error { return j.errs }

// Wrap makes err a configuration problem of scope (which may be empty):
// "scope: err", wrapping both ErrInvalid and err. An err already wrapping
// ErrInvalid only gains the scope.
func Wrap(scope string, err error) error {
	if err == nil {
		return nil
	}
	prefix := ""
	if scope != "" {
		prefix = scope + ": "
	}
	if errors.Is(err, ErrInvalid) {
		if prefix == "" {
			return err
		}
		return &problem{msg: prefix + err.Error(), errs: []error{err}}
	}
	return &problem{msg: prefix + err.Error(), errs: []error{ErrInvalid, err}}
}

// Errorf is a single configuration problem: fmt.Errorf wrapping ErrInvalid.
func Errorf(format string, args ...any) error {
	return Wrap("", fmt.Errorf(format, args...))
}

// problem is one configuration problem: its message, and what it wraps.
type problem struct {
	msg  string
	errs []error
}

func (p *problem) Error() string   { return p.msg }
func (p *problem) Unwrap() []error { return p.errs }
