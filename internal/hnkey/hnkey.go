package hnkey

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/keelcore/keel/internal/crypto/suci"
)

// FileName is the key ring's file in the data directory.
const FileName = "home-network-keys.json"

// Identifiers of the keys LoadOrCreate creates.
const (
	DefaultProfileAKeyID = 1
	DefaultProfileBKeyID = 2
)

// Keyring holds home network key pairs, sorted by identifier.
type Keyring struct {
	keys []suci.HomeNetworkKey
}

// PublicKey is what a SIM vendor needs of one key: the home network public
// key identifier, the protection scheme ("A" or "B") and the public key in
// hexadecimal, as the scheme encodes it (TS 33.501 Annex C.3.4: 32 octets
// for profile A, the 33-octet compressed point for profile B). For profile B
// PublicUncompressed also gives the point uncompressed (04||X||Y, 65
// octets), for SIM tools that load only that form; it is empty for profile A.
type PublicKey struct {
	ID                 uint8  `json:"id"`
	Scheme             string `json:"scheme"`
	Public             string `json:"public_key"`
	PublicUncompressed string `json:"public_key_uncompressed,omitempty"`
}

// NewKeyring builds a key ring from keys; identifiers must be unique and
// schemes profile A or B.
func NewKeyring(keys ...suci.HomeNetworkKey) (*Keyring, error) {
	kr := &Keyring{keys: make([]suci.HomeNetworkKey, 0, len(keys))}
	for _, k := range keys {
		if _, err := schemeName(k.Scheme); err != nil {
			return nil, fmt.Errorf("hnkey: key %d: %w", k.ID, err)
		}
		k.Private = slices.Clone(k.Private)
		k.Public = slices.Clone(k.Public)
		kr.keys = append(kr.keys, k)
	}
	slices.SortFunc(kr.keys, func(a, b suci.HomeNetworkKey) int { return int(a.ID) - int(b.ID) })
	for i := 1; i < len(kr.keys); i++ {
		if kr.keys[i].ID == kr.keys[i-1].ID {
			return nil, fmt.Errorf("hnkey: key identifier %d appears twice", kr.keys[i].ID)
		}
	}
	return kr, nil
}

// Key returns the key pair with home network public key identifier id.
func (kr *Keyring) Key(id uint8) (suci.HomeNetworkKey, bool) {
	i, ok := slices.BinarySearchFunc(kr.keys, id, func(k suci.HomeNetworkKey, id uint8) int { return int(k.ID) - int(id) })
	if !ok {
		return suci.HomeNetworkKey{}, false
	}
	k := kr.keys[i]
	k.Private = slices.Clone(k.Private)
	k.Public = slices.Clone(k.Public)
	return k, true
}

// Public returns the public keys, by identifier.
func (kr *Keyring) Public() []PublicKey {
	out := make([]PublicKey, len(kr.keys))
	for i, k := range kr.keys {
		name, _ := schemeName(k.Scheme) // NewKeyring admits A and B only.
		out[i] = PublicKey{ID: k.ID, Scheme: name, Public: hex.EncodeToString(k.Public),
			PublicUncompressed: hex.EncodeToString(k.UncompressedPublic())}
	}
	return out
}

func schemeName(s suci.Scheme) (string, error) {
	switch s {
	case suci.ProfileA:
		return "A", nil
	case suci.ProfileB:
		return "B", nil
	}
	return "", fmt.Errorf("protection scheme %d is neither profile A nor profile B", s)
}

func parseScheme(name string) (suci.Scheme, error) {
	switch name {
	case "A":
		return suci.ProfileA, nil
	case "B":
		return suci.ProfileB, nil
	}
	return 0, fmt.Errorf("scheme %q: want \"A\" or \"B\"", name)
}

// fileKey is one key in the file.
type fileKey struct {
	ID      uint8  `json:"id"`
	Scheme  string `json:"scheme"`
	Private string `json:"private_key"`
	Public  string `json:"public_key"`
}

type file struct {
	Keys []fileKey `json:"keys"`
}

// LoadOrCreate loads the key ring from dir/home-network-keys.json, or
// creates that file, mode 0600, with a new profile A key (identifier 1) and
// a new profile B key (identifier 2) when it does not exist. dir is created
// (mode 0700) if needed.
func LoadOrCreate(dir string) (*Keyring, error) {
	path := filepath.Join(dir, FileName)
	kr, err := load(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return kr, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("hnkey: %w", err)
	}
	if kr, err = Generate(); err != nil {
		return nil, err
	}
	created, err := create(path, kr)
	if err != nil {
		return nil, err
	}
	if !created {
		// Another LoadOrCreate created the file first: use its keys.
		return load(path)
	}
	return kr, nil
}

// Generate makes a new key ring: a profile A key (identifier
// DefaultProfileAKeyID) and a profile B key (DefaultProfileBKeyID), as
// LoadOrCreate puts in a new file.
func Generate() (*Keyring, error) {
	a, err := suci.GenerateKey(DefaultProfileAKeyID, suci.ProfileA)
	if err != nil {
		return nil, fmt.Errorf("hnkey: generating the profile A key: %w", err)
	}
	b, err := suci.GenerateKey(DefaultProfileBKeyID, suci.ProfileB)
	if err != nil {
		return nil, fmt.Errorf("hnkey: generating the profile B key: %w", err)
	}
	return NewKeyring(a, b)
}

// Parse reads a key ring in the format of the key file (FileName): a
// JSON object whose keys list each key's id, scheme ("A" or "B") and
// private and public keys in hexadecimal. Unknown fields, trailing data,
// an empty list and a public key that is not the private key's are
// refused. It is how a key ring given other than as a file (keel serve
// takes one from $KEEL_HOME_NETWORK_KEYS) is read.
func Parse(data []byte) (*Keyring, error) {
	kr, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("hnkey: %w", err)
	}
	return kr, nil
}

// Marshal returns kr in the format of the key file, private keys
// included: for the file or the secret that holds them, never a log.
func (kr *Keyring) Marshal() ([]byte, error) {
	var f file
	for _, k := range kr.keys {
		name, _ := schemeName(k.Scheme) // NewKeyring admits A and B only.
		f.Keys = append(f.Keys, fileKey{
			ID: k.ID, Scheme: name,
			Private: hex.EncodeToString(k.Private.Reveal()), // The file is where the private keys live.
			Public:  hex.EncodeToString(k.Public),
		})
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("hnkey: %w", err)
	}
	return append(data, '\n'), nil
}

// load reads a key ring file; an error wrapping fs.ErrNotExist means there
// is none.
func load(path string) (*Keyring, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("hnkey: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("hnkey: %w", err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("hnkey: %s holds private keys but has mode %04o: make it readable by its owner only (chmod 600)", path, info.Mode().Perm())
	}
	data, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("hnkey: %w", err)
	}
	kr, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("hnkey: %s is not a readable key ring (it is left as it is; restore it from a backup): %w", path, err)
	}
	return kr, nil
}

func parse(data []byte) (*Keyring, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f file
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON object")
	}
	if len(f.Keys) == 0 {
		return nil, errors.New("no keys")
	}
	keys := make([]suci.HomeNetworkKey, 0, len(f.Keys))
	for i, fk := range f.Keys {
		k, err := fk.key()
		if err != nil {
			return nil, fmt.Errorf("keys[%d]: %w", i, err)
		}
		keys = append(keys, k)
	}
	return NewKeyring(keys...)
}

func (fk fileKey) key() (suci.HomeNetworkKey, error) {
	s, err := parseScheme(fk.Scheme)
	if err != nil {
		return suci.HomeNetworkKey{}, err
	}
	priv, err := hex.DecodeString(fk.Private)
	if err != nil || len(priv) == 0 {
		return suci.HomeNetworkKey{}, errors.New("private_key: want hexadecimal digits")
	}
	k, err := suci.NewKey(fk.ID, s, priv)
	clear(priv)
	if err != nil {
		return suci.HomeNetworkKey{}, fmt.Errorf("private_key: %w", err)
	}
	if fk.Public != hex.EncodeToString(k.Public) {
		return suci.HomeNetworkKey{}, errors.New("public_key does not belong to private_key")
	}
	return k, nil
}

// create writes kr to path unless path exists; created is false when it
// did. The file appears complete or not at all: it is written under a
// temporary name, synced, then linked into place.
func create(path string, kr *Keyring) (created bool, err error) {
	data, err := kr.Marshal()
	if err != nil {
		return false, err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+FileName+".*") // Mode 0600.
	if err != nil {
		return false, fmt.Errorf("hnkey: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	clear(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return false, fmt.Errorf("hnkey: writing %s: %w", path, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		return false, fmt.Errorf("hnkey: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // Make the new name durable; a failure here loses nothing written.
		d.Close()
	}
	return true, nil
}
