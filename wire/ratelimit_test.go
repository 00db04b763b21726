package wire

import (
	"fmt"
	"net"
	"testing"
	"time"
)

func TestLoginLimiter(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	type step struct {
		host      string
		at        float64 // seconds after t0
		fail      bool    // record a failure, else check blocked
		want      bool    // fail: reached the limit; check: blocked
		wantHosts int
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"limit reached on the third failure", []step{
			{"a", 0, true, false, 1}, {"a", 1, true, false, 1}, {"a", 1, false, false, 1},
			{"a", 2, true, true, 1}, {"a", 2, false, true, 1}, {"b", 2, false, false, 1},
		}},
		{"oldest failure leaves the window", []step{
			{"a", 0, true, false, 1}, {"a", 5, true, false, 1}, {"a", 6, true, true, 1},
			{"a", 9.9, false, true, 1}, {"a", 10, false, false, 1}, {"a", 10, true, true, 1},
		}},
		{"expired host is forgotten", []step{
			{"a", 0, true, false, 1}, {"a", 20, false, false, 0},
		}},
		{"full table drops expired hosts first", []step{
			{"a", 0, true, false, 1}, {"b", 5, true, false, 2}, {"c", 6, true, false, 3},
			{"d", 11, true, false, 3}, // a expired: dropped
			{"b", 11, false, false, 3},
		}},
		{"full table drops the stalest host", []step{
			{"a", 0, true, false, 1}, {"a", 3, true, false, 1}, {"b", 1, true, false, 2}, {"c", 2, true, false, 3},
			{"d", 4, true, false, 3}, // b's last failure is the oldest
			{"a", 4, true, true, 3}, {"c", 4, true, false, 3},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := newLoginLimiter(3, 10*time.Second, 3)
			for i, s := range tc.steps {
				var got bool
				if s.fail {
					got = l.fail(s.host, at(s.at))
				} else {
					got = l.blocked(s.host, at(s.at))
				}
				if got != s.want || len(l.hosts) != s.wantHosts {
					t.Fatalf("step %d %+v: got %v with %d hosts %v", i, s, got, len(l.hosts), l.hosts)
				}
			}
		})
	}
}

func TestLoginLimiterBounded(t *testing.T) {
	l := newLoginLimiter(5, time.Minute, 100)
	now := time.Now()
	for i := 0; i < 10000; i++ {
		host := fmt.Sprintf("10.0.%d.%d", i/256, i%256)
		for j := 0; j < 7; j++ {
			l.fail(host, now.Add(time.Duration(i)*time.Millisecond))
		}
		if len(l.hosts) > 100 || len(l.hosts[host]) > 5 {
			t.Fatalf("after %d hosts: %d tracked, %d failures kept", i+1, len(l.hosts), len(l.hosts[host]))
		}
	}
	var off *loginLimiter
	if off.fail("a", now) || off.blocked("a", now) {
		t.Error("a nil limiter limits")
	}
}

func TestRemoteHost(t *testing.T) {
	for _, tc := range []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 5}, "127.0.0.1"},
		{&net.TCPAddr{IP: net.ParseIP("::ffff:10.1.2.3"), Port: 5}, "10.1.2.3"},
		{&net.TCPAddr{IP: net.ParseIP("2001:db8::1"), Port: 5}, "2001:db8::1"},
		{&net.UnixAddr{Name: "/tmp/.s.PGSQL.5432", Net: "unix"}, "/tmp/.s.PGSQL.5432"},
	} {
		if got := remoteHost(tc.addr); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.addr, got, tc.want)
		}
	}
}
