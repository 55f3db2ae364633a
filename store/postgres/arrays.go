package postgres

import (
	"database/sql/driver"
	"strings"
)

// textArray is a text[] argument: the array literal pq.StringArray
// writes (every element quoted, '"' and '\' escaped), built in one
// allocation of its exact size. The bulk writes send a dozen arrays of a
// thousand elements per batch; pq.StringArray copies each element to a
// []byte, grows its buffer as it goes and copies the result once more,
// which was a fifth of the ingest client's time.
type textArray []string

// Value returns the literal as a string. A nil array is SQL NULL, as
// with pq.StringArray.
func (a textArray) Value() (driver.Value, error) {
	if a == nil {
		return nil, nil
	}
	size := 2 + max(len(a)-1, 0) // braces, commas
	escapes := 0
	for _, s := range a {
		escapes += strings.Count(s, `"`) + strings.Count(s, `\`)
		size += 2 + len(s)
	}
	size += escapes
	var b strings.Builder
	b.Grow(size)
	b.WriteByte('{')
	for i, s := range a {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for escapes > 0 {
			j := strings.IndexAny(s, `"\`)
			if j < 0 {
				break
			}
			b.WriteString(s[:j])
			b.WriteByte('\\')
			b.WriteByte(s[j])
			s = s[j+1:]
			escapes--
		}
		b.WriteString(s)
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String(), nil
}
