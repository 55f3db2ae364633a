package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/feerecon/feerecon/apikey"
	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/postgres"
)

func apikeyCmd(g *globals) *cobra.Command {
	var db string
	c := &cobra.Command{
		Use:   "apikey",
		Short: "Create, list and revoke the API keys of procedure systems and operators",
		Long: `Every /v1 call carries a key (Authorization: Bearer frk_<id>_<secret>). A key of role system
issues and reads its own system's notices; a key of role operator reads exceptions and the outbox
and resolves exceptions. The database keeps the key's id and the SHA-256 of its secret only: the
key is printed once, by create. Rotate by creating a second key, then revoking the first.`,
	}
	dbFlag(c.PersistentFlags(), &db)
	open := func(cmd *cobra.Command) (*postgres.Store, error) {
		if db == "" {
			return nil, config.Errorf("--db (or FEERECON_DB) is required")
		}
		return postgres.Open(cmd.Context(), db)
	}

	var name, role string
	create := &cobra.Command{
		Use:   "create --system NAME [--role system|operator]",
		Short: "Make a key; the key is the last line of standard output, shown this once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := g.logger()
			if err != nil {
				return err
			}
			p := config.In("apikey create")
			if !store.ValidName(name) {
				p.Addf("--system %q: 1-64 letters, digits, '.', '_', ':' or '-', starting with a letter or digit", name)
			}
			if !slices.Contains(store.KeyRoles(), store.KeyRole(role)) {
				p.Addf("--role %q: want system or operator", role)
			}
			if err := p.Err(); err != nil {
				return err
			}
			st, err := open(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			k, err := apikey.New()
			if err != nil {
				return err
			}
			rec := store.APIKey{ID: k.ID, System: name, Role: store.KeyRole(role), SecretHash: k.Hash, CreatedAt: time.Now()}
			if err := st.InTx(cmd.Context(), func(tx store.Tx) error {
				if err := tx.CreateAPIKey(cmd.Context(), rec); err != nil {
					return err
				}
				return appendKeyAudit(cmd, tx, store.AuditAPIKeyCreate, rec)
			}); err != nil {
				return err
			}
			log.Info("api key created", "id", rec.ID, "system", rec.System, "role", rec.Role)
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "key %s for %s (role %s); it is shown this once, store it now:\n", rec.ID, rec.System, rec.Role)
			fmt.Fprintln(out, k.Text)
			return nil
		},
	}
	create.Flags().StringVar(&name, "system", "", "the procedure system the key acts for (role system), or the operator it is for (role operator)")
	create.Flags().StringVar(&role, "role", string(store.RoleSystem), "system or operator")

	list := &cobra.Command{
		Use:   "list",
		Short: "List every key: id, system, role, created, revoked (never a secret)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := open(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			var keys []store.APIKey
			if err := st.InTx(cmd.Context(), func(tx store.Tx) error {
				keys, err = tx.ListAPIKeys(cmd.Context())
				return err
			}); err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tSYSTEM\tROLE\tCREATED\tREVOKED")
			for _, k := range keys {
				revoked := "-"
				if k.RevokedAt != nil {
					revoked = k.RevokedAt.UTC().Format(time.RFC3339)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.System, k.Role, k.CreatedAt.UTC().Format(time.RFC3339), revoked)
			}
			return w.Flush()
		},
	}

	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a key: refused from the next request on",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			log, err := g.logger()
			if err != nil {
				return err
			}
			id := args[0]
			if !apikey.ValidID(id) {
				return config.Errorf("apikey revoke %q: a key id is 16 lower-case hex digits (feerecon apikey list)", id)
			}
			st, err := open(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			var k store.APIKey
			err = st.InTx(cmd.Context(), func(tx store.Tx) error {
				if err := tx.RevokeAPIKey(cmd.Context(), id, time.Now()); err != nil {
					return err
				}
				if k, err = tx.APIKey(cmd.Context(), id); err != nil {
					return err
				}
				return appendKeyAudit(cmd, tx, store.AuditAPIKeyRevoke, k)
			})
			switch {
			case errors.Is(err, store.ErrNotFound):
				return fmt.Errorf("apikey revoke: no key %s", id)
			case errors.Is(err, store.ErrConflict):
				return fmt.Errorf("apikey revoke: key %s is revoked already", id)
			case err != nil:
				return err
			}
			log.Info("api key revoked", "id", k.ID, "system", k.System, "role", k.Role)
			fmt.Fprintf(cmd.OutOrStdout(), "key %s of %s (role %s) revoked\n", k.ID, k.System, k.Role)
			return nil
		},
	}
	c.AddCommand(create, list, revoke)
	return c
}

// appendKeyAudit records a key's creation or revocation; the secret's
// hash stays out of the log.
func appendKeyAudit(cmd *cobra.Command, tx store.Tx, action store.AuditAction, k store.APIKey) error {
	detail := map[string]any{"system": k.System, "role": k.Role}
	if k.RevokedAt != nil {
		detail["revoked_at"] = k.RevokedAt.UTC()
	}
	b, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	at := k.CreatedAt
	if k.RevokedAt != nil {
		at = *k.RevokedAt
	}
	return tx.AppendAudit(cmd.Context(), store.AuditEntry{At: at, Actor: store.ActorCLI, Action: action, Entity: store.APIKeyEntity(k.ID), Detail: b})
}
