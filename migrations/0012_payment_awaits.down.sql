DROP TABLE IF EXISTS payment_awaits;
