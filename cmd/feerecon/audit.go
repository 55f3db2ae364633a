package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/postgres"
)

// auditPage is how many entries verify reads per transaction: a keyset
// page, so that a chain of millions is walked in bounded memory.
const auditPage = 10_000

// auditProgress is how often verify logs its progress, in entries.
const auditProgress = 500_000

func auditCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "audit",
		Short: "The tamper-evident audit chain",
	}
	c.AddCommand(auditVerifyCmd(g))
	return c
}

func auditVerifyCmd(g *globals) *cobra.Command {
	var (
		db    string
		from  int64
		heads []string
	)
	c := &cobra.Command{
		Use:   "verify",
		Short: "Walk the audit chain recomputing every hash; exit 1 naming the first broken seq",
		Long: `verify reads the audit log in seq order from --from on and checks every entry: its seq follows
the previous one (no entry missing), its stored canonical bytes are those of its columns (no
content changed), its prev_hash is the previous entry's hash (no broken link) and its hash is
SHA-256(prev_hash ‖ canonical bytes) (no hash changed). Intact, it prints the head (seq and
hash) and exits 0; broken, it names the first broken seq and exits 1.

A chain alone cannot tell that its tail was cut off or that it was rebuilt whole: give the
heads published elsewhere (each daily report carries the head at its cut-off; the treasury
keeps a copy) with --head SEQ:HASH, and verify checks that the chain still holds each.
With --from SEQ > 1 the entry before SEQ is taken on trust.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := g.logger()
			if err != nil {
				return err
			}
			p := config.In("audit verify")
			if db == "" {
				p.Addf("--db (or FEERECON_DB) is required")
			}
			if from < 1 {
				p.Addf("--from %d: the first seq is 1", from)
			}
			published := make([]store.AuditLink, 0, len(heads))
			for _, h := range heads {
				l, err := store.ParseAuditLink(h)
				if err != nil {
					p.Addf("--head: %v", err)
					continue
				}
				published = append(published, l)
			}
			if err := p.Err(); err != nil {
				return err
			}
			st, err := postgres.Open(cmd.Context(), db)
			if err != nil {
				return err
			}
			defer st.Close()
			return verifyAudit(cmd.Context(), st, from, published, cmd.OutOrStdout(), log)
		},
	}
	dbFlag(c.Flags(), &db)
	c.Flags().Int64Var(&from, "from", 1, "first seq to verify")
	c.Flags().StringArrayVar(&heads, "head", nil, "a published head SEQ:HASH the chain must still hold (repeatable)")
	return c
}

// verifyAudit walks the chain of st from seq from on, checking each
// published head on the way, and prints the head.
func verifyAudit(ctx context.Context, st store.Store, from int64, published []store.AuditLink, out io.Writer, log *slog.Logger) error {
	want := map[int64]string{}
	for _, l := range published {
		want[l.Seq] = l.Hash
	}
	v := store.NewAuditVerifier(from)
	for next := from; ; {
		var page []store.AuditRecord
		err := st.InTx(ctx, func(tx store.Tx) error {
			var err error
			page, err = tx.AuditRecords(ctx, next, auditPage)
			return err
		})
		if err != nil {
			return fmt.Errorf("audit verify: %w", err)
		}
		for _, r := range page {
			if err := v.Next(r); err != nil {
				return err
			}
			if h, ok := want[r.Seq]; ok {
				if got := r.Link().Hash; got != h {
					return &store.BrokenChainError{Seq: r.Seq, Reason: "its hash is not the published head's " + h}
				}
				delete(want, r.Seq)
			}
			if v.Checked()%auditProgress == 0 {
				log.InfoContext(ctx, "audit verify progress", slog.Int64("checked", v.Checked()), slog.Int64("seq", r.Seq))
			}
		}
		if len(page) < auditPage {
			break
		}
		next = page[len(page)-1].Seq + 1
	}
	head := v.Head()
	if v.Checked() == 0 && from > 1 {
		return &store.BrokenChainError{Seq: from, Reason: "no entry at this seq: the chain is shorter"}
	}
	for seq := range want {
		if seq >= from {
			return &store.BrokenChainError{Seq: head.Seq + 1,
				Reason: fmt.Sprintf("the chain ends at seq %d, before the published head seq %d: entries are missing", head.Seq, seq)}
		}
		log.WarnContext(ctx, "published head before --from: not checked", slog.Int64("seq", seq))
	}
	log.InfoContext(ctx, "audit chain intact", slog.Int64("checked", v.Checked()), slog.Int64("head_seq", head.Seq))
	if v.Checked() == 0 {
		fmt.Fprintln(out, "audit chain intact: empty; head seq 0")
		return nil
	}
	link := head.Link()
	fmt.Fprintf(out, "audit chain intact: %d entries checked from seq %d; head seq %d hash %s\n", v.Checked(), from, link.Seq, link.Hash)
	return nil
}
