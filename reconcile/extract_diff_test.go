package reconcile

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// TestExtractSameAsBefore holds extraction to its previous version on
// generated descriptions: the payments of diffWorld, and random texts
// built of code, dossier and envelope fragments, look-alike letters and
// separators.
func TestExtractSameAsBefore(t *testing.T) {
	t.Parallel()
	ns, ps, _ := diffWorld(t, 3, 2000)
	descs := make([]string, 0, len(ps)+20000)
	for _, p := range ps {
		descs = append(descs, p.Description)
	}
	frags := []string{"NP", "HN", "np", "0000", "1234", "5632", "000012345632", "O", "I", "l", "L", " ", ".", "-", "_", "/",
		": ", "#", "MBVCB", "TU", "toi", "STK", "123456.", "201126.", "101530.", "G01", ".899", ".108", ".000", "-231110",
		"-0096", "2311100096", "H29", "Lệ phí", "hồ sơ", "đ", "9", "99", "0071000123456", "NP0000123456321", "G01899108000231110"}
	for _, n := range ns[:200] {
		d := n.Code.Digits()
		frags = append(frags, string(n.Code), d, d[:4], d[4:8], d[8:], string(n.Dossier), strings.Replace(d, "1", "l", 2))
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		var b strings.Builder
		for range 1 + r.IntN(14) {
			b.WriteString(frags[r.IntN(len(frags))])
		}
		descs = append(descs, b.String())
	}
	for _, prefixes := range [][]string{{"NP"}, {"HN", "NP", "XYZ"}} {
		found := 0
		for _, d := range descs {
			got, want := extract(d, prefixes), oldExtract(d, prefixes)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%q under %v:\n got %+v\nwant %+v", d, prefixes, got, want)
			}
			found += len(got)
		}
		if found < len(descs)/4 {
			t.Errorf("only %d references in %d descriptions: the generator misses", found, len(descs))
		}
	}
}
