# Keel's container image: one static keel binary on a distroless base,
# running as a user without privileges. The Helm chart in deploy/helm/keel
# runs it; docs/deployment.md explains both.
#
#   docker build -t keel:dev .
#   docker run --rm keel:dev version
#
# No credential is built in: the admin token and the home network keys
# come at run time, from the data directory or from $KEEL_ADMIN_TOKEN and
# $KEEL_HOME_NETWORK_KEYS (a Kubernetes Secret).

# Build: the Go release go.mod names, pinned by tag.
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY cmd ./cmd
COPY internal ./internal
# A static binary: no cgo (the SQLite engine is pure Go), so it runs on a
# base without a C library.
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/keel ./cmd/keel
# keel-net is the same binary with file capabilities CAP_NET_ADMIN (the
# UPF's TUN device) and CAP_NET_RAW (userspace SCTP): a process of a
# user other than root gets capabilities only from its file, whatever
# the container adds. It runs only in a container whose capability set
# holds both (and that allows privilege escalation, which file
# capabilities are); keel needs none.
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends libcap2-bin >/dev/null \
 && cp /out/keel /out/keel-net && setcap cap_net_admin,cap_net_raw=ep /out/keel-net
# The data directory, owned by the runtime user: the base has no shell to
# make it.
RUN mkdir -p /out/var/lib/keel

# Run: distroless static, its nonroot variant (user and group 65532).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/keel /out/keel-net /usr/local/bin/
COPY --from=build --chown=65532:65532 /out/var/lib/keel /var/lib/keel
WORKDIR /var/lib/keel
USER 65532:65532
# N2 NGAP (SCTP), N3 GTP-U and N4 PFCP (UDP), the SBI and the management
# API (TCP). The UPF needs CAP_NET_ADMIN for its TUN device and userspace
# SCTP CAP_NET_RAW: the chart runs keel-net with them in the containers
# that need them, keel with no capability in the others.
EXPOSE 38412/sctp 2152/udp 8805/udp 7777/tcp 8080/tcp
ENTRYPOINT ["/usr/local/bin/keel"]
CMD ["serve", "--data", "/var/lib/keel"]
