package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"time"
)

// rfc3339 is RFC 3339's date-time, as the OpenAPI document's "date-time"
// format reads it: two-digit hours, minutes and seconds, an optional
// fraction, Z or a ±hh:mm offset. encoding/json's time.Time is laxer (it
// takes "2026-01-01T0:00:00Z"): a request the document refuses is refused
// here too.
var rfc3339 = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`)

var timeType = reflect.TypeFor[time.Time]()

// looseTime reports the first value of body, at a time.Time field of v's
// type, that is a string but not an RFC 3339 date-time.
func looseTime(body []byte, v any) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return "", false // the decoder proper reports it
	}
	return walkTimes(tree, reflect.TypeOf(v), "")
}

func walkTimes(node any, t reflect.Type, path string) (string, bool) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "", false
	}
	if t == timeType {
		if s, ok := node.(string); ok && !rfc3339.MatchString(s) {
			return strings.TrimPrefix(path, "."), true
		}
		return "", false
	}
	switch n := node.(type) {
	case []any:
		if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
			return "", false
		}
		for i, e := range n {
			if bad, ok := walkTimes(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); ok {
				return bad, true
			}
		}
	case map[string]any:
		fields, ok := fieldsOf(t)
		if !ok {
			return "", false
		}
		for k, e := range n {
			if ft, known := fields[k]; known {
				if bad, ok := walkTimes(e, ft, path+"."+k); ok {
					return bad, true
				}
			}
		}
	}
	return "", false
}
