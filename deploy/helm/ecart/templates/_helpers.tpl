{{/* Names and labels. */}}
{{- define "ecart.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "ecart.commonLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/part-of: ecart
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "catalog"). */}}
{{- define "ecart.selectorLabels" -}}
app.kubernetes.io/name: ecart
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "ecart.labels" -}}
{{ include "ecart.commonLabels" .root }}
{{ include "ecart.selectorLabels" . }}
{{- end -}}

{{- define "ecart.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{- define "ecart.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "ecart.fullname" .)) -}}
{{- end -}}

{{/* A service's settings: serviceDefaults overridden by services.<name>, as YAML. */}}
{{- define "ecart.serviceValues" -}}
{{- $own := index .root.Values.services .name -}}
{{- toYaml (mustMergeOverwrite (deepCopy .root.Values.serviceDefaults) (deepCopy $own)) -}}
{{- end -}}

{{/* The services that call the users service for tokens: each has a client secret. */}}
{{- define "ecart.clientServices" -}}
{{- toJson (list "users" "catalog" "inventory" "cart" "order" "payment") -}}
{{- end -}}

{{- define "ecart.kafkaBootstrap" -}}
{{- if .Values.kafka.strimzi.enabled -}}
{{- printf "%s-kafka-kafka-bootstrap:9092" (include "ecart.fullname" .) -}}
{{- else -}}
{{- .Values.kafka.bootstrapServers -}}
{{- end -}}
{{- end -}}

{{- define "ecart.pgCluster" -}}
{{- printf "%s-pg" (include "ecart.fullname" .) -}}
{{- end -}}

{{- define "ecart.secretRef" -}}
- name: {{ .key }}
  valueFrom:
    secretKeyRef:
      name: {{ include "ecart.secretName" .root }}
      key: {{ .key }}
      {{- if .optional }}
      optional: true
      {{- end }}
{{- end -}}

{{/* The database env of one service: (dict "root" $ "name" "order"). External: the URLs
from the Secret. CloudNativePG: the role's password from the operator-reconciled Secret,
composed into the URL by Kubernetes' $(VAR) expansion. */}}
{{- define "ecart.databaseEnv" -}}
{{- $upper := upper .name -}}
{{- if .root.Values.postgresql.cloudnativepg.enabled }}
- name: PG_PASSWORD_{{ $upper }}
  valueFrom:
    secretKeyRef:
      name: {{ include "ecart.pgCluster" .root }}-{{ .name }}
      key: password
- name: ECART_{{ $upper }}_DATABASE_URL
  value: {{ printf "postgresql+asyncpg://ecart_%s:$(PG_PASSWORD_%s)@%s-rw:5432/ecart_%s" .name $upper (include "ecart.pgCluster" .root) .name | quote }}
{{- else }}
{{ include "ecart.secretRef" (dict "root" .root "key" (printf "ECART_%s_DATABASE_URL" $upper)) }}
{{ include "ecart.secretRef" (dict "root" .root "key" (printf "ECART_%s_DATABASE_READ_URL" $upper) "optional" true) }}
{{- end }}
{{- end -}}

{{/* Every env var of one service's container besides the shared ConfigMap. */}}
{{- define "ecart.serviceEnv" -}}
{{- $root := .root -}}
{{- $name := .name -}}
{{- $svc := fromYaml (include "ecart.serviceValues" .) -}}
- name: ECART_{{ upper $name }}_PORT
  value: {{ $svc.port | quote }}
{{- range $key, $value := $svc.config }}
- name: {{ $key }}
  value: {{ $value | quote }}
{{- end }}
{{- if ne $name "gateway" }}
{{ include "ecart.databaseEnv" . }}
{{ include "ecart.secretRef" (dict "root" $root "key" "ECART_KAFKA_SASL_PASSWORD" "optional" true) }}
{{- end }}
{{- if has $name (fromJsonArray (include "ecart.clientServices" $root)) }}
{{ include "ecart.secretRef" (dict "root" $root "key" (printf "ECART_%s_CLIENT_SECRET" (upper $name))) }}
{{- end }}
{{- if eq $name "users" }}
{{- range $client := fromJsonArray (include "ecart.clientServices" $root) }}
{{- if ne $client "users" }}
{{ include "ecart.secretRef" (dict "root" $root "key" (printf "ECART_%s_CLIENT_SECRET" (upper $client))) }}
{{- end }}
{{- end }}
{{ include "ecart.secretRef" (dict "root" $root "key" "ECART_USERS_SIGNING_KEY") }}
{{ include "ecart.secretRef" (dict "root" $root "key" "ECART_USERS_RETIRED_SIGNING_KEYS" "optional" true) }}
{{ include "ecart.secretRef" (dict "root" $root "key" "ECART_ADMIN_PASSWORD" "optional" true) }}
- name: ECART_ADMIN_EMAIL
  value: {{ $root.Values.admin.email | quote }}
{{- end }}
{{- if eq $name "notifications" }}
{{ include "ecart.secretRef" (dict "root" $root "key" "ECART_NOTIFICATIONS_SMTP_URL" "optional" true) }}
{{- end }}
{{- if $root.Values.redis.enabled }}
{{- if eq $name "catalog" }}
{{ include "ecart.secretRef" (dict "root" $root "key" "ECART_REDIS_URL") }}
{{- end }}
{{- if has $name (list "users" "order") }}
{{ include "ecart.secretRef" (dict "root" $root "key" "ECART_RATE_LIMIT_STORAGE") }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Which services use Redis (cache or abuse-limit counters). */}}
{{- define "ecart.usesRedis" -}}
{{- if and .root.Values.redis.enabled (has .name (list "catalog" "users" "order")) }}true{{ end -}}
{{- end -}}

{{- define "ecart.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* A pod's spec fields shared by Deployments and Jobs: (dict "root" $). */}}
{{- define "ecart.podCommon" -}}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .root.Values.podSecurityContext | nindent 2 }}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* NetworkPolicy egress rules. */}}
{{- define "ecart.postgresEgress" -}}
{{- if .Values.postgresql.cloudnativepg.enabled -}}
- to:
    - podSelector:
        matchLabels:
          cnpg.io/cluster: {{ include "ecart.pgCluster" . }}
  ports:
    - {protocol: TCP, port: 5432}
{{- else -}}
- to:
    {{- range .Values.networkPolicy.external.postgresql.cidrs }}
    - ipBlock: {cidr: {{ . }}}
    {{- end }}
  ports:
    - {protocol: TCP, port: {{ .Values.networkPolicy.external.postgresql.port }}}
{{- end -}}
{{- end -}}

{{- define "ecart.kafkaEgress" -}}
{{- if .Values.kafka.strimzi.enabled -}}
- to:
    - podSelector:
        matchLabels:
          strimzi.io/cluster: {{ include "ecart.fullname" . }}-kafka
          strimzi.io/kind: Kafka
  ports:
    - {protocol: TCP, port: 9092}
{{- else -}}
- to:
    {{- range .Values.networkPolicy.external.kafka.cidrs }}
    - ipBlock: {cidr: {{ . }}}
    {{- end }}
  ports:
    - {protocol: TCP, port: {{ .Values.networkPolicy.external.kafka.port }}}
{{- end -}}
{{- end -}}

{{- define "ecart.dnsEgress" -}}
- to:
    - namespaceSelector: {{ toYaml .Values.networkPolicy.dns.namespaceSelector | nindent 8 }}
      podSelector: {{ toYaml .Values.networkPolicy.dns.podSelector | nindent 8 }}
  ports:
    - {protocol: UDP, port: 53}
    - {protocol: TCP, port: 53}
{{- end -}}

{{/* The services with a database, in a stable order. */}}
{{- define "ecart.databaseServices" -}}
{{- $names := list -}}
{{- range $name, $_ := .Values.services -}}
{{- if ne $name "gateway" -}}{{- $names = append $names $name -}}{{- end -}}
{{- end -}}
{{- toJson $names -}}
{{- end -}}

{{/* Env of a pod that reaches every service's database (migrations, backup, restore). */}}
{{- define "ecart.allDatabasesEnv" -}}
{{- range fromJsonArray (include "ecart.databaseServices" .) }}
{{ include "ecart.databaseEnv" (dict "root" $ "name" .) }}
{{- end }}
{{- end -}}

{{/* A backup or restore pod: (dict "root" $ "component" "backup" "args" list). */}}
{{- define "ecart.backupPod" -}}
{{- $root := .root -}}
{{- $backup := $root.Values.backup -}}
metadata:
  labels:
    {{- include "ecart.labels" (dict "root" $root "component" .component) | nindent 4 }}
spec:
  restartPolicy: Never
  automountServiceAccountToken: false
  securityContext:
    runAsNonRoot: true
    runAsUser: {{ $backup.runAsUser }}
    runAsGroup: {{ $backup.runAsUser }}
    fsGroup: {{ $backup.runAsUser }}
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: {{ .component }}
      image: {{ $backup.image }}
      imagePullPolicy: IfNotPresent
      command: [/bin/sh, {{ printf "/scripts/%s.sh" .component }}]
      args: {{ toJson .args }}
      env:
        - {name: BACKUP_DIR, value: /backups}
        - {name: BACKUP_RETENTION, value: {{ $backup.retention | quote }}}
        - {name: BACKUP_SERVICES, value: {{ join " " (fromJsonArray (include "ecart.databaseServices" $root)) | quote }}}
        {{- include "ecart.allDatabasesEnv" $root | nindent 8 }}
      resources:
        requests: {cpu: 50m, memory: 64Mi}
        limits: {cpu: 500m, memory: 256Mi}
      securityContext:
        {{- include "ecart.containerSecurityContext" $root | nindent 8 }}
      volumeMounts:
        - {name: scripts, mountPath: /scripts, readOnly: true}
        - {name: backups, mountPath: /backups}
        - {name: tmp, mountPath: /tmp}
  volumes:
    - name: scripts
      configMap:
        name: {{ include "ecart.fullname" $root }}-backup-scripts
    - name: backups
      persistentVolumeClaim:
        claimName: {{ include "ecart.fullname" $root }}-backups
    - name: tmp
      emptyDir: {sizeLimit: 64Mi}
{{- end -}}
