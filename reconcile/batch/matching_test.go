package batch_test

import (
	"context"
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/payment/collection"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/batch"
)

// -matching points the test at another generated set, e.g. one made with
// go run ./testdata/matching/gen -seed 7 -out /tmp/set7.
var matchingDir = flag.String("matching", "../../testdata/matching", "directory of the labelled matching set")

type label struct {
	id, category, exception, suggestion string
	notices                             []string
}

func readLabels(t *testing.T) []label {
	t.Helper()
	f, err := os.Open(filepath.Join(*matchingDir, "labels.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []label
	for _, r := range recs[1:] {
		l := label{id: r[0], category: r[1], exception: r[3], suggestion: r[4]}
		if r[2] != "" {
			l.notices = strings.Fields(r[2])
			sort.Strings(l.notices)
		}
		out = append(out, l)
	}
	return out
}

// TestMatchingSet runs the batch path over the labelled set and checks the
// acceptance figures: correct auto-allocation of at least 99.5% of the
// allocatable payments and not a single wrong allocation. It also checks
// every exception kind against its label.
func TestMatchingSet(t *testing.T) {
	t.Parallel()
	date, err := payment.ParseDate("2026-11-20")
	if err != nil {
		t.Fatal(err)
	}
	// The collection accounts: only the payments whose credited account is
	// known are checked against them (wrong_account); the others are
	// decided as if none were configured.
	accts, err := collection.ReadFile(filepath.Join(*matchingDir, "collection_accounts.csv"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := batch.Run(context.Background(), batch.Options{
		NoticesPath:  filepath.Join(*matchingDir, "notices.csv"),
		PaymentsPath: filepath.Join(*matchingDir, "payments.jsonl"),
		Date:         date,
		Engine:       reconcile.Config{CollectionAccounts: accts},
	})
	if err != nil {
		t.Fatal(err)
	}
	labels := readLabels(t)
	if len(labels) < 500 {
		t.Fatalf("labelled set has %d payments, want at least 500", len(labels))
	}
	alloc := map[string][]string{}
	for _, a := range res.Allocations {
		alloc[a.PaymentID] = append(alloc[a.PaymentID], a.NoticeID)
	}
	excs := map[string][]reconcile.Exception{}
	var invalid []reconcile.Exception
	for _, e := range res.Exceptions {
		if e.Kind == reconcile.ExceptionInvalidInput {
			invalid = append(invalid, e)
			continue
		}
		excs[e.PaymentID] = append(excs[e.PaymentID], e)
	}

	allocatable, correct, wrong, kindOK, kindTotal := 0, 0, 0, 0, 0
	suggested, suggestTotal := 0, 0
	invalidLabels := 0
	for _, l := range labels {
		got := append([]string(nil), alloc[l.id]...)
		sort.Strings(got)
		for _, n := range got {
			if !slices.Contains(l.notices, n) {
				wrong++
				t.Errorf("WRONG allocation: %s (%s) allocated to %s, expected %v", l.id, l.category, n, l.notices)
			}
		}
		if len(l.notices) > 0 {
			allocatable++
			if slices.Equal(got, l.notices) {
				correct++
			} else {
				t.Logf("missed: %s (%s) allocated %v, expected %v; exceptions %+v", l.id, l.category, got, l.notices, excs[l.id])
			}
		}
		switch l.exception {
		case "invalid_input":
			invalidLabels++
			continue
		case "skipped":
			if len(got) > 0 || len(excs[l.id]) > 0 {
				t.Errorf("%s paid on another day was reconciled", l.id)
			}
			continue
		}
		kindTotal++
		var kinds []string
		for _, e := range excs[l.id] {
			kinds = append(kinds, string(e.Kind))
		}
		want := []string{}
		if l.exception != "" {
			want = []string{l.exception}
		}
		if slices.Equal(kinds, want) || (len(kinds) == 0 && len(want) == 0) {
			kindOK++
		} else {
			t.Errorf("%s (%s): exceptions %v, want %v", l.id, l.category, kinds, want)
		}
		if l.suggestion != "" {
			suggestTotal++
			for _, e := range excs[l.id] {
				if slices.Contains(e.Candidates, l.suggestion) {
					suggested++
				}
			}
		}
	}
	rate := float64(correct) / float64(allocatable) // a test statistic, not money
	t.Logf("allocatable %d, correctly auto-allocated %d (%.2f%%), wrong allocations %d", allocatable, correct, 100*rate, wrong)
	t.Logf("exception kinds as labelled: %d/%d; suggestions offered the expected notice: %d/%d", kindOK, kindTotal, suggested, suggestTotal)
	if rate < 0.995 {
		t.Errorf("correct auto-allocation %.2f%% < 99.5%%", 100*rate)
	}
	if wrong != 0 {
		t.Errorf("%d wrong allocations, want 0", wrong)
	}
	if suggested != suggestTotal {
		t.Errorf("expected notice suggested for %d of %d unreferenced payments", suggested, suggestTotal)
	}
	if len(invalid) != invalidLabels {
		t.Errorf("%d invalid_input exceptions, %d labelled", len(invalid), invalidLabels)
	}
	for _, e := range invalid {
		if !strings.HasPrefix(e.Evidence, "payments.jsonl:") {
			t.Errorf("invalid_input evidence %q does not name file and line", e.Evidence)
		}
	}
}
