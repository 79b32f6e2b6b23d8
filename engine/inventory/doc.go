// Package inventory owns the hosts and groups a runbook runs on: it reads
// HCL inventories, Ansible INI and YAML inventories with their group_vars/
// and host_vars/ folders, and dynamic sources; merges them with Ansible's
// precedence; and picks hosts with Ansible's host patterns (Select).
//
// It does not connect to hosts (engine/transport does, from each Host's
// Endpoint), evaluate runbook expressions, or know about tasks. Jinja2
// templates in Ansible vars are kept as plain strings, never evaluated.
//
// # Loading
//
// Load(paths...) reads each path and merges them in order; LoadWith adds
// dynamic sources and LoadContext bounds them with a context. A path is:
//
//   - an HCL inventory (name ending in .hcl);
//   - an Ansible YAML inventory (.yml, .yaml, .json);
//   - an Ansible INI inventory (any other name; a file without extension
//     whose first line is "---" or "name:" is read as YAML);
//   - a directory: every inventory file in it and its sub-folders, sorted,
//     skipping hidden files, group_vars/, host_vars/ and the endings
//     Ansible skips (.ini, .cfg, .md, .txt, .retry, ~, ...).
//
// group_vars/ and host_vars/ beside each file (or inside each directory)
// apply to the whole inventory, whatever format declared the group or host.
// The same group or host may appear in several files (as in Ansible), except
// that HCL declares a group or host at most once.
//
// Every problem is an hcl.Diagnostic whose Subject points at the offending
// token, with the file name as given; Inventory.Files returns every file's
// bytes for rendering snippets. Load always returns an Inventory, but one
// loaded with errors must not be used.
//
// # HCL format
//
//	defaults {                      # optional, at most one in all files
//	  user              = "rb"
//	  port              = 22
//	  private_key       = "~/.ssh/id_ed25519"   # ~ is expanded
//	  known_hosts       = "/path/known_hosts"   # default: ~/.ssh/known_hosts
//	  host_key_checking = "strict"              # strict (default) | accept-new | off
//	  connect_timeout   = "10s"                 # a duration, or a number of seconds
//	  become            = false
//	  become_user       = "root"
//	  transport         = "ssh"                 # ssh (default) | local
//	  jump              = []                    # see host
//	  vars = { region = "RegionOne" }
//	}
//
//	group "controller" {
//	  children = ["ctl_primary"]    # other groups, declared anywhere in the inventory
//	  vars     = { trove_conf = "/etc/trove/trove.conf" }
//	  # and any connection setting of defaults
//	}
//
//	host "ctl1" {
//	  address = "10.0.0.11"         # default: the host name
//	  groups  = ["controller"]
//	  jump    = ["bastion"]         # hosts of this inventory, or "user@addr:port"
//	  vars    = { trove_units = ["apache2", "devstack@tr-*"] }
//	  # and any connection setting of defaults
//	}
//
//	source "trove_instances" {      # a registered Source decodes its own arguments
//	  cloud  = "lab-demo"
//	  groups = ["trove_guests"]     # every host of the source joins these groups
//	  vars   = { ansible_user = "ubuntu" }   # below the vars the source returns
//	}
//
// Expressions may use literals and functions (format, join, split, concat,
// merge, lower, upper, range, jsondecode, ...), never references: an
// inventory is data. Relative key and known_hosts paths are kept as
// written: relative to the working directory, as in Ansible. Host and group names cannot be empty or contain
// spaces or commas, nor start with !, & or ~; a host cannot be called all.
//
// Connection settings follow the precedence of vars (below): a host's own
// setting wins over its groups', which win over defaults. Ansible's
// connection vars (ansible_host, ansible_port, ansible_user, ...) are also
// read from vars maps, at the same precedence; an attribute beats such a
// var of the same block.
//
// A jump list names bastions, outermost first. A host of the inventory
// brings its own endpoint and its own jumps before it (so a chain of hops
// can be built one host at a time); a host never jumps through itself, so
// defaults may name the bastion. Any other entry must read
// "[user@]address[:port]" (or contain a dot, as a DNS name does); it is
// reached with the jumping host's user, key, known_hosts, host key checking
// and timeout unless the string names its own user or port.
//
// Groups "all" (every declared host) and "ungrouped" (declared hosts in no
// other group) always exist. A "localhost" with transport local exists
// unless declared; as in Ansible it is in no group, not even all, takes the
// vars of defaults, of group all and of host_vars/localhost, and is picked
// only by its own name.
//
// # Ansible inventories
//
// INI inventories follow Ansible's ini plugin: [group], [group:children],
// [group:vars] sections (a group named in :children may be declared later
// in the file; one declared nowhere is an error, as is :vars for an
// undeclared group); host lines "name[:port] key=value ..." with ranges
// (ctl[01:03], db-[a:c], n[0:10:2]), split like a shell line with # comments;
// values read as Python literals (22, 1.5, True, None, 'str', [lists],
// {dicts}), else kept as text ("yes" stays a string, as in Ansible); ; and
// # comment lines.
//
// YAML inventories follow Ansible's yaml plugin: top-level groups (usually
// all:), each with hosts (pattern -> vars), vars and children. Values keep
// their YAML types (YAML 1.1 yes/no/on/off are booleans, as in Ansible);
// anchors, aliases and << merge keys work. Inventory plugin configurations
// (plugin: ...) are refused: export them with ansible-inventory first.
//
// group_vars/NAME and host_vars/NAME are read as Ansible's host_group_vars
// does: the folder NAME/ (every file, recursively, sorted), then NAME,
// NAME.yml, NAME.yaml and NAME.json. Files encrypted with ansible-vault,
// and !vault values, are left out with a warning.
//
// Ansible's connection vars become the Endpoint: ansible_host
// (ansible_ssh_host), ansible_port, ansible_user, ansible_ssh_private_key_file
// (ansible_private_key_file), ansible_connection (local; ssh, smart and
// paramiko mean ssh; others are errors), ansible_become,
// ansible_become_user, ansible_host_key_checking, ansible_timeout, and in
// ansible_ssh_common_args / ansible_ssh_extra_args: -J / -o ProxyJump,
// -o ProxyCommand="ssh -W %h:%p [user@]bastion", -o StrictHostKeyChecking,
// -o UserKnownHostsFile, -i, -p, -l. Every var, these included, stays in
// Host.Vars.
//
// # Precedence
//
// A host's vars (and connection settings) are merged from lowest to
// highest, later winning key by key (Ansible's default "replace"):
//
//  1. the HCL defaults block;
//  2. group all's vars from inventory files (INI [all:vars], YAML, HCL);
//  3. every other group's inventory vars, parents before children (by
//     depth: the longest path from all), same depth by
//     ansible_group_priority (default 1), then by name;
//  4. group_vars/all;
//  5. group_vars of every other group, in the same order;
//  6. the host's own inventory vars (HCL block, INI line, YAML entry,
//     source), in load order;
//  7. host_vars of the host.
//
// # Host patterns
//
// Select implements Ansible's --limit and hosts: patterns: names, groups,
// all or *, globs, ~regex, subscripts (group[0], group[-1], group[0:2]),
// lists separated by commas or colons, &intersection and !exclusion. The
// result keeps declaration order; a pattern matching nothing is an error.
//
// # Dynamic sources
//
// A Source supplies an hcldec.Spec for the arguments of its source block
// and returns hosts (name, address, groups, vars). The groups it names are
// created when missing. A source host with the name of a declared host is
// ignored with a warning.
package inventory
