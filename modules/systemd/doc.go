// Package systemd is the systemd module: it starts, stops, restarts,
// reloads, enables and disables systemd units on a host, by name or by glob
// (`devstack@tr-*`), and can wait until a started unit is active and stays
// active for a grace period.
//
// Everything runs through the host's transport.Conn as argv (systemctl,
// journalctl), never as shell text. Plan only reads (list-units,
// list-unit-files, show); Apply changes. It does not write unit files:
// that is the file and template modules' business.
package systemd
