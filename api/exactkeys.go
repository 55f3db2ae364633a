package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/feerecon/feerecon/payment"
)

// exactKeys reports the first object key of body that names no field of
// v's type exactly: encoding/json matches names without regard to case
// ("dossier_codE" fills dossier_code), while the OpenAPI document (and so
// every client generated from it) knows the exact names only. A request
// the document refuses is refused here too, never half read.
func exactKeys(body []byte, v any) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return "", false // the decoder proper reports it
	}
	return walkKeys(tree, reflect.TypeOf(v), "")
}

var (
	unmarshaler = reflect.TypeFor[json.Unmarshaler]()
	moneyType   = reflect.TypeFor[payment.Money]()
)

func walkKeys(node any, t reflect.Type, path string) (string, bool) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "", false
	}
	switch n := node.(type) {
	case []any:
		if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
			return "", false
		}
		for i, e := range n {
			if bad, ok := walkKeys(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); ok {
				return bad, true
			}
		}
	case map[string]any:
		fields, ok := fieldsOf(t)
		if !ok {
			return "", false
		}
		for k, e := range n {
			ft, known := fields[k]
			if !known {
				return strings.TrimPrefix(path+"."+k, "."), true
			}
			if bad, ok := walkKeys(e, ft, path+"."+k); ok {
				return bad, true
			}
		}
	}
	return "", false
}

// fieldsOf maps the exact JSON names of t's fields to their types; ok is
// false for a type that reads its own JSON (other than money, whose two
// names are known) or is not a struct (a map takes any key).
func fieldsOf(t reflect.Type) (map[string]reflect.Type, bool) {
	if t == moneyType {
		str := reflect.TypeFor[string]()
		return map[string]reflect.Type{"amount": str, "currency": str}, true
	}
	if t.Kind() != reflect.Struct || reflect.PointerTo(t).Implements(unmarshaler) {
		return nil, false
	}
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			if inner, ok := fieldsOf(f.Type); ok {
				for k, v := range inner {
					out[k] = v
				}
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out, true
}
