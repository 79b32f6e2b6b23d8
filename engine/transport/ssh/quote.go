package ssh

import (
	"sort"
	"strings"
)

// Quote quotes s for a POSIX shell: the result is always one word, in single
// quotes; an embedded single quote ends the quoted part, is escaped, and a
// new quoted part begins:
//
//	Quote("a'b") == `'a'\''b'`
func Quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// QuoteArgv quotes every element of argv and joins them with spaces.
func QuoteArgv(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = Quote(a)
	}
	return strings.Join(q, " ")
}

// commandLine is the shell text that runs argv in dir with env, replacing
// the shell (exec) so the process keeps the shell's PID and process group.
func commandLine(argv []string, dir string, env map[string]string) string {
	var b strings.Builder
	if dir != "" {
		b.WriteString("cd ")
		b.WriteString(Quote(dir))
		b.WriteString(" && ")
	}
	b.WriteString("exec ")
	if len(env) > 0 {
		keys := make([]string, 0, len(env))
		for k := range env {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("env ")
		for _, k := range keys {
			b.WriteString(Quote(k + "=" + env[k]))
			b.WriteByte(' ')
		}
		// "--" is not portable for env; an argv[0] that starts with "-"
		// would be taken as an option, so make it a path.
		if len(argv) > 0 && strings.HasPrefix(argv[0], "-") {
			argv = append([]string{"./" + argv[0]}, argv[1:]...)
		}
	}
	b.WriteString(QuoteArgv(argv))
	return b.String()
}
