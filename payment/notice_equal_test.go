package payment

import (
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// changeField returns a copy of n with field i (of Notice) changed to a
// different value of its type, or ok false for a type this test does not
// know: a new field of a new type fails the test until it is taught here.
func changeField(n Notice, i int) (Notice, bool) {
	v := reflect.ValueOf(&n).Elem().Field(i)
	switch x := v.Addr().Interface().(type) {
	case *string:
		*x += "x"
	case *DossierCode:
		*x += "1"
	case *PaymentCode:
		*x += "1"
	case *NoticeStatus:
		*x = NoticePaid
	case *int:
		*x++
	case *time.Time:
		*x = x.Add(time.Second)
	case *Money:
		x.Amount = x.Amount.Add(decimal.NewFromInt(1))
	case *[]NoticeItem:
		items := append([]NoticeItem(nil), (*x)...)
		items[0].BudgetSubitem += "1"
		*x = items
	default:
		return n, false
	}
	return n, true
}

func TestNoticeEqualSeesEveryField(t *testing.T) {
	t.Parallel()
	base := validNotice()
	base.DueAt = base.IssuedAt.Add(24 * time.Hour)
	if !base.Equal(base) || !base.SameContent(base) {
		t.Fatal("a notice is not equal to itself")
	}
	// feerecon's own fields: not part of what the issuing system wrote.
	owned := map[string]bool{"Code": true, "Status": true, "Version": true}
	typ := reflect.TypeOf(base)
	for i := range typ.NumField() {
		name := typ.Field(i).Name
		changed, ok := changeField(base, i)
		if !ok {
			t.Errorf("field %s (%s): teach changeField its type, then decide whether SameContent compares it", name, typ.Field(i).Type)
			continue
		}
		if base.Equal(changed) {
			t.Errorf("Equal does not see a change of %s", name)
		}
		if got, want := base.SameContent(changed), owned[name]; got != want {
			t.Errorf("SameContent after a change of %s = %v, want %v", name, got, want)
		}
	}
}

func TestNoticeEqualComparesMoneyAndTimesAsValues(t *testing.T) {
	t.Parallel()
	a := validNotice()
	b := validNotice()
	b.Total.Amount = decimal.RequireFromString(a.Total.Amount.String() + ".00")
	b.Items = append([]NoticeItem(nil), a.Items...)
	b.Items[0].Amount.Amount = decimal.RequireFromString(a.Items[0].Amount.Amount.String() + ".0")
	b.IssuedAt = a.IssuedAt.In(time.UTC)
	if !a.Equal(b) {
		t.Errorf("1000 and 1000.00, or one instant in two zones, are not equal")
	}
	b.Items[0].Kind = FeeKindLePhi
	if a.Items[0].Kind == FeeKindLePhi {
		b.Items[0].Kind = FeeKindPhi
	}
	if a.Equal(b) || a.SameContent(b) {
		t.Errorf("a changed item kind is not seen")
	}
}
