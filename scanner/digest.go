package scanner

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"

	"go.yaml.in/yaml/v4"
)

// MaxNameLength bounds the config's name, in characters.
const MaxNameLength = 100

// digestPrefix starts every digest a report carries: the algorithm, so
// that a later one can be told apart.
const digestPrefix = "sha256:"

// ConfigDigest identifies a config file's content for reports: "sha256:"
// and the hex SHA-256 of a canonical form of its YAML tree — every node's
// kind, tag, anchor and value, in order, so that comments, quoting style
// and indentation do not count but every key and value does.
//
// SECURITY: the values of every profile's auth block are left out (only
// their shape counts), and so are those of anything anchored (&name),
// which an auth block could use through an alias: the digest must not let
// whoever holds a report test guesses of a literal credential written in
// the file. Aliases count as their name, never expanded.
func ConfigDigest(root *yaml.Node) string {
	h := sha256.New()
	writeNode(h, root, roleTop)
	return digestPrefix + hex.EncodeToString(h.Sum(nil))
}

// nodeRole is where a node sits, as far as ConfigDigest cares.
type nodeRole int

const (
	roleOther    nodeRole = iota
	roleTop               // the document's top mapping
	roleProfiles          // the value of the top-level profiles key
	roleProfile           // one profile
	roleSecret            // inside an auth block or an anchored node
)

// writeNode writes n, in role, to h canonically.
func writeNode(h hash.Hash, n *yaml.Node, role nodeRole) {
	if n == nil {
		writeField(h, "nil")
		return
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Anchor != "" {
		role = roleSecret
	}
	writeField(h, string(rune('0'+n.Kind)))
	writeField(h, n.ShortTag())
	writeField(h, n.Anchor)
	switch {
	case n.Kind == yaml.AliasNode:
		writeField(h, n.Value) // the anchor's name
	case n.Kind == yaml.ScalarNode && role == roleSecret:
		writeField(h, "")
	default:
		writeField(h, n.Value)
	}
	var count [8]byte
	binary.BigEndian.PutUint64(count[:], uint64(len(n.Content)))
	h.Write(count[:])
	for i, c := range n.Content {
		child := roleOther
		switch {
		case role == roleSecret:
			child = roleSecret
		case n.Kind != yaml.MappingNode || i%2 == 0:
			// a key, or an item of a list
		case role == roleTop && n.Content[i-1].Value == "profiles":
			child = roleProfiles
		case role == roleProfiles:
			child = roleProfile
		case role == roleProfile && n.Content[i-1].Value == "auth":
			child = roleSecret
		}
		writeNode(h, c, child)
	}
}

// writeField writes s length-prefixed, so that no two sequences of
// fields give the same bytes.
func writeField(h hash.Hash, s string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}

// SpecDigest identifies a spec for reports from the bytes of its
// documents as read, in the config's order: for one document "sha256:"
// and the hex SHA-256 of its bytes (what sha256sum prints); for several,
// of the lines "HEX\n" of each one's. Documents its $refs reach are not
// included.
func SpecDigest(docs ...[]byte) string {
	sums := make([][sha256.Size]byte, len(docs))
	for i, d := range docs {
		sums[i] = sha256.Sum256(d)
	}
	return specDigestOf(sums)
}

// specDigestOf is SpecDigest from the documents' SHA-256 sums.
func specDigestOf(sums [][sha256.Size]byte) string {
	if len(sums) == 1 {
		return digestPrefix + hex.EncodeToString(sums[0][:])
	}
	h := sha256.New()
	for _, sum := range sums {
		h.Write([]byte(hex.EncodeToString(sum[:]) + "\n"))
	}
	return digestPrefix + hex.EncodeToString(h.Sum(nil))
}
