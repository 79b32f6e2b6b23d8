# The datastore version: Trove launches new instances, rebuilds and
# upgrades from the image registered with the version, so the version must
# point at the new guest image. After the controllers: this is the new
# code's API and schema.

# What the API says before (read-only; admin sees the image ids).
task "datastore_before" {
  when       = contains(var.phases, "datastore")
  depends_on = [task.new_code_serving]
  trove_datastore {
    cloud     = var.admin_cloud
    datastore = var.datastore.name
  }
}

locals {
  # trove-manage's PACKAGES argument is one comma-separated string.
  packages = join(",", var.datastore.packages)
}

# trove-manage datastore_version_update DATASTORE VERSION MANAGER IMAGE_ID
# PACKAGES ACTIVE registers the version or updates it in place. It prints
# "Datastore version '...' updated." and exits 0 even when it failed (an
# unknown datastore, a database error), so its output decides, and the API
# check below is the proof. Skipped when the API already shows this version
# active with this image.
task "register_version" {
  hosts     = group.trove_manage
  run_once  = true
  container = try(host.vars.trove_container, null)
  when = contains(var.phases, "datastore") && var.register_with == "trove-manage" && !(
    contains(task.datastore_before.outputs.versions, var.datastore.new_version) &&
    lookup(task.datastore_before.outputs.image_ids, var.datastore.new_version, "") == local.new_image
  )
  command {
    argv = concat(host.vars.trove_manage, ["--config-file", host.vars.trove_conf, "datastore_version_update",
    var.datastore.name, var.datastore.new_version, var.datastore.manager, local.new_image, local.packages, "1"])
  }
  failed_when  = self.failed || !can(regex("updated", self.outputs.stdout)) || can(regex("(?i)(\\berror\\b|traceback|not found)", "${self.outputs.stdout}\n${self.outputs.stderr}"))
  changed_when = true # it runs only when the API does not show the version with the image yet: check says "would change"
}

# Configuration groups are validated against these rules: without them
# `openstack database configuration create` refuses every option of the
# version. Loaded whenever the version has none (checked through the API,
# below), from the installed Trove's own rules unless validation_rules says.
task "load_parameters" {
  hosts      = group.trove_manage
  run_once   = true
  depends_on = [task.register_version, task.register_version_api]
  container  = try(host.vars.trove_container, null)
  when       = contains(var.phases, "datastore") && (lookup(task.datastore_before.outputs.parameter_counts, var.datastore.new_version, 0) == 0)
  command {
    argv = concat(host.vars.trove_manage, ["--config-file", host.vars.trove_conf, "db_load_datastore_config_parameters",
      var.datastore.name, var.datastore.new_version,
    var.validation_rules != "" ? var.validation_rules : "${local.schema.templates}/${var.datastore.manager}/validation-rules.json"])
  }
  failed_when  = self.failed || can(regex("(?i)(\\berror\\b|traceback|not found)", "${self.outputs.stdout}\n${self.outputs.stderr}"))
  changed_when = true # it runs only when the version has no parameters yet: check says "would change"
}

# New instances get the default version: move it once the new version is in.
task "default_version" {
  hosts      = group.trove_manage
  run_once   = true
  depends_on = [task.load_parameters]
  container  = try(host.vars.trove_container, null)
  when       = contains(var.phases, "datastore") && (var.register_with == "trove-manage" && var.make_default && task.datastore_before.outputs.default_version != var.datastore.new_version)
  command {
    argv = concat(host.vars.trove_manage, ["--config-file", host.vars.trove_conf, "datastore_update", var.datastore.name, var.datastore.new_version])
  }
  failed_when  = self.failed || !can(regex("updated", self.outputs.stdout)) || can(regex("(?i)(\\berror\\b|traceback|not found)", "${self.outputs.stdout}\n${self.outputs.stderr}"))
  changed_when = true # it runs only when another version is the default: check says "would change"
}

# The API-side alternative (register_with = "api"): the management API does
# what datastore_version_update does and says what it changed.
task "register_version_api" {
  when = contains(var.phases, "datastore") && (var.register_with == "api")
  trove_datastore {
    cloud     = var.admin_cloud
    action    = "version"
    datastore = var.datastore.name
    version   = var.datastore.new_version
    manager   = var.datastore.manager
    image     = local.new_image
    packages  = var.datastore.packages
    active    = true
    default   = var.make_default ? true : null
  }
}

# Read again, through the API, after whichever path ran.
task "datastore_after" {
  when       = (contains(var.phases, "datastore") || contains(var.phases, "instances"))
  depends_on = [task.default_version, task.register_version_api]
  trove_datastore {
    cloud     = var.admin_cloud
    datastore = var.datastore.name
  }
}

# The proof: trove-manage's exit status is not. Skipped in check mode,
# where nothing was registered yet.
task "verify_version" {
  when = contains(var.phases, "datastore") && (!runbook.check_mode)
  assert {
    conditions = [
      {
        condition = contains(task.datastore_after.outputs.versions, var.datastore.new_version)
        message   = "datastore ${var.datastore.name} has no active version ${var.datastore.new_version} (versions: ${join(", ", task.datastore_after.outputs.versions)})"
      },
      {
        condition = lookup(task.datastore_after.outputs.image_ids, var.datastore.new_version, "") == local.new_image
        message   = "version ${var.datastore.new_version} uses image ${lookup(task.datastore_after.outputs.image_ids, var.datastore.new_version, "(none)")}, not the new guest image ${local.new_image}"
      },
      {
        condition = lookup(task.datastore_after.outputs.parameter_counts, var.datastore.new_version, 0) > 0
        message   = "version ${var.datastore.new_version} has no configuration parameters: db_load_datastore_config_parameters did not load them (see load_parameters)"
      },
      {
        condition = !var.make_default || task.datastore_after.outputs.default_version == var.datastore.new_version
        message   = "the default version of ${var.datastore.name} is ${task.datastore_after.outputs.default_version}, not ${var.datastore.new_version}"
      },
    ]
    success_msg = "${var.datastore.name} ${var.datastore.new_version} is active with image ${local.new_image} and ${lookup(task.datastore_after.outputs.parameter_counts, var.datastore.new_version, 0)} configuration parameters"
  }
}
