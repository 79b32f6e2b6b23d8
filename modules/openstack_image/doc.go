// Package openstackimage is the openstack_image module: it creates a Glance
// image from a local file (streamed, with progress), idempotently by name and
// checksum, or finds images by name and tags (read-only).
//
// It owns the module's schema, plan and apply; how a cloud is reached lives
// in modules/internal/openstack.
package openstackimage

const summary = "Create a Glance image from a local file (idempotent by name + checksum), or find images"

const doc = "# openstack_image\n\n" +
	"Creates a Glance image and uploads a local file into it, or finds images (`action = \"find\"`). " +
	"Runs against the cloud's API from the machine running runbook: `file` is read there.\n\n" +
	"Idempotence: the module computes the file's md5 and sha512 (Glance's `checksum` and `os_hash_value`) and " +
	"lists the images of that name. An active image with the same checksum is the one: nothing is uploaded (its " +
	"tags, properties and visibility are updated when they differ). Otherwise a new image is created; older " +
	"images of the same name are kept, renamed (`<name>-old-<id prefix>`) or deactivated, per `old_image`. " +
	"A file that does not exist yet when planning (made by an earlier task that check mode did not run) makes the plan " +
	"`unpredictable`; Apply compares once it exists. The upload is streamed, with a progress line every 10% or 5 s; " +
	"a failed or timed-out upload deletes the incomplete image.\n\n" +
	"## Arguments\n\n" +
	"- `action` (string): `create` (default) or `find`.\n" +
	"- `name` (string): the image name; required for create.\n" +
	"- `file` (string): the local file to upload; required for create.\n" +
	"- `disk_format` (string, default `qcow2`), `container_format` (string, default `bare`).\n" +
	"- `visibility` (string): private, shared, community or public. New images are private when not set; an existing image's is then left as it is.\n" +
	"- `properties` (map of string): e.g. `{ hw_rng_model = \"virtio\" }`.\n" +
	"- `tags` (list of string). For find: images must carry all of them.\n" +
	"- `min_disk` (GB), `min_ram` (MB) (numbers).\n" +
	"- `old_image` (string): what to do with other images of that name when a new one is created: `keep` (default), `rename`, `deactivate`.\n" +
	"- `timeout` (string, default `30m`): how long to wait for the upload to become active.\n" +
	"\n## Outputs\n\n" +
	"`id`, `name`, `status`, `checksum` (md5), `os_hash_value` (sha512), `size`, `images` (for find: every match, newest first; for create: the image).\n\n"

const example = `task "guest_image" {
  openstack_image {
    cloud            = "devstack-admin"
    name             = "trove-guest-ubuntu-jammy"
    file             = "/srv/images/trove-guest-ubuntu-jammy.qcow2"
    disk_format      = "qcow2"
    container_format = "bare"
    visibility       = "private"
    properties       = { hw_rng_model = "virtio" }
    tags             = ["trove"]
    old_image        = "rename"
  }
}`
