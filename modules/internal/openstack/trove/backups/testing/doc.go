// Package testing holds the backups package's unit tests, on gophercloud's
// testhelper fixtures.
package testing
