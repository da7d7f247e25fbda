package sbihttp

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkSBICall is the cost of one SBI call, client and server
// together, over h2c on loopback: a POST with a small JSON body answered
// 201 with Location and a JSON body, decoded strictly on the server and
// into a struct on the client.
func BenchmarkSBICall(b *testing.B) {
	root := start(b, echoServer(ServerConfig{}), "http")
	c := NewClient(ClientConfig{Resolver: StaticResolver{"nkeel-echo": {root}}})
	defer c.CloseIdle()
	req := Request{Service: "nkeel-echo", Method: "POST", Path: "/echoes", Body: echoIn{Supi: "imsi-001010000000001", Count: 1}}
	b.Run("sequential", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var out echoOut
			if _, err := c.Do(context.Background(), req, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
	// A GET of a resource named by the UE, as most SBI requests are
	// (its :path differs from one UE to the next), answered 200.
	b.Run("per-UE-path", func(b *testing.B) {
		paths := make([]string, 4096)
		for i := range paths {
			paths[i] = fmt.Sprintf("/echoes/imsi-0010100%08d", i)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			var out echoOut
			if _, err := c.Do(context.Background(), Request{Service: "nkeel-echo", Method: "GET", Path: paths[i%len(paths)]}, &out); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				var out echoOut
				if _, err := c.Do(context.Background(), req, &out); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
