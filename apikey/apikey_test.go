package apikey_test

import (
	"strings"
	"testing"

	"github.com/feerecon/feerecon/apikey"
)

func TestNewParseMatches(t *testing.T) {
	t.Parallel()
	k, err := apikey.New()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(k.Text, "frk_"+k.ID+"_") || len(k.Text) != 85 {
		t.Fatalf("key %q (id %q): not frk_<16 hex>_<64 hex>", k.Text, k.ID)
	}
	id, secret, err := apikey.Parse(k.Text)
	if err != nil || id != k.ID {
		t.Fatalf("Parse = %q, %v", id, err)
	}
	if !apikey.Matches(k.Hash, secret) {
		t.Error("the key's own secret does not match its hash")
	}
	if strings.Contains(string(k.Hash), secret) || len(k.Hash) != 32 {
		t.Errorf("hash %x is not a SHA-256", k.Hash)
	}
	other, _ := apikey.New()
	if other.ID == k.ID || other.Text == k.Text {
		t.Error("two keys alike")
	}
	_, otherSecret, _ := apikey.Parse(other.Text)
	if apikey.Matches(k.Hash, otherSecret) {
		t.Error("another key's secret matches")
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	k, _ := apikey.New()
	for _, s := range []string{
		"", "frk_", "frk__", k.Text[4:], "FRK_" + k.Text[4:], k.Text + "0", k.Text[:len(k.Text)-1],
		strings.ToUpper(k.Text), strings.Replace(k.Text, "_", "-", 2), "frk_0123456789abcdef_" + strings.Repeat("g", 64),
	} {
		if _, _, err := apikey.Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted", s)
		}
	}
}
