package testing

const backupJSON = `{
  "id": "b1", "name": "nightly", "description": null,
  "locationRef": "http://swift/v1/AUTH_p/database_backups/b1.xbstream.gz.enc",
  "instance_id": "i1", "created": "2024-05-01T10:00:00", "updated": "2024-05-01T10:01:30",
  "size": 0.14, "status": "COMPLETED", "parent_id": null, "project_id": "p",
  "datastore": {"type": "mysql", "version": "5.7.29", "version_id": "v1"}
}`

const getResponse = `{"backup": ` + backupJSON + `}`

const createRequest = `{"backup": {"name": "nightly", "instance": "i1", "description": "before upgrade"}}`

const createResponse = `{"backup": {"id": "b1", "name": "nightly", "instance_id": "i1", "status": "NEW", "created": "2024-05-01T10:00:00", "updated": "2024-05-01T10:00:00", "size": null, "locationRef": null, "project_id": "p"}}`
