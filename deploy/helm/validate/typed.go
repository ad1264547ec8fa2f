// Built-in kinds: strict decoding into the k8s.io/api types, then the checks the types cannot make.
package main

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
)

var decoder runtime.Decoder

func init() {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme, networkingv1.AddToScheme,
		policyv1.AddToScheme, autoscalingv2.AddToScheme,
	} {
		utilruntime.Must(add(scheme))
	}
	// EnableStrict: unknown and duplicate fields are errors, as with kubectl --validate=strict.
	decoder = serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()
}

func validateDoc(d doc, crds map[string]*crdSchema, idx *index) []string {
	if d.api == "" || d.kind == "" {
		return []string{"apiVersion and kind are required"}
	}
	if s, ok := crds[d.api+"/"+d.kind]; ok {
		ps := s.validate(d.raw)
		idx.addCustom(d, ps == nil)
		return append(ps, checkName(d.name, validation.IsDNS1123Subdomain)...)
	}
	obj, _, err := decoder.Decode(d.raw, nil, nil)
	if err != nil {
		return []string{err.Error()}
	}
	var ps []string
	meta, _ := obj.(metav1.Object)
	if meta != nil {
		ps = append(ps, checkName(meta.GetName(), nameRule(d.kind))...)
		for _, e := range validation.IsDNS1123Label(meta.GetNamespace()) {
			if meta.GetNamespace() != "" {
				ps = append(ps, "metadata.namespace: "+e)
			}
		}
	}
	switch o := obj.(type) {
	case *appsv1.Deployment:
		ps = append(ps, checkSelector("spec.selector", o.Spec.Selector, o.Spec.Template.Labels)...)
		ps = append(ps, checkPod("spec.template.spec", &o.Spec.Template.Spec)...)
		idx.deployments[o.Name] = o
	case *batchv1.Job:
		ps = append(ps, checkPod("spec.template.spec", &o.Spec.Template.Spec)...)
		if p := o.Spec.Template.Spec.RestartPolicy; p != corev1.RestartPolicyNever && p != corev1.RestartPolicyOnFailure {
			ps = append(ps, "spec.template.spec.restartPolicy: a Job's pods need Never or OnFailure")
		}
	case *corev1.Service:
		if len(o.Spec.Ports) == 0 && o.Spec.Type != corev1.ServiceTypeExternalName {
			ps = append(ps, "spec.ports: required")
		}
		idx.services[o.Name] = o
	case *networkingv1.Ingress:
		idx.ingresses = append(idx.ingresses, o)
	case *autoscalingv2.HorizontalPodAutoscaler:
		if o.Spec.MaxReplicas < 1 || (o.Spec.MinReplicas != nil && *o.Spec.MinReplicas > o.Spec.MaxReplicas) {
			ps = append(ps, "spec: need 1 <= minReplicas <= maxReplicas")
		}
		idx.addScaler("HorizontalPodAutoscaler/"+o.Name, o.Spec.ScaleTargetRef.Kind, o.Spec.ScaleTargetRef.Name)
	case *policyv1.PodDisruptionBudget:
		if (o.Spec.MinAvailable == nil) == (o.Spec.MaxUnavailable == nil) {
			ps = append(ps, "spec: set exactly one of minAvailable and maxUnavailable")
		}
		idx.pdbs = append(idx.pdbs, o)
	case *corev1.PersistentVolumeClaim:
		if len(o.Spec.AccessModes) == 0 {
			ps = append(ps, "spec.accessModes: required")
		}
		if _, ok := o.Spec.Resources.Requests[corev1.ResourceStorage]; !ok {
			ps = append(ps, "spec.resources.requests.storage: required")
		}
	}
	return ps
}

func nameRule(kind string) func(string) []string {
	switch kind {
	case "Service":
		return validation.IsDNS1035Label
	case "Deployment", "Job":
		// Their pods' names are built from them: a label, at most 63 characters.
		return validation.IsDNS1123Label
	}
	return validation.IsDNS1123Subdomain
}

func checkName(name string, rule func(string) []string) []string {
	if name == "" {
		return []string{"metadata.name: required"}
	}
	var ps []string
	for _, e := range rule(name) {
		ps = append(ps, fmt.Sprintf("metadata.name %q: %s", name, e))
	}
	return ps
}

func checkSelector(path string, sel *metav1.LabelSelector, podLabels map[string]string) []string {
	if sel == nil {
		return []string{path + ": required"}
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return []string{path + ": " + err.Error()}
	}
	if s.Empty() || !s.Matches(labels.Set(podLabels)) {
		return []string{path + ": does not match the pod template's labels"}
	}
	return nil
}

// checkPod: containers named and with images, volume mounts and probe ports that exist, valid env
// names, requests not above limits.
func checkPod(path string, pod *corev1.PodSpec) []string {
	var ps []string
	if len(pod.Containers) == 0 {
		ps = append(ps, path+".containers: required")
	}
	volumes := map[string]bool{}
	for _, v := range pod.Volumes {
		if volumes[v.Name] {
			ps = append(ps, fmt.Sprintf("%s.volumes: %q twice", path, v.Name))
		}
		volumes[v.Name] = true
		if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == "" {
			ps = append(ps, fmt.Sprintf("%s.volumes[%s].persistentVolumeClaim.claimName: required", path, v.Name))
		}
	}
	all := append(append([]corev1.Container{}, pod.InitContainers...), pod.Containers...)
	for _, c := range all {
		cp := fmt.Sprintf("%s.containers[%s]", path, c.Name)
		for _, e := range validation.IsDNS1123Label(c.Name) {
			ps = append(ps, cp+".name: "+e)
		}
		if c.Image == "" {
			ps = append(ps, cp+".image: required")
		}
		ports := map[string]bool{}
		for _, p := range c.Ports {
			if p.ContainerPort < 1 || p.ContainerPort > 65535 {
				ps = append(ps, fmt.Sprintf("%s.ports: %d is not a port", cp, p.ContainerPort))
			}
			if p.Name != "" {
				for _, e := range validation.IsValidPortName(p.Name) {
					ps = append(ps, fmt.Sprintf("%s.ports[%s]: %s", cp, p.Name, e))
				}
				ports[p.Name] = true
			}
		}
		for _, m := range c.VolumeMounts {
			if !volumes[m.Name] {
				ps = append(ps, fmt.Sprintf("%s.volumeMounts: no volume %q", cp, m.Name))
			}
		}
		for _, e := range c.Env {
			for _, msg := range validation.IsEnvVarName(e.Name) {
				ps = append(ps, fmt.Sprintf("%s.env[%s]: %s", cp, e.Name, msg))
			}
			if e.ValueFrom != nil && e.Value != "" {
				ps = append(ps, fmt.Sprintf("%s.env[%s]: value and valueFrom together", cp, e.Name))
			}
		}
		for name, probe := range map[string]*corev1.Probe{"livenessProbe": c.LivenessProbe, "readinessProbe": c.ReadinessProbe, "startupProbe": c.StartupProbe} {
			if probe == nil {
				continue
			}
			if probe.HTTPGet != nil && probe.HTTPGet.Port.StrVal != "" && !ports[probe.HTTPGet.Port.StrVal] {
				ps = append(ps, fmt.Sprintf("%s.%s: no port named %q", cp, name, probe.HTTPGet.Port.StrVal))
			}
			if probe.HTTPGet == nil && probe.TCPSocket == nil && probe.Exec == nil && probe.GRPC == nil {
				ps = append(ps, fmt.Sprintf("%s.%s: needs a handler (httpGet, tcpSocket, exec or grpc)", cp, name))
			}
		}
		for res, limit := range c.Resources.Limits {
			if req, ok := c.Resources.Requests[res]; ok && req.Cmp(limit) > 0 {
				ps = append(ps, fmt.Sprintf("%s.resources: %s request %s above its limit %s", cp, res, req.String(), limit.String()))
			}
		}
	}
	return ps
}
