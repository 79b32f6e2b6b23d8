/*
Package backups manages Trove database backups: create one of an instance,
list them (optionally of one instance), get and delete one.

Example to create a backup and wait for it:

	b, err := backups.Create(ctx, client, backups.CreateOpts{Name: "nightly", Instance: instanceID}).Extract()
	...
	b, err = backups.Get(ctx, client, b.ID).Extract()
	if b.Status == "COMPLETED" { ... }
*/
package backups
