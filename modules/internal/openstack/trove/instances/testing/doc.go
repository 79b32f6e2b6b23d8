// Package testing holds the instances package's unit tests, on gophercloud's
// testhelper fixtures.
package testing
