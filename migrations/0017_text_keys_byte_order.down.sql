-- Back to the database's default collation.
ALTER TABLE action_requests
    ALTER COLUMN exception_id TYPE text COLLATE "default",
    ALTER COLUMN id TYPE text COLLATE "default",
    ALTER COLUMN state TYPE text COLLATE "default";
ALTER TABLE allocations
    ALTER COLUMN notice_id TYPE text COLLATE "default",
    ALTER COLUMN notice_system TYPE text COLLATE "default",
    ALTER COLUMN payment_id TYPE text COLLATE "default";
ALTER TABLE api_keys
    ALTER COLUMN id TYPE text COLLATE "default",
    ALTER COLUMN system TYPE text COLLATE "default";
ALTER TABLE audit_cursors
    ALTER COLUMN name TYPE text COLLATE "default";
ALTER TABLE audit_log
    ALTER COLUMN action TYPE text COLLATE "default",
    ALTER COLUMN actor TYPE text COLLATE "default",
    ALTER COLUMN entity TYPE text COLLATE "default";
ALTER TABLE consumer_offsets
    ALTER COLUMN group_id TYPE text COLLATE "default",
    ALTER COLUMN topic TYPE text COLLATE "default";
ALTER TABLE exceptions
    ALTER COLUMN assigned_to TYPE text COLLATE "default",
    ALTER COLUMN id TYPE text COLLATE "default",
    ALTER COLUMN kind TYPE text COLLATE "default",
    ALTER COLUMN payment_id TYPE text COLLATE "default",
    ALTER COLUMN status TYPE text COLLATE "default";
ALTER TABLE notice_items
    ALTER COLUMN notice_id TYPE text COLLATE "default",
    ALTER COLUMN system TYPE text COLLATE "default";
ALTER TABLE notices
    ALTER COLUMN dossier_key TYPE text COLLATE "default",
    ALTER COLUMN id TYPE text COLLATE "default",
    ALTER COLUMN payment_code TYPE text COLLATE "default",
    ALTER COLUMN system TYPE text COLLATE "default";
ALTER TABLE outbox
    ALTER COLUMN id TYPE text COLLATE "default",
    ALTER COLUMN kind TYPE text COLLATE "default";
ALTER TABLE payment_awaits
    ALTER COLUMN key TYPE text COLLATE "default",
    ALTER COLUMN kind TYPE text COLLATE "default",
    ALTER COLUMN payment_id TYPE text COLLATE "default";
ALTER TABLE payment_refs
    ALTER COLUMN notice_id TYPE text COLLATE "default",
    ALTER COLUMN notice_system TYPE text COLLATE "default",
    ALTER COLUMN payment_id TYPE text COLLATE "default";
ALTER TABLE payments
    ALTER COLUMN bank_ref TYPE text COLLATE "default",
    ALTER COLUMN gateway TYPE text COLLATE "default",
    ALTER COLUMN id TYPE text COLLATE "default",
    ALTER COLUMN txn_id TYPE text COLLATE "default";
ALTER TABLE reports
    ALTER COLUMN agency TYPE text COLLATE "default",
    ALTER COLUMN id TYPE text COLLATE "default";
ALTER TABLE reversals
    ALTER COLUMN gateway TYPE text COLLATE "default",
    ALTER COLUMN id TYPE text COLLATE "default",
    ALTER COLUMN payment_id TYPE text COLLATE "default",
    ALTER COLUMN txn_id TYPE text COLLATE "default";
ALTER TABLE sessions
    ALTER COLUMN login TYPE text COLLATE "default";
ALTER TABLE statement_lines
    ALTER COLUMN statement_id TYPE text COLLATE "default";
ALTER TABLE statements
    ALTER COLUMN id TYPE text COLLATE "default";
ALTER TABLE users
    ALTER COLUMN login TYPE text COLLATE "default";
