// Package trove groups request/result packages for the parts of Trove's v1.0
// API that gophercloud v2's openstack/db/v1 does not cover: backups
// (backups), instance create with restorePoint, datastore-version upgrade and
// operating_status (instances), and the management API's rebuild and
// datastore versions (mgmt). They follow gophercloud's layout
// (requests.go, results.go, urls.go, testing/) so they could be offered
// upstream; this package itself holds no code.
package trove
