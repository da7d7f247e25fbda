package sbihttp

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/keelcore/keel/internal/sbi"
	"github.com/keelcore/keel/internal/strictjson"
)

// JSONDecoder is a body type that reads itself from JSON over a
// strictjson.Reader, with the semantics DecodeBytes gives
// encoding/json and its strict checks (see package strictjson).
// DecodeBytes and the client's answer decoding use it instead of
// json.Unmarshal and the key-case walk.
type JSONDecoder interface {
	DecodeJSON(r *strictjson.Reader)
}

// JSONAppender is a body type that appends its JSON to a buffer, the
// bytes json.Marshal would give. Answers, request bodies and the root
// part of a multipart body use it instead of json.Marshal.
type JSONAppender interface {
	AppendJSON(b []byte) ([]byte, error)
}

// marshal is json.Marshal, or v's own encoder when it has one.
func marshal(v any) ([]byte, error) {
	if a, ok := v.(JSONAppender); ok {
		return a.AppendJSON(make([]byte, 0, 512))
	}
	return json.Marshal(v)
}

// decodeStrict reads body into d strictly, every fault an sbi error as
// DecodeBytes lists.
func decodeStrict(body []byte, d JSONDecoder) error {
	r := strictjson.NewReader(body, false)
	d.DecodeJSON(r)
	if err := r.Finish(); err != nil {
		return strictError(err)
	}
	return nil
}

// strictError turns a strictjson fault into the TS 29.500 error, as
// classify turns encoding/json's.
func strictError(err error) error {
	var e *strictjson.Error
	if !errors.As(err, &e) {
		return classify(err)
	}
	switch e.Kind {
	case strictjson.Syntax:
		return fmt.Errorf("%w: %v", sbi.ErrInvalidMsgFormat, e)
	case strictjson.Unknown:
		return InvalidParamError(sbi.ErrInvalidMsgFormat, pointerOr(e.Pointer), e.Reason)
	case strictjson.Refused:
		if e.Err != nil {
			// The type's own decoding refused the value: its error
			// has the meaning, as classify gives it.
			return classify(e.Err)
		}
	}
	return InvalidParamError(sbi.ErrInvalidRequest, pointerOr(e.Pointer), e.Reason)
}

func pointerOr(p string) string {
	if p == "" {
		return "/"
	}
	return p
}
