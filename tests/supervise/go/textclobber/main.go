// textclobber maps anonymous memory MAP_FIXED over its own text with
// syscall.Syscall6, as Go's runtime makes its own calls: no libc, no preload.
// Prints "go: result=ok|EEXIST|errno=N".
package main

import (
	"fmt"
	"reflect"
	"syscall"
)

func main() {
	page := reflect.ValueOf(main).Pointer() &^ 4095
	r, _, e := syscall.Syscall6(syscall.SYS_MMAP, page, 4096, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|syscall.MAP_FIXED, ^uintptr(0), 0)
	switch {
	case e == 0 && r == page:
		fmt.Println("go: result=ok")
	case e == syscall.EEXIST:
		fmt.Println("go: result=EEXIST")
	default:
		fmt.Printf("go: result=errno=%d\n", int(e))
	}
}
