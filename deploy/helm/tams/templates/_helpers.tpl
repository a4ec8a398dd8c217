{{/* Names and labels shared by every object of the chart. */}}
{{- define "tams.name" -}}
{{ .Chart.Name }}
{{- end }}

{{/* The release name, prefixed to the chart's name unless it already contains it. */}}
{{- define "tams.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{ .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else -}}
{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end -}}
{{- end }}

{{- define "tams.labels" -}}
app.kubernetes.io/name: {{ include "tams.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{/* The labels that select this release's pods; a component label is added next to them. */}}
{{- define "tams.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tams.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "tams.image" -}}
{{- if .Values.image.digest -}}
{{ printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else -}}
{{ printf "%s:%s" .Values.image.repository .Values.image.tag }}
{{- end -}}
{{- end }}

{{- define "tams.secretName" -}}
{{- if .Values.secrets.existingSecret -}}
{{ .Values.secrets.existingSecret }}
{{- else -}}
{{ include "tams.fullname" . }}
{{- end -}}
{{- end }}

{{/* The environment every role shares: settings from values, secrets from the Secret. */}}
{{- define "tams.env" -}}
- name: TAMS_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: TAMS_HOST
  value: "0.0.0.0"
- name: TAMS_PORT
  value: "8000"
- name: TAMS_S3_BUCKET
  value: {{ .Values.s3.bucket | quote }}
- name: TAMS_S3_REGION
  value: {{ .Values.s3.region | quote }}
{{- if .Values.s3.endpoint }}
- name: TAMS_S3_ENDPOINT
  value: {{ .Values.s3.endpoint | quote }}
{{- end }}
{{- if .Values.s3.publicEndpoint }}
- name: TAMS_S3_PUBLIC_ENDPOINT
  value: {{ .Values.s3.publicEndpoint | quote }}
{{- end }}
- name: TAMS_DATABASE_URL
  valueFrom: { secretKeyRef: { name: {{ include "tams.secretName" . }}, key: TAMS_DATABASE_URL } }
- name: TAMS_REDIS_URL
  valueFrom: { secretKeyRef: { name: {{ include "tams.secretName" . }}, key: TAMS_REDIS_URL } }
- name: TAMS_INTERNAL_SECRET
  valueFrom: { secretKeyRef: { name: {{ include "tams.secretName" . }}, key: TAMS_INTERNAL_SECRET } }
- name: AWS_ACCESS_KEY_ID
  valueFrom: { secretKeyRef: { name: {{ include "tams.secretName" . }}, key: AWS_ACCESS_KEY_ID } }
- name: AWS_SECRET_ACCESS_KEY
  valueFrom: { secretKeyRef: { name: {{ include "tams.secretName" . }}, key: AWS_SECRET_ACCESS_KEY } }
{{- if .Values.tracing.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ .Values.tracing.otlpEndpoint | quote }}
- name: OTEL_EXPORTER_OTLP_PROTOCOL
  value: {{ .Values.tracing.protocol | quote }}
- name: OTEL_TRACES_SAMPLER
  value: {{ .Values.tracing.sampler | quote }}
- name: OTEL_TRACES_SAMPLER_ARG
  value: {{ .Values.tracing.samplerArg | quote }}
{{- end }}
{{- end }}

{{/* Probes and the writable directories of a store container (the root filesystem is read-only). */}}
{{- define "tams.probes" -}}
startupProbe:
  httpGet: { path: /health, port: http }
  periodSeconds: 2
  failureThreshold: 60
livenessProbe:
  httpGet: { path: /health, port: http }
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
readinessProbe:
  httpGet: { path: /ready, port: http }
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 2
{{- end }}

{{- define "tams.volumeMounts" -}}
- name: data
  mountPath: /var/lib/tams
- name: tmp
  mountPath: /tmp
{{- end }}

{{- define "tams.volumes" -}}
- name: data
  emptyDir: {}
- name: tmp
  emptyDir: {}
{{- end }}
