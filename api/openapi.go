package api

import (
	_ "embed" // the OpenAPI document
	"net/http"
	"strconv"
)

// openAPI is the API's contract, api/openapi.yaml (OpenAPI 3.0.3): every
// route, its parameters, bodies, answers and security. The handler tests
// validate every request and response against it.
//
//go:embed openapi.yaml
var openAPI []byte

// OpenAPIPath is where Server serves the document.
const OpenAPIPath = "/openapi.yaml"

// OpenAPI returns a copy of the OpenAPI document.
func OpenAPI() []byte { return append([]byte(nil), openAPI...) }

// serveOpenAPI: GET /openapi.yaml, public (it holds no data).
func (s *Server) serveOpenAPI(w http.ResponseWriter, _ *http.Request) error {
	w.Header().Set("Content-Type", "application/yaml")
	w.Header().Set("Content-Length", strconv.Itoa(len(openAPI)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(openAPI) // the status is sent; a broken connection is the client's
	return nil
}
