# want: Inventory source failed @ 2:1
source "fake_trove" {
  cloud = "broken"
}
