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

func TestServe(t *testing.T) {
	server, client := net.Pipe()
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
