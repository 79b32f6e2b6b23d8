# want: Unknown group @ 5:27
group "controller" {}

host "ctl1" {
  groups = ["controller", "controler"]
}
