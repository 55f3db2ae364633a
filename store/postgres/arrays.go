package postgres

import (
	"database/sql/driver"
	"encoding/binary"
)

// The bulk statements take one array per column (unnest). Their text and
// bytea arrays go in PostgreSQL's binary array format instead of as
// array literals: each element is its length and its bytes, so the client
// escapes nothing (pq.StringArray copied every element, quoted and escaped
// it, and grew its buffer as it went: a fifth of the ingest client's
// time), the server parses no literal (array_in), and a bytea column —
// JSON payloads, the audit chain's canonical bytes — needs neither hex nor
// a conversion.
//
// A binary argument needs the connection's binary_parameters, which Open
// sets: lib/pq then sends a []byte argument in binary format. The
// statement must give the parameter its array type (`$1::text[]`,
// `$2::bytea[]`): the server reads the binary value as that type and
// refuses an element type that is not the one written. Columns of other
// types are read as text and cast (`$3::text[]::numeric[]`).

// Element type OIDs (pg_type) of the arrays written.
const (
	oidBytea = 17
	oidText  = 25
)

// textArray is a text[] argument.
type textArray []string

// Value returns the binary array; a nil array is SQL NULL.
func (a textArray) Value() (driver.Value, error) {
	if a == nil {
		return nil, nil
	}
	return binaryArray(oidText, a), nil
}

// byteaArray is a bytea[] argument.
type byteaArray [][]byte

// Value returns the binary array; a nil array is SQL NULL, a nil element
// an empty one (the columns written are NOT NULL).
func (a byteaArray) Value() (driver.Value, error) {
	if a == nil {
		return nil, nil
	}
	return binaryArray(oidBytea, a), nil
}

// binaryArray is array_send's format for a one-dimensional array without
// NULLs: dimensions, has-nulls flag, element type; then per dimension its
// length and lower bound (1); then each element's length and bytes. An
// empty array has no dimension.
func binaryArray[E string | []byte](oid uint32, elems []E) []byte {
	if len(elems) == 0 {
		b := make([]byte, 0, 12)
		return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(b, 0), 0), oid)
	}
	size := 20 + 4*len(elems)
	for _, e := range elems {
		size += len(e)
	}
	b := make([]byte, 0, size)
	for _, v := range []uint32{1, 0, oid, uint32(len(elems)), 1} { //nolint:gosec // G115: a batch's rows, far below 2^31
		b = binary.BigEndian.AppendUint32(b, v)
	}
	for _, e := range elems {
		b = binary.BigEndian.AppendUint32(b, uint32(len(e))) //nolint:gosec // G115: one value, below PostgreSQL's 1 GB limit
		b = append(b, e...)
	}
	return b
}
