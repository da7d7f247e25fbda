package sbihttp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/keelcore/keel/internal/sbi"
)

// encoding/json matches attribute names without regard to case, so
// "SupiOrSuci" would fill supiOrSuci. checkKeyCase walks a body that
// decoded into a value of type t and refuses an attribute whose name
// matched a field only that way: for TS 29.500 it is an attribute the
// data type does not define (INVALID_MSG_FORMAT).

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

func checkKeyCase(body []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	return walkCase(dec, t, "")
}

func walkCase(dec *json.Decoder, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) || t.Kind() == reflect.Interface {
		var skip json.RawMessage
		return dec.Decode(&skip) // the type's own decoding judged it
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return nil // a scalar or null
	}
	switch {
	case delim == '[':
		for dec.More() {
			if err := walkCase(dec, t.Elem(), path+"/*"); err != nil {
				return err
			}
		}
	case delim == '{' && t.Kind() == reflect.Map:
		for dec.More() {
			if _, err := dec.Token(); err != nil {
				return err
			}
			if err := walkCase(dec, t.Elem(), path+"/*"); err != nil {
				return err
			}
		}
	case delim == '{':
		fields := jsonFields(t)
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := tok.(string)
			ft, ok := fields[key]
			if !ok {
				return InvalidParamError(sbi.ErrInvalidMsgFormat, path+"/"+key, "attribute not defined for this data type (names are case-sensitive)")
			}
			if err := walkCase(dec, ft, path+"/"+key); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

// jsonFields maps the exact JSON names of a struct's fields, those of
// embedded structs included, to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					fields[k] = v
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = f.Type
	}
	return fields
}

// checkCase runs checkKeyCase for v's type.
func checkCase(body []byte, v any) error {
	if err := checkKeyCase(body, reflect.TypeOf(v)); err != nil {
		if sbi.ProblemOf(err) != nil {
			return err
		}
		return fmt.Errorf("%w: %v", sbi.ErrInvalidMsgFormat, err)
	}
	return nil
}
