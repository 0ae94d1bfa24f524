package accesslog_test

import (
	"fmt"
	"time"

	"github.com/authzscan/authzscan/scanner/watch/accesslog"
)

func ExampleNew() {
	p, err := accesslog.New("combined", "")
	if err != nil {
		panic(err)
	}
	var e accesslog.Entry
	line := []byte(`203.0.113.9 - alice [10/Oct/2023:13:55:36 -0700] "GET /orders/42?expand=items HTTP/1.1" 403 19 "-" "curl/8.5.0"`)
	if err := p.Parse(line, &e); err != nil {
		panic(err)
	}
	fmt.Println(e.Time.Format(time.RFC3339), string(e.Method), string(e.Path), e.Status, string(e.Client), string(e.User))

	err = p.Parse([]byte(`203.0.113.9 - - [10/Oct/2023:13:55:36 -0700] "GET /x HTTP/1.1" 2OO 19 "-" "-"`), &e)
	fmt.Println(err)
	// Output:
	// 2023-10-10T13:55:36-07:00 GET /orders/42 403 203.0.113.9 alice
	// accesslog: status "2OO" is not a number
}

func ExampleNew_jsonFields() {
	p, err := accesslog.New("json", "time=ts,method=http.verb,path=http.uri,status=code,client=ip")
	if err != nil {
		panic(err)
	}
	var e accesslog.Entry
	line := []byte(`{"ts":1714557600.25,"http":{"verb":"DELETE","uri":"/users/7"},"code":401,"ip":"[2001:db8::5]:51000"}`)
	if err := p.Parse(line, &e); err != nil {
		panic(err)
	}
	fmt.Println(e.Time.Format(time.RFC3339Nano), string(e.Method), string(e.Path), e.Status, string(e.Client))
	// Output:
	// 2024-05-01T10:00:00.25Z DELETE /users/7 401 2001:db8::5
}

func ExampleDetect() {
	sample := [][]byte{
		[]byte(`[2024-05-01T10:00:00.001Z] "GET /orders/42 HTTP/1.1" 403 - 0 19 3 2 "203.0.113.7" "curl/8" "5d3f1c2e" "api" "10.0.7.12:8080"`),
		[]byte(`# deploy 2024-05-01T09:59:00Z v1.4.2`),
		[]byte(`[2024-05-01T10:00:00.002Z] "POST /login HTTP/1.1" 200 - 52 310 12 11 "198.51.100.2" "okhttp/4" "77aa01bc" "api" "10.0.7.13:8080"`),
	}
	p, err := accesslog.Detect(sample, "")
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Format())
	// Output: envoy
}
