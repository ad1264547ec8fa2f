{{/*
A worker Deployment (answer or ingest): no HTTP port of its own, the index and models volumes, and
the data volume where the role reads uploads.
(dict "ctx" $ "role" "answer-worker" "values" .Values.answerWorker "replicas" 2 "data" true)
A "replicas" of nil leaves the count to the autoscaler.
*/}}
{{- define "docent.workerDeployment" -}}
{{- $ctx := .ctx -}}
{{- $v := .values -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "docent.fullname" $ctx }}-{{ .role }}
  labels:
    {{- include "docent.labels" $ctx | nindent 4 }}
    app.kubernetes.io/component: {{ .role }}
spec:
  {{- if not (kindIs "invalid" .replicas) }}
  replicas: {{ .replicas }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "docent.selectorLabels" (dict "ctx" $ctx "role" .role) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "docent.selectorLabels" (dict "ctx" $ctx "role" .role) | nindent 8 }}
      annotations:
        {{- include "docent.podAnnotations" (dict "ctx" $ctx "values" $v) | nindent 8 }}
    spec:
      {{- include "docent.podSpecCommon" (dict "ctx" $ctx "values" $v) | nindent 6 }}
      containers:
        - name: {{ .role }}
          image: {{ include "docent.image" $ctx }}
          imagePullPolicy: {{ $ctx.Values.image.pullPolicy }}
          {{- include "docent.command" .role | nindent 10 }}
          {{- with include "docent.metricsPort" (dict "ctx" $ctx "values" $v) }}
          ports:
            {{- . | trim | nindent 12 }}
          {{- end }}
          env:
            {{- include "docent.env" (dict "ctx" $ctx "role" .role "values" $v) | nindent 12 }}
          {{- with include "docent.probes" (dict "values" $v) }}{{ . | trim | nindent 10 }}{{ end }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- toYaml $ctx.Values.securityContext | nindent 12 }}
          volumeMounts:
            - {name: data, mountPath: /app/data}
            - {name: index, mountPath: /app/vectorstore}
            - {name: models, mountPath: /app/models, readOnly: true}
            - {name: tmp, mountPath: /tmp}
      volumes:
        {{- if .data }}
        {{- include "docent.volume" (dict "ctx" $ctx "name" "data" "volume" "data") | nindent 8 }}
        {{- else }}
        # This role keeps nothing in DATA_DIR that another process reads.
        - name: data
          emptyDir: {}
        {{- end }}
        {{- include "docent.volume" (dict "ctx" $ctx "name" "index" "volume" "index") | nindent 8 }}
        {{- include "docent.volume" (dict "ctx" $ctx "name" "models" "volume" "models") | nindent 8 }}
        - name: tmp
          emptyDir:
            sizeLimit: {{ $ctx.Values.tmpSizeLimit }}
{{- end -}}
