// Package deploytest checks Keel's deployment files offline, without a
// container registry or a cluster: the Dockerfile at the repository's
// root, parsed and checked for what the image must be (a static binary on
// a distroless base, a user other than root, no credential built in), and
// the Helm chart in deploy/helm/keel, linted and rendered with Helm's Go
// module for each of its values files, every rendered object decoded
// strictly into its Kubernetes API type, and the configuration it renders
// loaded as keel serve loads it, with each process's command line; and
// the alert rules and Grafana dashboard the chart ships, rendered into a
// PrometheusRule and a ConfigMap equal to the files they come from.
//
// The package holds tests only: Helm, the Kubernetes API types and the
// Prometheus Operator's types are imported by its tests alone, so no
// Keel binary carries them (internal/lint enforces it).
//
// # Concurrency
//
// Nothing is shared: each test loads and renders the chart itself.
package deploytest
