# want: Missing required argument @ 2:21
source "fake_trove" {
  groups = ["guests"]
}
