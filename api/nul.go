package api

import (
	"net/http"
	"reflect"
	"strconv"
	"strings"
)

// nulText finds a string holding NUL (U+0000) in a decoded request body v
// and names its field as the JSON does ("items[1].fee_type"). JSON can
// carry a NUL ("\u0000") but PostgreSQL's text cannot store one: without
// this check such a body was a 500 on PostgreSQL (schemathesis's kind of
// finding) and stored as sent in memory.
func nulText(v any) (string, bool) {
	return walkNUL(reflect.ValueOf(v), "")
}

func walkNUL(v reflect.Value, path string) (string, bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "", false
		}
		return walkNUL(v.Elem(), path)
	case reflect.String:
		return path, strings.ContainsRune(v.String(), 0)
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if f, ok := walkNUL(v.Index(i), path+"["+strconv.Itoa(i)+"]"); ok {
				return f, true
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				name = sf.Name
			}
			p := name
			if path != "" {
				p = path + "." + name
			}
			if f, ok := walkNUL(v.Field(i), p); ok {
				return f, true
			}
		}
	default: // numbers, booleans, maps (none in the request types): no text
	}
	return "", false
}

// nulError is the 422 (valid JSON, invalid content) for a body string
// holding NUL, naming the field.
func nulError(field string) error {
	return apiErr(http.StatusUnprocessableEntity, "invalid text", field+": holds a NUL character (U+0000), which is not text")
}
