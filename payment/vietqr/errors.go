package vietqr

import (
	"errors"
	"fmt"
)

// Errors of Build and Parse. A *FieldError wraps exactly one of them, so
// callers test with errors.Is and read the field path with errors.As.
var (
	// ErrMalformed: the TLV structure is broken: an id or length that is
	// not two digits, or a length that runs past the end of its container.
	ErrMalformed = errors.New("malformed TLV")
	// ErrChecksum: field 63 is missing, misplaced or does not match the CRC.
	ErrChecksum = errors.New("CRC mismatch")
	// ErrMissing: a mandatory field is absent.
	ErrMissing = errors.New("mandatory field missing")
	// ErrDuplicate: an id occurs twice in one container.
	ErrDuplicate = errors.New("duplicate field")
	// ErrInvalid: a field's value breaks its rule (format, allowed values).
	ErrInvalid = errors.New("invalid value")
	// ErrTooLong: a value does not fit its limit. Build never truncates.
	ErrTooLong = errors.New("value too long")
)

// FieldError says which field failed and why. Field is the dotted path of
// EMVCo ids ("38.01.00" is the bank BIN) or, for Build, the Payload field
// name. It never carries the value: account numbers must not reach logs.
type FieldError struct {
	Field  string
	Reason string
	Err    error
}

func (e *FieldError) Error() string {
	if e.Reason == "" {
		return fmt.Sprintf("vietqr field %s: %v", e.Field, e.Err)
	}
	return fmt.Sprintf("vietqr field %s: %v: %s", e.Field, e.Err, e.Reason)
}

func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(field string, err error, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Err: err, Reason: fmt.Sprintf(format, args...)}
}
