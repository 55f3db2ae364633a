package dailyrun_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/feerecon/feerecon/dailyrun"
	"github.com/feerecon/feerecon/gateways"
	"github.com/feerecon/feerecon/gateways/camt054"
	"github.com/feerecon/feerecon/ingest"
	"github.com/feerecon/feerecon/outbox"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
	"github.com/feerecon/feerecon/reconcile/daily"
	"github.com/feerecon/feerecon/statements/camt053"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/conformance"
)

// The bank's day in three messages: the credit notified intraday by
// camt.054 on the 26th, its reversal notified by camt.054 on the 27th, and
// the 27th's camt.053 statement (testdata/statements/camt053.vnd.reversal.xml)
// that lists the same reversal entry, FT26331100000042.
const (
	camt054Secret      = "feerecon-test-camt054-secret-001"
	reversalStatement  = "../testdata/statements/camt053.vnd.reversal.xml"
	creditRef          = "FT26330100000001"
	reversalID         = "camt054:FT26331100000042"
	creditNotification = `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>VCB-MSG-20261126-0001</MsgId><CreDtTm>2026-11-26T09:31:00+07:00</CreDtTm></GrpHdr>
<Ntfctn><Id>VCB-NTF-20261126-0001</Id><Acct><Id><Othr><Id>0071000123456</Id></Othr></Id><Ccy>VND</Ccy></Acct>
<Ntry><Amt Ccy="VND">150000</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><DtTm>2026-11-26T09:30:00+07:00</DtTm></BookgDt><AcctSvcrRef>FT26330100000001</AcctSvcrRef>
<NtryDtls><TxDtls><Refs><EndToEndId>NAPAS-123456</EndToEndId></Refs>
<RltdPties><Dbtr><Pty><Nm>NGUYEN VAN A</Nm></Pty></Dbtr></RltdPties>
<RmtInf><Ustrd>NOP LE PHI CODE</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>`
	reversalNotification = `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>VCB-MSG-20261127-0002</MsgId><CreDtTm>2026-11-27T10:03:00+07:00</CreDtTm></GrpHdr>
<Ntfctn><Id>VCB-NTF-20261127-0002</Id><Acct><Id><Othr><Id>0071000123456</Id></Othr></Id><Ccy>VND</Ccy></Acct>
<Ntry><Amt Ccy="VND">150000</Amt><CdtDbtInd>DBIT</CdtDbtInd><RvslInd>true</RvslInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><DtTm>2026-11-27T10:02:11+07:00</DtTm></BookgDt><AcctSvcrRef>FT26331100000042</AcctSvcrRef>
<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>RRTN</SubFmlyCd></Fmly></Domn></BkTxCd>
<NtryDtls><TxDtls><Refs><AcctSvcrRef>FT26330100000001</AcctSvcrRef><EndToEndId>NAPAS-123456</EndToEndId></Refs>
<RmtInf><Ustrd>HOAN TRA GD FT26330100000001 DO SAI THONG TIN</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>`
)

// bankDay is one backend's state for the bank's day: a notice confirmed
// as paid by the camt.054 credit.
type bankDay struct {
	t      *testing.T
	st     store.Store
	pr     *ingest.Processor
	dec    *camt054.Decoder
	notice payment.Notice
	credit string // the credit's payment id
	now    time.Time
}

func newBankDay(t *testing.T, st store.Store) *bankDay {
	t.Helper()
	ctx := context.Background()
	n := conformance.Notice(t, "dvc", "N1", 1, 150_000)
	if err := st.InTx(ctx, func(tx store.Tx) error { return tx.CreateNotice(ctx, n) }); err != nil {
		t.Fatal(err)
	}
	eng, err := reconcile.NewEngine(reconcile.Config{})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := camt054.New(camt054.Config{Secret: camt054Secret})
	if err != nil {
		t.Fatal(err)
	}
	b := &bankDay{t: t, st: st, dec: dec, notice: n, now: at(27, 23, 30),
		credit: payment.PaymentID(payment.GatewayCamt054, creditRef)}
	b.pr = ingest.New(st, eng, func() time.Time { return b.now }, nil)
	raw := signed(strings.Replace(creditNotification, "CODE", string(n.Code), 1))
	if s, err := b.pr.HandleRaw(ctx, dec, raw, "payments.raw.camt054/0/1"); err != nil || s.Recorded != 1 {
		t.Fatalf("credit: %+v, %v", s, err)
	}
	if got := b.status(); got != payment.NoticePaid {
		t.Fatalf("after the credit the notice is %s, want paid", got)
	}
	if ms := outboxOf(t, st, store.OutboxConfirmation); len(ms) != 1 {
		t.Fatalf("%d confirmations, want 1", len(ms))
	}
	return b
}

func signed(body string) gateways.Raw {
	m := hmac.New(sha256.New, []byte(camt054Secret))
	m.Write([]byte(body))
	return gateways.Raw{Body: []byte(body), Headers: map[string]string{camt054.HeaderSignature: hex.EncodeToString(m.Sum(nil))}}
}

// notify delivers the camt.054 reversal as serve's consumer does.
func (b *bankDay) notify() {
	b.t.Helper()
	s, err := b.pr.HandleRaw(context.Background(), b.dec, signed(reversalNotification), "payments.raw.camt054/0/2")
	if err != nil || s.Reversals != 1 {
		b.t.Fatalf("camt.054 reversal: %+v, %v", s, err)
	}
}

// importStatement imports the 27th's statement with b's processor.
func (b *bankDay) importStatement() dailyrun.Imported {
	b.t.Helper()
	body, err := os.ReadFile(reversalStatement)
	if err != nil {
		b.t.Fatal(err)
	}
	imp, err := dailyrun.ImportStatement(context.Background(), b.st, body,
		dailyrun.ImportOptions{Policy: payment.DefaultAmountPolicy(), Now: b.now, Reverser: b.pr})
	if err != nil {
		b.t.Fatalf("import: %v", err)
	}
	return imp
}

func (b *bankDay) status() payment.NoticeStatus {
	b.t.Helper()
	var n payment.Notice
	if err := b.st.InTx(context.Background(), func(tx store.Tx) error {
		var err error
		n, err = tx.Notice(context.Background(), b.notice.System, b.notice.ID)
		return err
	}); err != nil {
		b.t.Fatal(err)
	}
	return n.Status
}

// reversedOnce checks the final state every order must reach: the notice
// issued again, nothing allocated, one reversal stored naming the credit,
// one payment.reversed message per channel with its idempotency key, and
// the 27th's ALL report listing the reversal.
func (b *bankDay) reversedOnce() {
	t := b.t
	t.Helper()
	ctx := context.Background()
	if got := b.status(); got != payment.NoticeIssued {
		t.Errorf("notice is %s, want issued", got)
	}
	if err := b.st.InTx(ctx, func(tx store.Tx) error {
		as, err := tx.AllocationsByNotice(ctx, b.notice.System, b.notice.ID)
		if err != nil {
			return err
		}
		if len(as) != 0 {
			t.Errorf("allocations %+v, want none", as)
		}
		rs, err := tx.ListReversals(ctx, at(20, 0, 0), at(30, 0, 0))
		if err != nil {
			return err
		}
		if len(rs) != 1 || rs[0].ID != reversalID || rs[0].PaymentID != b.credit || !rs[0].Amount.Equal(payment.VNDOf(150_000)) {
			t.Errorf("reversals %+v, want %s of %s once", rs, reversalID, b.credit)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	id := outbox.Reversed.ID(b.notice.System, b.notice.ID, reversalID)
	for kind, want := range map[store.OutboxKind]string{store.OutboxReversal: id, store.OutboxReversalKafka: outbox.KafkaID(id)} {
		if ms := outboxOf(t, b.st, kind); len(ms) != 1 || ms[0].ID != want {
			t.Errorf("%s messages %+v, want one %s", kind, ms, want)
		}
	}
	job, err := dailyrun.NewJob(b.st, dailyrun.Config{DayRules: daily.DefaultDayRules(), Clock: func() time.Time { return b.now }})
	if err != nil {
		t.Fatal(err)
	}
	reps, err := job.Run(ctx, businessDate.AddDays(1), daily.AgencyAll)
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 1 || len(reps[0].Reversals) != 1 || reps[0].Reversals[0].ReversalID != reversalID ||
		reps[0].Reversals[0].PaymentID != b.credit {
		t.Errorf("the 27th's ALL report: %d reports, reversals %+v", len(reps), reversalsOf(reps))
	}
}

func reversalsOf(reps []daily.Report) []daily.ReversalLine {
	if len(reps) == 0 {
		return nil
	}
	return reps[0].Reversals
}

// A camt.053 reversal is applied on import, and the same bank entry
// notified by camt.054 is that one reversal whichever comes first: one
// reversal stored, one payment.reversed per notice, the same final state;
// a re-import sends nothing more.
func TestStatementReversalIsTheCamt054Reversal(t *testing.T) {
	t.Parallel()
	orders := map[string]func(b *bankDay){
		"statement alone, imported twice": func(b *bankDay) {
			imp := b.importStatement()
			if imp.Duplicate || imp.Reversals != 1 || imp.Applied != 1 || imp.Unknown != 0 || imp.Before != 0 {
				t.Errorf("first import %+v", imp)
			}
			if got, want := imp.String(), "imported camt053 camt053:0071000123456:0071000123456-20261127 lines=3 reversals=1 applied=1 unknown=0 before=0"; got != want {
				t.Errorf("summary %q, want %q", got, want)
			}
			again := b.importStatement()
			if !again.Duplicate || again.Reversals != 1 || again.Applied != 0 || again.Before != 1 {
				t.Errorf("re-import %+v", again)
			}
		},
		"camt.054 then camt.053": func(b *bankDay) {
			b.notify()
			if imp := b.importStatement(); imp.Duplicate || imp.Reversals != 1 || imp.Applied != 0 || imp.Before != 1 {
				t.Errorf("import after camt.054 %+v: the reversal was recorded before", imp)
			}
		},
		"camt.053 then camt.054": func(b *bankDay) {
			if imp := b.importStatement(); imp.Applied != 1 {
				t.Errorf("import %+v", imp)
			}
			b.notify()
		},
	}
	for name, run := range orders {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			backends(t, func(t *testing.T, st store.Store) {
				b := newBankDay(t, st)
				run(b)
				b.reversedOnce()
			})
		})
	}
}

// failingReverser fails like a crash between the statement's transaction
// and its reversals'.
type failingReverser struct{}

var errCrash = errors.New("connection lost")

func (failingReverser) Reverse(context.Context, payment.Reversal) (ingest.ReversalOutcome, error) {
	return ingest.ReversalOutcome{}, errCrash
}

// The statement is stored, then applying its reversal fails: the import
// reports the (transient) error, and importing again — a duplicate now —
// applies the reversal: nothing is lost between the two transactions.
func TestStatementReversalSurvivesACrashAfterTheStatement(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, st store.Store) {
		b := newBankDay(t, st)
		body, err := os.ReadFile(reversalStatement)
		if err != nil {
			t.Fatal(err)
		}
		_, err = dailyrun.ImportStatement(context.Background(), st, body,
			dailyrun.ImportOptions{Policy: payment.DefaultAmountPolicy(), Now: b.now, Reverser: failingReverser{}})
		if !errors.Is(err, errCrash) || errors.Is(err, dailyrun.ErrParse) {
			t.Fatalf("import = %v, want the reverser's error, not a parse error", err)
		}
		if got := b.status(); got != payment.NoticePaid {
			t.Fatalf("notice %s after the failed reversal, want still paid", got)
		}
		imp := b.importStatement()
		if !imp.Duplicate || imp.Applied != 1 {
			t.Errorf("re-import %+v: want a duplicate statement that applies its reversal", imp)
		}
		b.reversedOnce()
	})
}

// Reversals naming no payment feerecon has are stored with an
// unknown_reversal exception each and counted as unknown; a file with
// reversals and no reverser, or with a reversal id that cannot be stored,
// is refused before anything is stored, with a typed error.
func TestStatementReversalsUnknownAndRefused(t *testing.T) {
	t.Parallel()
	returns, err := os.ReadFile("../testdata/statements/camt053.vnd.returns.xml")
	if err != nil {
		t.Fatal(err)
	}
	backends(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		if _, err := dailyrun.ImportStatement(ctx, st, returns, dailyrun.ImportOptions{Policy: payment.DefaultAmountPolicy(), Now: at(28, 23, 0)}); !errors.Is(err, dailyrun.ErrNoReverser) {
			t.Errorf("without a reverser: %v, want ErrNoReverser", err)
		}
		bad := []byte(strings.Replace(string(returns), "FT26332100000007", strings.Repeat("F", 81), 1))
		if _, err := dailyrun.ImportStatement(ctx, st, bad, importOptions(st, at(28, 23, 0))); !errors.Is(err, dailyrun.ErrParse) || !errors.Is(err, camt053.ErrBadField) {
			t.Errorf("a reversal id of 81 bytes: %v, want ErrParse and camt053.ErrBadField", err)
		}
		if n := len(storedLines(t, st)); n != 0 {
			t.Fatalf("%d lines stored by refused imports", n)
		}
		imp, err := dailyrun.ImportStatement(ctx, st, returns, importOptions(st, at(28, 23, 0)))
		if err != nil {
			t.Fatal(err)
		}
		if imp.Reversals != 2 || imp.Unknown != 2 || imp.Applied != 0 || !strings.HasSuffix(imp.String(), " reversals=2 applied=0 unknown=2 before=0") {
			t.Errorf("import %+v (%s)", imp, imp)
		}
		for _, id := range []string{"camt054:FT26332100000007", "camt054:0071000123456-20261128/2"} {
			if err := st.InTx(ctx, func(tx store.Tx) error {
				e, err := tx.Exception(ctx, reconcile.ExceptionID(reconcile.ExceptionUnknownReversal, id))
				if err != nil {
					return err
				}
				if e.Status != reconcile.ExceptionOpen {
					t.Errorf("%s exception %+v", id, e)
				}
				return nil
			}); err != nil {
				t.Errorf("unknown_reversal of %s: %v", id, err)
			}
		}
	})
}
