// Package filediff owns what the file-writing modules (copy, template, ini,
// lineinfile, file) share: the owner, group, mode and backup arguments, the
// state of a file as read through a transport.Conn, the --diff items that
// describe a change (attribute changes such as "mode: 0644 -> 0600" and a
// unified text diff of the content), and the one careful way to write a
// file: staged next to its destination, given its owner and mode, backed
// up when asked and then renamed into place, so readers see the old file or
// the new one and a failure leaves the old file as it was.
//
// It does not decide what a file should hold: each module computes the
// content it wants and hands it here.
package filediff
