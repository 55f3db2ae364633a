package collection_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/hostile"
	"github.com/feerecon/feerecon/payment/collection"
)

// TestHostileCollectionAccounts is the collection accounts file's part of
// the hostile-input catalogue (RELIABILITY.md "Hostile input"): every
// hostile file fails with ErrInvalid and the line's sentinel, naming the
// line, never a panic or a hang; serve and reconcile then exit 2 (a
// configuration error) instead of starting with a wrong account. Amounts
// and times are not in this file.
func TestHostileCollectionAccounts(t *testing.T) {
	t.Parallel()
	const head = "agency_code,bin,account\n"
	good := head + "H40.01,970415,113000006100\n"
	cases := []struct {
		name  hostile.Case
		label string
		body  string
		want  error
	}{
		{hostile.OversizedBody, "account", head + "H40.01,970415," + strings.Repeat("1", 1<<20) + "\n", collection.ErrAccount},
		{hostile.InvalidUTF8, "agency", head + "H40.0\xff,970415,113000006100\n", collection.ErrAgency},
		{hostile.InvalidUTF8, "wallet-account", head + "H40.01,momo,MOMO\xff01\n", collection.ErrAccount},
		{hostile.SQLInjection, "agency", head + "\"" + hostile.SQL + "\",970415,113000006100\n", collection.ErrAgency},
		{hostile.SQLInjection, "account", head + "H40.01,970415,\"" + hostile.SQL + "\"\n", collection.ErrAccount},
		{hostile.SQLInjection, "wallet-account", head + "H40.01,momo,\"" + hostile.SQL + "\"\n", collection.ErrAccount},
		{hostile.SQLInjection, "bin", head + "H40.01,\"" + hostile.SQL + "\",113000006100\n", collection.ErrBIN},
		{hostile.DuplicateID, "", good + "H40.01,970415,113000006100\n", collection.ErrDuplicate},
		{hostile.Empty, "", "", collection.ErrHeader},
		{hostile.Empty, "header-only", head, collection.ErrEmpty},
		{hostile.Truncated, "", good + "H29.75,97043", collection.ErrFields},
		{hostile.Truncated, "quote", good + "H29.75,\"97043", collection.ErrCSV},
	}
	for _, c := range cases {
		name := string(c.name)
		if c.label != "" {
			name += "/" + c.label
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			done := make(chan error, 1)
			go func() {
				_, err := collection.Parse(strings.NewReader(c.body))
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("no answer within 20s")
			}
			t.Logf("%s: %.200v", name, err)
			if len(err.Error()) > 1000 {
				t.Errorf("error message of %d bytes", len(err.Error()))
			}
			var le *collection.LineError
			if !errors.Is(err, collection.ErrInvalid) || !errors.Is(err, c.want) || !errors.As(err, &le) {
				t.Fatalf("Parse: %v, want ErrInvalid, %v and a *LineError", err, c.want)
			}
		})
	}
}
