# want: Incorrect attribute value type @ 3:10
group "g" {
  vars = ["a", "b"]
}
