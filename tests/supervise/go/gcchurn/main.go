// gcchurn makes the garbage collector work: its heap grows and shrinks, and
// the runtime commits memory inside its own reservations (MAP_FIXED over its
// own PROT_NONE arenas). Prints "gc: ok N" with N the collections made.
package main

import (
	"fmt"
	"runtime"
)

func main() {
	var keep [][]byte
	for i := 0; i < 4000; i++ {
		b := make([]byte, 64<<10)
		b[0] = byte(i)
		if i%8 == 0 {
			keep = append(keep, b)
		}
		if len(keep) > 64 {
			keep = keep[32:]
		}
	}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	fmt.Println("gc: ok", m.NumGC > 0)
}
