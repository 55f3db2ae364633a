-- What the console searches by (store.Searches): a notice by its payer's
-- name folded, and the audit chain by actor and by action, newest first.

-- payer_key is reconcile.FoldName of payer_name, written in SQL: canonical
-- decomposition (NFD; the database's encoding is UTF8), the combining
-- marks of Latin text dropped (Vietnamese tones and vowel marks), đ/Đ as
-- D, a-z upper-cased without the locale (translate, not upper(): a
-- Turkish locale would upper-case i to İ), and every run of anything but
-- A-Z and 0-9 one space, trimmed. The conformance suite checks that the
-- memory store's FoldName and this column find the same notices.
ALTER TABLE notices ADD COLUMN payer_key TEXT GENERATED ALWAYS AS (
    btrim(regexp_replace(
        translate(
            translate(
                regexp_replace(normalize(payer_name, NFD), '[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]', '', 'g'),
                'đĐ', 'dD'),
            'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
        '[^A-Z0-9]+', ' ', 'g'))
) STORED;

-- A notice id alone (a person types it without its system) is indexed by
-- 0007 (notices_id).

-- The audit page filters by actor or action and pages by seq downwards.
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);
