/*
Package mgmt covers the parts of Trove's management (admin) API a runbook
needs: rebuilding an instance's guest from a new image (the Victoria+
in-place guest upgrade) and managing datastore versions.

Example to rebuild an instance on a new guest image:

	err := mgmt.Rebuild(ctx, client, instanceID, mgmt.RebuildOpts{ImageID: imageID}).ExtractErr()
*/
package mgmt
