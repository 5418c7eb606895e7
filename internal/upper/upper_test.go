package upper

import (
	"bytes"
	"io"
	"net"
	"testing"
)

func TestInPlaceAndMatches(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"client7 say hello 3", "CLIENT7 SAY HELLO 3"},
		{"MiXeD ~{az}~", "MIXED ~{AZ}~"},
		{"caf\xc3\xa9 \xc3", "CAF\xc3\xa9 \xc3"}, // bytes beyond ASCII, a cut sequence: unchanged
	} {
		b := []byte(tc.in)
		InPlace(b)
		if string(b) != tc.want {
			t.Errorf("InPlace(%q) = %q, want %q", tc.in, b, tc.want)
		}
		if !Matches([]byte(tc.want), []byte(tc.in)) {
			t.Errorf("Matches(%q, %q) = false", tc.want, tc.in)
		}
	}
	for _, tc := range []struct{ reply, msg string }{
		{"HELLO", "hello!"},
		{"HELLo", "hello"},
		{"hello", "hello"},
	} {
		if Matches([]byte(tc.reply), []byte(tc.msg)) {
			t.Errorf("Matches(%q, %q) = true", tc.reply, tc.msg)
		}
	}
}

// waitConn is a connection that can wait until readable, as cnet.Conn:
// Serve then takes a pooled buffer per message.
type waitConn struct {
	net.Conn
	waits int
}

func (c *waitConn) WaitReadable() error {
	c.waits++
	return nil
}

func TestServe(t *testing.T) {
	t.Run("plain conn", func(t *testing.T) { testServe(t, func(c net.Conn) net.Conn { return c }) })
	var wc *waitConn
	t.Run("conn that waits until readable", func(t *testing.T) {
		testServe(t, func(c net.Conn) net.Conn { wc = &waitConn{Conn: c}; return wc })
		if wc.waits != 3 { // two messages, then the EOF
			t.Errorf("WaitReadable called %d times, want 3", wc.waits)
		}
	})
}

func testServe(t *testing.T, wrap func(net.Conn) net.Conn) {
	server, client := net.Pipe()
	server = wrap(server)
	var seen []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		Serve(server, func(msg []byte) { seen = append(seen, string(msg)) })
		server.Close()
	}()
	for _, msg := range []string{"one", "two words"} {
		client.Write([]byte(msg))
		reply := make([]byte, len(msg))
		if _, err := io.ReadFull(client, reply); err != nil || !bytes.Equal(reply, bytes.ToUpper([]byte(msg))) {
			t.Fatalf("reply %q, %v", reply, err)
		}
	}
	client.Close()
	<-done
	if len(seen) != 2 || seen[0] != "one" || seen[1] != "two words" {
		t.Fatalf("seen %q", seen)
	}
}
