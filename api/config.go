package api

import (
	"fmt"
	"sort"
	"time"

	"github.com/feerecon/feerecon/config"
	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/payment/collection"
	"github.com/feerecon/feerecon/payment/vietqr"
	"github.com/feerecon/feerecon/user"
)

// CollectionAccount is the bank account citizens pay into: it is printed on
// every VietQR code (so it is public), but logged masked.
type CollectionAccount struct {
	// BankBIN is the 6-digit NAPAS BIN of the collecting bank.
	BankBIN string `json:"bank_bin"`
	// Account is the collection account (or card) number.
	Account string `json:"account"`
	// Service is QRIBFTTA (to account, the default) or QRIBFTTC (to card).
	Service vietqr.Service `json:"service,omitempty"`
}

func (c CollectionAccount) isZero() bool { return c == CollectionAccount{} }

// Defaults.
const (
	DefaultQRSize       = 300
	DefaultMaxBodyBytes = 64 << 10
)

// Config configures the API. Build it in cmd/, call WithDefaults, and pass
// it to New, which validates it.
type Config struct {
	// CodePrefix prefixes issued payment codes (payment.DefaultCodePrefix
	// when empty).
	CodePrefix string
	// DefaultCollection receives payments for notices whose treasury
	// account has no entry in Collections.
	DefaultCollection CollectionAccount
	// Collections maps a notice's treasury_account to the collection
	// account its QR codes carry.
	Collections map[string]CollectionAccount
	// CollectionAccounts, when configured, are each agency's collection
	// accounts: the file serve's --collection-accounts reads, against which
	// the matching engine checks every payment's credited account. A
	// notice's QR then carries a bank account of the notice's agency (a row
	// whose bin is a 6-digit NAPAS BIN): Collections[treasury_account] or
	// DefaultCollection when it is one of them (the operator's choice
	// stands), else the agency's first bank row in file order. An agency
	// with no bank row has no QR, and notices for it are refused: any other
	// account on its QR would make every payment to it a wrong_account.
	CollectionAccounts collection.Accounts
	// PurposeSuffix follows the payment code in the QR's purpose text
	// ("NP000000000151 LE PHI") when it fits; the code alone otherwise.
	// Printable ASCII without diacritics.
	PurposeSuffix string
	// MaxPurposeLen limits the QR purpose text (vietqr.DefaultMaxPurposeLen
	// when zero).
	MaxPurposeLen int
	// QRSize is the default PNG size in pixels (DefaultQRSize when zero).
	QRSize int
	// MaxBodyBytes bounds request bodies (DefaultMaxBodyBytes when zero).
	MaxBodyBytes int64
	// Amounts validates notice amounts; the zero value means
	// payment.DefaultAmountPolicy() (a ceiling of 100 billion đồng).
	Amounts payment.AmountPolicy
	// Login is the people's login and session policy; the zero value means
	// user.DefaultPolicy() (OWASP argon2id, lock-out after 5 failures for
	// 15 minutes, sessions idle out after 30 minutes, end after 12 hours).
	Login user.Policy
	// ThrottleEvery and ThrottleBurst slow logins down per login and per
	// address: ThrottleBurst attempts at once, then one every
	// ThrottleEvery; zero means 10s and 5 (a burst of 0 would refuse every
	// login).
	ThrottleEvery time.Duration
	ThrottleBurst int
}

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.CodePrefix == "" {
		c.CodePrefix = payment.DefaultCodePrefix
	}
	if c.MaxPurposeLen == 0 {
		c.MaxPurposeLen = vietqr.DefaultMaxPurposeLen
	}
	if c.QRSize == 0 {
		c.QRSize = DefaultQRSize
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.Login == (user.Policy{}) {
		c.Login = user.DefaultPolicy()
	}
	if c.ThrottleEvery == 0 {
		c.ThrottleEvery = 10 * time.Second
	}
	if c.ThrottleBurst == 0 {
		c.ThrottleBurst = 5
	}
	if c.Amounts == (payment.AmountPolicy{}) {
		c.Amounts = payment.DefaultAmountPolicy()
	}
	return c
}

// Validate reports every problem of a defaulted config at once.
func (c Config) Validate() error {
	p := config.In("api")
	if err := payment.ValidatePrefix(c.CodePrefix); err != nil {
		p.Add(err)
	}
	if c.DefaultCollection.isZero() && len(c.Collections) == 0 && !c.anyBankRow() {
		p.Addf("no collection account: set DefaultCollection, Collections or CollectionAccounts with a bank account")
	}
	check := func(name string, a CollectionAccount) {
		// Building a QR is the authoritative check of BIN, account and service.
		if _, err := vietqr.Build(vietqr.Payload{BankBIN: a.BankBIN, Account: a.Account, Service: a.Service}); err != nil {
			p.Addf("%s: %v", name, err)
		}
	}
	if !c.DefaultCollection.isZero() {
		check("DefaultCollection", c.DefaultCollection)
	}
	keys := make([]string, 0, len(c.Collections))
	for k := range c.Collections {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		check(fmt.Sprintf("Collections[%q]", k), c.Collections[k])
	}
	for _, r := range c.CollectionAccounts.Rows() {
		if !r.Wallet() {
			check(fmt.Sprintf("CollectionAccounts %s %s", r.Agency, r.Masked()), CollectionAccount{BankBIN: r.BIN, Account: r.Account})
		}
	}
	if codeLen := len(c.CodePrefix) + payment.SerialDigits + 2; c.MaxPurposeLen < codeLen || c.MaxPurposeLen > 95 {
		p.Addf("MaxPurposeLen %d: must hold a payment code (%d) and be at most 95", c.MaxPurposeLen, codeLen)
	}
	for i := 0; i < len(c.PurposeSuffix); i++ {
		if ch := c.PurposeSuffix[i]; ch < 0x20 || ch > 0x7E {
			p.Addf("PurposeSuffix: printable ASCII only, no diacritics")
			break
		}
	}
	if c.QRSize < vietqr.MinPNGSize || c.QRSize > vietqr.MaxPNGSize {
		p.Addf("QRSize %d: must be %d..%d", c.QRSize, vietqr.MinPNGSize, vietqr.MaxPNGSize)
	}
	if c.ThrottleEvery < 0 || c.ThrottleBurst < 0 {
		p.Addf("ThrottleEvery and ThrottleBurst must not be negative")
	}
	if l := c.Login; l.MaxFailures < 1 || l.LockFor <= 0 || l.IdleTimeout <= 0 || l.AbsoluteTimeout < l.IdleTimeout ||
		l.Params.Memory == 0 || l.Params.Iterations == 0 || l.Params.Parallelism == 0 {
		p.Addf("Login policy: MaxFailures ≥ 1, LockFor and IdleTimeout > 0, AbsoluteTimeout ≥ IdleTimeout, argon2id parameters > 0")
	}
	if c.MaxBodyBytes < 1024 {
		p.Addf("MaxBodyBytes %d: at least 1024", c.MaxBodyBytes)
	}
	return p.Err()
}

// anyBankRow reports whether CollectionAccounts lists a bank account.
func (c Config) anyBankRow() bool {
	for _, r := range c.CollectionAccounts.Rows() {
		if !r.Wallet() {
			return true
		}
	}
	return false
}

// collection returns the account notice n's QR carries (see
// Config.CollectionAccounts): false when it has none.
func (c Config) collection(n payment.Notice) (CollectionAccount, bool) {
	chosen, ok := c.Collections[n.TreasuryAccount]
	if !ok {
		chosen, ok = c.DefaultCollection, !c.DefaultCollection.isZero()
	}
	if !c.CollectionAccounts.Configured() {
		return chosen, ok
	}
	banks := c.CollectionAccounts.BankOf(n.Agency)
	if len(banks) == 0 {
		return CollectionAccount{}, false
	}
	if ok && c.CollectionAccounts.Collects(n.Agency, payment.BankAccount(chosen.BankBIN, chosen.Account)) {
		return chosen, true
	}
	return CollectionAccount{BankBIN: banks[0].BIN, Account: banks[0].Account}, true
}
