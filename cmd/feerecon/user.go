package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/store"
	"github.com/feerecon/feerecon/store/postgres"
	"github.com/feerecon/feerecon/user"
)

// userCmd manages people's accounts. Passwords are read from standard
// input, never from a flag (a flag shows in the process list and the
// shell's history).
func userCmd(g *globals) *cobra.Command {
	var db string
	c := &cobra.Command{
		Use:   "user",
		Short: "People's accounts: add, disable, set a password, list (passwords from standard input)",
	}
	dbFlag(c.PersistentFlags(), &db)
	var (
		login    string
		role     string
		agencies []string
	)
	add := &cobra.Command{
		Use:   "add --login L --role admin|accountant|approver|auditor [--agency CODE]... < password",
		Short: "Add a person; the password is the first line of standard input",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pw, err := readPassword(cmd.InOrStdin())
			if err != nil {
				return err
			}
			h, err := user.HashPassword(pw, user.OWASPParams())
			if err != nil {
				return config.Wrap("user add", err)
			}
			now := time.Now().UTC().Truncate(time.Microsecond)
			u := user.User{Login: login, Role: user.Role(role), Agencies: agencies, PasswordHash: h, CreatedAt: now, UpdatedAt: now}
			if err := u.Validate(); err != nil {
				return config.Wrap("user add", err)
			}
			return withUsers(cmd.Context(), g, db, func(tx store.Tx) error {
				if err := tx.CreateUser(cmd.Context(), u); err != nil {
					return err
				}
				return auditUser(cmd.Context(), tx, store.AuditUserAdd, u, now)
			}, func() { fmt.Fprintf(cmd.OutOrStdout(), "added %s (%s)\n", u.Login, u.Role) })
		},
	}
	add.Flags().StringVar(&login, "login", "", "login: 3 to 64 of a-z, 0-9, '.', '_', '-'")
	add.Flags().StringVar(&role, "role", "", "admin, accountant, approver or auditor")
	add.Flags().StringArrayVar(&agencies, "agency", nil, "agency code the role covers (repeatable; required for accountant and approver)")

	disable := &cobra.Command{
		Use:   "disable LOGIN",
		Short: "Disable a person: no login, and every session of theirs ends at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return changeUser(cmd, g, db, args[0], store.AuditUserDisable, func(u *user.User) error {
				u.Disabled = true
				return nil
			})
		},
	}
	passwd := &cobra.Command{
		Use:   "passwd LOGIN < password",
		Short: "Set a person's password (first line of standard input); their sessions end and a lock-out is lifted",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pw, err := readPassword(cmd.InOrStdin())
			if err != nil {
				return err
			}
			h, err := user.HashPassword(pw, user.OWASPParams())
			if err != nil {
				return config.Wrap("user passwd", err)
			}
			return changeUser(cmd, g, db, args[0], store.AuditUserPassword, func(u *user.User) error {
				u.PasswordHash, u.FailedLogins, u.LockedUntil = h, 0, time.Time{}
				return nil
			})
		},
	}
	var newRole string
	var newAgencies []string
	roleCmd := &cobra.Command{
		Use:   "role LOGIN --role R [--agency CODE]...",
		Short: "Change a person's role and agencies; their sessions end (a new session at the next login)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return changeUser(cmd, g, db, args[0], store.AuditUserRole, func(u *user.User) error {
				u.Role, u.Agencies = user.Role(newRole), newAgencies
				return config.Wrap("user role", u.Validate())
			})
		},
	}
	roleCmd.Flags().StringVar(&newRole, "role", "", "admin, accountant, approver or auditor")
	roleCmd.Flags().StringArrayVar(&newAgencies, "agency", nil, "agency code the role covers (repeatable; replaces the old list)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List people: login, role, agencies, disabled, locked (never a password hash)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var us []user.User
			err := withUsers(cmd.Context(), g, db, func(tx store.Tx) error {
				var err error
				us, err = tx.ListUsers(cmd.Context())
				return err
			}, func() {})
			if err != nil {
				return err
			}
			now := time.Now()
			for _, u := range us {
				state := "active"
				switch {
				case u.Disabled:
					state = "disabled"
				case now.Before(u.LockedUntil):
					state = "locked until " + u.LockedUntil.UTC().Format(time.RFC3339)
				}
				agencies := strings.Join(u.Agencies, ",")
				if agencies == "" {
					agencies = "*"
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\t%s\t%s\n", u.Login, u.Role, agencies, state)
			}
			return nil
		},
	}
	c.AddCommand(add, disable, passwd, roleCmd, list)
	return c
}

// readPassword reads the first line of r (without its line end).
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, user.MaxPasswordLen+2)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", config.Errorf("no password on standard input (echo the password | feerecon user …)")
	}
	return pw, nil
}

// withUsers opens the store at db and runs fn in one transaction; done
// runs after the commit.
func withUsers(ctx context.Context, g *globals, db string, fn func(tx store.Tx) error, done func()) error {
	if _, err := g.logger(); err != nil {
		return err
	}
	if db == "" {
		return config.Errorf("--db (or FEERECON_DB) is required")
	}
	st, err := postgres.Open(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.InTx(ctx, fn); err != nil {
		return err
	}
	done()
	return nil
}

// changeUser applies change to login's account, ends the person's
// sessions and audits action, in one transaction.
func changeUser(cmd *cobra.Command, g *globals, db, login string, action store.AuditAction, change func(*user.User) error) error {
	ctx := cmd.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	return withUsers(ctx, g, db, func(tx store.Tx) error {
		u, err := tx.User(ctx, login)
		if err != nil {
			return err
		}
		if err := change(&u); err != nil {
			return err
		}
		u.UpdatedAt = now
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if err := tx.DeleteSessions(ctx, login); err != nil {
			return err
		}
		return auditUser(ctx, tx, action, u, now)
	}, func() { fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", action, login) })
}

func auditUser(ctx context.Context, tx store.Tx, action store.AuditAction, u user.User, now time.Time) error {
	detail, err := json.Marshal(struct {
		Role     user.Role `json:"role"`
		Agencies []string  `json:"agencies"`
		Disabled bool      `json:"disabled"`
	}{u.Role, u.Agencies, u.Disabled})
	if err != nil {
		return err
	}
	return tx.AppendAudit(ctx, store.AuditEntry{At: now, Actor: store.ActorCLI, Action: action, Entity: store.UserEntity(u.Login), Detail: detail})
}
