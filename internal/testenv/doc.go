// Package testenv holds Keel's whole-system tests: the real composition
// root (internal/app) and the simulator, on real protocols, in a network
// namespace each test run makes for itself, with tshark as an independent
// decoder of everything on the wire. It has no code of its own.
package testenv
