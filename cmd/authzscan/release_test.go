package main

import (
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// repoRoot is where the Dockerfile, Makefile and .goreleaser.yaml are.
const repoRoot = "../.."

// stampFlag is how every release build stamps the version: the variable
// Version reads.
const stampFlag = "-X main.version="

// dockerStages splits the Dockerfile into stages: each starts at a FROM.
// Continuation lines are joined and comments dropped.
func dockerStages(t *testing.T) [][]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(data), "\\\n", " ")
	var stages [][]string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(strings.ToUpper(line), "FROM ") {
			stages = append(stages, nil)
		}
		if len(stages) > 0 {
			stages[len(stages)-1] = append(stages[len(stages)-1], line)
		}
	}
	return stages
}

// instruction returns the arguments of the stage's instructions named
// name (RUN, USER…), in order.
func instruction(stage []string, name string) []string {
	var out []string
	for _, line := range stage {
		if kw, rest, ok := strings.Cut(line, " "); ok && strings.EqualFold(kw, name) {
			out = append(out, strings.TrimSpace(rest))
		}
	}
	return out
}

// TestDockerfileShape checks what cannot be built here (there is no Docker
// engine): a build stage and a final stage, a static build, and a final
// image that runs authzscan as a numeric non-root user.
func TestDockerfileShape(t *testing.T) {
	stages := dockerStages(t)
	if len(stages) < 2 {
		t.Fatalf("the Dockerfile has %d stages, want a build stage and a final one", len(stages))
	}
	final := stages[len(stages)-1]
	from := strings.Fields(final[0])[1]
	if !strings.HasPrefix(from, "gcr.io/distroless/static") && from != "scratch" {
		t.Errorf("the final stage is FROM %s; want a distroless static image or scratch (the binary is static)", from)
	}
	users := instruction(final, "USER")
	if len(users) == 0 {
		t.Fatal("the final stage has no USER: the scanner would run as root")
	}
	uid, _, _ := strings.Cut(users[len(users)-1], ":")
	if !regexp.MustCompile(`^[0-9]+$`).MatchString(uid) || uid == "0" {
		t.Errorf("USER %s: want a numeric uid other than 0, so that runtimes can check it is not root", users[len(users)-1])
	}
	if e := instruction(final, "ENTRYPOINT"); len(e) != 1 || !strings.Contains(e[0], "authzscan") {
		t.Errorf("ENTRYPOINT %q: want the authzscan binary", e)
	}
	if c := instruction(final, "COPY"); len(c) != 1 || !strings.HasPrefix(c[0], "--from=") {
		t.Errorf("the final stage copies %q; want only the binary from the build stage", c)
	}
	build := dockerBuild(t, stages)
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", stampFlag + "${VERSION}", "./cmd/authzscan"} {
		if !strings.Contains(build, want) {
			t.Errorf("the build command lacks %s: %s", want, build)
		}
	}
}

// dockerBuild is the build stage's `go build` command.
func dockerBuild(t *testing.T, stages [][]string) string {
	t.Helper()
	for _, stage := range stages[:len(stages)-1] {
		for _, run := range instruction(stage, "RUN") {
			if strings.Contains(run, "go build") {
				return run
			}
		}
	}
	t.Fatal("no RUN go build in the Dockerfile's build stages")
	return ""
}

// TestDockerBuildCommand runs the Dockerfile's build command here, as the
// shell in the image would, and checks the result: a static binary whose
// `version` prints the stamped version.
func TestDockerBuildCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary once more; skipped in -short")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the image's build runs on linux")
	}
	stages := dockerStages(t)
	if len(stages) < 2 {
		t.Fatal("the Dockerfile has no build stage")
	}
	file, err := syntax.NewParser().Parse(strings.NewReader(dockerBuild(t, stages)), "Dockerfile")
	if err != nil {
		t.Fatalf("the build command is not shell: %v", err)
	}
	call, ok := file.Stmts[0].Cmd.(*syntax.CallExpr)
	if len(file.Stmts) != 1 || !ok {
		t.Fatal("the build command is not one simple command")
	}
	const version = "v9.8.7-docker-test"
	cfg := &expand.Config{Env: expand.ListEnviron("VERSION=" + version)}
	args, err := expand.Fields(cfg, call.Args...)
	if err != nil {
		t.Fatal(err)
	}
	env := os.Environ()
	for _, a := range call.Assigns {
		v, err := expand.Literal(cfg, a.Value)
		if err != nil {
			t.Fatal(err)
		}
		env = append(env, a.Name.Value+"="+v)
	}
	if len(args) < 2 || args[0] != "go" || args[1] != "build" {
		t.Fatalf("the build command is %q, want go build …", args)
	}
	out := filepath.Join(t.TempDir(), "authzscan")
	if i := slices.Index(args, "-o"); i < 0 || i+1 >= len(args) {
		t.Fatalf("the build command names no -o output: %q", args)
	} else {
		args[i+1] = out // the image's /out is not writable here
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir, cmd.Env = repoRoot, env
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%q: %v\n%s", args, err, msg)
	}
	got, err := exec.Command(out, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := "authzscan " + version + "\n"; string(got) != want {
		t.Errorf("version printed %q, want %q", got, want)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary asks for a dynamic loader; a distroless static image has none")
		}
	}
}

// TestReleaseTargets checks that the Makefile and .goreleaser.yaml build
// the same six targets, static, stamped the way the Dockerfile stamps.
func TestReleaseTargets(t *testing.T) {
	mk, err := os.ReadFile(filepath.Join(repoRoot, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	variable := func(name string) string {
		m := regexp.MustCompile(`(?m)^` + name + `\s*[:?]?=\s*(.*)$`).FindSubmatch(mk)
		if m == nil {
			t.Fatalf("the Makefile does not set %s", name)
		}
		return string(bytes.TrimSpace(m[1]))
	}
	want := []string{"darwin/amd64", "darwin/arm64", "linux/amd64", "linux/arm64", "windows/amd64", "windows/arm64"}
	platforms := strings.Fields(variable("PLATFORMS"))
	slices.Sort(platforms)
	if !slices.Equal(platforms, want) {
		t.Errorf("Makefile PLATFORMS %q, want %q", platforms, want)
	}
	if l := variable("LDFLAGS"); !strings.Contains(l, stampFlag+"$(VERSION)") {
		t.Errorf("Makefile LDFLAGS %q does not stamp %s$(VERSION)", l, stampFlag)
	}
	if v := variable("VERSION"); !strings.Contains(v, "git describe --tags --always --dirty") {
		t.Errorf("Makefile VERSION %q is not git describe's", v)
	}
	for _, want := range []string{"CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags \"$(LDFLAGS)\""} {
		if !bytes.Contains(mk, []byte(want)) {
			t.Errorf("the Makefile's release target lacks %s", want)
		}
	}

	data, err := os.ReadFile(filepath.Join(repoRoot, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var gr struct {
		Version int `yaml:"version"`
		Builds  []struct {
			Main    string   `yaml:"main"`
			Env     []string `yaml:"env"`
			Flags   []string `yaml:"flags"`
			Ldflags []string `yaml:"ldflags"`
			Goos    []string `yaml:"goos"`
			Goarch  []string `yaml:"goarch"`
		} `yaml:"builds"`
		Checksum struct {
			Algorithm string `yaml:"algorithm"`
		} `yaml:"checksum"`
	}
	if err := yaml.Unmarshal(data, &gr); err != nil {
		t.Fatalf(".goreleaser.yaml: %v", err)
	}
	if gr.Version != 2 || len(gr.Builds) != 1 {
		t.Fatalf(".goreleaser.yaml: version %d with %d builds, want version 2 with one build", gr.Version, len(gr.Builds))
	}
	b := gr.Builds[0]
	var targets []string
	for _, goos := range b.Goos {
		for _, arch := range b.Goarch {
			targets = append(targets, goos+"/"+arch)
		}
	}
	slices.Sort(targets)
	if !slices.Equal(targets, want) {
		t.Errorf(".goreleaser.yaml builds %q, want %q", targets, want)
	}
	if b.Main != "./cmd/authzscan" || !slices.Contains(b.Env, "CGO_ENABLED=0") || !slices.Contains(b.Flags, "-trimpath") {
		t.Errorf(".goreleaser.yaml build: main %q, env %q, flags %q; want ./cmd/authzscan, CGO_ENABLED=0, -trimpath", b.Main, b.Env, b.Flags)
	}
	if !strings.Contains(strings.Join(b.Ldflags, " "), stampFlag+"{{.Version}}") {
		t.Errorf(".goreleaser.yaml ldflags %q do not stamp %s{{.Version}}", b.Ldflags, stampFlag)
	}
	if gr.Checksum.Algorithm != "sha256" {
		t.Errorf(".goreleaser.yaml checksum algorithm %q, want sha256", gr.Checksum.Algorithm)
	}
}
