package config

import (
	"fmt"
	"os"
)

// Load reads the configuration file at path. See Parse.
func Load(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, &Error{Problem: err.Error(), err: err}
	}
	return Parse(data)
}

// Parse decodes a configuration file on top of Default and validates the
// result. The package documentation gives the rules of the format.
func Parse(data []byte) (Config, error) {
	c := Default()
	d := newDecoder()
	if err := d.document(data, &c); err != nil {
		return Config{}, err
	}
	if err := c.validate(); err != nil {
		if line, ok := d.line(err.Key); ok {
			err.Problem += fmt.Sprintf(" (line %d)", line)
		}
		return Config{}, err
	}
	return c, nil
}
