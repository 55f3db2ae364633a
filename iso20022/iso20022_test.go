package iso20022_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/iso20022"
)

func nested(depth int) string {
	return strings.Repeat("<a>", depth) + "x" + strings.Repeat("</a>", depth)
}

// Nesting up to MaxDepth decodes as encoding/xml would; one level more is
// ErrTooDeep.
func TestMaxDepth(t *testing.T) {
	t.Parallel()
	var v struct {
		Text string `xml:",chardata"`
	}
	if err := iso20022.NewDecoder(strings.NewReader(nested(iso20022.MaxDepth))).Decode(&v); err != nil {
		t.Fatalf("%d deep: %v", iso20022.MaxDepth, err)
	}
	err := iso20022.NewDecoder(strings.NewReader(nested(iso20022.MaxDepth + 1))).Decode(&v)
	if !errors.Is(err, iso20022.ErrTooDeep) {
		t.Fatalf("%d deep: %v, want ErrTooDeep", iso20022.MaxDepth+1, err)
	}
}
