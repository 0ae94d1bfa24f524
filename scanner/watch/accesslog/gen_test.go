package accesslog

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// jsonTestFields is the --fields mapping the generated "json" lines use.
const jsonTestFields = "time=ts,method=verb,path=uri,status=code,client=ip,user=uid"

// fieldsFor is the fields value tests give New and Detect for a format.
func fieldsFor(format string) string {
	if format == FormatJSON {
		return jsonTestFields
	}
	return ""
}

// genLines writes n realistic lines of format with a fixed seed: an API's
// traffic (several operations with ids, queries, users, 2xx with some
// 401/403/404), in each server's own shape. The benchmarks and the Detect
// tests read them.
func genLines(format string, n int, seed uint64) []string {
	r := rand.New(rand.NewPCG(seed, 1))
	paths := []string{"/api/v1/orders/%d", "/api/v1/orders/%d/items", "/api/v1/users/%d", "/api/v1/products?page=%d&sort=price", "/api/v1/login", "/healthz"}
	methods := []string{"GET", "GET", "GET", "POST", "PUT", "DELETE", "PATCH"}
	statuses := []int{200, 200, 200, 200, 201, 204, 304, 401, 403, 404, 500}
	users := []string{"-", "-", "alice", "bob", "carol"}
	agents := []string{
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
		"python-requests/2.31.0", "curl/8.5.0", "okhttp/4.12.0", "Go-http-client/2.0",
	}
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.FixedZone("", 2*3600))
	lines := make([]string, n)
	for i := range lines {
		t := base.Add(time.Duration(i)*137*time.Millisecond + time.Duration(r.IntN(1000))*time.Microsecond)
		ip := fmt.Sprintf("%d.%d.%d.%d", 10+r.IntN(200), r.IntN(256), r.IntN(256), 1+r.IntN(254))
		if r.IntN(10) == 0 {
			ip = fmt.Sprintf("2001:db8::%x", r.IntN(65536))
		}
		path := paths[r.IntN(len(paths))]
		if strings.Contains(path, "%d") {
			path = fmt.Sprintf(path, 1+r.IntN(5000))
		}
		m := methods[r.IntN(len(methods))]
		st := statuses[r.IntN(len(statuses))]
		user := users[r.IntN(len(users))]
		ua := agents[r.IntN(len(agents))]
		size := r.IntN(20000)
		id := fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", r.Uint32(), r.IntN(1<<16), r.IntN(1<<12), r.IntN(1<<12), r.Uint64()&(1<<48-1))
		juser := user
		if juser == "-" {
			juser = ""
		}
		switch format {
		case FormatCombined:
			lines[i] = fmt.Sprintf(`%s - %s [%s] "%s %s HTTP/1.1" %d %d "https://app.example.com/" "%s"`,
				ip, user, t.Format("02/Jan/2006:15:04:05 -0700"), m, path, st, size, ua)
		case FormatCommon:
			lines[i] = fmt.Sprintf(`%s - %s [%s] "%s %s HTTP/1.1" %d %d`,
				ip, user, t.Format("02/Jan/2006:15:04:05 -0700"), m, path, st, size)
		case FormatEnvoy:
			lines[i] = fmt.Sprintf(`[%s] "%s %s HTTP/1.1" %d - %d %d %d %d "%s" "%s" "%s" "api.example.com" "10.0.7.%d:8080"`,
				t.UTC().Format("2006-01-02T15:04:05.000Z07:00"), m, path, st, r.IntN(500), size, r.IntN(300), r.IntN(290), ip, ua, id, r.IntN(20))
		case FormatALB:
			lines[i] = fmt.Sprintf(`https %s app/api-lb/50dc6c495c0c9188 %s:%d 10.0.0.%d:8080 0.000 0.%03d 0.000 %d %d %d %d "%s https://api.example.com:443%s HTTP/1.1" "%s" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/api/73e2d6bc24d8a067 "Root=1-%x-%s" "api.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 %s "forward" "-" "-" "10.0.0.%d:8080" "%d" "-" "-"`,
				t.UTC().Format("2006-01-02T15:04:05.000000Z"), albIP(ip), 1024+r.IntN(60000), r.IntN(20), r.IntN(300), st, st, r.IntN(900), size, m, path, ua, t.Unix(), id[:24], t.UTC().Format("2006-01-02T15:04:05.000000Z"), r.IntN(20), st)
		case FormatCaddy:
			lines[i] = fmt.Sprintf(`{"level":"info","ts":%d.%07d,"logger":"http.log.access.log0","msg":"handled request","request":{"remote_ip":"172.71.%d.%d","remote_port":"%d","client_ip":"%s","proto":"HTTP/2.0","method":"%s","host":"api.example.com","uri":"%s","headers":{"User-Agent":["%s"],"Accept":["application/json"],"Accept-Encoding":["gzip, deflate, br"],"Authorization":["REDACTED"]},"tls":{"resumed":false,"version":772,"cipher_suite":4865,"proto":"h2","server_name":"api.example.com"}},"bytes_read":0,"user_id":"%s","duration":0.00%d,"size":%d,"status":%d,"resp_headers":{"Server":["Caddy"],"Content-Type":["application/json"]}}`,
				t.Unix(), t.Nanosecond()/100, r.IntN(256), r.IntN(256), 1024+r.IntN(60000), ip, m, path, ua, juser, r.IntN(100000), size, st)
		case FormatNginxJSON:
			lines[i] = fmt.Sprintf(`{"time_iso8601":"%s","remote_addr":"%s","remote_user":"%s","request":"%s %s HTTP/1.1","status":"%d","body_bytes_sent":"%d","request_time":"0.0%02d","http_referrer":"","http_user_agent":"%s"}`,
				t.Format("2006-01-02T15:04:05-07:00"), ip, juser, m, path, st, size, r.IntN(100), ua)
		case FormatJSON:
			lines[i] = fmt.Sprintf(`{"ts":"%s","level":"info","verb":"%s","uri":"%s","code":%d,"ip":"%s","uid":"%s","latency_ms":%d,"trace":"%s"}`,
				t.Format(time.RFC3339Nano), m, path, st, ip, juser, r.IntN(300), id)
		default:
			panic("genLines: no generator for " + format)
		}
	}
	return lines
}

// albIP brackets an IPv6 address, as address:port fields need.
func albIP(ip string) string {
	for _, c := range ip {
		if c == ':' {
			return "[" + ip + "]"
		}
	}
	return ip
}

func toBytes(lines []string) [][]byte {
	b := make([][]byte, len(lines))
	for i, l := range lines {
		b[i] = []byte(l)
	}
	return b
}
