# One host on this machine (local transport), for the file modules'
# end-to-end test without SSH.
defaults {
  transport = "local"
}

host "local1" {}
