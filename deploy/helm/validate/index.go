// What the documents of one stream say about each other: autoscalers, PDBs and Ingresses must point
// at objects the stream defines, and one Deployment has at most one autoscaler.
package main

import (
	"fmt"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

type index struct {
	deployments map[string]*appsv1.Deployment
	services    map[string]*corev1.Service
	ingresses   []*networkingv1.Ingress
	pdbs        []*policyv1.PodDisruptionBudget
	scalers     map[string][]string // Deployment name -> the autoscalers that target it
	triggerAuth map[string]bool
	authRefs    map[string]string // ScaledObject -> TriggerAuthentication it names
}

func newIndex() *index {
	return &index{deployments: map[string]*appsv1.Deployment{}, services: map[string]*corev1.Service{},
		scalers: map[string][]string{}, triggerAuth: map[string]bool{}, authRefs: map[string]string{}}
}

func (x *index) addScaler(scaler, kind, target string) {
	if kind == "" {
		kind = "Deployment"
	}
	x.scalers[kind+"/"+target] = append(x.scalers[kind+"/"+target], scaler)
}

// addCustom reads what the cross-checks need from a (schema-valid) KEDA object.
func (x *index) addCustom(d doc, valid bool) {
	if !valid {
		return
	}
	switch d.kind {
	case "TriggerAuthentication":
		x.triggerAuth[d.name] = true
	case "ScaledObject":
		var so struct {
			Spec struct {
				ScaleTargetRef struct{ Kind, Name string } `json:"scaleTargetRef"`
				Triggers       []struct {
					AuthenticationRef *struct{ Name, Kind string } `json:"authenticationRef"`
				} `json:"triggers"`
			} `json:"spec"`
		}
		if yaml.Unmarshal(d.raw, &so) == nil {
			x.addScaler("ScaledObject/"+d.name, so.Spec.ScaleTargetRef.Kind, so.Spec.ScaleTargetRef.Name)
			for _, t := range so.Spec.Triggers {
				if t.AuthenticationRef != nil && (t.AuthenticationRef.Kind == "" || t.AuthenticationRef.Kind == "TriggerAuthentication") {
					x.authRefs["ScaledObject/"+d.name] = t.AuthenticationRef.Name
				}
			}
		}
	}
}

func (x *index) crossCheck() []string {
	var ps []string
	for target, scalers := range x.scalers {
		if _, ok := x.deployments[target[len("Deployment/"):]]; target[:len("Deployment/")] != "Deployment/" || !ok {
			ps = append(ps, fmt.Sprintf("%v: scale target %s is not in the manifests", scalers, target))
		}
		if len(scalers) > 1 {
			ps = append(ps, fmt.Sprintf("%s has %d autoscalers (%v): they would fight", target, len(scalers), scalers))
		}
		if d, ok := x.deployments[target[len("Deployment/"):]]; ok && d.Spec.Replicas != nil {
			ps = append(ps, fmt.Sprintf("%s sets replicas and is autoscaled: every apply would reset the count", target))
		}
	}
	for so, ref := range x.authRefs {
		if !x.triggerAuth[ref] {
			ps = append(ps, fmt.Sprintf("%s: TriggerAuthentication %q is not in the manifests", so, ref))
		}
	}
	for _, pdb := range x.pdbs {
		if !x.selects(pdb.Spec.Selector) {
			ps = append(ps, fmt.Sprintf("PodDisruptionBudget/%s: selects no Deployment's pods", pdb.Name))
		}
	}
	for _, svc := range x.services {
		if len(svc.Spec.Selector) > 0 && !x.selects(&metav1.LabelSelector{MatchLabels: svc.Spec.Selector}) {
			ps = append(ps, fmt.Sprintf("Service/%s: selects no Deployment's pods", svc.Name))
		}
	}
	for _, ing := range x.ingresses {
		for _, r := range ing.Spec.Rules {
			if r.HTTP == nil {
				continue
			}
			for _, p := range r.HTTP.Paths {
				if s := p.Backend.Service; s != nil && x.services[s.Name] == nil {
					ps = append(ps, fmt.Sprintf("Ingress/%s: backend Service %q is not in the manifests", ing.Name, s.Name))
				}
			}
		}
	}
	sort.Strings(ps)
	return ps
}

func (x *index) selects(sel *metav1.LabelSelector) bool {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil || s.Empty() {
		return false
	}
	for _, d := range x.deployments {
		if s.Matches(labels.Set(d.Spec.Template.Labels)) {
			return true
		}
	}
	return false
}
