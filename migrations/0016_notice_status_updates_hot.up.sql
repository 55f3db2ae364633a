-- A notice's status changes once or twice in its life, each time a
-- payment decides it (issue 13): the update was never HOT — status sat in
-- the predicate of the open-amount index, so every status change wrote a
-- new entry in each of the table's six indexes. The suggestions' index no
-- longer names status (OpenNoticesByAmount filters it, reading the
-- amount's notices of the window newest first), and pages keep a fifth
-- free so that the new row version fits beside the old.
DROP INDEX notices_open_amount;
CREATE INDEX notices_amount_issued ON notices (amount, issued_at);
ALTER TABLE notices SET (fillfactor = 80);
