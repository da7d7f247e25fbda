// Package lint holds Keel's code rules as tests: gofmt, go vet, and the
// import boundaries between network functions. It has no code of its own.
package lint
