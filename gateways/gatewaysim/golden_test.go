package gatewaysim

import (
	"bytes"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/feerecon/feerecon/payment"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current encoder")

// TestGolden pins the wire format of one message per gateway, so a change
// of what the simulator sends shows in review. Refresh with -update and
// read the diff. The signatures in the committed files were checked
// independently of Go with Python's hmac module (HMAC-SHA256 of the
// vietqr/camt054 bodies, of MoMo's signed string and of ZaloPay's data;
// HMAC-SHA512 of the VNPay query before vnp_SecureHash, which also matched
// PHP urlencode as quote_plus with safe "-_.").
func TestGolden(t *testing.T) {
	for _, g := range payment.Gateways() {
		p := table(g)[0]
		raw, err := Encode(p, DemoSecrets())
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		for _, k := range slices.Sorted(maps.Keys(raw.Headers)) {
			fmt.Fprintf(&b, "%s: %s\n", k, raw.Headers[k])
		}
		b.WriteString("\n")
		b.Write(raw.Body)
		path := filepath.Join("testdata", "golden", string(g)+".txt")
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create)", err)
		}
		if !bytes.Equal(b.Bytes(), want) {
			t.Errorf("%s: encoded message differs from %s:\n%s", g, path, b.Bytes())
		}
	}
}
