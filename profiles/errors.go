package profiles

import "fmt"

// ConfigError is one problem in the config file, located by file and line.
// Its text reads "FILE:LINE: PATH: MSG", for example
//
//	authzscan.yaml:12: profiles.alice.auth.bearer: environment variable "ALICE_TOKEN" is not set; export it before the scan
//
// The scanner's config loader uses the same type for every config problem,
// so users see one format.
type ConfigError struct {
	// File is the config file as the user named it; empty when none.
	File string
	// Line is 1-based; 0 when unknown.
	Line int
	// Path is the dotted key path, for example "profiles.alice.auth".
	Path string
	// Msg says what is wrong and how to fix it, lowercase, no final period.
	Msg string
}

func (e *ConfigError) Error() string {
	loc := e.File
	if loc == "" {
		loc = "config"
	}
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", loc, e.Line)
	}
	if e.Path == "" {
		return loc + ": " + e.Msg
	}
	return loc + ": " + e.Path + ": " + e.Msg
}
