package openapitest

import (
	"embed"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// files holds the Rel-17 OpenAPI documents (openapi/README.md).
//
//go:embed openapi/*.yaml
var files embed.FS

// Services are the API documents Load reads, each with every document it
// reaches by $ref.
var services = []string{
	"TS29509_Nausf_UEAuthentication.yaml",
	"TS29503_Nudm_UEAU.yaml",
	"TS29503_Nudm_SDM.yaml",
	"TS29503_Nudm_UECM.yaml",
	"TS29504_Nudr_DR.yaml",
	"TS29502_Nsmf_PDUSession.yaml",
	"TS29518_Namf_Communication.yaml",
	"TS29512_Npcf_SMPolicyControl.yaml",
	"TS29510_Nnrf_NFManagement.yaml",
	"TS29510_Nnrf_NFDiscovery.yaml",
	"TS29510_Nnrf_AccessToken.yaml",
	"TS29531_Nnssf_NSSelection.yaml",
	"TS29531_Nnssf_NSSAIAvailability.yaml",
}

// Spec is the set of loaded API documents with their operations, found
// by method and request path. It is read-only once loaded and safe for
// concurrent use.
type Spec struct {
	routes []route
	// docs are the service documents by file name, for CheckSchema.
	docs map[string]*openapi3.T
}

// route is one operation: its document's server path prefix
// ("/nausf-auth/v1") and path template, as a regular expression.
type route struct {
	name     string // the document's file
	doc      *openapi3.T
	server   *openapi3.Server
	template string
	re       *regexp.Regexp
	params   []string
	literals int
	method   string
	item     *openapi3.PathItem
	op       *openapi3.Operation
}

// load parses the documents once per test binary: they are large
// (TS29571_CommonData alone is 300 kB) and never change.
var load = sync.OnceValues(func() (*Spec, error) {
	// TS 29.501 §6.2's HAL media type, which the documents answer some
	// creations with (Nausf_UEAuthentication's 201), is JSON. kin-openapi
	// keeps its decoders in a registry of its own: these are the changes
	// made to it, once per test binary.
	openapi3filter.RegisterBodyDecoder("application/3gppHal+json", openapi3filter.JSONBodyDecoder)
	// The NRF's token request is a form with JSON-encoded fields
	// (TS 29.510 §6.3.3.2.2): see formBodyDecoder.
	openapi3filter.RegisterBodyDecoder("application/x-www-form-urlencoded", formBodyDecoder)
	// Binary N1 and N2 content travels in multipart/related bodies
	// (TS 29.500 §6.1.2.4): see relatedBodyDecoder.
	openapi3filter.RegisterBodyDecoder("multipart/related", relatedBodyDecoder)
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = true
	// The loader reads a file again for each reference into it: keep
	// each file's repaired bytes.
	read := map[string][]byte{}
	loader.ReadFromURIFunc = func(_ *openapi3.Loader, u *url.URL) ([]byte, error) {
		name := path.Base(u.Path)
		if data, ok := read[name]; ok {
			return data, nil
		}
		data, err := files.ReadFile("openapi/" + name)
		if err != nil {
			return nil, err
		}
		read[name] = repair(data)
		return read[name], nil
	}
	s := &Spec{docs: make(map[string]*openapi3.T)}
	for _, name := range services {
		data, err := files.ReadFile("openapi/" + name)
		if err != nil {
			return nil, err
		}
		data = repair(data)
		doc, err := loader.LoadFromDataWithPath(data, &url.URL{Path: name})
		if err != nil {
			return nil, fmt.Errorf("openapitest: %s: %w", name, err)
		}
		if err := s.add(name, doc); err != nil {
			return nil, err
		}
	}
	// Most literal segments first, so /shared-data wins over /{supi}.
	sort.SliceStable(s.routes, func(i, j int) bool { return s.routes[i].literals > s.routes[j].literals })
	return s, nil
})

// Load returns the documents, loaded on first use.
func Load() (*Spec, error) { return load() }

// add indexes the operations of doc under its server's path prefix.
func (s *Spec) add(name string, doc *openapi3.T) error {
	s.docs[name] = doc
	// Nnrf_AccessToken has no server: its path is below the NRF's apiRoot.
	server, prefix := &openapi3.Server{URL: "{apiRoot}"}, ""
	if len(doc.Servers) > 0 {
		server = doc.Servers[0]
		var ok bool
		if prefix, ok = strings.CutPrefix(server.URL, "{apiRoot}"); !ok {
			return fmt.Errorf("openapitest: %s: server %q does not start with {apiRoot}", name, server.URL)
		}
	}
	for template, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			r := route{name: name, doc: doc, server: server, template: template, method: method, item: item, op: op}
			var re strings.Builder
			re.WriteString("^" + regexp.QuoteMeta(prefix))
			for _, seg := range strings.Split(strings.TrimPrefix(template, "/"), "/") {
				re.WriteString("/")
				if p, ok := strings.CutPrefix(seg, "{"); ok && strings.HasSuffix(p, "}") {
					r.params = append(r.params, strings.TrimSuffix(p, "}"))
					re.WriteString("([^/]+)")
					continue
				}
				r.literals++
				re.WriteString(regexp.QuoteMeta(seg))
			}
			re.WriteString("$")
			r.re = regexp.MustCompile(re.String())
			s.routes = append(s.routes, r)
		}
	}
	return nil
}

// find returns the operation for method and the escaped path, with the
// path parameters, unescaped.
func (s *Spec) find(method, escapedPath string) (*routers.Route, map[string]string, error) {
	pathFound := false
	for _, r := range s.routes {
		m := r.re.FindStringSubmatch(escapedPath)
		if m == nil {
			continue
		}
		pathFound = true
		if r.method != method {
			continue
		}
		params := make(map[string]string, len(r.params))
		for i, name := range r.params {
			v, err := url.PathUnescape(m[i+1])
			if err != nil {
				return nil, nil, fmt.Errorf("openapitest: %s %s: parameter %s: %w", method, escapedPath, name, err)
			}
			params[name] = v
		}
		return &routers.Route{Spec: r.doc, Server: r.server, Path: r.template, PathItem: r.item, Method: method, Operation: r.op}, params, nil
	}
	if pathFound {
		return nil, nil, fmt.Errorf("openapitest: %s %s: the documents define no such method here", method, escapedPath)
	}
	return nil, nil, fmt.Errorf("openapitest: %s %s: no operation in the documents has this path", method, escapedPath)
}

// strayHash is a quoted scalar followed by "#" at the end of a line.
var strayHash = regexp.MustCompile(`(?m)('[^'\n]*')#$`)

// repair removes a YAML error of the published documents that the parser
// refuses: TS29575_Nadrf_DataManagement.yaml ends a $ref line with "#"
// right after the quoted value ("a comment without preceding
// whitespace"). The files stay as published.
func repair(data []byte) []byte {
	return strayHash.ReplaceAll(data, []byte("$1"))
}
