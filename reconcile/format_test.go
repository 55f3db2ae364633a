package reconcile

import (
	"fmt"
	"strconv"
	"testing"
)

// formatRE is Format as it was written with placeholderRE.
func formatRE(e Evidence, args ...string) string {
	if n := len(e.Args()); n != len(args) {
		return fmt.Sprintf("%s: %d arguments for %d: %q", e, len(args), n, args)
	}
	return placeholderRE.ReplaceAllStringFunc(e.Text(), func(ph string) string {
		m := placeholderRE.FindStringSubmatch(ph)
		i, _ := strconv.Atoi(m[1])
		return args[i]
	})
}

func TestEvidenceFormatAsPlaceholderRE(t *testing.T) {
	t.Parallel()
	vals := []string{"", "x", "{0:id}", "{1:refs} {", "payment_code NP000012345632; no notice has code NP1"}
	for _, e := range append(Evidences(), "unknown_form") {
		n := len(e.Args())
		for count := max(0, n-1); count <= n+1; count++ {
			for k := range vals {
				args := make([]string, count)
				for i := range args {
					args[i] = vals[(k+i)%len(vals)]
				}
				if got, want := e.Format(args...), formatRE(e, args...); got != want {
					t.Errorf("%s%q: %q, want %q", e, args, got, want)
				}
			}
		}
	}
}
