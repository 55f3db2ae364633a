package daily_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/reconcile/daily"
)

// decode inverts FileComponent; that it exists and round-trips is the
// proof that the encoding is injective.
func decode(t *testing.T, s string) string {
	t.Helper()
	if s == "_" {
		return ""
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '_' {
			b.WriteByte(s[i])
			continue
		}
		v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			t.Fatalf("%q: bad escape at %d", s, i)
		}
		b.WriteByte(byte(v))
		i += 2
	}
	return b.String()
}

func TestFileComponent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ scope, want string }{
		{"H29.75", "H29.75"},
		{"G01.899.108", "G01.899.108"},
		{"000.00.20.H40", "000.00.20.H40"},
		{daily.AgencyAll, "ALL"},
		{"", "_"},
		{"H42/12:x*?[]", "H42_2F12_3A_78_2A_3F_5B_5D"},
		{"H42_12:x*?[]", "H42_5F12_3A_78_2A_3F_5B_5D"},
		{"h29.75", "_6829.75"},
		{"..", ".."},
		{`a\b`, "_61_5C_62"},
		{"Hà Nội", "H_C3_A0_20N_E1_BB_99_69"},
		{"CON", "CON"},
		{"_", "_5F"},
	} {
		if got := daily.FileComponent(tc.scope); got != tc.want {
			t.Errorf("FileComponent(%q) = %q, want %q", tc.scope, got, tc.want)
		}
	}
}

// Distinct scopes give distinct names, also when compared without case
// (Windows, macOS); every name is a single path element Linux and Windows
// accept, and each can be created.
func TestFileComponentDistinctAndSafe(t *testing.T) {
	t.Parallel()
	scopes := []string{
		"H42/12:x*?[]", "H42_12:x*?[]", "H42.12:x*?[]", "H42-12:x*?[]", "H42\\12:x*?[]",
		"H29.75", "h29.75", "H29.75 ", "H29.75.", "H29_75", "H29_2E75", "H29.75\x00", "H29.75\n",
		"ALL", "all", "", "_", "__", "_5F", "a", "A", "Đ", "D", "CON", "con", "NUL.txt", "..", ".",
		"\u00a0", " ", "%2F", "=1+1", "\xff", "\xfe",
	}
	dir := t.TempDir()
	seen := map[string]string{}
	for _, s := range scopes {
		c := daily.FileComponent(s)
		if back := decode(t, c); back != s {
			t.Errorf("FileComponent(%q) = %q decodes to %q", s, c, back)
		}
		if prev, dup := seen[strings.ToUpper(c)]; dup {
			t.Errorf("%q and %q both give %q (case-insensitively)", prev, s, c)
		}
		seen[strings.ToUpper(c)] = s
		if strings.ContainsAny(c, `/\:*?"<>| `) || strings.ContainsFunc(c, func(r rune) bool { return r < 0x20 || r > 0x7E || (r >= 'a' && r <= 'z') }) {
			t.Errorf("FileComponent(%q) = %q holds a character unsafe in a file name", s, c)
		}
		name := "report_2026-11-26_" + c + "_v1.csv"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o600); err != nil {
			t.Errorf("create %q: %v", name, err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(scopes) {
		t.Errorf("%d files for %d scopes: two overwrote each other", len(entries), len(scopes))
	}
}
