/*
Package instances extends gophercloud's openstack/db/v1/instances with what
Trove has grown since: create with a restorePoint (restore from a backup),
the datastore-version upgrade (PATCH instance), and an Instance that carries
operating_status, region, the fault and the datastore version number. Use
gophercloud's own package for the calls it already has (Restart, Resize,
Delete, root user).

Example to restore a backup into a new instance:

	opts := instances.CreateOpts{
		CreateOpts:   gcinstances.CreateOpts{Name: "db2", FlavorRef: "2", Size: 1},
		RestorePoint: &instances.RestorePoint{BackupRef: backupID},
	}
	inst, err := instances.Create(ctx, client, opts).Extract()
*/
package instances
