package config

import (
	"net/url"
	"slices"
	"strings"
	"time"
)

func (c Config) validateNFs() *Error {
	if len(c.NFs) == 0 {
		return errorf("nfs", "must name at least one network function among %s", strings.Join(NFNames(), ", "))
	}
	for i, n := range c.NFs {
		if !slices.Contains(NFNames(), n) {
			return errorf(index("nfs", i), "must be one of %s, got %q", strings.Join(NFNames(), ", "), n)
		}
		if j := slices.Index(c.NFs[:i], n); j >= 0 {
			return errorf(index("nfs", i), "%s is also nfs[%d]", n, j)
		}
	}
	return nil
}

// maxLocalityLen bounds sbi.locality; TS 29.510 sets no bound, a label
// of a location needs no more.
const maxLocalityLen = 64

func (c Config) validateSBI() *Error {
	a := c.SBI.Address
	if !c.AllInOne() {
		switch {
		case !a.Addr().IsValid():
			return errorf("sbi.address", "must be an IP address and port such as 127.0.0.1:7777: this process serves its NFs' services there")
		case a.Addr().IsUnspecified() || a.Addr().IsMulticast():
			return errorf("sbi.address", "must be a specific unicast address, not %s: it is registered at the NRF as the NFs' address", a.Addr())
		}
	}
	switch {
	case c.Runs("nrf") && c.SBI.NRF != "":
		return errorf("sbi.nrf", "must be empty: this process runs the NRF (nfs includes nrf), got %q", c.SBI.NRF)
	case !c.Runs("nrf") && c.SBI.NRF == "" && !c.upfAlone():
		return errorf("sbi.nrf", "required: this process does not run the NRF (nfs %s), so it needs the NRF's URL, such as http://127.0.0.1:7777 (keel serve --nrf)", strings.Join(c.NFs, ","))
	case c.SBI.NRF != "":
		u, err := url.Parse(c.SBI.NRF)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
			return errorf("sbi.nrf", "must be a URL such as http://127.0.0.1:7777 or https://nrf.example:443 (scheme, host and port only), got %q", c.SBI.NRF)
		}
	}
	if c.SBI.Timeout < 10*time.Millisecond || c.SBI.Timeout > time.Minute {
		return errorf("sbi.timeout", "must be 10ms to 1m, got %v", c.SBI.Timeout)
	}
	t := c.SBI.TLS
	switch {
	case (t.Certificate == "") != (t.Key == ""):
		return errorf("sbi.tls", "certificate and key go together: give both PEM files or neither")
	case t.Mutual && t.Certificate == "":
		return errorf("sbi.tls.mutual", "needs certificate and key: mutual TLS presents this process's certificate")
	}
	o := c.SBI.OAuth2
	for _, f := range [...]struct{ key, path string }{{"sbi.tls.certificate", t.Certificate}, {"sbi.tls.key", t.Key}, {"sbi.tls.ca", t.CA},
		{"sbi.oauth2.signing_key", o.SigningKey}, {"sbi.oauth2.nrf_key", o.NRFKey}} {
		if strings.IndexByte(f.path, 0) >= 0 {
			return errorf(f.key, "must not contain a NUL byte")
		}
	}
	if c.SBI.TLS.Certificate != "" && strings.HasPrefix(c.SBI.NRF, "http://") {
		return errorf("sbi.nrf", "must be an https URL when sbi.tls is set, got %q", c.SBI.NRF)
	}
	if o.Enabled && !c.AllInOne() && !c.Runs("nrf") && !c.upfAlone() && o.NRFKey == "" {
		return errorf("sbi.oauth2.nrf_key", "required with sbi.oauth2.enabled: this process does not run the NRF and checks the NRF's access tokens with its public key, a PEM file (keel nrf public-key prints it)")
	}
	if len(c.SBI.Locality) > maxLocalityLen || !isPrintableString(c.SBI.Locality) {
		return errorf("sbi.locality", "must be at most %d letters, digits, spaces or '()+,-./:=?, got %q", maxLocalityLen, c.SBI.Locality)
	}
	return nil
}

// upfAlone reports whether the process runs the UPF and nothing else: it
// has no SBI service to offer, and SMFs reach it over N4 at n4.address,
// so it may run without an NRF (it registers there when sbi.nrf is set).
func (c Config) upfAlone() bool {
	return len(c.NFs) == 1 && c.NFs[0] == "upf"
}
