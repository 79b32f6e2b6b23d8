# Precedence fixture: var upto_X is set at every level up to X; X must win.
defaults {
  user = "from-defaults"
  vars = {
    upto_all_gv = "defaults"
    upto_all_inv = "defaults"
    upto_child_gv = "defaults"
    upto_child_inv = "defaults"
    upto_defaults = "defaults"
    upto_host_hv = "defaults"
    upto_host_inv = "defaults"
    upto_parent_gv = "defaults"
    upto_parent_inv = "defaults"
  }
}
