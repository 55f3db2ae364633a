DROP TABLE api_keys;
DROP FUNCTION api_keys_guard();
