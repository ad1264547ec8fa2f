// Command validate checks rendered Kubernetes manifests offline, as the API server would read them.
//
//	validate [-crds DIR] FILE...   (multi-document YAML; "-" reads stdin)
//
// Built-in kinds are decoded strictly into the typed k8s.io/api structs (an unknown field, a
// duplicate field or a wrong type is an error), then checked for what the structs cannot say
// (names, required fields, references inside a pod, selectors that match their pods). Custom
// resources (KEDA's ScaledObject and TriggerAuthentication) are checked against their CRD's
// openAPIV3Schema from DIR (types, required, enums, and unknown fields, which the API server would
// silently prune). Across documents: every autoscaler, PDB and Ingress points at something the
// stream defines, and no Deployment has two autoscalers. Exits 1 and names each problem.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"sigs.k8s.io/yaml"
)

// doc is one YAML document of a stream, with where it came from.
type doc struct {
	source string
	index  int
	raw    []byte
	kind   string
	api    string
	name   string
}

func (d doc) String() string {
	return fmt.Sprintf("%s#%d %s %s/%s", d.source, d.index, d.api, d.kind, d.name)
}

func main() {
	crdDir := flag.String("crds", "", "directory of CustomResourceDefinition YAML files")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: validate [-crds DIR] FILE... (\"-\" for stdin)")
		os.Exit(2)
	}
	crds, err := loadCRDs(*crdDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "validate:", err)
		os.Exit(2)
	}
	var docs []doc
	var problems []string
	for _, file := range flag.Args() {
		ds, err := readDocs(file)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		docs = append(docs, ds...)
	}
	idx := newIndex()
	for _, d := range docs {
		for _, p := range validateDoc(d, crds, idx) {
			problems = append(problems, fmt.Sprintf("%s: %s", d, p))
		}
	}
	problems = append(problems, idx.crossCheck()...)
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, "INVALID", p)
	}
	fmt.Printf("validate: %d documents, %d problems\n", len(docs), len(problems))
	if len(problems) > 0 || len(docs) == 0 {
		if len(docs) == 0 {
			fmt.Fprintln(os.Stderr, "validate: no documents")
		}
		os.Exit(1)
	}
}

// readDocs splits a YAML stream on document separators and reads each one's type and name.
func readDocs(file string) ([]doc, error) {
	var data []byte
	var err error
	if file == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return nil, err
	}
	var out []doc
	for i, part := range splitYAML(data) {
		if len(bytes.TrimSpace(stripComments(part))) == 0 {
			continue
		}
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		d := doc{source: file, index: i, raw: part}
		if err := yaml.Unmarshal(part, &head); err != nil {
			return nil, fmt.Errorf("%s#%d: not YAML: %v", file, i, err)
		}
		d.api, d.kind, d.name = head.APIVersion, head.Kind, head.Metadata.Name
		out = append(out, d)
	}
	return out, nil
}

func splitYAML(data []byte) [][]byte {
	var parts [][]byte
	var cur []string
	for _, line := range strings.Split(string(data), "\n") {
		if strings.TrimRight(line, " \t\r") == "---" || strings.HasPrefix(line, "--- ") {
			parts = append(parts, []byte(strings.Join(cur, "\n")))
			cur = nil
			continue
		}
		cur = append(cur, line)
	}
	return append(parts, []byte(strings.Join(cur, "\n")))
}

func stripComments(b []byte) []byte {
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			out = append(out, line)
		}
	}
	return []byte(strings.Join(out, "\n"))
}
