package api

import (
	"net/http"

	"github.com/keelcore/keel/internal/hnkey"
)

// HNKeys is the view of the home network keys the API serves: public
// halves only.
type HNKeys interface {
	Public() []hnkey.PublicKey
}

// HNKeyList is the answer to GET /api/v1/home-network-keys.
type HNKeyList struct {
	Keys []hnkey.PublicKey `json:"keys"`
}

func (s *Server) listHNKeys(w http.ResponseWriter, _ *http.Request) {
	keys := s.opts.HNKeys.Public()
	if keys == nil {
		keys = []hnkey.PublicKey{}
	}
	writeJSON(w, http.StatusOK, HNKeyList{Keys: keys})
}
