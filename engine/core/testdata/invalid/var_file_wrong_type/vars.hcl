workers = {
  api       = 4
  conductor = "four"
}
