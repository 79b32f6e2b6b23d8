line one
line two ${unclosed
