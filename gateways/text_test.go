package gateways

import "testing"

func TestStorableText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Nộp lệ phí NP000000000151": "Nộp lệ phí NP000000000151",
		"a\x00b":                    "ab",
		"bad \xff\xfe utf8":         "bad \uFFFD utf8",
	} {
		if got := StorableText(in); got != want {
			t.Errorf("StorableText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDecimalID(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{
		"14422574": true, "0": true, "": false, "12a": false, "-1": false,
		"123456789012345678901234567890": true, "1234567890123456789012345678901": false,
	} {
		if got := DecimalID(in); got != want {
			t.Errorf("DecimalID(%q) = %v", in, got)
		}
	}
}

func TestRawHeader(t *testing.T) {
	t.Parallel()
	r := Raw{Headers: map[string]string{"x-feerecon-signature": " abc "}}
	if got := r.Header("X-Feerecon-Signature"); got != "abc" {
		t.Errorf("any-case lookup: %q", got)
	}
	r.Headers["X-Feerecon-Signature"] = "exact"
	if got := r.Header("X-Feerecon-Signature"); got != "exact" {
		t.Errorf("canonical first: %q", got)
	}
	if got := (Raw{}).Header("X-Missing"); got != "" {
		t.Errorf("missing: %q", got)
	}
}
