// Package openstack owns how runbook modules reach an OpenStack cloud: it
// resolves a cloud by name from clouds.yaml (+ secure.yaml) or from OS_*
// environment variables, keeps one authenticated client per cloud, region
// and interface for the whole process (so a token is reused by every task of
// a run and re-authenticated once on a 401), turns API failures into errors
// that carry the API's own message and the request id, and polls
// asynchronous resources with backoff.
//
// Every request carries an X-Openstack-Request-Id of its own (req-<uuid>),
// which oslo-based services log as the global request id; an error shows
// the service's request id, or this one when the service sent none (Trove).
//
// It does not know about any particular module's arguments beyond the
// connection ones (cloud, region, interface), and it never prints: progress
// goes to the callback a module hands in.
//
// # Auth types
//
// Every auth_type gophercloud supports (password, token, application
// credential, v3 by default) works as openstacksdk reads it. One more is an
// explicit, opt-in cloud option for test rigs only:
//
//	clouds:
//	  trove-fake:
//	    auth_type: trove-fake
//	    auth:
//	      project_id: demo          # the tenant in /v1.0/{tenant}/...
//	      token: demo               # optional; Trove's fake Keystone wants token == tenant
//	    database_endpoint_override: http://127.0.0.1:28779/v1.0/$(project_id)s/
//
// It talks to a Trove API running in Trove's own fake mode (no Keystone): the
// token is sent as is and never refreshed; only the database service is
// reachable through such a cloud. Nothing ever falls back to it silently.
//
// <service>_endpoint_override (image_endpoint_override,
// database_endpoint_override) is honoured for every auth type, as
// openstacksdk does; $(project_id)s and %(tenant_id)s are substituted.
package openstack
