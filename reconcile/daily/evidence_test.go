package daily_test

import (
	"bytes"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
)

var numbered = regexp.MustCompile(`\{([0-9]+)\}`)

// Every evidence form has a Vietnamese sentence that uses each of its
// arguments exactly once, and every word the arguments need (a rule, a
// notice status) is there too; the two languages have the same labels
// otherwise.
func TestVietnameseEvidenceSentences(t *testing.T) {
	t.Parallel()
	vi, err := daily.Labels(daily.LangVI)
	if err != nil {
		t.Fatal(err)
	}
	en, err := daily.Labels(daily.LangEN)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range reconcile.Evidences() {
		s, ok := vi[daily.Label("evidence."+string(e))]
		if !ok {
			t.Errorf("no Vietnamese sentence for evidence %s", e)
			continue
		}
		var used []string
		for _, m := range numbered.FindAllStringSubmatch(s, -1) {
			used = append(used, m[1])
		}
		slices.Sort(used)
		var want []string
		for i := range e.Args() {
			want = append(want, strconv.Itoa(i))
		}
		if !slices.Equal(used, want) {
			t.Errorf("evidence %s: Vietnamese uses arguments %v, the form has %v", e, used, want)
		}
	}
	for _, r := range []reconcile.Rule{reconcile.RulePaymentCode, reconcile.RulePaymentCodeLookalike, reconcile.RulePaymentCodeDigits, reconcile.RuleDossierCode} {
		if _, ok := vi[daily.Label("rule."+string(r))]; !ok {
			t.Errorf("no Vietnamese word for rule %s", r)
		}
	}
	for _, s := range []payment.NoticeStatus{payment.NoticeIssued, payment.NoticePartiallyPaid, payment.NoticePaid,
		payment.NoticeOverpaid, payment.NoticeCancelled, payment.NoticeExpired} {
		if _, ok := vi[daily.Label("status."+string(s))]; !ok {
			t.Errorf("no Vietnamese word for notice status %s", s)
		}
	}
	viOnly := func(k daily.Label) bool {
		return strings.HasPrefix(string(k), "evidence.") || strings.HasPrefix(string(k), "rule.") || strings.HasPrefix(string(k), "status.")
	}
	for k, v := range vi {
		if _, ok := en[k]; !ok && !viOnly(k) {
			t.Errorf("label %q has no English", k)
		}
		if v == "" {
			t.Errorf("label %q is empty in Vietnamese", k)
		}
	}
	for k, v := range en {
		if _, ok := vi[k]; !ok {
			t.Errorf("label %q has no Vietnamese", k)
		}
		if v == "" {
			t.Errorf("label %q is empty in English", k)
		}
	}
}

// Every exception of the golden day carries evidence a form wrote, and
// the Vietnamese renderings show none of it in English; the English ones
// show it as stored.
func TestEvidenceInTheReportsLanguage(t *testing.T) {
	t.Parallel()
	_, v2 := runDay(t, engineMatcher(t))
	all := byAgency(t, v2, daily.AgencyAll)
	rd := reconcile.NewEvidenceReader()
	for _, e := range all.Exceptions {
		if _, _, ok := rd.Read(e.Evidence); !ok {
			t.Errorf("exception %s: no form reads its evidence %q", e.ID, e.Evidence)
		}
	}
	var vi, en, viCSV bytes.Buffer
	if err := daily.WriteHTML(&vi, all, daily.Print{Lang: daily.LangVI}); err != nil {
		t.Fatal(err)
	}
	if err := daily.WriteHTML(&en, all, daily.Print{Lang: daily.LangEN}); err != nil {
		t.Fatal(err)
	}
	if err := daily.WriteExceptionsCSV(&viCSV, all, daily.LangVI); err != nil {
		t.Fatal(err)
	}
	// English words of every form's sentence, none of which Vietnamese has.
	// (With their spaces: ids such as late_event|… and HTML's scope="row" are not words.)
	for _, w := range []string{"outstanding", "notice is", " entry ", " booked ", " event ", " row ", "no statement credit",
		"after report", " transaction ", "payment_code ", "no valid", " net ", " gross "} {
		for name, b := range map[string]*bytes.Buffer{"html": &vi, "csv": &viCSV} {
			if strings.Contains(b.String(), w) {
				t.Errorf("Vietnamese %s has the English %q", name, w)
			}
		}
	}
	for _, want := range []string{"Đã nộp 300.000, số còn phải nộp là 250.000: mã thanh toán NP000000015865",
		"Thông báo đã hủy: mã thanh toán NP000000015962", "thực trả 49.000 &#43; phí 550 ≠ tổng 50.000"} {
		if !strings.Contains(vi.String(), want) {
			t.Errorf("Vietnamese HTML lacks %q", want)
		}
	}
	for _, e := range all.Exceptions {
		if !strings.Contains(en.String(), strings.ReplaceAll(strings.ReplaceAll(e.Evidence, "+", "&#43;"), `"`, "&#34;")) {
			t.Errorf("English HTML does not show %s's evidence as stored: %q", e.ID, e.Evidence)
		}
	}
}
