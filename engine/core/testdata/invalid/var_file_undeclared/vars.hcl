release = "wallaby"
relase  = "xena"
