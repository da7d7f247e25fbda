package sbihttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/keelcore/keel/internal/sbi"
)

// caseInner, caseBase and caseOuter make a type with every shape the key
// case walk follows: nested and embedded structs (the outer field
// shadowing the embedded one), pointers, slices, maps, a type with its
// own UnmarshalJSON, an interface, a skipped and an untagged field.
type caseInner struct {
	SST int               `json:"sst"`
	SD  string            `json:"sd,omitempty"`
	Any any               `json:"any,omitempty"`
	Raw json.RawMessage   `json:"raw,omitempty"`
	Map map[string]string `json:"map,omitempty"`
}

type caseBase struct {
	Shadow int    `json:"shadow"`
	Base   string `json:"baseName"`
}

type caseOuter struct {
	caseBase
	Shadow  string                `json:"shadow"`
	Supi    string                `json:"supi"`
	Inner   *caseInner            `json:"inner,omitempty"`
	List    []caseInner           `json:"list,omitempty"`
	ByKey   map[string]*caseInner `json:"byKey,omitempty"`
	Skipped string                `json:"-"`
	Plain   int
}

// referenceKeyCase is the check done with encoding/json's tokenizer,
// against which the in-place walk is compared: the JSON pointer of the
// first attribute whose name is not exact, "" when there is none.
func referenceKeyCase(t *testing.T, body []byte, typ reflect.Type) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	var walk func(t reflect.Type, path string) string
	walk = func(t reflect.Type, path string) string {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() == reflect.Interface || t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) {
			var skip json.RawMessage
			dec.Decode(&skip)
			return ""
		}
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		delim, ok := tok.(json.Delim)
		if !ok {
			return ""
		}
		for dec.More() {
			elem, seg := t, "*"
			switch {
			case delim == '[':
				elem = t.Elem()
			case t.Kind() == reflect.Map:
				dec.Token()
				elem = t.Elem()
			default:
				k, _ := dec.Token()
				seg, _ = k.(string)
				f, ok := fieldType(t, seg)
				if !ok {
					return path + "/" + seg
				}
				elem = f
			}
			if bad := walk(elem, path+"/"+seg); bad != "" {
				return bad
			}
		}
		dec.Token()
		return ""
	}
	return walk(typ, "")
}

var keyCaseBodies = []string{
	`{"supi":"imsi-1","shadow":"s","baseName":"b","Plain":1}`,
	`{"Supi":"imsi-1"}`,
	`{"supi":"x","inner":{"sst":1,"SD":"01"}}`,
	`{"list":[{"sst":1},{"sst":2,"Sd":"x"}]}`,
	`{"byKey":{"A":{"sst":1},"B":{"SST":2}}}`,
	`{"inner":{"any":{"Whatever":[1,{"X":2}]},"raw":{"Free":true},"map":{"K":"v"}}}`,
	` { "inner" : { "sst" : 1 , "sd" : "a\"b}" } , "list" : [ ] , "Plain" : -1.5e3 } `,
	`{"su\u0070i":"escaped name","inner":null,"list":null}`,
	`{"BaseName":"b"}`,
	`{"plain":1}`,
}

func TestKeyCaseMatchesTheTokenizer(t *testing.T) {
	for _, body := range keyCaseBodies {
		checkKeyCaseAgainstReference(t, []byte(body))
	}
	for body, want := range map[string]string{
		`{"Supi":"imsi-1"}`:                        "/Supi",
		`{"supi":"x","inner":{"sst":1,"SD":"01"}}`: "/inner/SD",
		`{"list":[{"sst":1},{"sst":2,"Sd":"x"}]}`:  "/list/*/Sd",
		`{"byKey":{"A":{"sst":1},"B":{"SST":2}}}`:  "/byKey/*/SST",
		`{"BaseName":"b"}`:                         "/BaseName",
		`{"plain":1}`:                              "/plain",
	} {
		var pe *ParamError
		if err := checkKeyCase([]byte(body), reflect.TypeOf(&caseOuter{})); !errors.As(err, &pe) || pe.Params[0].Param != want {
			t.Errorf("checkKeyCase(%s) = %v, want %s refused", body, err, want)
		}
	}
	for _, body := range []string{keyCaseBodies[0], keyCaseBodies[5], keyCaseBodies[6], keyCaseBodies[7]} {
		if err := checkKeyCase([]byte(body), reflect.TypeOf(&caseOuter{})); err != nil {
			t.Errorf("checkKeyCase(%s) = %v, want no error", body, err)
		}
	}
}

// checkKeyCaseAgainstReference: for a body that decodes into caseOuter,
// the walk refuses exactly what the tokenizer's check refuses, naming the
// same attribute.
func checkKeyCaseAgainstReference(t *testing.T, body []byte) {
	var v caseOuter
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if dec.Decode(&v) != nil {
		return // DecodeBytes never walks a body that does not decode
	}
	want := referenceKeyCase(t, body, reflect.TypeOf(&v))
	err := checkKeyCase(body, reflect.TypeOf(&v))
	switch {
	case want == "" && err != nil:
		t.Fatalf("checkKeyCase(%s) = %v, want no error", body, err)
	case want != "" && err == nil:
		t.Fatalf("checkKeyCase(%s) accepted it, want %s refused", body, want)
	case want != "":
		var pe *ParamError
		if !errors.As(err, &pe) || !errors.Is(err, sbi.ErrInvalidMsgFormat) || len(pe.Params) != 1 || pe.Params[0].Param != want || !strings.Contains(pe.Params[0].Reason, "case-sensitive") {
			t.Fatalf("checkKeyCase(%s) = %v, want %s named", body, err, want)
		}
	}
}

// FuzzKeyCase: on any body that decodes, the in-place walk and the
// tokenizer's check agree, and the walk never panics.
func FuzzKeyCase(f *testing.F) {
	for _, b := range keyCaseBodies {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkKeyCaseAgainstReference(t, body)
	})
}
