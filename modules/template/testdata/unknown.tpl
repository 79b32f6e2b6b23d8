a = ${a}
b = ${missing_var}
