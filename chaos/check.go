package chaos

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/feerecon/feerecon/gateways/gatewaysim"
	"github.com/feerecon/feerecon/kafkabus"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile/batch"
)

func batchCurrency(c string) payment.Currency { return payment.Currency(strings.TrimSpace(c)) }

// WriteBatchInputs writes the stream as the files `feerecon reconcile`
// reads: the notices as they stand once the stream is through (final
// amounts, the codes the stream issues) and every valid payment once, as
// the gateway's adapter decodes its message.
//
// spreadsheet: machine-read CSV — only `feerecon reconcile` reads it, and
// its values are compared with the streaming path's: a leading apostrophe
// (spreadsheet.Text) would change them.
func WriteBatchInputs(s *Stream, dir string) (notices, payments string, err error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", "", err
	}
	var nb bytes.Buffer
	w := csv.NewWriter(&nb)
	if err := w.Write(batch.NoticeColumns()); err != nil {
		return "", "", err
	}
	for _, n := range s.Notices {
		rec := map[string]string{
			"notice_id": n.ID, "dossier_code": n.Dossier, "payment_code": string(n.Code), "agency_code": Agency,
			"payer_name": n.Payer, "amount": fmt.Sprint(n.Final()), "currency": "VND",
			"issued_at": n.IssuedAt.Format(time.RFC3339), "treasury_account": Treasury, "status": "issued",
		}
		var row []string
		for _, c := range batch.NoticeColumns() {
			row = append(row, rec[c])
		}
		if err := w.Write(row); err != nil {
			return "", "", err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return "", "", err
	}
	decs, err := gatewaysim.Decoders(gatewaysim.DemoSecrets())
	if err != nil {
		return "", "", err
	}
	var pb bytes.Buffer
	seen := map[string]bool{}
	for _, e := range s.Events {
		if e.Kind != Pay || seen[e.Payment.ID] {
			continue
		}
		seen[e.Payment.ID] = true
		ps, err := decs[e.Payment.Gateway].Decode(e.Raw)
		if err != nil || len(ps) != 1 {
			return "", "", fmt.Errorf("decode %s (%d payments): %w", e.Payment.ID, len(ps), err)
		}
		p := ps[0]
		line := map[string]any{
			"payment_id": p.ID, "gateway": p.Gateway, "gateway_txn_id": p.TxnID, "amount": p.Amount.Amount.String(),
			"currency": p.Amount.Currency, "paid_at": p.PaidAt.Format(time.RFC3339Nano), "description": p.Description,
			"payer_name": p.PayerName, "payer_account": p.PayerAccount, "bank_ref": p.BankRef,
		}
		if !p.CreditedAccount.IsZero() {
			line["credited_account"] = map[string]string{"bin": p.CreditedAccount.BIN, "account": p.CreditedAccount.Account}
		}
		b, err := json.Marshal(line)
		if err != nil {
			return "", "", err
		}
		pb.Write(b)
		pb.WriteByte('\n')
	}
	notices, payments = filepath.Join(dir, "notices.csv"), filepath.Join(dir, "payments.jsonl")
	if err := os.WriteFile(notices, nb.Bytes(), 0o600); err != nil {
		return "", "", err
	}
	return notices, payments, os.WriteFile(payments, pb.Bytes(), 0o600)
}

// Reconcile runs `feerecon reconcile` over the stream as files and returns
// its report in the shape both paths produce.
func (h *Harness) Reconcile(ctx context.Context, s *Stream) (BatchView, error) {
	dir := filepath.Join(h.Work, "batch")
	notices, payments, err := WriteBatchInputs(s, dir)
	if err != nil {
		return BatchView{}, err
	}
	out := filepath.Join(dir, "out")
	if _, err := runBin(ctx, h.Bin, os.Environ(), "reconcile", "--notices", notices, "--payments", payments,
		"--date", BusinessDate.String(), "--out", out, "--system", System, "--code-prefix", CodePrefix); err != nil {
		return BatchView{}, err
	}
	b, err := os.ReadFile(filepath.Join(out, batch.ReportJSON))
	if err != nil {
		return BatchView{}, err
	}
	var rep batch.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		return BatchView{}, err
	}
	v := BatchView{Notices: rep.Notices, Allocations: rep.Allocations, Exceptions: rep.Exceptions}
	// The line of the payments file is the batch's own (the stream has no
	// file): not compared.
	for i := range v.Exceptions {
		v.Exceptions[i].Line = 0
	}
	v.sort()
	return v, nil
}

// Summary is what Check found.
type Summary struct {
	Kills, PGRestarts, KafkaRestarts      int
	Events, Stored, Lost, Duplicated, DLQ int
	Confirmations, DuplicateConfirmations int
	ReportIdentical                       bool
	Violations                            []string
	Notes                                 []string
}

// Line is the harness's last line, exactly as issue 12 §1 writes it.
func (s Summary) Line() string {
	return fmt.Sprintf("chaos: kills=%d pg_restarts=%d kafka_restarts=%d events=%d stored=%d lost=%d duplicated=%d dlq=%d confirmations=%d duplicate_confirmations=%d report_identical=%t",
		s.Kills, s.PGRestarts, s.KafkaRestarts, s.Events, s.Stored, s.Lost, s.Duplicated, s.DLQ, s.Confirmations, s.DuplicateConfirmations, s.ReportIdentical)
}

// Check verifies the invariants on the chaotic run against the stream,
// the clean run and the batch; dir (if not "") receives both views of a
// differing batch comparison.
func Check(s *Stream, chaos, clean *PhaseResult, bv BatchView, dir string) Summary {
	sum := Summary{Kills: chaos.Kills, PGRestarts: chaos.PGRestarts, KafkaRestarts: chaos.KafkaRestarts,
		Events: len(s.Events) + s.Precreated}
	violate := func(format string, args ...any) {
		sum.Violations = append(sum.Violations, fmt.Sprintf(format, args...))
	}

	// Every acknowledged valid event stored exactly once; nothing else stored.
	valid := map[string]bool{}
	for _, p := range s.Valid() {
		valid[p.ID] = true
		if !chaos.Acked[p.ID] {
			violate("valid event %s never acknowledged", p.ID)
		}
		if chaos.Outcome.Payments[p.ID] {
			sum.Stored++
		} else if chaos.Acked[p.ID] {
			sum.Lost++
			if sum.Lost <= 10 {
				violate("acknowledged event %s not stored", p.ID)
			}
		}
	}
	for id := range chaos.Outcome.Payments {
		if !valid[id] {
			violate("payment %s stored but no valid event of the stream", id)
		}
	}
	sum.Duplicated = len(chaos.Outcome.Duplicates)
	for _, d := range chaos.Outcome.Duplicates {
		violate("stored or allocated more than once: %s", d)
	}

	// Poison: malformed ones dead-lettered with a reason; forged ones
	// refused at the edge (its reply) and never stored.
	dlq := map[string]kafkabus.DLQRecord{}
	evidence := map[string]kafkabus.DLQRecord{}
	for _, r := range chaos.DLQ {
		if id := r.OriginalHeaders[HeaderPoison]; id != "" {
			dlq[id] = r
		}
		if r.Evidence != nil {
			evidence[r.Evidence.SHA256] = r
		}
	}
	decs, _ := gatewaysim.Decoders(gatewaysim.DemoSecrets())
	forgedWithEvidence := 0
	for _, e := range s.Events {
		switch e.Kind {
		case Malformed:
			r, ok := dlq[e.PoisonID]
			if !ok || r.Reason == "" {
				violate("malformed %s not in payments.dlq with a reason", e.PoisonID)
				continue
			}
			sum.DLQ++
		case Tampered:
			ref, ok := chaos.Refused[e.PoisonID]
			st, _, body := decs[e.Payment.Gateway].Reply(nil)
			if !ok || ref.Status == st && ref.Body == string(body) {
				violate("forged callback %s not refused at the edge: %+v", e.PoisonID, ref)
			}
			if chaos.Outcome.Payments[e.Payment.ID] {
				violate("forged callback %s stored", e.PoisonID)
			}
			if r, ok := evidence[sha256Hex(e.Raw.Body)]; ok && r.Reason != "" {
				forgedWithEvidence++
				sum.DLQ++
			}
		case Create, Amend, Pay:
		}
	}
	sum.Notes = append(sum.Notes, fmt.Sprintf("poison: %d malformed on the topics (all expected in payments.dlq), %d forged callbacks refused at the edge, %d of them with their evidence and reason in payments.dlq (a refusal does not wait for Kafka: evidence lost while the broker is down is only logged)",
		s.Count(Malformed), s.Count(Tampered), forgedWithEvidence))

	// Confirmations: every paid notice once, under one key; none unpaid.
	for _, n := range s.Notices {
		keys := chaos.Sink.Keys[n.ID]
		status := chaos.Outcome.Status[n.ID]
		want := "issued"
		if n.Paid {
			want = "paid"
		}
		if status != want {
			violate("notice %s is %q, the stream makes it %q", n.ID, status, want)
		}
		switch {
		case status == "paid" && keys == 0:
			violate("paid notice %s never confirmed to the sink", n.ID)
		case status != "paid" && keys > 0:
			violate("notice %s is %s but was confirmed", n.ID, status)
		}
		if keys > 0 {
			sum.Confirmations++
		}
		if keys > 1 {
			sum.DuplicateConfirmations += keys - 1
			violate("notice %s confirmed under %d idempotency keys", n.ID, keys)
		}
	}
	redelivered := 0
	for n, d := range chaos.Sink.Deliveries {
		redelivered += d - chaos.Sink.Keys[n]
	}
	sum.Notes = append(sum.Notes, fmt.Sprintf("confirmations: %d POSTs to the sink, %d of them a retry under the same key", chaos.Sink.Posts, redelivered))
	if chaos.Dead > 0 || clean.Dead > 0 {
		violate("outbox messages dead: %d in the chaotic run, %d in the clean run", chaos.Dead, clean.Dead)
	}
	for _, b := range chaos.Sink.Bad {
		violate("sink: %s", b)
	}
	for _, g := range append(chaos.CodeGaps, clean.CodeGaps...) {
		violate("payment code: %s", g)
	}

	// The same outcome as the clean run, and as the batch.
	identical := true
	for _, t := range Compared {
		if d := diffLines(clean.Outcome.Rows[t], chaos.Outcome.Rows[t]); d != "" {
			identical = false
			violate("table %s differs from the clean run: %s", t, d)
		}
	}
	for _, name := range sortedKeys(clean.Report, chaos.Report) {
		a, b, how := comparableReport(name, clean.Report[name]), comparableReport(name, chaos.Report[name]), "bytes"
		if strings.HasSuffix(name, ".json") {
			how = "JSON without " + strings.Join(reportClock, ", ")
		}
		if a == nil && b == nil && len(clean.Report[name]) > 0 && len(chaos.Report[name]) > 0 {
			sum.Notes = append(sum.Notes, "daily report "+name+": not compared (it prints the time it was made: the HTML's Thời điểm lập, the XLSX's cells and zip times)")
			continue
		}
		if !bytes.Equal(a, b) {
			identical = false
			violate("daily report file %s differs from the clean run's (%s): %s", name, how,
				diffLines(strings.Split(string(a), "\n"), strings.Split(string(b), "\n")))
		} else {
			sum.Notes = append(sum.Notes, "daily report "+name+": identical to the clean run's ("+how+")")
		}
	}
	if len(chaos.Report) == 0 {
		identical = false
		violate("no daily report written")
	}
	want, _ := json.MarshalIndent(bv, "", " ")
	got, _ := json.MarshalIndent(chaos.Outcome.Batch, "", " ")
	if !bytes.Equal(want, got) {
		identical = false
		if dir != "" {
			_ = os.WriteFile(filepath.Join(dir, "batch-view.json"), want, 0o600) //nolint:gosec // G703: the harness's own work directory
			_ = os.WriteFile(filepath.Join(dir, "chaos-view.json"), got, 0o600)  //nolint:gosec // G703: the harness's own work directory
		}
		violate("notices, allocations or exceptions differ from feerecon reconcile's: %s", diffLines(strings.Split(string(want), "\n"), strings.Split(string(got), "\n")))
	}
	sum.ReportIdentical = identical
	if chaos.Unplanned > 0 {
		sum.Notes = append(sum.Notes, fmt.Sprintf("%d times an instance was found not running during quiescence and started again", chaos.Unplanned))
	}
	return sum
}

func sortedKeys(ms ...map[string][]byte) []string {
	var ks []string
	for _, m := range ms {
		for k := range m {
			if !slices.Contains(ks, k) {
				ks = append(ks, k)
			}
		}
	}
	slices.Sort(ks)
	return ks
}

// diffLines names the first lines only one side has ("" if none).
func diffLines(want, got []string) string {
	w, g := map[string]int{}, map[string]int{}
	for _, l := range want {
		w[l]++
	}
	for _, l := range got {
		g[l]++
	}
	var out []string
	for _, l := range want {
		if g[l] < w[l] {
			out = append(out, "clean/batch only: "+l)
			g[l]++
		}
		if len(out) >= 3 {
			break
		}
	}
	for _, l := range got {
		if w[l] == 0 {
			out = append(out, "chaos only: "+l)
		}
		if len(out) >= 6 {
			break
		}
	}
	if len(out) == 0 && len(want) != len(got) {
		out = append(out, fmt.Sprintf("%d lines against %d", len(want), len(got)))
	}
	return strings.Join(out, " | ")
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// reportClock are the fields of a daily report's JSON that hold the time
// of the run that made it (as_of: when `feerecon report` ran;
// created_at: when the streaming path raised each exception) or depend on
// them (sha256, of the whole document).
var reportClock = []string{"as_of", "created_at", "sha256"}

// comparableReport is the form of a report file that two runs over the
// same stream must share: CSV as written, JSON without reportClock; nil
// for the renderings that print the time they were made (HTML, XLSX).
func comparableReport(name string, b []byte) []byte {
	switch {
	case b == nil:
		return nil
	case strings.HasSuffix(name, ".csv"):
		return b
	case strings.HasSuffix(name, ".json"):
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			return b
		}
		out, err := json.MarshalIndent(stripKeys(v), "", "  ")
		if err != nil {
			return b
		}
		return out
	default:
		return nil
	}
}

func stripKeys(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range reportClock {
			delete(x, k)
		}
		for k, e := range x {
			x[k] = stripKeys(e)
		}
	case []any:
		for i, e := range x {
			x[i] = stripKeys(e)
		}
	}
	return v
}
