# want: Unknown group @ 3:26
group "trove" {
  children = ["control", "computes"]
}

group "control" {}
