# want: Variables not allowed @ 3:11
source "fake_trove" {
  cloud = var.cloud
}
