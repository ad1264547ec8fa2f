// Custom resources: validation against a CRD's openAPIV3Schema with kube-openapi (the validator the
// API server's CRD handler builds on), plus the unknown-field check the server does by pruning.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/kube-openapi/pkg/validation/spec"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
	"k8s.io/kube-openapi/pkg/validation/validate"
	"sigs.k8s.io/yaml"
)

type crdSchema struct {
	schema *spec.Schema
}

// loadCRDs reads every *.yaml CRD in dir, keyed "group/version/Kind" per served version.
func loadCRDs(dir string) (map[string]*crdSchema, error) {
	out := map[string]*crdSchema{}
	if dir == "" {
		return out, nil
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var crd struct {
			Kind string `json:"kind"`
			Spec struct {
				Group    string                `json:"group"`
				Names    struct{ Kind string } `json:"names"`
				Versions []struct {
					Name   string `json:"name"`
					Served bool   `json:"served"`
					Schema struct {
						OpenAPIV3Schema json.RawMessage `json:"openAPIV3Schema"`
					} `json:"schema"`
				} `json:"versions"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(data, &crd); err != nil || crd.Kind != "CustomResourceDefinition" {
			return nil, fmt.Errorf("%s: not a CustomResourceDefinition (%v)", f, err)
		}
		for _, v := range crd.Spec.Versions {
			s := &spec.Schema{}
			if err := json.Unmarshal(v.Schema.OpenAPIV3Schema, s); err != nil {
				return nil, fmt.Errorf("%s: schema of %s: %v", f, v.Name, err)
			}
			if v.Served {
				out[crd.Spec.Group+"/"+v.Name+"/"+crd.Spec.Names.Kind] = &crdSchema{schema: s}
			}
		}
	}
	return out, nil
}

func (c *crdSchema) validate(raw []byte) []string {
	var obj map[string]any
	if err := yaml.UnmarshalStrict(raw, &obj); err != nil {
		return []string{err.Error()}
	}
	var ps []string
	res := validate.NewSchemaValidator(c.schema, nil, "", strfmt.Default).Validate(obj)
	for _, e := range res.Errors {
		ps = append(ps, e.Error())
	}
	// metadata and the type fields are the API server's, not the CRD schema's.
	rest := map[string]any{}
	for k, v := range obj {
		if k != "metadata" && k != "apiVersion" && k != "kind" {
			rest[k] = v
		}
	}
	ps = append(ps, unknownFields("", rest, c.schema)...)
	sort.Strings(ps)
	return ps
}

// unknownFields lists the fields the schema does not declare, where it neither allows other
// properties nor preserves unknown fields.
func unknownFields(path string, v any, s *spec.Schema) []string {
	if s == nil || preserves(s) {
		return nil
	}
	var ps []string
	switch val := v.(type) {
	case map[string]any:
		for k, child := range val {
			p := strings.TrimPrefix(path+"."+k, ".")
			if prop, ok := s.Properties[k]; ok {
				ps = append(ps, unknownFields(p, child, &prop)...)
			} else if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
				ps = append(ps, unknownFields(p, child, s.AdditionalProperties.Schema)...)
			} else if s.AdditionalProperties == nil || !s.AdditionalProperties.Allows {
				ps = append(ps, fmt.Sprintf("%s: unknown field", p))
			}
		}
	case []any:
		if s.Items != nil && s.Items.Schema != nil {
			for i, child := range val {
				ps = append(ps, unknownFields(fmt.Sprintf("%s[%d]", path, i), child, s.Items.Schema)...)
			}
		}
	}
	return ps
}

func preserves(s *spec.Schema) bool {
	b, ok := s.Extensions["x-kubernetes-preserve-unknown-fields"].(bool)
	return ok && b
}
