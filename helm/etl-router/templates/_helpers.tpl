{{/* Labels every object of the release carries. */}}
{{- define "etl-router.labels" -}}
app.kubernetes.io/part-of: etl-router
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{/* The operator pods' selector (the same as config/manager's, so kustomize and Helm installs match). */}}
{{- define "etl-router.operatorSelector" -}}
app.kubernetes.io/name: etl-operator
{{- end }}

{{/* An image of ours: repository/NAME:tag, the tag defaulting to the chart's appVersion. */}}
{{- define "etl-router.image" -}}
{{- $root := index . 0 -}}
{{- printf "%s/%s:%s" $root.Values.image.repository (index . 1) (default $root.Chart.AppVersion $root.Values.image.tag) -}}
{{- end }}

{{/* policy/v1 where the API server serves it (1.21+), policy/v1beta1 before (`helm template --kube-version`). */}}
{{- define "etl-router.pdbApiVersion" -}}
{{- if and (.Capabilities.APIVersions.Has "policy/v1") (semverCompare ">=1.21-0" .Capabilities.KubeVersion.Version) -}}policy/v1{{- else -}}policy/v1beta1{{- end -}}
{{- end }}

{{/* The webhook Service's DNS name, which the serving certificate must carry. */}}
{{- define "etl-router.webhookHost" -}}
etl-operator-webhook.{{ .Release.Namespace }}.svc
{{- end }}
