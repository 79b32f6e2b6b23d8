# managed by the bench
name = ${name}
port = ${port}
