//go:build !linux

package upf

import "errors"

// NewDatapath fails: the TUN datapath is written for Linux.
func NewDatapath(opts DatapathOptions) (Datapath, error) {
	if _, err := opts.withDefaults(); err != nil {
		return nil, err
	}
	return nil, errors.New("upf: the TUN datapath needs Linux")
}
