package daily_test

import "encoding/json"

func jsonRoundTrip(b []byte, v any) error { return json.Unmarshal(b, v) }
