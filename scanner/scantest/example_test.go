package scantest_test

import (
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/authzscan/authzscan/scanner/scantest"
)

// A test starts the server, writes the spec and config for the scan, gives
// the scan the environment, and afterwards checks what the server saw.
func ExampleStart() {
	srv, err := scantest.Start(scantest.Options{ExpireAfter: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	dir, err := os.MkdirTemp("", "scantest")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	if err := srv.WriteFiles(dir); err != nil {
		fmt.Println(err)
		return
	}
	env := srv.Env() // set these for the scan: ST_BEARER=…

	// What the scan would do for the bearer profile, by hand.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/items/103", nil)
	req.Header.Set("Authorization", "Bearer "+env["ST_BEARER"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()

	for _, r := range srv.Requests() {
		fmt.Println(r.Origin, r.Method, r.Path, r.Profile, r.Status)
	}
	fmt.Println("expected:", scantest.Expected("GET", "/api/items/{itemId}", "bearer", "basic"))
	fmt.Println("secrets start with st_:", strings.HasPrefix(env["ST_BEARER"], "st_bearer_"))
	// Output:
	// api GET /api/items/103 bearer 404
	// expected: 404
	// secrets start with st_: true
}
