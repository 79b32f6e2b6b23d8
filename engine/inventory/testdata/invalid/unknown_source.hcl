# want: Unknown inventory source type @ 2:8
source "nova_servers" {
  cloud = "lab"
}
