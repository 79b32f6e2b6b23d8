package openstack

import (
	"crypto/tls"
	"net/http"

	"github.com/google/uuid"
)

// globalIDHeader carries, on a response, the global request id this
// package sent with the request, when the service answered without a
// request id of its own (Trove's API pipeline has no request_id
// middleware). It never leaves the process.
const globalIDHeader = "X-Runbook-Global-Request-Id"

// requestIDTransport sends every request with an X-Openstack-Request-Id of
// its own (req-<uuid>). Services built on oslo take it as the global request
// id and log it next to their own (oslo.context's global_request_id), so an
// operator can find a failed call in the service's log even when the answer
// carried no request id.
type requestIDTransport struct {
	base http.RoundTripper
}

func (t *requestIDTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	id := r.Header.Get("X-Openstack-Request-Id")
	if id == "" {
		id = "req-" + uuid.NewString()
		r = r.Clone(r.Context())
		r.Header.Set("X-Openstack-Request-Id", id)
	}
	resp, err := t.base.RoundTrip(r)
	if resp != nil && resp.Header.Get("X-Openstack-Request-Id") == "" && resp.Header.Get("X-Compute-Request-Id") == "" {
		resp.Header.Set(globalIDHeader, id)
	}
	return resp, err
}

// httpClient returns the HTTP client of every connection: the default
// transport (with the cloud's TLS settings) behind requestIDTransport.
func httpClient(tlsConfig *tls.Config) http.Client {
	base := http.DefaultTransport.(*http.Transport).Clone()
	if tlsConfig != nil {
		base.TLSClientConfig = tlsConfig
	}
	return http.Client{Transport: &requestIDTransport{base: base}}
}
