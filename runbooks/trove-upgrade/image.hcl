# The guest image: Trove boots every database instance from a Glance image
# that carries the guest agent of the new release. Skipped when image_id
# names one already in Glance. trovestack (in
# trove/integration/scripts of the Trove tree) builds it with
# diskimage-builder: it needs the internet (cloud image, apt, pip) and
# 20-40 minutes, so it runs on the DevStack host and only when the file is
# not there yet (creates). Arguments: OS, OS release, dev mode (true: the
# guest agent code is copied from this host's Trove tree, so guest and
# controller match exactly), guest user, output path.
# Run it as the inventory user (stack on DevStack), not through sudo:
# trovestack calls sudo itself where it must, and a root-owned build tree
# breaks the next stack.sh.
task "build_image" {
  hosts    = group.devstack
  run_once = true
  when     = contains(var.phases, "datastore") && (var.build_image && var.image_id == "")
  become   = false
  timeout  = "2h"
  command {
    argv    = [host.vars.trovestack, "build-image", var.guest.os, var.guest.os_release, var.guest.dev_mode ? "true" : "false", var.guest.guest_user, "${host.vars.image_dir}/${local.image_file}"]
    creates = "${host.vars.image_dir}/${local.image_file}"
  }
}

# API tasks run on the control node, which may not be the DevStack host:
# bring the file over (a no-op when the local copy has the same sha256).
task "fetch_image" {
  hosts      = group.devstack
  run_once   = true
  when       = contains(var.phases, "datastore") && (var.image_id == "")
  depends_on = [task.build_image]
  fetch {
    src  = "${host.vars.image_dir}/${local.image_file}"
    dest = var.image_cache
    flat = true
  }
}

# Upload with the properties Trove's guests need: hw_rng_model = virtio
# (entropy for the guest's TLS and key generation), tag "trove" (what
# trove-manage --image-tags and Trove's image lookup by tag use), private
# (only the service project launches it). Glance keeps images by id: an older
# image of the same name is renamed, never deleted, because running
# instances and the old datastore version still point at it.
task "guest_image" {
  when = contains(var.phases, "datastore") && (var.image_id == "")
  openstack_image {
    cloud            = var.admin_cloud
    name             = local.image_name
    file             = task.fetch_image.outputs.dest
    disk_format      = var.guest.disk_format
    container_format = "bare"
    visibility       = "private"
    properties       = { hw_rng_model = "virtio" }
    tags             = ["trove"]
    old_image        = "rename"
  }
}

locals {
  image_name = "trove-guest-${local.release_tag}-${var.guest.os}-${var.guest.os_release}${var.guest.dev_mode ? "-dev" : ""}"
  image_file = "${local.image_name}.${var.guest.disk_format}"
  # The image the datastore version gets: the one given, or the one uploaded.
  new_image = var.image_id != "" ? var.image_id : try(task.guest_image.outputs.id, "")
}
