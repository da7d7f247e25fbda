package accesstoken

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// SigningKeyFile is the name of the NRF's signing key in a data
// directory, made on the NRF's first start when no key is configured.
const SigningKeyFile = "nrf-signing-key.pem"

// maxKeyFile bounds what a key file read takes in; a PEM P-256 key is a
// few hundred bytes.
const maxKeyFile = 64 << 10

// LoadSigningKey reads the NRF's signing key from a PEM file (PKCS #8
// or SEC 1). A file that its group or others may read is refused: it
// holds the key every producer trusts. An error wrapping fs.ErrNotExist
// means there is no file. Errors never contain key material.
func LoadSigningKey(path string) (SigningKey, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return SigningKey{}, fmt.Errorf("accesstoken: signing key %s: %w", path, err)
		}
		return SigningKey{}, fmt.Errorf("accesstoken: signing key: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return SigningKey{}, fmt.Errorf("accesstoken: signing key: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return SigningKey{}, fmt.Errorf("accesstoken: signing key %s has mode %04o: make it readable by its owner only (chmod 600 %s)", path, st.Mode().Perm(), path)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFile))
	if err != nil {
		return SigningKey{}, fmt.Errorf("accesstoken: signing key: %w", err)
	}
	k, err := ParseSigningKeyPEM(b)
	clear(b)
	if err != nil {
		return SigningKey{}, fmt.Errorf("%w (file %s)", err, path)
	}
	return k, nil
}

// LoadOrCreateSigningKey reads the signing key at path or, when there is
// no file there, generates a key and writes it (PKCS #8 PEM, mode 0600),
// so that the NRF signs with the same key after a restart and the
// producers' copy of its public key stays valid. The file appears whole
// or not at all (written under a temporary name, synced, linked into
// place); of two starts racing, both end with the key of the first.
// created reports whether this call made the file.
func LoadOrCreateSigningKey(path string) (k SigningKey, created bool, err error) {
	k, err = LoadSigningKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return k, false, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return SigningKey{}, false, fmt.Errorf("accesstoken: %w", err)
	}
	if k, err = GenerateSigningKey(); err != nil {
		return SigningKey{}, false, err
	}
	data, err := k.PEM()
	if err != nil {
		return SigningKey{}, false, err
	}
	defer clear(data)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*") // mode 0600
	if err != nil {
		return SigningKey{}, false, fmt.Errorf("accesstoken: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return SigningKey{}, false, fmt.Errorf("accesstoken: writing %s: %w", path, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			k, err = LoadSigningKey(path)
			return k, false, err
		}
		return SigningKey{}, false, fmt.Errorf("accesstoken: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return k, true, nil
}

// LoadVerifyKey reads an NRF's public key from a PEM file ("PUBLIC
// KEY", as `keel nrf public-key` prints it).
func LoadVerifyKey(path string) (VerifyKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return VerifyKey{}, fmt.Errorf("accesstoken: NRF public key: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFile))
	if err != nil {
		return VerifyKey{}, fmt.Errorf("accesstoken: NRF public key: %w", err)
	}
	k, err := ParseVerifyKeyPEM(b)
	if err != nil {
		return VerifyKey{}, fmt.Errorf("%w (file %s)", err, path)
	}
	return k, nil
}
