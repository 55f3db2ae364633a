package batch

import "github.com/feerecon/feerecon/payment"

// ReadInputs reads o's notices and payments as Run does and returns what
// Run decides from: the notices that could be read (with o.System, default
// DefaultSystem) and the payments of o.Date (every date's when zero), each
// id once. The lines Run would list as invalid are left out. It lets
// another path be given exactly the batch's input, as the online ingest's
// test of the labelled matching set does.
func ReadInputs(o Options) ([]payment.Notice, []payment.Payment, error) {
	if err := o.Validate(); err != nil {
		return nil, nil, err
	}
	if o.System == "" {
		o.System = DefaultSystem
	}
	policy := payment.DefaultAmountPolicy()
	if o.Amounts != nil {
		policy = *o.Amounts
	}
	res := &Result{BusinessDate: o.Date, Lines: map[string]int{}}
	notices, err := readNotices(o.NoticesPath, o.System, policy, res)
	if err != nil {
		return nil, nil, err
	}
	pf, err := readPayments(o.PaymentsPath, policy)
	if err != nil {
		return nil, nil, err
	}
	payments, _ := pf.selectPayments(o.Date, res)
	return notices, payments, nil
}
