package iso20022

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// MaxDepth bounds element nesting. The deepest path of a camt.053 or
// camt.054 that feerecon reads (Document … RltdPties/Dbtr/Pty/Id/OrgId/
// Othr/SchmeNm/Cd) is about 16 deep; 64 leaves room for any extension.
const MaxDepth = 64

// ErrTooDeep is wrapped by the error of a document nested beyond MaxDepth.
var ErrTooDeep = errors.New("xml nested too deep")

// NewDecoder returns an xml.Decoder over r that fails with ErrTooDeep
// once elements nest beyond MaxDepth; otherwise it is xml.NewDecoder(r).
func NewDecoder(r io.Reader) *xml.Decoder {
	return xml.NewTokenDecoder(&bounded{dec: xml.NewDecoder(r)})
}

type bounded struct {
	dec   *xml.Decoder
	depth int
}

func (b *bounded) Token() (xml.Token, error) {
	tok, err := b.dec.Token()
	if err != nil {
		return tok, err
	}
	switch tok.(type) {
	case xml.StartElement:
		b.depth++
		if b.depth > MaxDepth {
			return nil, fmt.Errorf("%w: more than %d elements deep at byte %d", ErrTooDeep, MaxDepth, b.dec.InputOffset())
		}
	case xml.EndElement:
		b.depth--
	}
	return tok, nil
}
