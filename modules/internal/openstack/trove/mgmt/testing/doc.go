// Package testing holds the mgmt package's unit tests, on gophercloud's
// testhelper fixtures.
package testing
