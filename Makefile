# authzscan: build, test and cross-compile without anything but Go.
#
#   make build     ./authzscan for this machine
#   make test      the test suite, as README.md says (go test -race ./...)
#   make check     gofmt, go vet and go mod tidy, as CI checks them
#   make schema    regenerate authzscan.schema.json after changing the config types
#   make release   dist/authzscan-OS-ARCH[.exe] for linux, darwin and windows on
#                  amd64 and arm64, with the version stamped, and dist/SHA256SUMS
#
# VERSION defaults to `git describe --tags --always --dirty`; override it
# with `make release VERSION=v1.2.3`.

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
GO ?= go

.PHONY: build test check schema release clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o authzscan ./cmd/authzscan

test:
	$(GO) test -race ./...

check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt would change:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) mod tidy -diff

schema:
	$(GO) test ./scanner/configschema -run TestSchemaIsCurrent -update

release:
	rm -rf dist && mkdir -p dist
	@set -e; for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; ext=; [ "$$os" = windows ] && ext=.exe; \
		echo "dist/authzscan-$$os-$$arch$$ext"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags "$(LDFLAGS)" \
			-o dist/authzscan-$$os-$$arch$$ext ./cmd/authzscan; \
	done
	cd dist && if command -v sha256sum >/dev/null; then sha256sum authzscan-* > SHA256SUMS; else shasum -a 256 authzscan-* > SHA256SUMS; fi

clean:
	rm -rf dist authzscan
