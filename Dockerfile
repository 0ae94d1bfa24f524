# syntax=docker/dockerfile:1
#
# authzscan in a container: a static binary on a distroless base, run as
# an unprivileged user.
#
#   docker build --build-arg VERSION=$(git describe --tags --always --dirty) -t authzscan .
#   docker run --rm authzscan demo
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/work" -w /work \
#     -e ALICE_TOKEN -e BOB_TOKEN authzscan scan -c authzscan.yaml

ARG GO_VERSION=1.26.8

# Build: a static binary (no cgo), without local paths (-trimpath), with
# the version stamped where `authzscan version` reads it.
FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/authzscan ./cmd/authzscan

# Run: distroless static has CA certificates (for https targets and token
# endpoints) and time zone data, and nothing else: no shell, no package
# manager. 65532 is its "nonroot" user.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/authzscan /usr/local/bin/authzscan
USER 65532:65532
WORKDIR /home/nonroot
ENTRYPOINT ["/usr/local/bin/authzscan"]
CMD ["--help"]
