{{/* The release's name prefix of every object, at most 63 characters. */}}
{{- define "keel.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The network functions Keel can run, in the order keel serve starts them. */}}
{{- define "keel.nfNames" -}}
nrf,nssf,udr,udm,ausf,pcf,upf,smf,amf
{{- end -}}

{{/*
The processes of the topology, comma-separated: "all" for all-in-one, the
NFs of .Values.nfs for split. Anything else fails.
*/}}
{{- define "keel.processes" -}}
{{- if eq .Values.topology "all-in-one" -}}
all
{{- else if eq .Values.topology "split" -}}
{{- $out := list -}}
{{- range $nf := splitList "," (include "keel.nfNames" .) -}}
{{- if hasKey $.Values.nfs $nf -}}{{- $out = append $out $nf -}}{{- end -}}
{{- end -}}
{{- range $nf, $_ := .Values.nfs -}}
{{- if not (has $nf (splitList "," (include "keel.nfNames" $))) -}}
{{- fail (printf "nfs.%s: not a network function; want among %s" $nf (include "keel.nfNames" $)) -}}
{{- end -}}
{{- end -}}
{{- if not (has "nrf" $out) -}}{{- fail "nfs: split needs the nrf, where the other NFs register and find one another" -}}{{- end -}}
{{- join "," $out -}}
{{- else -}}
{{- fail (printf "topology: want all-in-one or split, got %q" .Values.topology) -}}
{{- end -}}
{{- end -}}

{{/* Whether process .proc runs network function .nf: "true" or "". */}}
{{- define "keel.runs" -}}
{{- if or (eq .proc "all") (eq .proc .nf) -}}true{{- end -}}
{{- end -}}

{{/* The name of a process's objects: the release's for all-in-one, -<nf> for split. */}}
{{- define "keel.component" -}}
{{- if eq .proc "all" -}}
{{- include "keel.fullname" .root -}}
{{- else -}}
{{- printf "%s-%s" (include "keel.fullname" .root) .proc -}}
{{- end -}}
{{- end -}}

{{- define "keel.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .proc }}
{{- end -}}

{{- define "keel.labels" -}}
{{ include "keel.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{/*
Whether a process needs CAP_NET_ADMIN and CAP_NET_RAW, and so runs
keel-net: the UPF (its TUN device), and the AMF unless N2 is kernel SCTP
(userspace SCTP's raw socket). "true" or "".
*/}}
{{- define "keel.netCaps" -}}
{{- if or (include "keel.runs" (dict "proc" .proc "nf" "upf")) (and (include "keel.runs" (dict "proc" .proc "nf" "amf")) (ne .root.Values.n2.sctp "kernel")) -}}true{{- end -}}
{{- end -}}

{{/*
Keel's configuration file, the same for every process: the operator's
.Values.config with the chart's listeners over it. What differs between
processes (nfs, sbi.address, sbi.nrf, the Pod's IP) is given as flags.
*/}}
{{- define "keel.config" -}}
{{- $c := deepCopy .Values.config -}}
{{- range $k := list "nfs" "data_dir" "http" "n2" "n3" "n4" -}}
{{- if hasKey $c $k -}}{{- fail (printf "config.%s: set by the chart (see values.yaml); use the chart's values for it" $k) -}}{{- end -}}
{{- end -}}
{{- $_ := set $c "data_dir" "/var/lib/keel" -}}
{{- $_ := set $c "http" (dict "address" (printf "0.0.0.0:%v" .Values.ports.api)) -}}
{{- $_ := set $c "n2" (dict "address" (printf "0.0.0.0:%v" .Values.ports.n2) "sctp" .Values.n2.sctp) -}}
{{- if .Values.n3.address -}}
{{- $_ := set $c "n3" (dict "address" (printf "%s:%v" .Values.n3.address .Values.ports.n3)) -}}
{{- end -}}
{{- if eq .Values.topology "split" -}}
{{- $upf := required "n4.upfAddress: split runs the SMF and the UPF in Pods of their own, so N4 needs the UPF's address before they start (a static address on a Multus network)" .Values.n4.upfAddress -}}
{{- $smf := required "n4.smfAddress: split runs the SMF and the UPF in Pods of their own, so the UPF needs the SMF's N4 address (its PFCP Node ID) before they start" .Values.n4.smfAddress -}}
{{- $_ := set $c "n4" (dict "address" (printf "%s:%v" $upf .Values.ports.n4)) -}}
{{- $smfc := get $c "smf" | default dict -}}
{{- $smfn4 := get $smfc "n4" | default dict -}}
{{- $_ := set $smfn4 "address" $smf -}}
{{- $_ := set $smfc "n4" $smfn4 -}}
{{- $_ := set $c "smf" $smfc -}}
{{- else -}}
{{- $_ := set $c "n4" (dict "address" (printf "127.0.0.1:%v" .Values.ports.n4)) -}}
{{- end -}}
{{- if .Values.store.url -}}
{{- if regexMatch "^postgres(ql)?://[^/@]*:[^/@]*@" .Values.store.url -}}
{{- fail "store.url: holds a password, which would land in a ConfigMap; give it in store.passwordSecret (PGPASSWORD) instead" -}}
{{- end -}}
{{- $_ := set $c "store" (dict "url" .Values.store.url) -}}
{{- end -}}
{{- toYaml $c -}}
{{- end -}}

{{/* The image, tag defaulting to the chart's appVersion. */}}
{{- define "keel.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/*
Whether the udr's data directory is on a PersistentVolumeClaim: with
persistence, unless the store is PostgreSQL (store.url), where the data
directory holds only the lock and every UDR Pod, of as many replicas as
wanted, has an emptyDir of its own. "true" or "".
*/}}
{{- define "keel.dataVolume" -}}
{{- if and .Values.persistence.enabled (not .Values.store.url) -}}true{{- end -}}
{{- end -}}
