{{/* Names, labels and the pieces every role's pod shares. */}}

{{- define "docent.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "docent.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "docent.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "docent.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one role: (dict "ctx" $ "role" "web") */}}
{{- define "docent.selectorLabels" -}}
app.kubernetes.io/name: {{ include "docent.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{- define "docent.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "docent.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "docent.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "docent.amqpSecretName" -}}
{{- default (printf "%s-amqp" (include "docent.fullname" .)) .Values.amqp.existingSecret -}}
{{- end -}}

{{/* The queue KEDA watches: AMQP_PREFIX + answer.requests (src/contracts/names.ts, rabbitmq/topology.ts). */}}
{{- define "docent.answerQueue" -}}
{{- printf "%sanswer.requests" .Values.amqp.prefix -}}
{{- end -}}

{{/* keda, hpa or none, from answerWorker.autoscaling.mode (auto: keda when the cluster serves it). */}}
{{- define "docent.answerScaler" -}}
{{- $mode := .Values.answerWorker.autoscaling.mode -}}
{{- if eq $mode "auto" -}}
{{- if .Capabilities.APIVersions.Has "keda.sh/v1alpha1/ScaledObject" -}}keda{{- else -}}hpa{{- end -}}
{{- else -}}
{{- $mode -}}
{{- end -}}
{{- end -}}

{{/* The claim of a volume, or "" for an emptyDir: (dict "ctx" $ "name" "models") */}}
{{- define "docent.claimName" -}}
{{- $p := index .ctx.Values.persistence .name -}}
{{- if $p.enabled -}}
{{- default (printf "%s-%s" (include "docent.fullname" .ctx) .name) $p.existingClaim -}}
{{- end -}}
{{- end -}}

{{/* One pod volume: (dict "ctx" $ "name" "models" "volume" "models") */}}
{{- define "docent.volume" -}}
{{- $claim := include "docent.claimName" (dict "ctx" .ctx "name" .name) -}}
- name: {{ .volume }}
{{- if $claim }}
  persistentVolumeClaim:
    claimName: {{ $claim }}
{{- else }}
  emptyDir: {}
{{- end }}
{{- end -}}

{{/*
Environment shared by every role: brokers, prefixes, paths, log level, worker id, threads.
(dict "ctx" $ "role" "web" "values" .Values.web)
*/}}
{{- define "docent.env" -}}
{{- $ctx := .ctx -}}
- name: AMQP_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "docent.amqpSecretName" $ctx }}
      key: {{ $ctx.Values.amqp.existingSecretKey }}
- name: AMQP_PREFIX
  value: {{ $ctx.Values.amqp.prefix | quote }}
- name: KAFKA_BROKERS
  value: {{ $ctx.Values.kafkaConfig.brokers | quote }}
- name: KAFKA_PREFIX
  value: {{ $ctx.Values.kafkaConfig.prefix | quote }}
- name: LOG_LEVEL
  value: {{ $ctx.Values.logLevel | quote }}
- name: AUTH
  value: {{ $ctx.Values.auth | quote }}
- name: DATA_DIR
  value: /app/data
- name: MODELS_DIR
  value: /app/models
- name: VECTORSTORE_DIR
  value: /app/vectorstore
- name: HOME
  value: /tmp
- name: WORKER_ID
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
# LLM_THREADS defaults to the node's cores, not the container's share: the CPU limit (rounded up).
- name: LLM_THREADS
  valueFrom:
    resourceFieldRef:
      containerName: {{ .role }}
      resource: limits.cpu
      divisor: "1"
{{- range $name, $ref := $ctx.Values.secretEnv }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ $ref.secretName }}
      key: {{ $ref.key }}
{{- end }}
{{- $extra := merge (dict) (.values.env | default dict) ($ctx.Values.env | default dict) -}}
{{- if $ctx.Values.metrics.enabled }}{{ $extra = merge $extra ($ctx.Values.metrics.env | default dict) }}{{ end }}
{{- range $name, $value := $extra }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{/* Pod annotations and the metrics port, when metrics are on and the role has a port. */}}
{{- define "docent.podAnnotations" -}}
{{- $ann := merge (dict) (.values.podAnnotations | default dict) -}}
{{- if and .ctx.Values.metrics.enabled .values.metricsPort -}}
{{- $_ := set $ann "prometheus.io/scrape" "true" -}}
{{- $_ := set $ann "prometheus.io/port" (toString .values.metricsPort) -}}
{{- $_ := set $ann "prometheus.io/path" .ctx.Values.metrics.path -}}
{{- end -}}
{{- $_ := set $ann "checksum/amqp" (include (print .ctx.Template.BasePath "/secret-amqp.yaml") .ctx | sha256sum) -}}
{{- toYaml $ann -}}
{{- end -}}

{{- define "docent.metricsPort" -}}
{{- if and .ctx.Values.metrics.enabled .values.metricsPort }}
- name: metrics
  containerPort: {{ .values.metricsPort }}
  protocol: TCP
{{- end }}
{{- end -}}

{{/* Probes, scheduling and the pod-level settings every role shares. */}}
{{- define "docent.probes" -}}
{{- range $probe := list "livenessProbe" "readinessProbe" "startupProbe" }}
{{- with index $.values $probe }}
{{ $probe }}:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "docent.podSpecCommon" -}}
serviceAccountName: {{ include "docent.serviceAccountName" .ctx }}
automountServiceAccountToken: {{ .ctx.Values.serviceAccount.automountServiceAccountToken }}
terminationGracePeriodSeconds: {{ .values.terminationGracePeriodSeconds }}
securityContext:
  {{- toYaml .ctx.Values.podSecurityContext | nindent 2 }}
{{- with .ctx.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* The container's command for a role's entrypoint (as in the Dockerfile and docker-compose.yml). */}}
{{- define "docent.command" -}}
command: ["node", "--max-semi-space-size=2", "--import", "tsx", "src/bin/{{ . }}.ts"]
{{- end -}}
