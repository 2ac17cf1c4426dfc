{{/* Names and labels. */}}
{{- define "podgate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "podgate.fullname" -}}
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

{{- define "podgate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "podgate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "podgate.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "podgate.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "podgate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "podgate.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "podgate.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The Secret with the host keys: the user's, or the one this chart generates. */}}
{{- define "podgate.relaySecret" -}}
{{- default (printf "%s-relay" (include "podgate.fullname" .)) .Values.relay.existingSecret -}}
{{- end -}}

{{- define "podgate.hostKeySecret" -}}
{{- default (printf "%s-host-keys" (include "podgate.fullname" .)) .Values.hostKeys.existingSecret -}}
{{- end -}}

{{/* The host key files podgate loads, as a JSON list of Secret keys. */}}
{{- define "podgate.hostKeyFiles" -}}
{{- if .Values.hostKeys.existingSecret -}}
{{- .Values.hostKeys.files | toJson -}}
{{- else -}}
{{- list "ssh_host_ecdsa_key" "ssh_host_rsa_key" | toJson -}}
{{- end -}}
{{- end -}}

{{/*
The Kubernetes users the service account may impersonate, as a sorted JSON list: each
config.users[].kubernetes.user (default: the user's name) plus rbac.impersonate.extraUsers.
Never a system: identity (that covers system:admin and every system:serviceaccount:*).
*/}}
{{- define "podgate.impersonateUsers" -}}
{{- $out := list -}}
{{- range .Values.config.users -}}
{{- $k := .kubernetes | default dict -}}
{{- $out = append $out (default .name $k.user) -}}
{{- end -}}
{{- range .Values.rbac.impersonate.extraUsers -}}
{{- $out = append $out . -}}
{{- end -}}
{{- range $out -}}
{{- if hasPrefix "system:" . -}}
{{- fail (printf "podgate: refusing to let the service account impersonate %q" .) -}}
{{- end -}}
{{- end -}}
{{- $out | uniq | sortAlpha | toJson -}}
{{- end -}}

{{/*
The Kubernetes groups the service account may impersonate: every config.users[].kubernetes.groups
entry plus rbac.impersonate.extraGroups. Never system:masters or any other system: group.
*/}}
{{- define "podgate.impersonateGroups" -}}
{{- $out := list -}}
{{- range .Values.config.users -}}
{{- $k := .kubernetes | default dict -}}
{{- range ($k.groups | default list) -}}
{{- $out = append $out . -}}
{{- end -}}
{{- end -}}
{{- range .Values.rbac.impersonate.extraGroups -}}
{{- $out = append $out . -}}
{{- end -}}
{{- range $out -}}
{{- if hasPrefix "system:" . -}}
{{- fail (printf "podgate: refusing to let the service account impersonate group %q" .) -}}
{{- end -}}
{{- end -}}
{{- $out | uniq | sortAlpha | toJson -}}
{{- end -}}

{{/* Seconds the kubelet waits after SIGTERM: drain + reap + margin (+ the preStop sleep). */}}
{{- define "podgate.terminationGracePeriod" -}}
{{- $l := .Values.config.limits | default dict -}}
{{- add (int (default 30 $l.shutdownGraceSeconds)) (int (default 5 $l.reapGraceSeconds)) (int .Values.terminationGraceMarginSeconds) (int .Values.preStopSleepSeconds) -}}
{{- end -}}

{{/* What only a restart applies (src/config/reload-diff.ts RESTART_KEYS): its checksum rolls the pods. */}}
{{- define "podgate.restartConfig" -}}
{{- dict "ssh" .Values.ports.ssh "metrics" .Values.ports.metrics "hostKeys" (include "podgate.hostKeyFiles" .) "hostKeySecret" (include "podgate.hostKeySecret" .) "kubernetes" (.Values.config.kubernetes | default dict) "clusters" (.Values.clusters | default list) "logFormat" ((.Values.config.log | default dict).format | default "json") "web" .Values.web "webPort" .Values.ports.web "webConfig" (.Values.config.web | default dict) "relay" .Values.relay | toJson -}}
{{- end -}}
