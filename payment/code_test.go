package payment

import (
	"bufio"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
)

// The vectors in testdata/paymentcode/vectors.txt were computed with Python,
// independently of this package:
//
//	num = lambda s: int(''.join(str(ord(c)-55) if c.isalpha() else c for c in s))
//	code = body + '%02d' % (98 - num(body + '00') % 97)
func TestPaymentCodeVectors(t *testing.T) {
	t.Parallel()
	f, err := os.Open("../testdata/paymentcode/vectors.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 3 {
			t.Fatalf("bad vector line %q", line)
		}
		serial, err := strconv.ParseUint(fields[1], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		got, err := NewPaymentCode(fields[0], serial)
		if err != nil {
			t.Fatalf("NewPaymentCode(%s, %d): %v", fields[0], serial, err)
		}
		if string(got) != fields[2] {
			t.Errorf("NewPaymentCode(%s, %d) = %s, want %s", fields[0], serial, got, fields[2])
		}
		parsed, err := ParsePaymentCode(fields[2])
		if err != nil {
			t.Errorf("ParsePaymentCode(%s): %v", fields[2], err)
		}
		if parsed.Prefix() != fields[0] || parsed.Serial() != serial {
			t.Errorf("%s: prefix %q serial %d", fields[2], parsed.Prefix(), parsed.Serial())
		}
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 20 {
		t.Fatalf("only %d vectors; want at least 20", n)
	}
}

func TestParsePaymentCodeRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want error
	}{
		{"NP000000000150", ErrCodeCheck},   // last digit changed
		{"NP000000000115", ErrCodeCheck},   // check digits swapped
		{"NP100000000051", ErrCodeCheck},   // serial digit changed
		{"NP000000000151X", ErrCodePrefix}, // trailing letter shifts the layout
		{"np000000000151", ErrCodePrefix},  // lower case is the extractor's job
		{"N0000000000151", ErrCodePrefix},  // one-letter prefix
		{"NP00000000015", ErrCodeLength},
		{"ABCDE00000000015", ErrCodeSerial}, // five letters
		{"NP0000O0000151", ErrCodeSerial},   // letter O for zero
		{"", ErrCodeLength},
	}
	for _, tt := range tests {
		_, err := ParsePaymentCode(tt.in)
		if !errors.Is(err, tt.want) {
			t.Errorf("ParsePaymentCode(%q) = %v, want %v", tt.in, err, tt.want)
		}
		var ce *CodeError
		if err != nil && !errors.As(err, &ce) {
			t.Errorf("ParsePaymentCode(%q): error %T is not *CodeError", tt.in, err)
		}
	}
}

// Every single-digit substitution of a valid code must fail the check: MOD
// 97-10 detects all single-character errors.
func TestCheckDigitsCatchSingleSubstitutions(t *testing.T) {
	t.Parallel()
	code, err := NewPaymentCode("NP", 1234567890)
	if err != nil {
		t.Fatal(err)
	}
	for i := 2; i < len(code); i++ {
		for d := byte('0'); d <= '9'; d++ {
			if code[i] == d {
				continue
			}
			b := []byte(code)
			b[i] = d
			if _, err := ParsePaymentCode(string(b)); !errors.Is(err, ErrCodeCheck) {
				t.Errorf("substitution %s accepted (err %v)", b, err)
			}
		}
	}
}

func TestNewPaymentCodeRejects(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"", "N", "ABCDE", "np", "N1"} {
		if _, err := NewPaymentCode(p, 1); !errors.Is(err, ErrCodePrefix) {
			t.Errorf("prefix %q: err %v, want ErrCodePrefix", p, err)
		}
	}
	if _, err := NewPaymentCode("NP", MaxSerial+1); !errors.Is(err, ErrCodeSerial) {
		t.Errorf("serial overflow: err %v", err)
	}
}

func FuzzParsePaymentCode(f *testing.F) {
	for _, s := range []string{"NP000000000151", "NP000012345632", "TP999999999977", "XYZ123456789012", "NP0000O0000151", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParsePaymentCode(s)
		if err != nil {
			var ce *CodeError
			if !errors.As(err, &ce) {
				t.Fatalf("error %T is not *CodeError", err)
			}
			return
		}
		if string(c) != s {
			t.Fatalf("parsed %q into %q", s, c)
		}
		// A valid code rebuilds from its parts to itself.
		again, err := NewPaymentCode(c.Prefix(), c.Serial())
		if err != nil || again != c {
			t.Fatalf("rebuild %q: %q, %v", s, again, err)
		}
	})
}
