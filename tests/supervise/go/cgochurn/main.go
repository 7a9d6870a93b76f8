// cgochurn is gcchurn with cgo: dynamically linked, libc's threads and the Go
// runtime's heap side by side (the shim and the supervisor both watch it).
package main

// #include <stdlib.h>
// static int twice(int x) { void *p = malloc(1 << 20); free(p); return 2 * x; }
import "C"

import (
	"fmt"
	"runtime"
)

func main() {
	var keep [][]byte
	sum := 0
	for i := 0; i < 2000; i++ {
		b := make([]byte, 64<<10)
		keep = append(keep, b)
		if len(keep) > 64 {
			keep = keep[32:]
		}
		sum += int(C.twice(C.int(i & 1)))
	}
	runtime.GC()
	fmt.Println("cgo: ok", sum)
}
