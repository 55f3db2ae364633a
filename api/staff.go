package api

import (
	"net/http"
	"slices"

	"github.com/feerecon/feerecon/payment"
	"github.com/feerecon/feerecon/store"
)

// Staff routes are read by people (each within their agencies) and by
// operator keys (every agency). Another agency's data answers 404, as if
// it did not exist, so a scope does not leak what lies outside it.

// agencyAll is the daily report of every agency (daily.AgencyAll): only
// callers who see every agency read it.
const agencyAll = "ALL"

// mayRead reports whether the caller's scope covers agency: an operator key
// covers every agency; a person, their own (agencyAll only when they cover
// every agency).
func mayRead(c Caller, agency string) bool {
	if c.User == nil {
		return c.Role == store.RoleOperator
	}
	if agency == agencyAll {
		return len(c.User.Agencies) == 0
	}
	return c.User.CanSee(agency)
}

// NoticeList is the answer of GET /v1/agencies/{agency}/notices.
type NoticeList struct {
	Notices []payment.Notice `json:"notices"`
}

// agencyNotices: GET /v1/agencies/{agency}/notices?date=YYYY-MM-DD — the
// notices an agency issued on a calendar day (Asia/Ho_Chi_Minh), of every
// system, ordered by (system, id).
func (s *Server) agencyNotices(w http.ResponseWriter, r *http.Request) error {
	c, err := caller(r)
	if err != nil {
		return err
	}
	agency, err := pathID(r, "agency")
	if err != nil {
		return err
	}
	d, err := payment.ParseDate(r.URL.Query().Get("date"))
	if err != nil {
		return apiErr(http.StatusBadRequest, "date=YYYY-MM-DD is required", err.Error())
	}
	if !mayRead(c, agency) || agency == agencyAll {
		return apiErr(http.StatusNotFound, "agency not found")
	}
	out := NoticeList{Notices: []payment.Notice{}}
	if err := s.st.InTx(r.Context(), func(tx store.Tx) error {
		ns, err := tx.ListNotices(r.Context(), d.Start(), d.AddDays(1).Start())
		if err != nil {
			return err
		}
		out.Notices = slices.AppendSeq(out.Notices, func(yield func(payment.Notice) bool) {
			for _, n := range ns {
				if n.Agency == agency && !yield(n) {
					return
				}
			}
		})
		return nil
	}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// agencyReport: GET /v1/reports/{date}/{agency} — the latest version of a
// business day's daily report of an agency (ALL: every agency), its JSON
// exactly as stored and sent to the treasury (X-Feerecon-Report-Sha256
// carries its hash).
func (s *Server) agencyReport(w http.ResponseWriter, r *http.Request) error {
	c, err := caller(r)
	if err != nil {
		return err
	}
	agency, err := pathID(r, "agency")
	if err != nil {
		return err
	}
	d, err := payment.ParseDate(r.PathValue("date"))
	if err != nil {
		return apiErr(http.StatusBadRequest, "bad date in path: want YYYY-MM-DD", err.Error())
	}
	if !mayRead(c, agency) {
		return apiErr(http.StatusNotFound, "report not found")
	}
	var rep store.Report
	if err := s.st.InTx(r.Context(), func(tx store.Tx) error {
		rep, err = tx.LatestReport(r.Context(), d, agency)
		return notFound(err, "report")
	}); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Feerecon-Report-Sha256", rep.SHA256)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(rep.Body)
	return nil
}
