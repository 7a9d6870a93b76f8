// main.go - a Go program built with cgo: the Go runtime commits its arena with
// MAP_FIXED over its own PROT_NONE reservation, through x_cgo_mmap (libc mmap).
package main

// #include <stdlib.h>
import "C"
import "fmt"

func main() {
	p := C.malloc(16)
	C.free(p)
	var xs [][]byte
	total := 0
	for i := 0; i < 2000; i++ {
		b := make([]byte, 64*1024)
		b[0] = byte(i)
		total += int(b[0])
		if i%3 == 0 {
			xs = append(xs, b)
		}
	}
	fmt.Println("go ok", len(xs), total)
}
