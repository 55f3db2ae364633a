package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// The audit chain.
//
// Every audit entry is one link of a hash chain. Its canonical bytes are
// (AuditCanonical), in this order, each line ending in "\n":
//
//	feerecon-audit-v1
//	seq=<seq in decimal, no sign, no leading zeros>
//	at=<at in UTC at microseconds: 2006-01-02T15:04:05.000000Z>
//	actor=<byte length>:<actor bytes>
//	action=<byte length>:<action bytes>
//	entity=<byte length>:<entity bytes>
//	detail=<byte length>:<detail bytes, the JSON exactly as given>
//
// Each text field is length-prefixed, so no byte inside it (a newline, a
// quote) needs escaping and no two entries share their bytes; the format is
// simple enough for SQL to produce (migration 0004 chains the rows written
// before it this way). Its hash is
//
//	hash = SHA-256(prev_hash ‖ canonical bytes)
//
// where prev_hash is the previous entry's hash (32 zero bytes, AuditGenesis,
// for seq 1). Seqs are 1, 2, 3 … without a hole: a backend assigns
// seq = head seq + 1 while it holds the chain's head locked, so that one
// writer at a time extends the chain and seq order is chain order. The
// canonical bytes are stored verbatim beside the columns (PostgreSQL's JSONB
// would rewrite the detail's bytes; the column is JSON, kept as given), so a
// verifier recomputes both the bytes from the columns and the hash from the
// bytes (VerifyAudit).
//
// At is the caller's time truncated to the microsecond (what PostgreSQL
// keeps), raised to the previous entry's At when it is earlier: times never
// go backwards along the chain, so the entries at or before an instant are
// a prefix of it (AuditHeadAt).

// AuditCanonVersion is the first line of the canonical bytes; a new
// encoding gets a new version.
const AuditCanonVersion = "feerecon-audit-v1"

// AuditTimeLayout is the layout of at in the canonical bytes (UTC).
const AuditTimeLayout = "2006-01-02T15:04:05.000000Z"

// AuditGenesis is the prev_hash of the first entry.
var AuditGenesis = make([]byte, sha256.Size)

// AuditLink is an entry's place on the chain: what a report carries and a
// treasury keeps, to check later that the chain still holds it.
type AuditLink struct {
	Seq int64 `json:"seq"`
	// Hash is the entry's hash in lower-case hex.
	Hash string `json:"hash"`
}

// String is "seq:hash".
func (l AuditLink) String() string { return strconv.FormatInt(l.Seq, 10) + ":" + l.Hash }

// ParseAuditLink reads what String writes.
func ParseAuditLink(s string) (AuditLink, error) {
	seq, hash, ok := bytes.Cut([]byte(s), []byte(":"))
	n, err := strconv.ParseInt(string(seq), 10, 64)
	if !ok || err != nil || n < 1 {
		return AuditLink{}, fmt.Errorf("audit link %q: want SEQ:HASH", s)
	}
	if h, err := hex.DecodeString(string(hash)); err != nil || len(h) != sha256.Size {
		return AuditLink{}, fmt.Errorf("audit link %q: hash is not 64 hex digits", s)
	}
	return AuditLink{Seq: n, Hash: string(bytes.ToLower(hash))}, nil
}

// AuditRecord is a stored entry with its chain fields, as a verifier reads
// it.
type AuditRecord struct {
	AuditEntry
	// Canonical are the bytes hashed, as stored.
	Canonical []byte
	// PrevHash and Hash are 32 bytes each.
	PrevHash, Hash []byte
}

// Link is the record's place on the chain.
func (r AuditRecord) Link() AuditLink {
	return AuditLink{Seq: r.Seq, Hash: hex.EncodeToString(r.Hash)}
}

// AuditTime is t as the chain keeps it: UTC, truncated to the microsecond.
func AuditTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// AuditCanonical returns e's canonical bytes (e.At is taken at the
// microsecond in UTC; an empty detail is "{}").
func AuditCanonical(e AuditEntry) []byte {
	detail := e.Detail
	if len(detail) == 0 {
		detail = []byte("{}")
	}
	b := make([]byte, 0, 128+len(e.Actor)+len(e.Action)+len(e.Entity)+len(detail))
	b = append(b, AuditCanonVersion+"\nseq="...)
	b = strconv.AppendInt(b, e.Seq, 10)
	b = append(b, "\nat="...)
	b = AuditTime(e.At).AppendFormat(b, AuditTimeLayout)
	b = append(b, '\n')
	field := func(name string, v []byte) {
		b = append(b, name...)
		b = append(b, '=')
		b = strconv.AppendInt(b, int64(len(v)), 10)
		b = append(b, ':')
		b = append(b, v...)
		b = append(b, '\n')
	}
	field("actor", []byte(e.Actor))
	field("action", []byte(e.Action))
	field("entity", []byte(e.Entity))
	field("detail", detail)
	return b
}

// AuditHash is SHA-256(prev ‖ canonical).
func AuditHash(prev, canonical []byte) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(canonical)
	return h.Sum(nil)
}

// ChainNext makes e the entry after head (head.Seq 0: the first) and
// returns its record: the seq, the at (never before headAt), the canonical
// bytes and the hashes. Both backends extend the chain with it.
func ChainNext(head AuditRecord, e AuditEntry) AuditRecord {
	e.Seq = head.Seq + 1
	e.At = AuditTime(e.At)
	if head.Seq > 0 && e.At.Before(head.At) {
		e.At = AuditTime(head.At)
	}
	if len(e.Detail) == 0 {
		e.Detail = []byte("{}")
	} else {
		e.Detail = append([]byte(nil), e.Detail...)
	}
	prev := head.Hash
	if head.Seq == 0 {
		prev = AuditGenesis
	}
	c := AuditCanonical(e)
	return AuditRecord{AuditEntry: e, Canonical: c, PrevHash: prev, Hash: AuditHash(prev, c)}
}

// ErrAuditBroken is wrapped by every BrokenChainError.
var ErrAuditBroken = errors.New("audit chain broken")

// BrokenChainError names the first entry at which the chain does not hold.
type BrokenChainError struct {
	// Seq is the first broken seq: the entry changed, or the one missing.
	Seq    int64
	Reason string
}

func (e *BrokenChainError) Error() string {
	return fmt.Sprintf("audit chain broken at seq %d: %s", e.Seq, e.Reason)
}

// Unwrap makes errors.Is(err, ErrAuditBroken) true.
func (e *BrokenChainError) Unwrap() error { return ErrAuditBroken }

// AuditVerifier checks records in seq order, one at a time, so that a
// chain of millions of entries is verified in constant memory.
type AuditVerifier struct {
	prev AuditRecord
	n    int64
}

// NewAuditVerifier starts at from (1: the whole chain). Starting later, the
// first record read is taken on trust for its link to the one before.
func NewAuditVerifier(from int64) *AuditVerifier {
	return &AuditVerifier{prev: AuditRecord{AuditEntry: AuditEntry{Seq: max(from, 1) - 1}}}
}

// Next checks r, the next record read: its seq follows the previous one,
// its canonical bytes are those of its columns, its prev_hash is the
// previous hash, its hash is SHA-256(prev_hash ‖ canonical), and its time
// does not go backwards. It returns a *BrokenChainError otherwise.
func (v *AuditVerifier) Next(r AuditRecord) error {
	want := v.prev.Seq + 1
	broken := func(seq int64, format string, args ...any) error {
		return &BrokenChainError{Seq: seq, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case r.Seq > want:
		return broken(want, "entry missing (the next entry is seq %d)", r.Seq)
	case r.Seq < want:
		return broken(r.Seq, "seq out of order after %d", v.prev.Seq)
	case !bytes.Equal(AuditCanonical(r.AuditEntry), r.Canonical):
		return broken(r.Seq, "its columns differ from its hashed bytes")
	case !bytes.Equal(AuditHash(r.PrevHash, r.Canonical), r.Hash):
		return broken(r.Seq, "its hash does not match its bytes")
	}
	switch {
	case v.n == 0 && want == 1 && !bytes.Equal(r.PrevHash, AuditGenesis):
		return broken(r.Seq, "the first entry does not start from the genesis hash")
	case v.n > 0 && !bytes.Equal(r.PrevHash, v.prev.Hash):
		return broken(r.Seq, "its prev_hash is not the hash of seq %d", v.prev.Seq)
	case v.n > 0 && r.At.Before(v.prev.At):
		return broken(r.Seq, "its time is before the previous entry's")
	}
	v.prev = r
	v.n++
	return nil
}

// Checked is how many records Next accepted.
func (v *AuditVerifier) Checked() int64 { return v.n }

// Head is the last record accepted (before any, a record of seq from-1
// with no hash).
func (v *AuditVerifier) Head() AuditRecord { return v.prev }

// AppendAuditTx appends e in a transaction of its own: one call for an
// audited event that changes nothing else (a failed login, say). A change
// of state appends its entry in its own transaction instead, so that both
// commit or neither does.
func AppendAuditTx(ctx context.Context, s Store, e AuditEntry) error {
	return s.InTx(ctx, func(tx Tx) error { return tx.AppendAudit(ctx, e) })
}
