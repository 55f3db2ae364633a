package reconcile

import (
	"strings"
	"testing"

	"github.com/feerecon/feerecon/payment"
)

func mustCode(t testing.TB, prefix string, serial uint64) payment.PaymentCode {
	t.Helper()
	c, err := payment.NewPaymentCode(prefix, serial)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFold(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Thanh toán lệ phí hồ sơ": "THANH TOAN LE PHI HO SO",
		"Đặng Đức":                "DANG DUC",
		"ĐƯỜNG ỷ":                 "DUONG Y",
		"np-0001 x€y":             "NP-0001 X Y",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
	if got := FoldName("  Nguyễn  Văn-An "); got != "NGUYEN VAN AN" {
		t.Errorf("FoldName = %q", got)
	}
}

func TestReferences(t *testing.T) {
	t.Parallel()
	e, err := NewEngine(Config{CodePrefixes: []string{"NP", "HCM"}})
	if err != nil {
		t.Fatal(err)
	}
	code := mustCode(t, "NP", 12345632) // NP0000123456 + check
	d := code.Digits()
	// a 12-digit run whose check digits fail under every prefix
	bad := d[:11] + string('0'+(d[11]-'0'+1)%10)
	hcm := mustCode(t, "HCM", 42)
	type want struct {
		key  string
		rule Rule
	}
	cases := []struct {
		name string
		desc string
		want []want
	}{
		{"plain", "Thanh toan " + string(code), []want{{string(code), RulePaymentCode}}},
		{"lower", "nop phi " + strings.ToLower(string(code)), []want{{string(code), RulePaymentCode}}},
		{"spaces", "NP " + d[:4] + " " + d[4:8] + " " + d[8:], []want{{string(code), RulePaymentCode}}},
		{"dashes", "NP-" + d, []want{{string(code), RulePaymentCode}}},
		{"dots", "NP." + d[:4] + "." + d[4:8] + "." + d[8:], []want{{string(code), RulePaymentCode}}},
		{"slashes", "NP/" + d[:4] + "/" + d[4:8] + "/" + d[8:], []want{{string(code), RulePaymentCode}}},
		{"colon", "Ma TT: NP: " + d, []want{{string(code), RulePaymentCode}}},
		{"glued left", "HOSO" + string(code) + "THANHTOAN", []want{{string(code), RulePaymentCode}}},
		{"MBVCB", "MBVCB.3278614134." + string(code) + ".CT tu 0071000123456 NGUYEN VAN A toi 1234567890123",
			[]want{{string(code), RulePaymentCode}}},
		{"NAPAS digits", "123456.271123.101530." + d + " nop phi", []want{{string(code), RulePaymentCodeDigits}}},
		{"FT", "FT23329138005389 " + string(code), []want{{string(code), RulePaymentCode}}},
		{"lookalike O", "NP" + strings.ReplaceAll(d, "0", "O"), []want{{string(code), RulePaymentCodeLookalike}}},
		{"lookalike l", strings.ToLower("NP" + strings.Replace(d, "1", "l", 1)), []want{{string(code), RulePaymentCodeLookalike}}},
		{"digits", "le phi " + d, []want{{string(code), RulePaymentCodeDigits}}},
		{"digits grouped", d[:4] + " " + d[4:8] + " " + d[8:] + " le phi", []want{{string(code), RulePaymentCodeDigits}}},
		{"other prefix", "HCM" + hcm.Digits(), []want{{string(hcm), RulePaymentCode}}},
		{"typo not corrected", "NP" + bad, nil},
		{"digits inside longer number", "1" + d, nil},
		{"digits then digit", "NP" + d + "7", nil},
		{"account after TU", "CT tu " + d + " NGUYEN VAN A toi 1234", nil},
		{"account after STK", "STK " + d, nil},
		{"truncated", "NP" + d[:9], nil},
		{"bin and account glued to the code digits", "9704360071000123456." + d[:6] + " " + d[6:], []want{{string(code), RulePaymentCodeDigits}}},
		{"two codes", string(code) + " va " + string(hcm), []want{{string(hcm), RulePaymentCode}, {string(code), RulePaymentCode}}},
		{"same code twice keeps strongest", d + " " + string(code), []want{{string(code), RulePaymentCode}}},
		{"dossier dotted", "Thanh toán lệ phí cho hồ sơ G01.899.108.000-231110-0096",
			[]want{{"G018991080002311100096", RuleDossierCode}}},
		{"dossier OCR", "ho so GOI.899.108.000-231110-0096", []want{{"G018991080002311100096", RuleDossierCode}}},
		{"dossier compact two groups", "G01899108000 2311100096", []want{{"G018991080002311100096", RuleDossierCode}}},
		{"dossier compact one group", "hs G018991080002311100096", []want{{"G018991080002311100096", RuleDossierCode}}},
		{"dossier short unit", "phi, le phi cho ho so H29.75-231113-0001", []want{{"H29752311130001", RuleDossierCode}}},
		{"dossier bad date", "G01.899.108.000-231310-0096", nil},
		{"nothing", "chuyen tien an trua", nil},
		{"empty", "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := e.References(c.desc)
			var gotW []want
			for _, r := range got {
				gotW = append(gotW, want{r.Key, r.Rule})
				if r.Kind == RefCode {
					if _, err := payment.ParsePaymentCode(string(r.Code)); err != nil {
						t.Errorf("invalid code %q returned", r.Code)
					}
				}
				if r.Evidence == "" {
					t.Errorf("reference %+v without evidence", r)
				}
			}
			if len(gotW) != len(c.want) {
				t.Fatalf("References(%q) = %+v, want %+v", c.desc, got, c.want)
			}
			for i := range gotW {
				if gotW[i] != c.want[i] {
					t.Fatalf("References(%q) = %+v, want %+v", c.desc, got, c.want)
				}
			}
		})
	}
}

// TestReferencesRandomRuns checks the false-positive rule: random 12-digit
// runs inside longer numbers never produce a reference, and whole-token runs
// produce one only when the check digits pass.
func TestReferencesRandomRuns(t *testing.T) {
	t.Parallel()
	e, err := NewEngine(Config{})
	if err != nil {
		t.Fatal(err)
	}
	seed := uint64(7)
	next := func() uint64 { seed = seed*6364136223846793005 + 1442695040888963407; return seed >> 11 }
	valid := 0
	for range 5000 {
		var b [16]byte
		for i := range b {
			b[i] = byte('0' + next()%10)
		}
		long := string(b[:])
		if refs := e.References("TK " + long[:13] + " ref " + long); len(refs) != 0 {
			t.Fatalf("references from long numbers: %+v", refs)
		}
		tok := long[:12]
		var refs []Reference
		for _, r := range e.References("so " + tok + " xyz") {
			if r.Kind == RefCode {
				refs = append(refs, r)
			}
		}
		_, perr := payment.ParsePaymentCode("NP" + tok)
		if (perr == nil) != (len(refs) == 1) {
			t.Fatalf("token %s: parse err %v, refs %+v", tok, perr, refs)
		}
		if perr == nil {
			valid++
		}
	}
	// about 1 in 97 passes by chance: that is why Decide needs an issued code.
	if valid < 20 || valid > 90 {
		t.Errorf("%d of 5000 random runs passed mod 97; expected about 52", valid)
	}
}

func FuzzReferences(f *testing.F) {
	for _, s := range []string{
		"MBVCB.3278614134.NP000012345632.CT tu 0071000123456 NGUYEN VAN A toi 1234",
		"123456.271123.101530.0000 1234 5632", "np-OOOO12345632", "GOI.899.108.000-231110-0096",
		"Thanh toán lệ phí hồ sơ H29.75-231113-0001", "FT23329138005389", "\xff\xfe", "",
	} {
		f.Add(s)
	}
	e, err := NewEngine(Config{CodePrefixes: []string{"NP", "HCM"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		refs := e.References(s)
		again := e.References(s)
		if len(refs) != len(again) {
			t.Fatal("not deterministic")
		}
		for i, r := range refs {
			if r != again[i] {
				t.Fatal("not deterministic")
			}
			switch r.Kind {
			case RefCode:
				if _, err := payment.ParsePaymentCode(string(r.Code)); err != nil || r.Key != string(r.Code) {
					t.Fatalf("bad code reference %+v", r)
				}
			case RefDossier:
				if r.Key != DossierKey(r.Dossier) {
					t.Fatalf("bad dossier key %+v", r)
				}
			default:
				t.Fatalf("kind %q", r.Kind)
			}
			if i > 0 && refs[i-1].Kind == r.Kind && refs[i-1].Key == r.Key {
				t.Fatalf("duplicate reference %+v", r)
			}
		}
	})
}

func TestCanonicalDossierMatchesPaymentPackage(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"G01.899.108.000-231110-0096", "000.00.20.H40-240916-0012", "H29.75-231113-0001", "H29-231113-0001",
		"G01.899.108.000.11.22-231110-0096", "G0.1-231110-0096", "G01..1-231110-0096", "G01.1234-231110-0096",
		"G01.1-23111-00961", "G01.1-231110-009", "G01.1-2311100096", "g01.1-231110-0096", "GOI.899.108.000-231110-0096",
		"A.B.C-231110-0096", "AB.C-23111O-0096", "", "AB.C-231110-0096 ",
	} {
		_, err := payment.ParseDossierCode(s)
		want := err == nil && s == strings.ToUpper(strings.TrimSpace(s))
		if got := canonicalDossier(s); got != want {
			t.Errorf("canonicalDossier(%q) = %v, ParseDossierCode says %v", s, got, want)
		}
	}
}
