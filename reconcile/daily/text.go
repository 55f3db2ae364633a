package daily

import (
	"strconv"
	"strings"
	"time"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/reconcile"
)

// text is a rendering's words: the labels of its language, and the
// evidence reader that puts exceptions' evidence into that language.
type text struct {
	m    map[Label]string
	lang Lang
	ev   *reconcile.EvidenceReader
}

func textFor(lang Lang) (text, error) {
	m, err := Labels(lang)
	if err != nil {
		return text{}, err
	}
	if lang == "" {
		lang = LangVI
	}
	return text{m: m, lang: lang, ev: reconcile.NewEvidenceReader()}, nil
}

// get looks up a label, falling back to the key itself for a kind or
// channel a newer version added.
func (t text) get(l Label) string {
	if s, ok := t.m[l]; ok {
		return s
	}
	return string(l)
}

func (t text) kind(k string) string {
	if s, ok := t.m[Label("kind."+k)]; ok {
		return s
	}
	return k
}

func (t text) channel(c string) string {
	if s, ok := t.m[Label("channel."+c)]; ok {
		return s
	}
	return c
}

func (t text) agency(a string) string {
	if a == AgencyAll {
		return t.get(LAll)
	}
	return a
}

// fill is label l with its numbered arguments {0}, {1} … put in.
func (t text) fill(l Label, args ...string) string { return fill(t.get(l), args) }

func fill(tmpl string, args []string) string {
	pairs := make([]string, 0, 2*len(args))
	for i, a := range args {
		pairs = append(pairs, "{"+strconv.Itoa(i)+"}", a)
	}
	return strings.NewReplacer(pairs...).Replace(tmpl)
}

// date writes a date as the language does: dd/mm/yyyy in Vietnamese,
// YYYY-MM-DD in English.
func (t text) date(d payment.Date) string {
	if t.lang == LangEN {
		return d.String()
	}
	return d.Start().Format("02/01/2006")
}

// time writes an instant in the business zone as the language does:
// 15:04:05 02/01/2006 in Vietnamese, 2006-01-02 15:04:05 +07:00 in English.
func (t text) time(at time.Time) string {
	at = at.In(payment.Location())
	if t.lang == LangEN {
		return at.Format("2006-01-02 15:04:05 -07:00")
	}
	return at.Format("15:04:05 02/01/2006")
}

// evidence is an exception's evidence in the rendering's language: the
// stored sentence (English) as it is in English; in Vietnamese, the
// form's Vietnamese sentence ("evidence.<form>") with its arguments
// written the Vietnamese way. A sentence no form reads is shown as it is.
func (t text) evidence(s string) string {
	if t.lang == LangEN || s == "" {
		return s
	}
	form, args, ok := t.ev.Read(s)
	if !ok {
		return s
	}
	tmpl, ok := t.m[Label("evidence."+string(form))]
	if !ok {
		return s
	}
	kinds := form.Args()
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = t.arg(kinds[i], a)
	}
	return fill(tmpl, out)
}

// arg writes one evidence argument in the rendering's language.
func (t text) arg(k reconcile.ArgKind, a string) string {
	switch k {
	case reconcile.ArgAmount:
		return groupDigits(a, t.lang)
	case reconcile.ArgMoney:
		if amount, cur, ok := strings.Cut(a, " "); ok {
			return groupDigits(amount, t.lang) + " " + cur
		}
	case reconcile.ArgDate:
		if d, err := payment.ParseDate(a); err == nil {
			return t.date(d)
		}
	case reconcile.ArgTime:
		if at, err := time.Parse(time.RFC3339, a); err == nil {
			return t.time(at)
		}
	case reconcile.ArgStatus:
		if w, ok := t.m[Label("status."+a)]; ok {
			return w
		}
	case reconcile.ArgRefs:
		return t.refs(a)
	case reconcile.ArgID, reconcile.ArgInt, reconcile.ArgQuoted:
	}
	return a
}

// refs writes an evidence's references: each rule's name and the span it
// read, then the codes that named no notice.
func (t text) refs(s string) string {
	refs, ok := reconcile.ReadRefs(s)
	if !ok {
		return s
	}
	parts := make([]string, len(refs))
	for i, r := range refs {
		if r.Unknown != nil {
			parts[i] = t.fill(LNoNoticeCode, strings.Join(r.Unknown, ", "))
			continue
		}
		name := string(r.Rule)
		if w, ok := t.m[Label("rule."+name)]; ok {
			name = w
		}
		parts[i] = name + " " + r.Evidence
	}
	return strings.Join(parts, "; ")
}

// EvidenceText is an exception's stored evidence sentence s written in
// lang, as the reports write it (the console shows it so too).
func EvidenceText(lang Lang, s string) string {
	t, err := textFor(lang)
	if err != nil {
		return s
	}
	return t.evidence(s)
}
