package api

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// InvalidUTF8 reports the first JSON field of body whose text is not valid
// UTF-8, or that holds a lone surrogate escape (\ud800 … \udfff unpaired),
// which encoding/json would replace by U+FFFD without a word: feerecon
// refuses such text instead of storing a replacement (two different
// invalid ids would otherwise become the same id). The field is named as a
// path: notice_id, items[1].fee_type; a bad object key is named by its
// object's path and "(a field name)". found is false when every string is
// clean, and also when body is not JSON at all (decoding reports that).
// A literal U+FFFD, raw or escaped as \ufffd, is valid text and passes.
func InvalidUTF8(body []byte) (field string, found bool) {
	if utf8.Valid(body) && !bytes.Contains(body, []byte(`\u`)) {
		return "", false // the common case: nothing encoding/json could replace
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var stack []jsonFrame
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		raw := body[start:dec.InputOffset()]
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				stack = append(stack, jsonFrame{object: t == '{', wantKey: t == '{'})
			default:
				stack = stack[:len(stack)-1]
				valueDone(stack)
			}
		case string:
			top := len(stack) - 1
			if top >= 0 && stack[top].object && stack[top].wantKey {
				if replaced(raw) {
					return jsonPath(stack, true), true
				}
				stack[top].key, stack[top].wantKey = t, false
				continue
			}
			if replaced(raw) {
				return jsonPath(stack, false), true
			}
			valueDone(stack)
		default:
			valueDone(stack)
		}
	}
}

// jsonFrame is one open object or array of the walk.
type jsonFrame struct {
	object  bool
	wantKey bool
	key     string
	index   int
}

func valueDone(stack []jsonFrame) {
	if len(stack) == 0 {
		return
	}
	top := &stack[len(stack)-1]
	if top.object {
		top.wantKey = true
	} else {
		top.index++
	}
}

// replaced reports whether encoding/json replaced part of the string
// token raw (its bytes as sent) by U+FFFD: raw holds invalid UTF-8 or a
// lone surrogate escape.
func replaced(raw []byte) bool {
	return !utf8.Valid(raw) || loneSurrogate(raw)
}

// loneSurrogate reports whether raw holds a \uXXXX escape of a surrogate
// (D800-DFFF) that is not a high one followed by a low one.
func loneSurrogate(raw []byte) bool {
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		i++ // the escaped character: \\ and \" are skipped whole
		if i >= len(raw) || raw[i] != 'u' {
			continue
		}
		r, ok := hex4(raw[i+1:])
		if !ok {
			return false // not JSON; decoding reports it
		}
		i += 4
		switch {
		case r >= 0xD800 && r < 0xDC00:
			if i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
				if lo, ok := hex4(raw[i+3:]); ok && lo >= 0xDC00 && lo < 0xE000 {
					i += 6
					continue
				}
			}
			return true
		case r >= 0xDC00 && r < 0xE000:
			return true
		}
	}
	return false
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}

// jsonPath names the current position: a.b[2].c; key says the bad string
// is a field name of the innermost object.
func jsonPath(stack []jsonFrame, key bool) string {
	var b strings.Builder
	n := len(stack)
	if key {
		n-- // the innermost object's key is the bad one: name its object
	}
	for i := range n {
		f := stack[i]
		if f.object {
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(f.key)
		} else {
			b.WriteString("[" + strconv.Itoa(f.index) + "]")
		}
	}
	if key {
		if b.Len() == 0 {
			return "(a field name)"
		}
		return b.String() + " (a field name)"
	}
	if b.Len() == 0 {
		return "(the body)" // a bare string, not an object
	}
	return b.String()
}
